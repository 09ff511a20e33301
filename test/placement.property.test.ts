// The wasm Cluster and the ReferenceCluster driven by the same random operations: every result,
// every error message, every host load and every VM's host must agree exactly. Invariants are
// checked on the way: no host reserved beyond capacity, no broken must or anti-affinity rule,
// a balancing pass never raises the imbalance. Rules come and go, so removed rule ids are reused:
// both kernels must hand out the same ids and hold the same number of rule slots.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Cluster, WasmPlacementKernel } from "../bindings/core/cluster.js";
import { FleetScheduler } from "../bindings/core/fleet.js";
import type { ClusterApi, HaPolicy, PlacementKernel, Rule, VmSpec } from "../bindings/core/cluster-types.js";
import { ReferenceCluster, ReferencePlacementKernel } from "./reference/cluster.js";
import { ReferenceFleetScheduler } from "./reference/fleet.js";

const PRIORITIES = ["highest", "high", "medium", "low", "lowest", "disabled"] as const;
const KINDS = ["vm-affinity", "vm-anti-affinity", "vm-host-must", "vm-host-should"] as const;

const resourceArb = (max: number) =>
  fc.record({
    demand: fc.integer({ min: 0, max }),
    reservation: fc.option(fc.integer({ min: 0, max: max / 2 }), { nil: undefined }),
    limit: fc.option(fc.integer({ min: max / 2, max: max * 2 }), { nil: undefined }),
    shares: fc.option(fc.integer({ min: 1, max: 4000 }), { nil: undefined }),
  });
const specArb: fc.Arbitrary<VmSpec> = fc.record({
  cpu: resourceArb(4000),
  memory: resourceArb(8192),
  overheadMiB: fc.option(fc.integer({ min: 0, max: 128 }), { nil: undefined }),
  template: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  restartPriority: fc.option(fc.constantFrom(...PRIORITIES), { nil: undefined }),
});

type Op =
  | { op: "add"; spec: VmSpec; place: boolean }
  | { op: "place"; i: number }
  | { op: "placeMany"; i: number; n: number }
  | { op: "off"; i: number }
  | { op: "remove"; i: number }
  | { op: "demand"; i: number; cpu: number; memory: number }
  | { op: "allocation"; i: number; cpu: { reservation?: number; limit?: number; shares?: number }; memory: { reservation?: number; limit?: number } }
  | { op: "template"; t: number; h: number }
  | { op: "rule"; kind: (typeof KINDS)[number]; vms: number[]; hosts: number[] }
  | { op: "unrule"; i: number }
  | { op: "balance"; threshold: 1 | 2 | 3 | 4 | 5; full: boolean }
  | { op: "plan"; h: number }
  | { op: "enter"; h: number }
  | { op: "exit"; h: number }
  | { op: "fail"; hosts: number[] }
  | { op: "recover"; h: number }
  | { op: "standby"; h: number }
  | { op: "ha"; policy: HaPolicy }
  | { op: "entitlement"; i: number }
  | { op: "migrate"; pages: number; dirty: number; ws: number; atDest: number };

