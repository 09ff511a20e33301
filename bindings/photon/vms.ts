/**
 * VMs (API.md §6, §8): create debits quota in the POST and places through the fleet scheduler in the
 * task's RESERVE_RESOURCE step; CREATING → STOPPED | ERROR; power operations; delete credits quota;
 * disks, tags, metadata, networks.
 */
import { ApiError, invalidEntity, stateError } from "./errors.js";
import { flavorByName, releaseFlavor } from "./flavors.js";
import { readyImage } from "./images.js";
import { constraints } from "./placement.js";
import type { PhotonPlatform } from "./platform.js";
import { creditProject, debitProject, project } from "./projects.js";
import { base, type QuotaLineItem } from "./quota.js";
import { byName, checkName, created, ok, required, type Route } from "./route.js";
import { filterTasks } from "./tenants.js";
import type { Affinity, AttachedDisk, VmDoc, VmState } from "./types.js";

export function vm(p: PhotonPlatform, id: string): VmDoc {
  return p.get("vm", id, "VmNotFound", "Vm");
}
export function vmJson(p: PhotonPlatform, v: VmDoc, origin: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: v.id,
    selfLink: `${origin}/vms/${v.id}`,
    kind: "vm",
    name: v.name,
    flavor: v.flavor,
    state: v.state,
    sourceImageId: v.sourceImageId,
    tags: v.tags,
    metadata: v.metadata,
    attachedDisks: v.attachedDisks,
    attachedIsos: (v.attachedIsos ?? []).map((i) => ({ id: i.id, name: i.name, kind: "iso", size: i.size })),
  };
  if (v.floatingIp) out.floatingIp = v.floatingIp.address;
  if (v.host >= 0) out.host = p.fleet.address(v.host);
  if (v.datastore) out.datastore = v.datastore;
  return out;
}

/** vCPUs and memory (MiB) of a VM from its flavor's cost (vm.cpu COUNT, vm.memory sized). */
export function vmSize(cost: QuotaLineItem[]): { vcpus: number; memoryMiB: number } {
  const cpu = cost.find((c) => c.key === "vm.cpu");
  const mem = cost.find((c) => c.key === "vm.memory");
  return { vcpus: cpu && cpu.value > 0 ? cpu.value : 1, memoryMiB: mem && base(mem) > 0 ? base(mem) / 1024 ** 2 : 1024 };
}

export interface VmSpec {
  name: string;
  flavor: string;
  sourceImageId: string;
  attachedDisks: { name: string; kind: string; flavor: string; capacityGb?: number; bootDisk: boolean }[];
  affinities: Affinity[];
  tags: string[];
  subnets?: string[];
  clusterId?: string;
}

/** Checks a VM create spec from a request body (400 InvalidEntity). */
export function parseVmSpec(b: Record<string, unknown>): VmSpec {
  const name = checkName(b.name);
  const flavor = required(b.flavor, "flavor");
  if (typeof b.sourceImageId !== "string" || !b.sourceImageId) throw invalidEntity("sourceImageId may not be null (was null)");
  const disks = b.attachedDisks;
  if (!Array.isArray(disks) || disks.length === 0) throw invalidEntity(`attachedDisks size must be between 1 and 2147483647 (was ${Array.isArray(disks) ? "[]" : "null"})`);
  const attached = disks.map((d, i) => {
    const x = d as Record<string, unknown>;
    if (!x || typeof x !== "object") throw invalidEntity(`attachedDisks[${i}] may not be null (was null)`);
    const kind = x.kind === "ephemeral" ? "ephemeral-disk" : x.kind;
    if (kind !== "ephemeral-disk") throw invalidEntity(`attachedDisks[${i}].kind must match "ephemeral-disk|ephemeral" (was ${String(x.kind)})`);
    if (x.capacityGb !== undefined && x.capacityGb !== null && !(Number.isInteger(x.capacityGb) && (x.capacityGb as number) >= 1)) {
      throw invalidEntity(`attachedDisks[${i}].capacityGb must be greater than or equal to 1 (was ${String(x.capacityGb)})`);
    }
    return { name: checkName(x.name, `attachedDisks[${i}].name`), kind, flavor: required(x.flavor, `attachedDisks[${i}].flavor`), capacityGb: x.capacityGb as number | undefined, bootDisk: x.bootDisk === true };
  });
  if (attached.filter((d) => d.bootDisk).length !== 1) throw invalidEntity("attachedDisks must have exactly one boot disk (was " + attached.filter((d) => d.bootDisk).length + ")");
  const affinities = (Array.isArray(b.affinities) ? b.affinities : []).map((a, i) => {
    const x = a as Record<string, unknown>;
    const kind = String(x?.kind ?? "");
    if (!["disk", "host", "datastore", "portGroup", "availabilityZone"].includes(kind)) throw invalidEntity(`affinities[${i}].kind must match "disk|host|datastore|portGroup|availabilityZone" (was ${kind || "null"})`);
    return { id: required(x.id, `affinities[${i}].id`), kind };
  });
  const count = (k: string): number => affinities.filter((a) => a.kind === k).length;
  if (count("host") > 1 || count("datastore") > 1 || count("availabilityZone") > 1) throw invalidEntity("affinities may name at most one host, one datastore and one availabilityZone");
  if (count("disk") > 0 && count("host") + count("datastore") > 0) throw invalidEntity("affinities may not mix disk with host or datastore");
  const tags = Array.isArray(b.tags) ? b.tags.map(String) : [];
  const subnets = Array.isArray(b.subnets) ? b.subnets.map(String) : undefined;
  return { name, flavor, sourceImageId: b.sourceImageId, attachedDisks: attached, affinities, tags, subnets };
}

