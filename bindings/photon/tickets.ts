/** Resource tickets (API.md §6, §7): a tenant's limits and usage; projects reserve from them. */
import { nameTaken } from "./errors.js";
import type { PhotonPlatform } from "./platform.js";
import { parseLineItems, zeroUsage } from "./quota.js";
import { byName, checkName, created, ok, type Route } from "./route.js";
import { filterTasks, tenant } from "./tenants.js";
import type { TicketDoc } from "./types.js";

export function ticketJson(t: TicketDoc, origin: string): Record<string, unknown> {
  return { id: t.id, selfLink: `${origin}/resource-tickets/${t.id}`, kind: "resource-ticket", name: t.name, tags: t.tags, tenantId: t.tenantId, limits: t.limits, usage: t.usage };
}

export const ticketRoutes: Route[] = [
  {
    method: "POST",
    path: "/tenants/:id/resource-tickets",
    async run({ p, params, body, origin }) {
      const t = tenant(p, params.id);
      const b = await body();
      const name = checkName(b.name);
      const limits = parseLineItems(b.limits, "limits");
      if ([...p.docs.ticket.values()].some((r) => r.tenantId === t.id && r.name === name)) throw nameTaken("resource-ticket", name);
      const r: TicketDoc = { id: crypto.randomUUID(), name, tenantId: t.id, tags: [], limits, usage: zeroUsage(limits) };
      p.put("ticket", r);
      return created(p.tasks.json(p.tasks.completed("CREATE_RESOURCE_TICKET", { kind: "resource-ticket", id: r.id }, { tenantId: t.id }), origin));
    },
  },
  {
    method: "GET",
    path: "/tenants/:id/resource-tickets",
    run({ p, params, query, origin }) {
      const t = tenant(p, params.id);
      return ok(p.pages.page(`/tenants/${t.id}/resource-tickets`, query, (q) => byName([...p.docs.ticket.values()].filter((r) => r.tenantId === t.id), q).map((r) => ticketJson(r, origin))));
    },
  },
  {
    method: "GET",
    path: "/resource-tickets/:id",
    run({ p, params, origin }) {
      return ok(ticketJson(p.get("ticket", params.id, "ResourceTicketNotFound", "ResourceTicket"), origin));
    },
  },
  {
    method: "GET",
    path: "/resource-tickets/:id/tasks",
    run({ p, params, query, origin }) {
      const r = p.get("ticket", params.id, "ResourceTicketNotFound", "ResourceTicket");
      return ok(p.pages.page("/tasks", query, (q) => filterTasks([...p.docs.task.values()].filter((x) => x.entity.id === r.id), q).map((x) => p.tasks.json(x, origin))));
    },
  },
];