const opArb = (withFailures: boolean): fc.Arbitrary<Op> => {
  const ops: fc.Arbitrary<Op>[] = [
    fc.record({ op: fc.constant("add" as const), spec: specArb, place: fc.boolean() }),
    fc.record({ op: fc.constant("add" as const), spec: specArb, place: fc.constant(true) }),
    fc.record({ op: fc.constant("place" as const), i: fc.nat() }),
    fc.record({ op: fc.constant("placeMany" as const), i: fc.nat(), n: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ op: fc.constant("off" as const), i: fc.nat() }),
    fc.record({ op: fc.constant("remove" as const), i: fc.nat() }),
    fc.record({ op: fc.constant("demand" as const), i: fc.nat(), cpu: fc.integer({ min: 0, max: 6000 }), memory: fc.integer({ min: 0, max: 12000 }) }),
    fc.record({
      op: fc.constant("allocation" as const),
      i: fc.nat(),
      cpu: fc.record({ reservation: fc.integer({ min: 0, max: 3000 }), limit: fc.option(fc.integer({ min: 0, max: 8000 }), { nil: undefined }), shares: fc.option(fc.integer({ min: 1, max: 4000 }), { nil: undefined }) }, { requiredKeys: [] }),
      memory: fc.record({ reservation: fc.integer({ min: 0, max: 6000 }), limit: fc.option(fc.integer({ min: 0, max: 16000 }), { nil: undefined }) }, { requiredKeys: [] }),
    }),
    fc.record({ op: fc.constant("template" as const), t: fc.integer({ min: 0, max: 3 }), h: fc.nat() }),
    fc.record({
      op: fc.constant("rule" as const),
      kind: fc.constantFrom(...KINDS),
      vms: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
      hosts: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({ op: fc.constant("unrule" as const), i: fc.nat() }),
    fc.record({ op: fc.constant("unrule" as const), i: fc.nat() }),
    fc.record({
      op: fc.constant("rule" as const),
      kind: fc.constantFrom("vm-host-must" as const, "vm-host-should" as const),
      vms: fc.tuple(fc.nat()),
      hosts: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }),
    }),
    fc.record({ op: fc.constant("balance" as const), threshold: fc.constantFrom(1, 2, 3, 4, 5) as fc.Arbitrary<1 | 2 | 3 | 4 | 5>, full: fc.boolean() }),
    fc.record({ op: fc.constant("balance" as const), threshold: fc.constant(5 as const), full: fc.constant(true) }),
    fc.record({ op: fc.constant("plan" as const), h: fc.nat() }),
    fc.record({ op: fc.constant("enter" as const), h: fc.nat() }),
    fc.record({ op: fc.constant("exit" as const), h: fc.nat() }),
    fc.record({ op: fc.constant("entitlement" as const), i: fc.nat() }),
    fc.record({
      op: fc.constant("migrate" as const),
      pages: fc.integer({ min: 0, max: 2_000_000 }),
      dirty: fc.integer({ min: 0, max: 1_000_000 }),
      ws: fc.integer({ min: 0, max: 500_000 }),
      atDest: fc.integer({ min: 0, max: 500_000 }),
    }),
    fc.record({
      op: fc.constant("ha" as const),
      policy: fc.oneof(
        fc.constant<HaPolicy>({ kind: "disabled" }),
        fc.integer({ min: 1, max: 2 }).map<HaPolicy>((f) => ({ kind: "slots", failuresToTolerate: f })),
        fc.record({ cpuPercent: fc.integer({ min: 0, max: 50 }), memoryPercent: fc.integer({ min: 0, max: 50 }) }).map<HaPolicy>((p) => ({ kind: "percentage", ...p })),
        fc.array(fc.nat(), { minLength: 1, maxLength: 2 }).map<HaPolicy>((hosts) => ({ kind: "failoverHosts", hosts })),
      ),
    }),
  ];
  if (withFailures) {
    ops.push(fc.record({ op: fc.constant("fail" as const), hosts: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }) }));
    ops.push(fc.record({ op: fc.constant("recover" as const), h: fc.nat() }));
    ops.push(fc.record({ op: fc.constant("standby" as const), h: fc.nat() }));
  }
  return fc.oneof(...ops);
};

const clusterArb = fc.array(
  fc.record({ cpuMHz: fc.integer({ min: 4000, max: 40_000 }), memoryMiB: fc.integer({ min: 8192, max: 65_536 }) }),
  { minLength: 2, maxLength: 7 },
);