/**
 * Creates a VM in a project: quota debited now (400 QuotaError, nothing made), placed and created by
 * the returned task. `then` runs after CREATE_VM (cluster nodes are started).
 */
export function createVm(p: PhotonPlatform, projectId: string, spec: VmSpec, then?: (v: VmDoc) => void | Promise<void>) {
  const pr = project(p, projectId);
  const flavor = flavorByName(p, spec.flavor, "vm");
  const img = readyImage(p, spec.sourceImageId);
  for (const s of spec.subnets ?? []) p.get("subnet", s, "NetworkNotFound", "Network");
  const disks: AttachedDisk[] = spec.attachedDisks.map((d) => {
    const f = flavorByName(p, d.flavor, "ephemeral-disk");
    return { id: crypto.randomUUID(), name: d.name, kind: "ephemeral-disk", flavor: f.id, state: "DETACHED", capacityGb: d.capacityGb ?? 1, bootDisk: d.bootDisk };
  });
  debitProject(p, pr, flavor.cost);
  const size = vmSize(flavor.cost);
  const v: VmDoc = {
    id: crypto.randomUUID(),
    name: spec.name,
    projectId: pr.id,
    flavor: flavor.name,
    flavorId: flavor.id,
    state: "CREATING",
    sourceImageId: img.id,
    host: -1,
    datastore: null,
    tags: spec.tags,
    metadata: {},
    attachedDisks: disks,
    affinities: spec.affinities,
    cost: flavor.cost,
    ...size,
    labels: 0,
    pin: -1,
    clusterId: spec.clusterId,
  };
  if (spec.subnets?.length) v.subnets = spec.subnets;
  p.put("vm", v);
  const task = p.tasks.queue(
    "CREATE_VM",
    { kind: "vm", id: v.id },
    [
      ["RESERVE_RESOURCE", () => reserve(p, v.id)],
      [
        "CREATE_VM",
        async () => {
          const cur = vm(p, v.id);
          p.put("vm", { ...cur, state: "STOPPED", attachedDisks: cur.attachedDisks.map((d) => ({ ...d, state: "ATTACHED" })) });
          if (then) await then(vm(p, v.id));
        },
      ],
    ],
    { projectId: pr.id, tenantId: pr.tenantId },
    () => {
      const cur = p.docs.vm.get(v.id);
      if (cur) p.put("vm", { ...cur, state: "ERROR" });
    },
    { [v.id]: "vm" },
  );
  return { vm: v, task };
}

/** RESERVE_RESOURCE: the scheduler picks the host; its failure code ends the step. */
async function reserve(p: PhotonPlatform, id: string): Promise<void> {
  const v = vm(p, id);
  const { labels, pin } = constraints(p, v.affinities);
  const img = p.docs.image.get(v.sourceImageId);
  const r = await p.placer.place({ vcpus: v.vcpus, memoryMiB: v.memoryMiB, image: img?.seq, imageSizeMiB: img ? img.size / 1024 ** 2 : 0, labels, host: pin >= 0 ? pin : undefined });
  if (r.host < 0) throw new ApiError(400, r.code ?? "NoSuchResource", null);
  const stores = p.fleet.datastoresOf(r.host);
  const wanted = v.affinities.find((a) => a.kind === "datastore");
  const ds = (wanted && stores.find((d) => d.id === wanted.id || d.name === wanted.id)) || stores[0];
  p.fleet.vmCount[r.host]++;
  p.put("vm", { ...vm(p, id), host: r.host, datastore: ds.id, labels, pin });
}

