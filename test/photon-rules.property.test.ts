/**
 * The rule tables of API.md as properties: quota (§7) against a direct reading of the rule, and the
 * authorization table (§5) against its rows, over random tickets, costs, groups and paths.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiError } from "../bindings/photon/errors.js";
import { credit, debit, reservation, type QuotaLineItem, type QuotaUnit } from "../bindings/photon/quota.js";
import { allowed, guardingGroups, inheritGroups, replaceOwn, type GroupLookup } from "../bindings/photon/auth.js";

const BYTES: Record<QuotaUnit, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, COUNT: 1 };
const KEYS = ["vm", "vm.cpu", "vm.memory", "persistent-disk.capacity", "vm.cost"];
const sized = (k: string): boolean => k === "vm.memory" || k === "persistent-disk.capacity";
const item = (key: string) => fc.record({ key: fc.constant(key), value: fc.integer({ min: 0, max: 64 }), unit: sized(key) ? fc.constantFrom<QuotaUnit>("GB", "MB", "KB", "B") : fc.constant<QuotaUnit>("COUNT") });
const items = fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1, maxLength: KEYS.length }).chain((keys) => fc.tuple(...keys.map(item)));

describe("quota rule (API.md §7)", () => {
  it("a debit is applied whole when every enforced new usage is ≤ its limit, else QuotaError and nothing", () => {
    fc.assert(
      fc.property(items, fc.array(items, { minLength: 1, maxLength: 12 }), (limits: QuotaLineItem[], costs: QuotaLineItem[][]) => {
        let usage = limits.map((l) => ({ key: l.key, value: 0, unit: l.unit }));
        const used = new Map<string, number>(); // bytes or count per key, by the rule
        const applied: QuotaLineItem[][] = [];
        for (const cost of costs) {
          const next = new Map(used);
          for (const c of cost) next.set(c.key, (next.get(c.key) ?? 0) + c.value * BYTES[c.unit]);
          const over = limits.find((l) => (next.get(l.key) ?? 0) > l.value * BYTES[l.unit]);
          if (over) {
            let err: unknown;
            try {
              debit(limits, usage, cost);
            } catch (e) {
              err = e;
            }
            expect(err).toBeInstanceOf(ApiError);
            expect((err as ApiError).status).toBe(400);
            expect((err as ApiError).code).toBe("QuotaError");
            expect(Object.keys((err as ApiError).data).sort()).toEqual(["limit", "newUsage", "usage"]);
          } else {
            usage = debit(limits, usage, cost);
            applied.push(cost);
            for (const [k, v] of next) used.set(k, v);
          }
          for (const l of limits) {
            const u = usage.find((x) => x.key === l.key)!;
            expect(u.value * BYTES[u.unit]).toBeCloseTo(used.get(l.key) ?? 0, 3);
            expect(u.value * BYTES[u.unit]).toBeLessThanOrEqual(l.value * BYTES[l.unit] * (1 + 1e-9));
          }
        }
        // crediting what was applied gives everything back: usage returns to zero
        for (const cost of applied) usage = credit(usage, cost);
        for (const u of usage) expect(u.value).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("subdivide.percent reserves P % of every tenant limit; explicit limits must cover every tenant key", () => {
    fc.assert(
      fc.property(items, fc.integer({ min: 1, max: 100 }), (limits: QuotaLineItem[], pct) => {
        const r = reservation(limits, [{ key: "subdivide.percent", value: pct, unit: "COUNT" }]);
        expect(r).toEqual(limits.map((l) => ({ key: l.key, value: (l.value * pct) / 100, unit: l.unit })));
        const missing = limits.slice(1);
        if (limits.length > 1) expect(() => reservation(limits, missing)).toThrow(expect.objectContaining({ code: "InvalidResourceTicketSubdivide", data: { missingLimit: limits[0].key } }));
      }),
    );
  });
});

const GROUP = fc.constantFrom<string>("esxcloud\\ESXCloudAdmins", "esxcloud\\dev", "esxcloud\\ops", "esxcloud\\qa", "other\\dev", "EVERYONE");
const groups = fc.uniqueArray(GROUP, { maxLength: 3 });

describe("authorization table (API.md §5)", () => {
  it("picks the object's groups by the first matching row and allows on EVERYONE or a shared group (admins always)", () => {
    fc.assert(
      fc.property(
        fc.record({ deployment: groups, tenant: groups, project: groups, inherited: groups, caller: groups }),
        fc.constantFrom("GET", "POST", "DELETE"),
        fc.constantFrom("tenants", "projects", "vms", "disks", "clusters", "resource-tickets", "images", "tasks", "flavors", "info", "hosts", "deployments", "datastores", "availabilityzones"),
        fc.constantFrom("", "/x", "/x/projects", "/x/set_security_groups", "/x/start", "/x/a/b"),
        fc.boolean(),
        (g, method, kind, rest, exists) => {
          const look: GroupLookup = {
            deployment: () => g.deployment,
            tenant: () => (exists ? g.tenant : undefined),
            project: (_id, inheritedOnly) => (exists ? (inheritedOnly ? g.inherited : g.project) : undefined),
            ownerProject: () => (exists ? "p" : undefined),
            ticketTenant: () => (exists ? "t" : undefined),
          };
          const path = `/${kind}${rest}`;
          const got = guardingGroups(look, method, path);
          const segs = path.split("/").filter(Boolean);
          const action = segs[2];
          // the table, row by row
          let want: string[] | "EVERYONE";
          const none: string[] = [];
          if (segs.length > 3) want = g.deployment;
          else if (kind === "tenants") want = method === "GET" ? "EVERYONE" : action === "projects" && method === "POST" ? (exists ? g.tenant : none) : g.deployment;
          else if (kind === "projects") want = !segs[1] ? g.deployment : (method === "DELETE" && segs.length === 2) || action === "set_security_groups" ? (exists ? g.inherited : none) : exists ? g.project : none;
          else if (kind === "vms" || kind === "disks" || kind === "clusters") want = !segs[1] ? g.deployment : exists ? g.project : none;
          else if (kind === "resource-tickets") want = segs[1] && exists ? g.tenant : none;
          else if (kind === "images" || kind === "tasks") want = "EVERYONE";
          else if (kind === "flavors" || kind === "info") want = method === "GET" ? "EVERYONE" : g.deployment;
          else want = g.deployment;
          expect(got).toEqual(want);
          const ok = allowed(got, g.caller, "esxcloud");
          const expected = want === "EVERYONE" || want.includes("EVERYONE") || g.caller.includes("esxcloud\\ESXCloudAdmins") || want.some((x) => g.caller.includes(x));
          expect(ok).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("inheritance keeps inherited entries, drops own names already inherited with a warning", () => {
    fc.assert(
      fc.property(groups, groups, groups, (parent, own, set) => {
        const list = inheritGroups(parent, own.map((name) => ({ name, inherited: false })));
        expect(list.filter((x) => x.inherited).map((x) => x.name)).toEqual([...new Set(parent)]);
        expect(list.filter((x) => !x.inherited).map((x) => x.name)).toEqual(own.filter((n) => !parent.includes(n)));
        const { groups: after, warnings } = replaceOwn(list, set);
        expect(after.filter((x) => x.inherited)).toEqual(list.filter((x) => x.inherited));
        expect(after.filter((x) => !x.inherited).map((x) => x.name)).toEqual(set.filter((n) => !parent.includes(n)));
        expect(warnings.length).toBe(set.some((n) => parent.includes(n)) ? 1 : 0);
      }),
    );
  });
});
