/** Flavors (API.md §6): named costs for VMs and disks; (name, kind) unique, READY at once. */
import { ApiError, invalidEntity, nameTaken } from "./errors.js";
import type { PhotonPlatform } from "./platform.js";
import { parseLineItems } from "./quota.js";
import { byName, checkName, created, ok, type Route } from "./route.js";
import { filterTasks } from "./tenants.js";
import type { FlavorDoc, FlavorKind } from "./types.js";

const KINDS: Record<string, FlavorKind> = { vm: "vm", "ephemeral-disk": "ephemeral-disk", ephemeral: "ephemeral-disk", "persistent-disk": "persistent-disk", persistent: "persistent-disk" };

/** A flavor kind as the API accepts it (`ephemeral` is `ephemeral-disk`). */
export function flavorKind(raw: unknown, field = "kind"): FlavorKind {
  const k = typeof raw === "string" ? KINDS[raw] : undefined;
  if (!k) throw invalidEntity(`${field} must match "vm|ephemeral-disk|ephemeral|persistent-disk|persistent" (was ${raw ?? "null"})`);
  return k;
}
export function flavorJson(f: FlavorDoc, origin: string): Record<string, unknown> {
  return { id: f.id, selfLink: `${origin}/flavors/${f.id}`, kind: f.kind, name: f.name, state: f.state, cost: f.cost, tags: f.tags };
}
/** A flavor by name and kind: 400 InvalidFlavor when missing, InvalidFlavorState when not READY. */
export function flavorByName(p: PhotonPlatform, name: string, kind: FlavorKind): FlavorDoc {
  const f = [...p.docs.flavor.values()].find((x) => x.name === name && x.kind === kind);
  if (!f) throw new ApiError(400, "InvalidFlavor", `Flavor ${name} is not found for kind ${kind}`, { name, kind });
  if (f.state !== "READY") throw new ApiError(400, "InvalidFlavorState", `Flavor ${name} is in state ${f.state}`, { id: f.id, state: f.state });
  return f;
}
/** Adds a flavor unless (name, kind) exists (the default cluster flavors). */
export function ensureFlavor(p: PhotonPlatform, name: string, kind: FlavorKind, cost: FlavorDoc["cost"]): FlavorDoc {
  const f = [...p.docs.flavor.values()].find((x) => x.name === name && x.kind === kind);
  if (f) return f;
  const doc: FlavorDoc = { id: crypto.randomUUID(), name, kind, state: "READY", cost, tags: [] };
  p.put("flavor", doc);
  return doc;
}
/** A PENDING_DELETE flavor goes once nothing uses it. */
export function releaseFlavor(p: PhotonPlatform, id: string): void {
  const f = p.docs.flavor.get(id);
  if (!f || f.state !== "PENDING_DELETE") return;
  for (const v of p.docs.vm.values()) if (v.flavorId === id) return;
  p.remove("flavor", id);
}

export const flavorRoutes: Route[] = [
  {
    method: "POST",
    path: "/flavors",
    async run({ p, body, origin }) {
      const b = await body();
      const name = checkName(b.name);
      const kind = flavorKind(b.kind);
      const cost = parseLineItems(b.cost, "cost");
      if ([...p.docs.flavor.values()].some((f) => f.name === name && f.kind === kind)) throw nameTaken("flavor", name);
      const f: FlavorDoc = { id: crypto.randomUUID(), name, kind, state: "READY", cost, tags: [] };
      p.put("flavor", f);
      return created(p.tasks.json(p.tasks.completed("CREATE_FLAVOR", { kind: "flavor", id: f.id }), origin));
    },
  },
  {
    method: "GET",
    path: "/flavors",
    run({ p, query, origin }) {
      return ok(
        p.pages.page("/flavors", query, (q) => {
          const kind = q.get("kind");
          const k = kind === null ? null : flavorKind(kind);
          return byName(p.docs.flavor.values(), q).filter((f) => k === null || f.kind === k).map((f) => flavorJson(f, origin));
        }),
      );
    },
  },
  {
    method: "GET",
    path: "/flavors/:id",
    run({ p, params, origin }) {
      return ok(flavorJson(p.get("flavor", params.id, "FlavorNotFound", "Flavor"), origin));
    },
  },
  {
    method: "DELETE",
    path: "/flavors/:id",
    run({ p, params, origin }) {
      const f = p.get("flavor", params.id, "FlavorNotFound", "Flavor");
      p.put("flavor", { ...f, state: "PENDING_DELETE" });
      releaseFlavor(p, f.id);
      return created(p.tasks.json(p.tasks.completed("DELETE_FLAVOR", { kind: "flavor", id: f.id }), origin));
    },
  },
  {
    method: "GET",
    path: "/flavors/:id/tasks",
    run({ p, params, query, origin }) {
      const f = p.get("flavor", params.id, "FlavorNotFound", "Flavor");
      return ok(p.pages.page("/tasks", query, (q) => filterTasks([...p.docs.task.values()].filter((x) => x.entity.id === f.id), q).map((x) => p.tasks.json(x, origin))));
    },
  },
];