/** Gives back a VM's host resources and quota and removes it. */
export function destroyVm(p: PhotonPlatform, v: VmDoc): void {
  if (v.host >= 0) {
    p.fleet.scheduler.release(v.host, v.vcpus, v.memoryMiB);
    p.fleet.vmCount[v.host]--;
  }
  creditProject(p, v.projectId, v.cost);
  p.remove("vm", v.id);
  releaseFlavor(p, v.flavorId);
  const img = p.docs.image.get(v.sourceImageId);
  if (img?.state === "PENDING_DELETE" && ![...p.docs.vm.values()].some((x) => x.sourceImageId === img.id)) p.remove("image", img.id);
}

/** What ESX does with a power operation in each state (the API itself checks nothing). */
const POWER: Record<string, { from: VmState[]; to: VmState }> = {
  START_VM: { from: ["STOPPED", "STARTED", "SUSPENDED"], to: "STARTED" },
  STOP_VM: { from: ["STOPPED", "STARTED", "SUSPENDED"], to: "STOPPED" },
  RESTART_VM: { from: ["STARTED"], to: "STARTED" },
  SUSPEND_VM: { from: ["STARTED", "SUSPENDED"], to: "SUSPENDED" },
  RESUME_VM: { from: ["SUSPENDED", "STARTED"], to: "STARTED" },
};
/** Runs a power operation now (cluster nodes) or as the step of a task. */
export function power(p: PhotonPlatform, id: string, op: keyof typeof POWER): void {
  const v = vm(p, id);
  const rule = POWER[op];
  if (!rule.from.includes(v.state)) throw new ApiError(500, "InternalError", `Request failed due to an internal error: the host refused ${op} of VM ${id} in state ${v.state}`);
  p.put("vm", { ...v, state: rule.to });
}

/** A task on one VM: the VM's lock, its project's scope. */
export function vmTask(p: PhotonPlatform, v: VmDoc, op: string, steps: [string, () => void | Promise<void>][], lock = true) {
  return p.tasks.queue(op, { kind: "vm", id: v.id }, steps, { projectId: v.projectId }, undefined, { [v.id]: "vm" }, lock);
}

/** Deletes a VM: persistent disk attached → 400; powered on → task ERROR InvalidVmState. */
export function deleteVm(p: PhotonPlatform, v: VmDoc) {
  if (v.attachedDisks.some((d) => d.kind === "persistent-disk")) {
    throw new ApiError(400, "PersistentDiskAttached", `Disk ${v.attachedDisks.find((d) => d.kind === "persistent-disk")!.id} is attached to VM ${v.id}`, { id: v.id });
  }
  return vmTask(p, v, "DELETE_VM", [
    ["RELEASE_VM_IP", () => undefined],
    [
      "DELETE_VM",
      () => {
        const cur = vm(p, v.id);
        if (cur.state === "STARTED" || cur.state === "SUSPENDED") throw new ApiError(400, "InvalidVmState", `VM ${v.id} not powered off`, { id: v.id, state: cur.state });
        destroyVm(p, cur);
      },
    ],
  ]);
}

const powerRoute = (action: string, op: keyof typeof POWER): Route => ({
  method: "POST",
  path: `/vms/:id/${action}`,
  run({ p, params, origin }) {
    const v = vm(p, params.id);
    return created(p.tasks.json(vmTask(p, v, op, [[op, () => power(p, v.id, op)]]), origin));
  },
});

const vmList = (p: PhotonPlatform, origin: string, q: URLSearchParams, keep: (v: VmDoc) => boolean): Record<string, unknown>[] =>
  byName([...p.docs.vm.values()].filter(keep), q).map((v) => vmJson(p, v, origin));

