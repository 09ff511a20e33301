/**
 * Hosts (API.md §6, §8): the fleet's hosts by index; suspend → enter_maintenance (fails HostHasVms while
 * VMs remain) → exit_maintenance; resume; set_availability_zone once. Only changed hosts are stored.
 */
import { ApiError, stateError } from "./errors.js";
import type { HostState } from "./fleet.js";
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
    username: "root",
    password: "",
    availabilityZone: zone?.id ?? null,
    usageTags: p.fleet.usageTags(h),
    metadata: {},
    esxVersion: "6.0.0",
    state: p.fleet.stateOf(h),
    cpuCount: p.fleet.cores[h],
    memoryMb: p.fleet.memoryMiB[h],
  };
}
function setState(p: PhotonPlatform, h: number, s: HostState): void {
  p.fleet.setState(h, s);
  p.put("host", { id: h, state: s, zone: p.zoneByBit[p.fleet.zone[h]]?.id ?? "" });
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
            p.put("host", { id: h, state: p.fleet.stateOf(h), zone: z.id });
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
  const page = p.pages.page(`/deployments/${dep}/hosts`, query, () => Array.from({ length: p.fleet.n }, (_, h) => h));
  return { ...page, items: page.items.map((h) => hostJson(p, h, origin)) };
}