/** Applies one op; returns its result or its error message. */
function apply(c: ClusterApi, op: Op, vms: number[], rules: number[]): unknown {
  const vm = (i: number) => (vms.length ? vms[i % vms.length] : 0);
  const host = (h: number) => h % (c.hostCount + 1); // sometimes one past the end: a bad host
  try {
    switch (op.op) {
      case "add": {
        const id = c.addVm(op.spec);
        if (!op.place) return [id];
        try {
          return [id, c.placeVm(id)];
        } catch (error) {
          return [id, { error: (error as Error).message }];
        }
      }
      case "place":
        return c.placeVm(vm(op.i));
      case "placeMany":
        return c.placeVms(Array.from({ length: op.n }, (_, k) => vm(op.i + k)));
      case "off":
        return c.powerOff(vm(op.i));
      case "remove":
        return c.removeVm(vm(op.i));
      case "demand":
        return c.setDemand(vm(op.i), { cpu: op.cpu, memory: op.memory });
      case "allocation":
        return c.setAllocation(vm(op.i), { cpu: op.cpu, memory: op.memory });
      case "template":
        return c.setTemplateOnHost(op.t, host(op.h));
      case "rule": {
        const rule = (op.kind === "vm-host-must" || op.kind === "vm-host-should"
          ? { kind: op.kind, vms: op.vms.map(vm), hosts: op.hosts.map(host) }
          : { kind: op.kind, vms: op.vms.map(vm) }) as Rule;
        return c.addRule(rule);
      }
      case "unrule":
        return c.removeRule(rules.length ? rules[op.i % rules.length] : 0);
      case "balance":
        c.setMigrationThreshold(op.threshold);
        c.setAutomation(op.full ? "fullyAutomated" : "partiallyAutomated");
        return c.balance();
      case "plan":
        return c.maintenancePlan(host(op.h));
      case "enter":
        return c.enterMaintenance(host(op.h));
      case "exit":
        return c.exitMaintenance(host(op.h));
      case "fail":
        return c.failHosts(op.hosts.map(host));
      case "recover":
        return c.recoverHost(host(op.h));
      case "standby":
        return c.enterStandby(host(op.h));
      case "ha":
        c.setHaPolicy(op.policy.kind === "failoverHosts" ? { kind: "failoverHosts", hosts: op.policy.hosts.map(host) } : op.policy);
        return c.haAdmission();
      case "entitlement":
        return c.entitlement(vm(op.i));
      case "migrate":
        return c.migrationEstimate({ memoryPages: op.pages, dirtyPagesPerSecond: op.dirty, workingSetPages: op.ws, pagesAtDestination: op.atDest });
    }
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Everything observable about a cluster. */
function observe(c: ClusterApi, vms: number[]) {
  return {
    loads: c.hostLoads(),
    imbalance: c.imbalance(),
    target: c.targetImbalance(),
    hosts: vms.map((v) => (c.hasVm(v) ? c.vmHost(v) : -2)),
    states: Array.from({ length: c.hostCount }, (_, h) => c.hostState(h)),
    ha: c.haAdmission(),
    rules: c.rules(),
  };
}

function checkInvariants(c: ClusterApi, hostsSpec: { cpuMHz: number; memoryMiB: number }[], strictRules: boolean): void {
  for (const l of c.hostLoads()) {
    expect(l.reservedCpuMHz).toBeLessThanOrEqual(hostsSpec[l.host].cpuMHz + 1e-9);
    expect(l.reservedMemoryMiB).toBeLessThanOrEqual(hostsSpec[l.host].memoryMiB + 1e-9);
    if (c.hostState(l.host) !== "connected") expect(l.vms).toBe(0);
  }
  for (const { rule } of c.rules()) {
    const on = rule.vms.map((v) => c.vmHost(v)).filter((h) => h >= 0);
    if (rule.kind === "vm-host-must") for (const h of on) expect(rule.hosts).toContain(h);
    if (strictRules && rule.kind === "vm-anti-affinity") expect(new Set(on).size).toBe(on.length);
    if (strictRules && rule.kind === "vm-affinity") expect(new Set(on).size).toBeLessThanOrEqual(1);
  }
}

function run(hostsSpec: { cpuMHz: number; memoryMiB: number }[], ops: Op[], withFailures: boolean): void {
  const wk: PlacementKernel = new WasmPlacementKernel();
  const rk: PlacementKernel = new ReferencePlacementKernel();
  const w = new Cluster({ hosts: hostsSpec }, wk);
  const r = new Cluster({ hosts: hostsSpec }, rk);
  const vms: number[] = [];
  /** Every rule id handed out, removed ones included: removing one again is an error until it is reused. */
  const rules: number[] = [];
  let peak = 0;
  for (const op of ops) {
    const live = w.rules().map((x) => x.id);
    const slots = wk.ruleSlots();
    const a = apply(w, op, vms, rules);
    const b = apply(r, op, vms, rules);
    expect(a).toEqual(b);
    if (op.op === "add" && Array.isArray(a)) vms.push(a[0] as number);
    if (op.op === "rule") {
      // an added rule (even one refused at once) takes a removed rule's id while there is one
      if (slots > live.length) expect(wk.ruleSlots()).toBe(slots);
      peak = Math.max(peak, live.length + 1);
      if (typeof a === "number") {
        expect(live).not.toContain(a);
        if (!rules.includes(a)) rules.push(a);
      }
    }
    // rule storage: as many slots as the most rules ever held at once, the same in both kernels
    expect(wk.ruleSlots()).toBe(rk.ruleSlots());
    expect(wk.ruleSlots()).toBeLessThanOrEqual(peak);
    if (op.op === "balance" && !(a as { error?: string }).error) {
      const res = a as { imbalanceBefore: number; imbalanceAfter: number };
      expect(res.imbalanceAfter).toBeLessThanOrEqual(res.imbalanceBefore + 1e-12);
    }
    expect(observe(w, vms)).toEqual(observe(r, vms));
    checkInvariants(w, hostsSpec, !withFailures);
  }
  // every live VM's entitlement agrees too
  for (const v of vms) if (w.hasVm(v)) expect(w.entitlement(v)).toEqual(r.entitlement(v));
}

describe("wasm cluster against the reference model", () => {
  it("agrees on random operations without host failures (all rules hold)", () => {
    fc.assert(fc.property(clusterArb, fc.array(opArb(false), { minLength: 1, maxLength: 60 }), (h, ops) => run(h, ops, false)), { numRuns: 120 });
  });
  it("agrees on random operations with host failures and recoveries", () => {
    fc.assert(fc.property(clusterArb, fc.array(opArb(true), { minLength: 1, maxLength: 60 }), (h, ops) => run(h, ops, true)), { numRuns: 120 });
  });
  it("agrees on balancing passes from skewed starts of many VMs", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 12 }),
        fc.array(fc.record({ cpu: fc.integer({ min: 50, max: 3000 }), mem: fc.integer({ min: 64, max: 4096 }), res: fc.integer({ min: 0, max: 512 }) }), { minLength: 10, maxLength: 150 }),
        fc.constantFrom(2, 3, 4, 5) as fc.Arbitrary<2 | 3 | 4 | 5>,
        (n, specs, t) => {
          const hostsSpec = Array.from({ length: n }, (_, i) => ({ cpuMHz: 20_000 + 4000 * (i % 3), memoryMiB: 65_536 }));
          const make = (c: ClusterApi) => {
            c.setTemplateOnHost(0, 0);
            const ids = specs.map((s) => c.addVm({ cpu: { demand: s.cpu }, memory: { demand: s.mem, reservation: s.res }, template: 0 }));
            const placed = ids.map((id) => { try { return c.placeVm(id).host; } catch (e) { return (e as Error).message; } });
            c.setMigrationThreshold(t);
            return placed;
          };
          const w = new Cluster({ hosts: hostsSpec });
          const r = new ReferenceCluster({ hosts: hostsSpec });
          expect(make(w)).toEqual(make(r));
          for (let pass = 0; pass < 3; pass++) {
            const a = w.balance();
            expect(a).toEqual(r.balance());
            expect(a.imbalanceAfter).toBeLessThanOrEqual(a.imbalanceBefore + 1e-12);
            expect(w.imbalance()).toBe(a.imbalanceAfter);
          }
          const plan = w.failHosts([0, 1]);
          expect(plan).toEqual(r.failHosts([0, 1]));
          expect(observe(w, specs.map((_, i) => i))).toEqual(observe(r, specs.map((_, i) => i)));
          checkInvariants(w, hostsSpec, false);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("fleet scheduler against the reference model", () => {
  it("picks the same hosts and never fills a host beyond 95 %", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ cores: fc.integer({ min: 1, max: 64 }), memoryMiB: fc.integer({ min: 1024, max: 262_144 }), labels: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 200 }),
        fc.array(
          fc.record({
            vcpus: fc.integer({ min: 1, max: 16 }),
            memoryMiB: fc.integer({ min: 64, max: 32_768 }),
            image: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
            imageSizeMiB: fc.option(fc.integer({ min: 0, max: 2048 }), { nil: undefined }),
            labels: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 120 },
        ),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (hosts, requests, seed, down) => {
          const w = new FleetScheduler({ hosts, seed });
          const r = new ReferenceFleetScheduler({ hosts, seed });
          for (const d of down) {
            w.setHostUp(d % hosts.length, false);
            r.setHostUp(d % hosts.length, false);
          }
          const half = requests.length >> 1;
          const a = [...w.placeMany(requests.slice(0, half)), ...requests.slice(half).map((q) => { try { return w.place(q); } catch (e) { return (e as Error).message; } })];
          const b = [...r.placeMany(requests.slice(0, half)), ...requests.slice(half).map((q) => { try { return r.place(q); } catch (e) { return (e as Error).message; } })];
          expect(a).toEqual(b);
          for (let h = 0; h < hosts.length; h++) {
            const u = w.hostUsage(h);
            expect(u).toEqual(r.hostUsage(h));
            expect(u.vcpus).toBeLessThanOrEqual(hosts[h].cores * 16 * 0.95 + 1e-9);
            expect(u.memoryMiB).toBeLessThanOrEqual(hosts[h].memoryMiB * 0.95 + 1e-9);
          }
          a.forEach((p, i) => {
            if (typeof p === "string" || p.host < 0) return;
            const want = requests[i < half ? i : i].labels ?? 0;
            expect(((hosts[p.host].labels & want) >>> 0) === want).toBe(true);
          });
        },
      ),
      { numRuns: 150 },
    );
  });
  it("agrees when hosts hold more images than their records keep inline (the spill set)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.tuple(fc.integer({ min: -1, max: 80 }), fc.integer({ min: 0, max: 3000 })), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 1000 }),
        (n, reqs, seed) => {
          const hosts = Array.from({ length: n }, () => ({ cores: 4096, memoryMiB: 1 << 30 }));
          const batch = new Float64Array(reqs.length * 5);
          reqs.forEach(([image, size], i) => batch.set([1, 64, image, size, 0], i * 5));
          const w = new FleetScheduler({ hosts, seed });
          const r = new ReferenceFleetScheduler({ hosts, seed });
          const a = w.placeBatch(batch);
          expect(Array.from(a)).toEqual(Array.from(r.placeBatch(batch)));
          // a second pass sees every image the first one copied: nothing to copy any more
          const again = w.placeBatch(batch);
          expect(Array.from(again)).toEqual(Array.from(r.placeBatch(batch)));
          for (let i = 0; i < reqs.length; i++) if (reqs[i][0] >= 0 && n === 1) expect(again[i * 3 + 2]).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
