/** Tenants (API.md §6): `POST /tenants`, lists, delete when empty, their projects, tickets and tasks. */
import { ApiError, nameTaken } from "./errors.js";
import { canSeeTenant, checkGroups, ownGroups, inheritGroups, type Caller } from "./auth.js";
import type { PhotonPlatform } from "./platform.js";
import { byName, checkName, created, ok, type Route } from "./route.js";
import type { TenantDoc } from "./types.js";

export function tenantJson(p: PhotonPlatform, t: TenantDoc, origin: string): Record<string, unknown> {
  const tickets = [...p.docs.ticket.values()].filter((r) => r.tenantId === t.id).map((r) => ({ id: r.id, name: r.name }));
  return { id: t.id, selfLink: `${origin}/tenants/${t.id}`, kind: "tenant", name: t.name, tags: t.tags, resourceTickets: tickets, securityGroups: t.securityGroups };
}
export function tenant(p: PhotonPlatform, id: string): TenantDoc {
  return p.get("tenant", id, "NotFound", "Tenant");
}

/** Tenants a caller may list (every one when auth is off or for admins). */
function visible(p: PhotonPlatform, caller: Caller | null, t: TenantDoc): boolean {
  return canSeeTenant(p, caller, t);
}

export const tenantRoutes: Route[] = [
  {
    method: "POST",
    path: "/tenants",
    async run({ p, body, origin }) {
      const b = await body();
      const name = checkName(b.name);
      const groups = b.securityGroups === undefined || b.securityGroups === null ? [] : checkGroups(b.securityGroups);
      if ([...p.docs.tenant.values()].some((t) => t.name === name)) throw nameTaken("tenant", name);
      const t: TenantDoc = { id: crypto.randomUUID(), name, tags: [], securityGroups: inheritGroups(p.deployment.securityGroups, ownGroups(groups)) };
      p.put("tenant", t);
      return created(p.tasks.json(p.tasks.completed("CREATE_TENANT", { kind: "tenant", id: t.id }), origin));
    },
  },
  {
    method: "GET",
    path: "/tenants",
    run({ p, query, origin, caller }) {
      return ok(p.pages.page("/tenants", query, (q) => byName(p.docs.tenant.values(), q).filter((t) => visible(p, caller, t)).map((t) => tenantJson(p, t, origin))));
    },
  },
  {
    method: "GET",
    path: "/tenants/:id",
    run({ p, params, origin }) {
      return ok(tenantJson(p, tenant(p, params.id), origin));
    },
  },
  {
    method: "DELETE",
    path: "/tenants/:id",
    run({ p, params, origin }) {
      const t = tenant(p, params.id);
      const projects = [...p.docs.project.values()].filter((x) => x.tenantId === t.id);
      if (projects.length) throw new ApiError(400, "ContainerNotEmpty", `Tenant '${t.id}' container is not empty`, { kind: "tenant", id: t.id, message: `Tenant '${t.id}' has ${projects.length} project(s)` });
      for (const r of [...p.docs.ticket.values()]) if (r.tenantId === t.id) p.remove("ticket", r.id);
      p.remove("tenant", t.id);
      return created(p.tasks.json(p.tasks.completed("DELETE_TENANT", { kind: "tenant", id: t.id }), origin));
    },
  },
  {
    method: "GET",
    path: "/tenants/:id/tasks",
    run({ p, params, query, origin }) {
      const t = tenant(p, params.id);
      return ok(p.pages.page("/tasks", query, (q) => filterTasks([...p.docs.task.values()].filter((x) => x.tenantId === t.id || x.entity.id === t.id), q).map((x) => p.tasks.json(x, origin))));
    },
  },
];

/** Task list filters: `state`, `kind` (entity kind). */
export function filterTasks<T extends { state: string; entity: { kind: string | null } }>(tasks: T[], q: URLSearchParams): T[] {
  const state = q.get("state")?.toUpperCase();
  const kind = q.get("kind");
  return tasks.filter((t) => (!state || t.state === state) && (!kind || t.entity.kind === kind));
}
