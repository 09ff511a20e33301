/**
 * Hosts (API.md §6, §8): the fleet's hosts by index; suspend → enter_maintenance (fails HostHasVms while
 * VMs remain) → exit_maintenance; resume; set_availability_zone once; add (CREATING → NOT_PROVISIONED →
 * READY) and delete. Only changed or added hosts are stored.
 */
import { ApiError, invalidEntity, stateError } from "./errors.js";
import type { AddedHost, HostState } from "./fleet.js";
import type { PhotonPlatform } from "./platform.js";
import { created, ok, required, type Route } from "./route.js";
import { filterTasks } from "./tenants.js";

export function hostIndex(p: PhotonPlatform, id: string): number {
  const h = p.fleet.hostIndex(id);
  if (h < 0) throw new ApiError(404, "HostNotFound", `Host #${id} not found`, { id });
  return h;
}
export function hostJson(p: PhotonPlatform, h: number, origin: string): Record<string, unknown> {
  const id = p.fleet.hostId(h);
  const zone = p.zoneByBit[p.fleet.zone[h]];
  return {
    id,
    selfLink: `${origin}/hosts/${id}`,
    kind: "host",
    address: p.fleet.address(h),
    username: p.fleet.added.get(h)?.username ?? "root",
    password: p.fleet.added.get(h)?.password ?? "",
    availabilityZone: zone?.id ?? null,
    usageTags: p.fleet.usageTags(h),
    metadata: p.fleet.added.get(h)?.metadata ?? {},
    esxVersion: "6.0.0",
    state: p.fleet.stateOf(h),
    cpuCount: p.fleet.cores[h],
    memoryMb: p.fleet.memoryMiB[h],
  };
}
/** Stores the host's state and zone (and what it was added with). */
function save(p: PhotonPlatform, h: number): void {
  const added = p.fleet.added.get(h);
  p.put("host", { id: h, state: p.fleet.stateOf(h), zone: p.zoneByBit[p.fleet.zone[h]]?.id ?? "", ...(added ? { added } : {}) });
}
function setState(p: PhotonPlatform, h: number, s: HostState): void {
  p.fleet.setState(h, s);
  save(p, h);
}

const USAGE_TAGS = ["MGMT", "CLOUD", "IMAGE"];
const MGMT_METADATA = ["MANAGEMENT_DATASTORE", "MANAGEMENT_NETWORK_DNS_SERVER", "MANAGEMENT_NETWORK_GATEWAY", "MANAGEMENT_NETWORK_IP", "MANAGEMENT_NETWORK_NETMASK", "MANAGEMENT_PORTGROUP"];
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** A HostCreateSpec checked as the controller's bean validation did (400 InvalidEntity). */
function hostSpec(b: Record<string, unknown>): { spec: AddedHost; zone: string | null } {
  const bad: string[] = [];
  const str = (k: string): string => {
    const v = b[k];
    if (typeof v !== "string" || v === "") bad.push(`${k} may not be null (was ${v === "" ? "" : "null"})`);
    return typeof v === "string" ? v : "";
  };
  const address = str("address");
  if (address && !IPV4.test(address)) bad.push(`address ${address} is invalid IP or Domain Address (was ${address})`);
  const username = str("username");
  const password = str("password");
  const tags = b.usageTags;
  if (!Array.isArray(tags) || tags.length === 0) bad.push(`usageTags size must be between 1 and 2147483647 (was ${Array.isArray(tags) ? "[]" : "null"})`);
  const usageTags = Array.isArray(tags) ? tags.map(String) : [];
  for (const t of usageTags) if (!USAGE_TAGS.includes(t)) bad.push(`usageTags must be MGMT, CLOUD or IMAGE (was ${t})`);
  const md = b.metadata && typeof b.metadata === "object" && !Array.isArray(b.metadata) ? Object.fromEntries(Object.entries(b.metadata).map(([k, v]) => [k, String(v)])) : {};
  if (usageTags.includes("MGMT")) for (const k of MGMT_METADATA) if (!md[k]) bad.push(`metadata.${k} may not be null for a MGMT host (was null)`);
  if (bad.length > 0) throw invalidEntity(...bad);
  const zone = typeof b.availabilityZone === "string" && b.availabilityZone ? b.availabilityZone : null;
  return { spec: { address, username, password, usageTags, metadata: md }, zone };
}

/** A host mode change: sync precondition, then `<OP>` and QUERY_HOST_CHANGE_MODE_TASK_RESULT steps. */
function modeChange(op: string, from: HostState[], to: HostState, check?: (p: PhotonPlatform, h: number) => void): Route {
  const action = op.toLowerCase().replace(/_host$/, "").replace("_mode", "");
  return {
    method: "POST",
    path: `/hosts/:id/${action}`,
    run({ p, params, origin }) {
      const h = hostIndex(p, params.id);
      const s = p.fleet.stateOf(h);
      if (!from.includes(s)) throw stateError("host", params.id, op, s);
      const t = p.tasks.queue(op, { kind: "host", id: params.id }, [
        [
          op,
          () => {
            check?.(p, h);
            setState(p, h, to);
          },
        ],
        ["QUERY_HOST_CHANGE_MODE_TASK_RESULT", () => undefined],
      ]);
      return ok(p.tasks.json(t, origin));
    },
  };
}