export const vmRoutes: Route[] = [
  {
    method: "POST",
    path: "/projects/:id/vms",
    async run({ p, params, body, origin }) {
      const pr = project(p, params.id);
      const spec = parseVmSpec(await body());
      return created(p.tasks.json(createVm(p, pr.id, spec).task, origin));
    },
  },
  {
    method: "GET",
    path: "/projects/:id/vms",
    run({ p, params, query, origin }) {
      const pr = project(p, params.id);
      return ok(p.pages.page(`/projects/${pr.id}/vms`, query, (q) => vmList(p, origin, q, (v) => v.projectId === pr.id)));
    },
  },
  {
    method: "GET",
    path: "/vms/:id",
    run({ p, params, origin }) {
      return ok(vmJson(p, vm(p, params.id), origin));
    },
  },
  {
    method: "DELETE",
    path: "/vms/:id",
    run({ p, params, origin }) {
      return created(p.tasks.json(deleteVm(p, vm(p, params.id)), origin));
    },
  },
  powerRoute("start", "START_VM"),
  powerRoute("stop", "STOP_VM"),
  powerRoute("restart", "RESTART_VM"),
  powerRoute("suspend", "SUSPEND_VM"),
  powerRoute("resume", "RESUME_VM"),
  {
    method: "POST",
    path: "/vms/:id/attach_disk",
    async run({ p, params, body, origin }) {
      const v = vm(p, params.id);
      const diskId = required((await body()).diskId, "diskId");
      const d = p.get("disk", diskId, "DiskNotFound", "Disk");
      if (d.state !== "DETACHED") throw stateError("persistent-disk", d.id, "ATTACH_DISK", d.state);
      const t = vmTask(p, v, "ATTACH_DISK", [
        [
          "ATTACH_DISK",
          () => {
            const disk = p.get("disk", diskId, "DiskNotFound", "Disk");
            if (disk.state !== "DETACHED") throw stateError("persistent-disk", disk.id, "ATTACH_DISK", disk.state);
            const cur = vm(p, v.id);
            p.put("disk", { ...disk, state: "ATTACHED", vms: [cur.id] });
            p.put("vm", { ...cur, attachedDisks: [...cur.attachedDisks, { id: disk.id, name: disk.name, kind: "persistent-disk", flavor: disk.flavor, state: "ATTACHED", capacityGb: disk.capacityGb, bootDisk: false }] });
          },
        ],
      ]);
      return created(p.tasks.json(t, origin));
    },
  },
  {
    method: "POST",
    path: "/vms/:id/detach_disk",
    async run({ p, params, body, origin }) {
      const v = vm(p, params.id);
      const diskId = required((await body()).diskId, "diskId");
      p.get("disk", diskId, "DiskNotFound", "Disk");
      const t = vmTask(p, v, "DETACH_DISK", [
        [
          "DETACH_DISK",
          () => {
            const cur = vm(p, v.id);
            const disk = p.get("disk", diskId, "DiskNotFound", "Disk");
            if (!cur.attachedDisks.some((x) => x.id === diskId)) throw new ApiError(400, "DiskNotFound", `Disk #${diskId} is not attached to VM ${cur.id}`, { id: diskId });
            p.put("disk", { ...disk, state: "DETACHED", vms: [] });
            p.put("vm", { ...cur, attachedDisks: cur.attachedDisks.filter((x) => x.id !== diskId) });
          },
        ],
      ]);
      return created(p.tasks.json(t, origin));
    },
  },
  {
    method: "POST",
    path: "/vms/:id/tags",
    async run({ p, params, body, origin }) {
      const v = vm(p, params.id);
      const value = (await body()).value;
      if (typeof value !== "string" || value.length < 1 || value.length > 64) throw invalidEntity(`value size must be between 1 and 64 (was ${value ?? "null"})`);
      p.put("vm", { ...v, tags: v.tags.includes(value) ? v.tags : [...v.tags, value] });
      return created(p.tasks.json(p.tasks.completed("ADD_TAG", { kind: "vm", id: v.id }, { projectId: v.projectId }), origin));
    },
  },
  {
    method: "POST",
    path: "/vms/:id/set_metadata",
    async run({ p, params, body, origin }) {
      const v = vm(p, params.id);
      const md = (await body()).metadata;
      if (!md || typeof md !== "object" || Array.isArray(md)) throw invalidEntity("metadata may not be null (was null)");
      p.put("vm", { ...v, metadata: Object.fromEntries(Object.entries(md).map(([k, x]) => [k, String(x)])) });
      return created(p.tasks.json(p.tasks.completed("SET_METADATA", { kind: "vm", id: v.id }, { projectId: v.projectId }), origin));
    },
  },
  {
    method: "GET",
    path: "/vms/:id/subnets",
    run({ p, params, origin }) {
      const v = vm(p, params.id);
      const t = vmTask(p, v, "GET_NETWORKS", [
        [
          "GET_NETWORKS",
          () => {
            const cur = vm(p, v.id);
            const task = p.docs.task.get(t.id)!;
            const up = cur.state === "STARTED";
            const n = parseInt(cur.id.replace(/-/g, "").slice(0, 6), 16);
            const mac = (k: number) => `00:50:56:${((n >> 16) & 255).toString(16).padStart(2, "0")}:${((n >> 8) & 255).toString(16).padStart(2, "0")}:${((n + k) & 255).toString(16).padStart(2, "0")}`;
            const state = up ? "CONNECTED" : "DISCONNECTED";
            // one NIC per subnet named at create (an SDN subnet leases from its dynamic range), else the default network
            const nics = (cur.subnets ?? []).map((id, k) => {
              const s = p.docs.subnet.get(id);
              const lease = s?.lowIpDynamic && s.highIpDynamic && s.cidr ? dynamicIp(s.lowIpDynamic, s.highIpDynamic, n) : null;
              const mask = s?.cidr ? maskOf(Number(s.cidr.split("/")[1])) : "255.255.0.0";
              return { network: id, macAddress: mac(k), ipAddress: up ? (lease ?? `192.168.${(n >> 8) & 255}.${(n & 253) + 2}`) : null, netmask: up ? mask : null, isConnected: state };
            });
            task.resourceProperties = {
              networkConnections: nics.length > 0 ? nics : [{ network: "VM Network", macAddress: mac(0), ipAddress: up ? `192.168.${(n >> 8) & 255}.${(n & 253) + 2}` : null, netmask: up ? "255.255.0.0" : null, isConnected: state }],
            };
          },
        ],
      ], false);
      return created(p.tasks.json(t, origin));
    },
  },
  {
    method: "GET",
    path: "/vms/:id/mks_ticket",
    run({ p, params, origin }) {
      const v = vm(p, params.id);
      if (v.state !== "STARTED") throw new ApiError(400, "InvalidVmState", `VM ${v.id} is not powered on`, { id: v.id, state: v.state });
      const t = vmTask(p, v, "GET_MKS_TICKET", [["GET_MKS_TICKET", () => void (p.docs.task.get(t.id)!.resourceProperties = { host: p.fleet.address(v.host), port: 902, ticket: crypto.randomUUID(), cfgFile: `[${v.datastore}] ${v.id}/${v.id}.vmx`, sslThumbprint: null })]], false);
      return created(p.tasks.json(t, origin));
    },
  },
  {
    method: "GET",
    path: "/vms/:id/tasks",
    run({ p, params, query, origin }) {
      const v = vm(p, params.id);
      return ok(p.pages.page("/tasks", query, (q) => filterTasks([...p.docs.task.values()].filter((x) => x.entity.id === v.id), q).map((x) => p.tasks.json(x, origin))));
    },
  },
  {
    method: "GET",
    path: "/hosts/:id/vms",
    run({ p, params, query, origin }) {
      const h = p.fleet.hostIndex(params.id);
      if (h < 0) throw new ApiError(404, "HostNotFound", `Host #${params.id} not found`, { id: params.id });
      return ok(p.pages.page(`/hosts/${params.id}/vms`, query, (q) => vmList(p, origin, q, (v) => v.host === h)));
    },
  },
  {
    method: "GET",
    path: "/deployments/:id/vms",
    run({ p, params, query, origin }) {
      if (params.id !== p.deployment.id) throw new ApiError(404, "DeploymentNotFound", `Deployment #${params.id} not found`, { id: params.id });
      return ok(p.pages.page(`/deployments/${params.id}/vms`, query, (q) => vmList(p, origin, q, () => true)));
    },
  },
];

const ipNum = (ip: string): number => ip.split(".").reduce((a, x) => a * 256 + Number(x), 0);
const ipStr = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
/** An address of the range [low, high] picked by `seed` (the VM's lease on an SDN subnet). */
function dynamicIp(low: string, high: string, seed: number): string {
  const a = ipNum(low);
  return ipStr(a + (seed % (ipNum(high) - a + 1)));
}
function maskOf(bits: number): string {
  return ipStr(bits === 0 ? 0 : (0xffffffff - (2 ** (32 - bits) - 1)));
}
