/**
 * Subnets (API.md §6): the deployment's physical subnets (named sets of port groups, one default) and
 * a project's SDN subnets (an address range carved from 10.128.0.0/9). `…/networks…` reaches them too
 * (the door rewrites it). Physical subnet operations are metadata-only; an SDN subnet is made by a task.
 */
import { ApiError, invalidEntity, nameTaken, stateError } from "./errors.js";
import type { PhotonPlatform } from "./platform.js";
import { project } from "./projects.js";
import { byName, checkName, created, ok, type Route } from "./route.js";
import { filterTasks } from "./tenants.js";
import type { SubnetDoc } from "./types.js";

export function subnet(p: PhotonPlatform, id: string): SubnetDoc {
  return p.get("subnet", id, "NetworkNotFound", "Network");
}

export function subnetJson(s: SubnetDoc, origin: string): Record<string, unknown> {
  const out: Record<string, unknown> = { id: s.id, selfLink: `${origin}/subnets/${s.id}`, kind: s.projectId ? "virtualSubnet" : "subnet", name: s.name, state: s.state, isDefault: s.isDefault, tags: [] };
  if (s.description) out.description = s.description;
  if (s.projectId) {
    Object.assign(out, { projectId: s.projectId, routingType: s.routingType, cidr: s.cidr, lowIpDynamic: s.lowIpDynamic, highIpDynamic: s.highIpDynamic, lowIpStatic: s.lowIpStatic, highIpStatic: s.highIpStatic, reservedIpList: [] });
  } else out.portGroups = s.portGroups;
  return out;
}

/** Port groups of a spec: ≥1 strings, none already in another physical subnet. */
function portGroups(p: PhotonPlatform, raw: unknown, field: string, self?: string): string[] {
  if (!Array.isArray(raw) || raw.length === 0) throw invalidEntity(`${field} size must be between 1 and 2147483647 (was ${Array.isArray(raw) ? "[]" : "null"})`);
  const items = raw.map(String);
  for (const s of p.docs.subnet.values()) {
    if (s.id === self || s.projectId) continue;
    const taken = s.portGroups.filter((g) => items.includes(g));
    if (taken.length > 0) throw new ApiError(400, "PortGroupsAlreadyAddedToSubnet", `Port group(s) ${taken.join(", ")} already belong to subnet ${s.id}`, { portGroups: taken.join(","), subnetId: s.id });
  }
  return items;
}

/** `ip` as dotted quad. */
const dotted = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");

/** The next free block of 2^k addresses (≥ size + 4: network, gateway, broadcast, one spare) in 10.128.0.0/9. */
function carve(p: PhotonPlatform, size: number): { cidr: string; first: number; last: number } {
  let bits = 3;
  while (1 << bits < size + 4) bits++;
  const block = 1 << bits;
  const base = (10 << 24) | (128 << 16);
  const used = [...p.docs.subnet.values()].filter((s) => s.projectId && s.cidr).map((s) => {
    const [ip, len] = s.cidr!.split("/");
    const start = ip.split(".").reduce((a, x) => a * 256 + Number(x), 0);
    return [start, start + 2 ** (32 - Number(len))];
  });
  for (let start = base >>> 0; start + block <= base + 2 ** 23; start += block) {
    if (!used.some(([a, b]) => start < b && a < start + block)) return { cidr: `${dotted(start)}/${32 - bits}`, first: start, last: start + block - 1 };
  }
  throw new ApiError(400, "InvalidEntity", `No free block of ${block} addresses is left for SDN subnets`);
}