export const hostRoutes: Route[] = [
  {
    method: "GET",
    path: "/deployments/:id/hosts",
    run({ p, params, query, origin }) {
      if (params.id !== p.deployment.id) throw new ApiError(404, "DeploymentNotFound", `Deployment #${params.id} not found`, { id: params.id });
      return ok(hostPage(p, query, origin, params.id));
    },
  },
  {
    method: "GET",
    path: "/hosts/:id",
    run({ p, params, origin }) {
      return ok(hostJson(p, hostIndex(p, params.id), origin));
    },
  },
  modeChange("SUSPEND_HOST", ["READY", "SUSPENDED"], "SUSPENDED"),
  modeChange("RESUME_HOST", ["SUSPENDED"], "READY"),
  modeChange("ENTER_MAINTENANCE_MODE", ["SUSPENDED", "MAINTENANCE"], "MAINTENANCE", (p, h) => {
    const n = p.fleet.vmCount[h];
    if (n > 0) throw new ApiError(400, "HostHasVms", `Host ${p.fleet.hostId(h)} has ${n} VMs`, { id: p.fleet.hostId(h), vmCount: String(n) });
  }),
  modeChange("EXIT_MAINTENANCE_MODE", ["MAINTENANCE"], "READY"),
  {
    method: "POST",
    path: "/hosts/:id/set_availability_zone",
    async run({ p, params, body, origin }) {
      const h = hostIndex(p, params.id);
      const zoneId = required((await body()).availabilityZoneId, "availabilityZoneId");
      const z = p.get("zone", zoneId, "AvailabilityZoneNotFound", "AvailabilityZone");
      if (p.docs.host.get(String(h))?.zone && p.docs.host.get(String(h))!.zone !== p.zoneByBit[p.fleet.rack[h]]?.id) {
        throw new ApiError(400, "HostAvailabilityZoneAlreadySet", `Host ${params.id} is already part of Availability Zone ${p.docs.host.get(String(h))!.zone}`, { hostId: params.id });
      }
      const t = p.tasks.queue("SET_AVAILABILITYZONE", { kind: "host", id: params.id }, [
        [
          "SET_AVAILABILITYZONE",
          () => {
            p.fleet.setZone(h, z.bit);
            save(p, h);
          },
        ],
      ]);
      return created(p.tasks.json(t, origin));
    },
  },
  {
    method: "POST",
    path: "/deployments/:id/hosts",
    async run({ p, params, body, origin }) {
      if (params.id !== p.deployment.id) throw new ApiError(404, "DeploymentNotFound", `Deployment #${params.id} not found`, { id: params.id });
      const { spec, zone } = hostSpec(await body());
      const z = zone === null ? null : p.get("zone", zone, "AvailabilityZoneNotFound", "AvailabilityZone");
      if (p.fleet.byAddress(spec.address) >= 0) throw new ApiError(400, "HostExists", `Host with address ${spec.address} already exists`, { address: spec.address });
      const h = p.fleet.add(spec, z?.bit ?? null, "CREATING");
      // the rebuilt scheduler learns again where images already are (the transfer term of its score)
      for (const v of p.docs.vm.values()) {
        const img = p.docs.image.get(v.sourceImageId);
        if (v.host >= 0 && img) p.fleet.scheduler.addImage(v.host, img.seq);
      }
      save(p, h);
      const id = p.fleet.hostId(h);
      const provision = p.deployment.state === "READY";
      const steps: [string, () => void][] = [
        ["CREATE_HOST", () => undefined],
        ["QUERY_HOST_TASK_RESULT", () => setState(p, h, "NOT_PROVISIONED")],
      ];
      if (provision) steps.push(["PROVISION_HOST", () => undefined], ["QUERY_PROVISION_HOST_TASK_RESULT", () => setState(p, h, "READY")]);
      const t = p.tasks.queue("CREATE_HOST", { kind: "host", id }, steps, {}, () => setState(p, h, "ERROR"));
      return created(p.tasks.json(t, origin));
    },
  },
  {
    method: "DELETE",
    path: "/hosts/:id",
    run({ p, params, origin }) {
      const h = hostIndex(p, params.id);
      const s = p.fleet.stateOf(h);
      if (!["NOT_PROVISIONED", "MAINTENANCE", "ERROR"].includes(s)) throw stateError("host", params.id, "DELETE_HOST", s);
      const t = p.tasks.queue("DELETE_HOST", { kind: "host", id: params.id }, [
        [
          "DELETE_HOST",
          () => {
            const n = p.fleet.vmCount[h];
            if (n > 0) throw new ApiError(400, "HostHasVms", `Host ${params.id} has ${n} VMs`, { id: params.id, vmCount: String(n) });
            setState(p, h, "DELETED");
          },
        ],
      ]);
      return created(p.tasks.json(t, origin));
    },
  },
  {
    method: "GET",
    path: "/hosts/:id/tasks",
    run({ p, params, query, origin }) {
      hostIndex(p, params.id);
      return ok(p.pages.page("/tasks", query, (q) => filterTasks([...p.docs.task.values()].filter((x) => x.entity.id === params.id), q).map((x) => p.tasks.json(x, origin))));
    },
  },
];

/** Hosts a page at a time: JSON is built only for the hosts on the page. */
function hostPage(p: PhotonPlatform, query: URLSearchParams, origin: string, dep: string) {
  const page = p.pages.page(`/deployments/${dep}/hosts`, query, () => {
    const hosts: number[] = [];
    for (let h = 0; h < p.fleet.n; h++) if (p.fleet.stateOf(h) !== "DELETED") hosts.push(h);
    return hosts;
  });
  return { ...page, items: page.items.map((h) => hostJson(p, h, origin)) };
}
