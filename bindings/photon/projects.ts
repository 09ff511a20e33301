/**
 * Projects (API.md §6, §7): a tenant's project reserves part of a tenant ticket (explicit limits covering
 * every tenant key, or `subdivide.percent`), debiting the tenant ticket; delete credits it back.
 */
import { ApiError, invalidEntity, nameTaken } from "./errors.js";
import { canSeeProject, checkGroups, inheritGroups, ownGroups, replaceOwn } from "./auth.js";
import type { PhotonPlatform } from "./platform.js";
import { credit, debit, parseLineItems, reservation, zeroUsage } from "./quota.js";
import { byName, checkName, created, ok, required, type Route } from "./route.js";
import { filterTasks, tenant } from "./tenants.js";
import type { ProjectDoc } from "./types.js";

export function projectJson(p: PhotonPlatform, pr: ProjectDoc, origin: string): Record<string, unknown> {
  const ticket = p.docs.ticket.get(pr.ticketId);
  return {
    id: pr.id,
    selfLink: `${origin}/projects/${pr.id}`,
    kind: "project",
    name: pr.name,
    tags: pr.tags,
    resourceTicket: { tenantTicketId: pr.ticketId, tenantTicketName: ticket?.name ?? null, limits: pr.limits, usage: pr.usage },
    securityGroups: pr.securityGroups,
  };
}
export function project(p: PhotonPlatform, id: string): ProjectDoc {
  return p.get("project", id, "NotFound", "Project");
}

export const projectRoutes: Route[] = [
  {
    method: "POST",
    path: "/tenants/:id/projects",
    async run({ p, params, body, origin }) {
      const t = tenant(p, params.id);
      const b = await body();
      const name = checkName(b.name);
      const rt = b.resourceTicket as { name?: unknown; limits?: unknown } | undefined;
      if (!rt || typeof rt !== "object") throw invalidEntity("resourceTicket may not be null (was null)");
      const ticketName = required(rt.name, "resourceTicket.name");
      const asked = parseLineItems(rt.limits, "resourceTicket.limits");
      const groups = b.securityGroups === undefined || b.securityGroups === null ? [] : checkGroups(b.securityGroups);
      if ([...p.docs.project.values()].some((x) => x.tenantId === t.id && x.name === name)) throw nameTaken("project", name);
      const ticket = [...p.docs.ticket.values()].find((r) => r.tenantId === t.id && r.name === ticketName);
      if (!ticket) throw new ApiError(404, "ResourceTicketNotFound", `ResourceTicket #${ticketName} not found`, { id: ticketName });
      const limits = reservation(ticket.limits, asked);
      const usage = debit(ticket.limits, ticket.usage, limits);
      p.put("ticket", { ...ticket, usage });
      const pr: ProjectDoc = {
        id: crypto.randomUUID(),
        name,
        tenantId: t.id,
        tags: [],
        ticketId: ticket.id,
        limits,
        usage: zeroUsage(limits),
        securityGroups: inheritGroups(t.securityGroups.map((g) => g.name), ownGroups(groups)),
      };
      p.put("project", pr);
      return created(p.tasks.json(p.tasks.completed("CREATE_PROJECT", { kind: "project", id: pr.id }, { tenantId: t.id, projectId: pr.id }), origin));
    },
  },
  {
    method: "GET",
    path: "/tenants/:id/projects",
    run({ p, params, query, origin, caller }) {
      const t = tenant(p, params.id);
      return ok(
        p.pages.page(`/tenants/${t.id}/projects`, query, (q) =>
          byName([...p.docs.project.values()].filter((x) => x.tenantId === t.id && canSeeProject(p, caller, x)), q).map((x) => projectJson(p, x, origin)),
        ),
      );
    },
  },
  {
    method: "GET",
    path: "/projects/:id",
    run({ p, params, origin }) {
      return ok(projectJson(p, project(p, params.id), origin));
    },
  },
  {
    method: "DELETE",
    path: "/projects/:id",
    run({ p, params, origin }) {
      const pr = project(p, params.id);
      const vms = [...p.docs.vm.values()].filter((v) => v.projectId === pr.id).length;
      const disks = [...p.docs.disk.values()].filter((d) => d.projectId === pr.id).length;
      const clusters = [...p.docs.cluster.values()].filter((c) => c.projectId === pr.id).length;
      const subnets = [...p.docs.subnet.values()].filter((s) => s.projectId === pr.id).length;
      if (vms + disks + clusters + subnets > 0) {
        throw new ApiError(400, "ContainerNotEmpty", `Project '${pr.id}' container is not empty`, { kind: "project", id: pr.id, message: `Project '${pr.id}' has ${vms} VM(s), ${disks} disk(s), ${clusters} cluster(s), ${subnets} subnet(s)` });
      }
      const ticket = p.docs.ticket.get(pr.ticketId);
      if (ticket) p.put("ticket", { ...ticket, usage: credit(ticket.usage, pr.limits) });
      p.remove("project", pr.id);
      return created(p.tasks.json(p.tasks.completed("DELETE_PROJECT", { kind: "project", id: pr.id }, { tenantId: pr.tenantId, projectId: pr.id }), origin));
    },
  },
  {
    method: "GET",
    path: "/projects/:id/tasks",
    run({ p, params, query, origin }) {
      const pr = project(p, params.id);
      return ok(p.pages.page("/tasks", query, (q) => filterTasks([...p.docs.task.values()].filter((x) => x.projectId === pr.id), q).map((x) => p.tasks.json(x, origin))));
    },
  },
  {
    method: "POST",
    path: "/projects/:id/set_security_groups",
    async run({ p, params, body, origin }) {
      const pr = project(p, params.id);
      const names = checkGroups((await body()).items);
      const { groups, warnings } = replaceOwn(pr.securityGroups, names);
      p.put("project", { ...pr, securityGroups: groups });
      return ok(p.tasks.json(p.tasks.completed("SET_PROJECT_SECURITY_GROUPS", { kind: "project", id: pr.id }, { projectId: pr.id }, ["SET_PROJECT_SECURITY_GROUPS"], warnings), origin));
    },
  },
  {
    method: "POST",
    path: "/tenants/:id/set_security_groups",
    async run({ p, params, body, origin }) {
      const t = tenant(p, params.id);
      const names = checkGroups((await body()).items);
      const { groups, warnings } = replaceOwn(t.securityGroups, names);
      p.put("tenant", { ...t, securityGroups: groups });
      for (const pr of p.docs.project.values()) {
        if (pr.tenantId === t.id) p.put("project", { ...pr, securityGroups: inheritGroups(groups.map((g) => g.name), pr.securityGroups.filter((g) => !g.inherited)) });
      }
      return ok(p.tasks.json(p.tasks.completed("SET_TENANT_SECURITY_GROUPS", { kind: "tenant", id: t.id }, { tenantId: t.id }, ["SET_TENANT_SECURITY_GROUPS"], warnings), origin));
    },
  },
];

/** Debits a project's ticket by `cost` (400 QuotaError, nothing changed, when over). */
export function debitProject(p: PhotonPlatform, pr: ProjectDoc, cost: Parameters<typeof debit>[2]): void {
  const cur = p.docs.project.get(pr.id)!;
  const usage = debit(cur.limits, cur.usage, cost);
  p.put("project", { ...cur, usage });
}
/** Credits it back (on delete). */
export function creditProject(p: PhotonPlatform, projectId: string, cost: Parameters<typeof credit>[1]): void {
  const cur = p.docs.project.get(projectId);
  if (cur) p.put("project", { ...cur, usage: credit(cur.usage, cost) });
}