export const subnetRoutes: Route[] = [
  {
    method: "POST",
    path: "/subnets",
    async run({ p, body, origin }) {
      const b = await body();
      const name = checkName(b.name);
      if ([...p.docs.subnet.values()].some((s) => !s.projectId && s.name === name)) throw nameTaken("subnet", name);
      const s: SubnetDoc = { id: crypto.randomUUID(), name, state: "READY", isDefault: false, portGroups: portGroups(p, b.portGroups, "portGroups") };
      if (typeof b.description === "string") s.description = b.description;
      // the first physical subnet is the default one
      if (![...p.docs.subnet.values()].some((x) => !x.projectId)) s.isDefault = true;
      p.put("subnet", s);
      return created(p.tasks.json(p.tasks.completed("CREATE_NETWORK", { kind: "subnet", id: s.id }), origin));
    },
  },
  {
    method: "GET",
    path: "/subnets",
    run({ p, query, origin }) {
      return ok(p.pages.page("/subnets", query, (q) => byName([...p.docs.subnet.values()].filter((s) => !s.projectId), q).map((s) => subnetJson(s, origin))));
    },
  },
  { method: "GET", path: "/subnets/:id", run: ({ p, params, origin }) => ok(subnetJson(subnet(p, params.id), origin)) },
  {
    method: "DELETE",
    path: "/subnets/:id",
    run({ p, params, origin }) {
      const s = subnet(p, params.id);
      const users = [...p.docs.vm.values()].filter((v) => v.subnets?.includes(s.id) || v.floatingIp?.networkId === s.id).length;
      if (users > 0) throw new ApiError(400, "ContainerNotEmpty", `Subnet '${s.id}' is used by ${users} VM(s)`, { kind: "subnet", id: s.id, message: `${users} VM(s) use it` });
      if (s.isDefault && !s.projectId && [...p.docs.subnet.values()].some((x) => !x.projectId && x.id !== s.id)) throw stateError("subnet", s.id, "DELETE_NETWORK", "DEFAULT");
      p.remove("subnet", s.id);
      const scope = s.projectId ? { projectId: s.projectId } : {};
      return created(p.tasks.json(p.tasks.completed(s.projectId ? "DELETE_VIRTUAL_NETWORK" : "DELETE_NETWORK", { kind: "subnet", id: s.id }, scope), origin));
    },
  },
  {
    method: "POST",
    path: "/subnets/:id/set_portgroups",
    async run({ p, params, body, origin }) {
      const s = subnet(p, params.id);
      if (s.projectId) throw stateError("virtualSubnet", s.id, "SET_PORT_GROUPS", s.state);
      p.put("subnet", { ...s, portGroups: portGroups(p, (await body()).items, "items", s.id) });
      return created(p.tasks.json(p.tasks.completed("SET_PORT_GROUPS", { kind: "subnet", id: s.id }), origin));
    },
  },
  {
    method: "POST",
    path: "/subnets/:id/set_default",
    run({ p, params, origin }) {
      const s = subnet(p, params.id);
      if (s.state !== "READY") throw stateError("subnet", s.id, "SET_DEFAULT_NETWORK", s.state);
      // one default among the physical subnets, and one per project among its SDN subnets
      for (const x of p.docs.subnet.values()) if (x.isDefault && x.id !== s.id && x.projectId === s.projectId) p.put("subnet", { ...x, isDefault: false });
      p.put("subnet", { ...s, isDefault: true });
      return created(p.tasks.json(p.tasks.completed("SET_DEFAULT_NETWORK", { kind: "subnet", id: s.id }, s.projectId ? { projectId: s.projectId } : {}), origin));
    },
  },
  {
    method: "GET",
    path: "/subnets/:id/tasks",
    run({ p, params, query, origin }) {
      subnet(p, params.id);
      return ok(p.pages.page("/tasks", query, (q) => filterTasks([...p.docs.task.values()].filter((x) => x.entity.id === params.id), q).map((x) => p.tasks.json(x, origin))));
    },
  },
  {
    method: "POST",
    path: "/projects/:id/subnets",
    async run({ p, params, body, origin }) {
      const pr = project(p, params.id);
      const b = await body();
      const name = checkName(b.name);
      const routingType = String(b.routingType ?? "");
      if (routingType !== "ROUTED" && routingType !== "ISOLATED") throw invalidEntity(`routingType must match "ROUTED|ISOLATED" (was ${b.routingType ?? "null"})`);
      const size = b.size;
      if (!Number.isInteger(size) || (size as number) < 1 || (size as number) > 65536) throw invalidEntity(`size must be between 1 and 65536 (was ${size ?? "null"})`);
      const reserved = b.reservedStaticIpSize === undefined || b.reservedStaticIpSize === null ? 0 : b.reservedStaticIpSize;
      if (!Number.isInteger(reserved) || (reserved as number) < 0 || (reserved as number) >= (size as number)) throw invalidEntity(`reservedStaticIpSize must be between 0 and size - 1 (was ${reserved})`);
      if ([...p.docs.subnet.values()].some((s) => s.projectId === pr.id && s.name === name)) throw nameTaken("subnet", name);
      const id = crypto.randomUUID();
      const s: SubnetDoc = { id, name, state: "CREATING", isDefault: false, portGroups: [], projectId: pr.id, routingType };
      if (typeof b.description === "string") s.description = b.description;
      p.put("subnet", s);
      const task = p.tasks.queue(
        "CREATE_VIRTUAL_NETWORK",
        { kind: "subnet", id },
        [
          [
            "CREATE_VIRTUAL_NETWORK",
            () => {
              const cur = subnet(p, id);
              const { cidr, first, last } = carve(p, size as number);
              // .1 is the gateway; static addresses come first, then the dynamic pool
              const staticLow = first + 2;
              const dynLow = staticLow + (reserved as number);
              const isFirst = ![...p.docs.subnet.values()].some((x) => x.projectId === pr.id && x.id !== id && x.state === "READY");
              p.put("subnet", {
                ...cur,
                state: "READY",
                isDefault: isFirst,
                cidr,
                lowIpStatic: (reserved as number) > 0 ? dotted(staticLow) : undefined,
                highIpStatic: (reserved as number) > 0 ? dotted(dynLow - 1) : undefined,
                lowIpDynamic: dotted(dynLow),
                highIpDynamic: dotted(last - 1),
              });
            },
          ],
        ],
        { projectId: pr.id, tenantId: pr.tenantId },
        () => {
          const cur = p.docs.subnet.get(id);
          if (cur) p.put("subnet", { ...cur, state: "ERROR" });
        },
      );
      return created(p.tasks.json(task, origin));
    },
  },
  {
    method: "GET",
    path: "/projects/:id/subnets",
    run({ p, params, query, origin }) {
      const pr = project(p, params.id);
      return ok(p.pages.page(`/projects/${pr.id}/subnets`, query, (q) => byName([...p.docs.subnet.values()].filter((s) => s.projectId === pr.id), q).map((s) => subnetJson(s, origin))));
    },
  },
];
