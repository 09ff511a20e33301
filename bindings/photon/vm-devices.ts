/**
 * What a VM carries besides disks (API.md §6): an ISO in its CD-ROM (`attach_iso` uploads it as a
 * multipart file, `detach_iso` ejects it) and a floating IP acquired on an SDN subnet. Each is a task on
 * the VM; refusals the host or the network would make end the task ERROR.
 */
import { ApiError } from "./errors.js";
import type { PhotonPlatform } from "./platform.js";
import { created, required, type Route } from "./route.js";
import { subnet } from "./subnets.js";
import { vm, vmTask } from "./vms.js";

/** The ISO file of an `attach_iso` upload (the SDK sends one file part). */
async function readIso(req: Request): Promise<{ name: string; size: number }> {
  let form: FormData;
  try {
    form = await req.formData();
  } catch {
    throw new ApiError(400, "IsoUploadError", "The upload is not a multipart form holding an ISO file");
  }
  for (const [, v] of form) {
    if (typeof v !== "string") return { name: (v.name || "iso").replace(/^.*[\\/]/, ""), size: v.size };
  }
  throw new ApiError(400, "IsoUploadError", "The upload holds no ISO file");
}

/** Floating addresses come from 172.16.0.0/12, the deployment's external pool (first free one). */
function freeFloatingIp(p: PhotonPlatform): string {
  const used = new Set<string>();
  for (const v of p.docs.vm.values()) if (v.floatingIp) used.add(v.floatingIp.address);
  for (let i = 2; i < 1 << 20; i++) {
    const a = (172 << 24) | (16 << 16) | i;
    const ip = [24, 16, 8, 0].map((s) => (a >>> s) & 255).join(".");
    if (!used.has(ip)) return ip;
  }
  throw new ApiError(400, "InternalError", "The floating IP pool is exhausted");
}

const refused = (id: string, why: string): ApiError => new ApiError(400, "InvalidVmState", `VM ${id} ${why}`, { id });

export const vmDeviceRoutes: Route[] = [
  {
    method: "POST",
    path: "/vms/:id/attach_iso",
    async run({ p, params, request, origin }) {
      const v = vm(p, params.id);
      const iso = await readIso(request);
      const isoId = crypto.randomUUID();
      const t = vmTask(p, v, "ATTACH_ISO", [
        ["UPLOAD_ISO", () => undefined],
        [
          "ATTACH_ISO",
          () => {
            const cur = vm(p, v.id);
            // a VM has one CD-ROM drive
            if (cur.attachedIsos?.length) throw refused(cur.id, `already has ISO ${cur.attachedIsos[0].name} attached`);
            p.put("vm", { ...cur, attachedIsos: [{ id: isoId, name: iso.name, size: iso.size }] });
          },
        ],
      ]);
      return created(p.tasks.json(t, origin));
    },
  },
  {
    method: "POST",
    path: "/vms/:id/detach_iso",
    run({ p, params, origin }) {
      const v = vm(p, params.id);
      const t = vmTask(p, v, "DETACH_ISO", [
        [
          "DETACH_ISO",
          () => {
            const cur = vm(p, v.id);
            if (!cur.attachedIsos?.length) throw refused(cur.id, "has no ISO attached");
            p.put("vm", { ...cur, attachedIsos: [] });
          },
        ],
      ]);
      return created(p.tasks.json(t, origin));
    },
  },
  {
    method: "POST",
    path: "/vms/:id/acquire_floating_ip",
    async run({ p, params, body, origin }) {
      const v = vm(p, params.id);
      const networkId = required((await body()).networkId, "networkId");
      const net = subnet(p, networkId);
      const t = vmTask(p, v, "ACQUIRE_FLOATING_IP", [
        [
          "ACQUIRE_FLOATING_IP",
          () => {
            const cur = vm(p, v.id);
            if (cur.floatingIp) throw refused(cur.id, `already has floating IP ${cur.floatingIp.address}`);
            if (subnet(p, net.id).state !== "READY") throw new ApiError(400, "InvalidNetworkState", `Network ${net.id} is ${net.state}`, { id: net.id });
            p.put("vm", { ...cur, floatingIp: { networkId: net.id, address: freeFloatingIp(p) } });
          },
        ],
      ]);
      return created(p.tasks.json(t, origin));
    },
  },
  {
    method: "DELETE",
    path: "/vms/:id/release_floating_ip",
    run({ p, params, origin }) {
      const v = vm(p, params.id);
      const t = vmTask(p, v, "RELEASE_FLOATING_IP", [
        [
          "RELEASE_FLOATING_IP",
          () => {
            const cur = vm(p, v.id);
            if (!cur.floatingIp) throw refused(cur.id, "has no floating IP");
            p.put("vm", { ...cur, floatingIp: undefined });
          },
        ],
      ]);
      return created(p.tasks.json(t, origin));
    },
  },
];
