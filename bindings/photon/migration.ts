/**
 * Deployment migration (API.md §6: `initialize_migration`, `finalize_migration`): this deployment pulls
 * the tenant data of a source Photon Controller through its API. `sourceNodeGroupReference` names the
 * source (its origin is used: `http://old-pc:9000/core/node-groups/default` → `http://old-pc:9000`; the
 * source must have auth off). Each data-migration cycle copies, keeping ids, what is not here yet:
 * flavors, images (as metadata), tenants, their resource tickets and projects (quota reservations debited
 * again; usage by VMs starts at zero, as VMs stay on the source's hosts). Finalize pauses the source,
 * runs a last cycle and ends the migration.
 */
import { ApiError, invalidEntity, stateError } from "./errors.js";
import type { PhotonPlatform } from "./platform.js";
import { debit, zeroUsage, type QuotaLineItem } from "./quota.js";
import { created, type Ctx, type Route } from "./route.js";
import type { FlavorDoc, ImageDoc, ProjectDoc, SecurityGroup, TenantDoc, TicketDoc } from "./types.js";

/** The source's API origin from a node-group reference (400 InvalidEntity unless an http(s) URL). */
function sourceOrigin(raw: unknown): string {
  if (typeof raw !== "string" || raw === "") throw invalidEntity("sourceNodeGroupReference may not be null (was null)");
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw invalidEntity(`sourceNodeGroupReference must be an http or https URL (was ${raw})`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw invalidEntity(`sourceNodeGroupReference must be an http or https URL (was ${raw})`);
  return u.origin;
}

type J = Record<string, unknown>;
async function fetchJson(origin: string, path: string, init?: RequestInit): Promise<J> {
  let r: Response;
  try {
    r = await fetch(origin + path, init);
  } catch (e) {
    throw new Error(`the source ${origin} cannot be reached: ${(e as Error).message}`);
  }
  const text = await r.text();
  if (!r.ok) throw new Error(`the source ${origin} answered ${path} with ${r.status}: ${text}`);
  return text ? (JSON.parse(text) as J) : {};
}
/** Every item of a source list, following `nextPageLink`. */
async function all(origin: string, path: string): Promise<J[]> {
  const out: J[] = [];
  for (let link: string | null = path; link; ) {
    const page = await fetchJson(origin, link);
    out.push(...((page.items as J[]) ?? []));
    link = (page.nextPageLink as string | null) ?? null;
  }
  return out;
}

const items = (raw: unknown): QuotaLineItem[] => (Array.isArray(raw) ? raw.map((x: J) => ({ key: String(x.key), value: Number(x.value), unit: String(x.unit) as QuotaLineItem["unit"] })) : []);
const groups = (raw: unknown): SecurityGroup[] => (Array.isArray(raw) ? raw.map((g: J) => ({ name: String(g.name), inherited: g.inherited === true })) : []);
const strings = (raw: unknown): string[] => (Array.isArray(raw) ? raw.map(String) : []);

/** One data-migration cycle: copies what the source has and this deployment lacks; returns how many documents. */
async function cycle(p: PhotonPlatform, origin: string): Promise<{ copied: number; warnings: ApiError[] }> {
  let copied = 0;
  const warnings: ApiError[] = [];
  const clash = (kind: string, name: string, id: string) => warnings.push(new ApiError(400, "NameTaken", `${kind} name '${name}' is taken here: source ${kind} ${id} not migrated`, { kind, name, id }));
  for (const f of await all(origin, "/flavors")) {
    const id = String(f.id);
    if (p.docs.flavor.has(id)) continue;
    if ([...p.docs.flavor.values()].some((x) => x.name === f.name && x.kind === f.kind)) {
      clash("flavor", String(f.name), id);
      continue;
    }
    p.put("flavor", { id, name: String(f.name), kind: f.kind as FlavorDoc["kind"], state: f.state === "PENDING_DELETE" ? "PENDING_DELETE" : "READY", cost: items(f.cost), tags: strings(f.tags) });
    copied++;
  }
  for (const i of await all(origin, "/images")) {
    const id = String(i.id);
    if (p.docs.image.has(id)) continue;
    p.put("image", { id, name: String(i.name), state: (i.state as ImageDoc["state"]) ?? "READY", size: Number(i.size ?? 0), replicationType: i.replicationType === "ON_DEMAND" ? "ON_DEMAND" : "EAGER", tags: strings(i.tags), seq: p.nextImageSeq() });
    copied++;
  }
  for (const t of await all(origin, "/tenants")) {
    const id = String(t.id);
    if (!p.docs.tenant.has(id)) {
      if ([...p.docs.tenant.values()].some((x) => x.name === t.name)) {
        clash("tenant", String(t.name), id);
        continue;
      }
      p.put("tenant", { id, name: String(t.name), tags: strings(t.tags), securityGroups: groups(t.securityGroups) } satisfies TenantDoc);
      copied++;
    }
    for (const r of await all(origin, `/tenants/${id}/resource-tickets`)) {
      const rid = String(r.id);
      if (p.docs.ticket.has(rid)) continue;
      const limits = items(r.limits);
      p.put("ticket", { id: rid, name: String(r.name), tenantId: id, tags: strings(r.tags), limits, usage: zeroUsage(limits) } satisfies TicketDoc);
      copied++;
    }
    for (const pr of await all(origin, `/tenants/${id}/projects`)) {
      const pid = String(pr.id);
      if (p.docs.project.has(pid)) continue;
      const rt = (pr.resourceTicket ?? {}) as J;
      const ticket = p.docs.ticket.get(String(rt.tenantTicketId));
      const limits = items(rt.limits);
      if (ticket) p.put("ticket", { ...ticket, usage: debit(ticket.limits, ticket.usage, limits) });
      p.put("project", { id: pid, name: String(pr.name), tenantId: id, tags: strings(pr.tags), ticketId: String(rt.tenantTicketId), limits, usage: zeroUsage(limits), securityGroups: groups(pr.securityGroups) } satisfies ProjectDoc);
      copied++;
    }
  }
  const d = p.deployment;
  const m = d.migration!;
  d.migration = { ...m, cycles: m.cycles + 1, lastCycleSize: copied };
  p.put("deployment", d);
  return { copied, warnings };
}

function dep(c: Ctx) {
  if (c.params.id !== c.p.deployment.id) throw new ApiError(404, "DeploymentNotFound", `Deployment #${c.params.id} not found`, { id: c.params.id });
  return c.p.deployment;
}

export const migrationRoutes: Route[] = [
  {
    method: "POST",
    path: "/deployments/:id/initialize_migration",
    async run(c) {
      const d = dep(c);
      const origin = sourceOrigin((await c.body()).sourceNodeGroupReference);
      if (d.state !== "READY") throw stateError("deployment", d.id, "INITIALIZE_MIGRATE_DEPLOYMENT", d.state);
      d.migration = { source: origin, cycles: 0, lastCycleSize: 0 };
      c.p.put("deployment", d);
      const t = c.p.tasks.queue("INITIALIZE_MIGRATE_DEPLOYMENT", { kind: "deployment", id: d.id }, [["MIGRATE_DEPLOYMENT_DATA", async () => (await cycle(c.p, origin)).warnings]]);
      return created(c.p.tasks.json(t, c.origin));
    },
  },
  {
    method: "POST",
    path: "/deployments/:id/finalize_migration",
    async run(c) {
      const d = dep(c);
      const origin = sourceOrigin((await c.body()).sourceNodeGroupReference);
      if (!d.migration || d.migration.finished || d.migration.source !== origin) throw stateError("deployment", d.id, "FINALIZE_MIGRATE_DEPLOYMENT", d.migration ? `MIGRATING_FROM ${d.migration.source}` : d.state);
      const t = c.p.tasks.queue("FINALIZE_MIGRATE_DEPLOYMENT", { kind: "deployment", id: d.id }, [
        [
          "PAUSE_SOURCE_SYSTEM",
          async () => {
            // the source stops taking changes, so the last cycle misses nothing
            const deps = (await fetchJson(origin, "/deployments")).items as J[];
            for (const s of deps ?? []) {
              if (s.state !== "PAUSED") await fetchJson(origin, `/deployments/${String(s.id)}/pause_system`, { method: "POST" });
            }
          },
        ],
        ["MIGRATE_DEPLOYMENT_DATA", async () => (await cycle(c.p, origin)).warnings],
        [
          "FINALIZE_MIGRATION",
          () => {
            const cur = c.p.deployment;
            cur.migration = { ...cur.migration!, finished: true };
            c.p.put("deployment", cur);
          },
        ],
      ]);
      return created(c.p.tasks.json(t, c.origin));
    },
  },
];
