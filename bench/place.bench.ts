/**
 * Placement core benchmarks: the wasm Cluster and FleetScheduler beside their plain-TypeScript
 * reference models, same scenario, same run.
 */
import { Cluster } from "../bindings/core/cluster.js";
import { FleetScheduler } from "../bindings/core/fleet.js";
import type { BalanceResult, ClusterApi, ClusterOptions, FailoverPlan, FleetRequest, FleetSchedulerApi } from "../bindings/core/cluster-types.js";
import { ReferenceCluster } from "../test/reference/cluster.js";
import { ReferenceFleetScheduler } from "../test/reference/fleet.js";
import { type BenchCase, stream } from "./harness.js";

/**
 * Rates of `a` and `b` measured in alternating slices of about 50 ms, so both see the same machine
 * (a shared machine's load moves during a run): [a per second, b per second], `opsPerCall` each call.
 */
function paired(a: () => void, b: () => void, opsPerCall: number, ms: number): [number, number] {
  a();
  b();
  const time = [0, 0];
  const calls = [0, 0];
  const ops = [a, b];
  while (time[0] + time[1] < 2 * ms) {
    for (let k = 0; k < 2; k++) {
      const start = performance.now();
      let t = 0;
      do {
        ops[k]();
        calls[k]++;
        t = performance.now() - start;
      } while (t < 50);
      time[k] += t;
    }
  }
  return [(calls[0] * opsPerCall * 1000) / time[0], (calls[1] * opsPerCall * 1000) / time[1]];
}

const hosts64 = (): ClusterOptions => ({
  hosts: Array.from({ length: 64 }, (_, i) => ({ cpuMHz: 256_000 + (i % 4) * 32_000, memoryMiB: 1_048_576 })),
});

/** A container VM of the mix: 0.2–2 GHz, 0.5–4 GiB, a quarter with reservations, one of 8 templates. */
function addMix(c: ClusterApi, n: number, seed: number): number[] {
  const r = stream(seed);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const reserve = r() < 0.25;
    const cpu = 200 + Math.floor(r() * 1800);
    const mem = 512 + Math.floor(r() * 3584);
    ids.push(
      c.addVm({
        cpu: { demand: cpu, reservation: reserve ? cpu / 2 : 0 },
        memory: { demand: mem, reservation: reserve ? mem : 0 },
        overheadMiB: 40,
        template: Math.floor(r() * 8),
        restartPriority: (["high", "medium", "low"] as const)[i % 3],
      }),
    );
  }
  return ids;
}

/** 64 hosts, 8 000 VMs placed (about half load), then the VMs of hosts 0–15 grow: CPU ×1.8, memory ×1.5. */
function skewed(make: (o: ClusterOptions) => ClusterApi): { c: ClusterApi; ids: number[] } {
  const c = make(hosts64());
  const ids = addMix(c, 8000, 7);
  c.placeVms(ids);
  for (const v of ids) {
    if (c.vmHost(v) < 16) {
      const e = c.entitlement(v);
      c.setDemand(v, { cpu: e.cpu * 1.8, memory: e.memory * 1.5 });
    }
  }
  return { c, ids };
}

type Make = (o: ClusterOptions) => ClusterApi;
const wasm: Make = (o) => new Cluster(o);
const reference: Make = (o) => new ReferenceCluster(o);

/** One call: place 2 000 container VMs in one batch (8 templates, each on 8 hosts), then power them off again. */
function initialOp(make: Make): () => void {
  const c = make(hosts64());
  for (let t = 0; t < 8; t++) for (let h = t; h < 64; h += 8) c.setTemplateOnHost(t, h);
  const ids = addMix(c, 2000, 3);
  return () => {
    c.placeVms(ids);
    for (const v of ids) c.powerOff(v);
  };
}

/** Hosts the first batch of initialOp's scenario lands on (the case checks both sides agree). */
function initialHosts(make: Make): string {
  const c = make(hosts64());
  for (let t = 0; t < 8; t++) for (let h = t; h < 64; h += 8) c.setTemplateOnHost(t, h);
  return JSON.stringify(c.placeVms(addMix(c, 2000, 3)));
}

/** Throws unless the wasm and the reference model gave the same answer. */
function same(name: string, what: string, a: unknown, b: unknown): void {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${name}: the wasm and the reference model chose different ${what}`);
}

/** One call: a balancing pass, recommended only, so every pass starts from the same skew. */
function balanceOp(make: Make): { op: () => void; recommendations: BalanceResult["recommendations"] } {
  const { c } = skewed(make);
  c.setAutomation("partiallyAutomated");
  return { op: () => void c.balance(), recommendations: c.balance().recommendations };
}

/** One call: hosts k and k+32 fail (HA plans the restarts), then both come back empty. */
function failoverOp(make: Make): { op: () => void; restarts: () => number; firstPlan: FailoverPlan } {
  const { c } = skewed(make);
  let k = 0;
  let restarts = 0;
  const op = (): FailoverPlan => {
    const a = k % 64;
    const b = (k + 32) % 64;
    k++;
    const plan = c.failHosts([a, b]);
    restarts += plan.restarts.length;
    c.recoverHost(a);
    c.recoverHost(b);
    return plan;
  };
  const firstPlan = op();
  return { op: () => void op(), restarts: () => restarts / k, firstPlan };
}

function fleetRequests(n: number): FleetRequest[] {
  const r = stream(11);
  return Array.from({ length: n }, () => ({
    vcpus: 1 + Math.floor(r() * 4),
    memoryMiB: 512 * (1 + Math.floor(r() * 8)),
    image: Math.floor(r() * 64),
    imageSizeMiB: 256 + Math.floor(r() * 2048),
  }));
}

/**
 * The fleet scheduler in steady state: each round places a batch of 4,096 requests (one crossing
 * into the core) on a fleet of 32,768 hosts, then releases what it placed, so the fleet never
 * fills and the count is of successful placements, not refusals. Only the placing is timed.
 */
interface SchedSide {
  /** Places the batch, releases what was placed; returns ms spent placing. */
  round(): number;
  /** Successful placements of the last round. */
  placed(): number;
  /** Hosts chosen by the next `rounds` rounds (-1/-2: refused). */
  hosts(rounds: number): number[];
}

function schedSide(make: (hosts: { cores: number; memoryMiB: number }[]) => FleetSchedulerApi): SchedSide {
  const hosts = Array.from({ length: 32_768 }, (_, i) => ({ cores: 32 + (i % 4) * 8, memoryMiB: 524_288 }));
  const s = make(hosts);
  const requests = fleetRequests(4096);
  const batch = new Float64Array(4096 * 5);
  requests.forEach((r, i) => batch.set([r.vcpus, r.memoryMiB, r.image ?? -1, r.imageSizeMiB ?? 0, 0], i * 5));
  let last: Float64Array = new Float64Array(0);
  const round = (): number => {
    const t0 = performance.now();
    last = s.placeBatch(batch);
    const ms = performance.now() - t0;
    for (let i = 0; i < requests.length; i++) {
      const h = last[i * 3];
      if (h >= 0) s.release(h, requests[i].vcpus, requests[i].memoryMiB);
    }
    return ms;
  };
  return {
    round,
    hosts: (rounds) => {
      const chosen: number[] = [];
      for (let k = 0; k < rounds; k++) {
        round();
        for (let i = 0; i < requests.length; i++) chosen.push(last[i * 3]);
      }
      return chosen;
    },
    placed: () => {
      let n = 0;
      for (let i = 0; i < requests.length; i++) if (last[i * 3] >= 0) n++;
      return n;
    },
  };
}

/**
 * Successful placements per second of the wasm and the reference scheduler, in alternating slices
 * of about 50 ms of placing time each (the shared machine's load weighs on both alike).
 */
function schedRates(ms: number): { wasm: number; reference: number; refusedWasm: number; refusedReference: number } {
  const sides = [schedSide((hosts) => new FleetScheduler({ hosts })), schedSide((hosts) => new ReferenceFleetScheduler({ hosts }))];
  const time = [0, 0];
  const placed = [0, 0];
  const refused = [0, 0];
  for (const side of sides) side.round(); // warm-up
  while (time[0] + time[1] < 2 * ms) {
    for (let k = 0; k < 2; k++) {
      let t = 0;
      do {
        t += sides[k].round();
        const n = sides[k].placed();
        placed[k] += n;
        refused[k] += 4096 - n;
      } while (t < 50);
      time[k] += t;
    }
  }
  return { wasm: (placed[0] * 1000) / time[0], reference: (placed[1] * 1000) / time[1], refusedWasm: refused[0], refusedReference: refused[1] };
}

/** Both schedulers, fresh and with the same seed, must choose the same hosts for the first rounds. */
function schedSameHosts(rounds: number): number {
  const a = schedSide((hosts) => new FleetScheduler({ hosts })).hosts(rounds);
  const b = schedSide((hosts) => new ReferenceFleetScheduler({ hosts })).hosts(rounds);
  const i = a.findIndex((h, k) => h !== b[k]);
  if (i >= 0) throw new Error(`sched.sample.32k: placement ${i} went to host ${a[i]} in wasm, ${b[i]} in the reference model`);
  return a.length;
}

export const cases: BenchCase[] = [
  {
    name: "place.initial.64h",
    title: "place container VMs into 64 hosts",
    run: ({ quick }) => {
      same("place.initial.64h", "hosts", initialHosts(wasm), initialHosts(reference));
      const [w, r] = paired(initialOp(wasm), initialOp(reference), 2000, quick ? 500 : 4000);
      return [{ case: "place.initial.64h", unit: "VMs/s", value: w, baseline: "reference model (TypeScript), same hosts chosen", baselineValue: r }];
    },
  },
  {
    name: "drs.balance.64h8k",
    title: "balance 64 hosts / 8,000 VMs from a skewed start",
    run: ({ quick }) => {
      const w = balanceOp(wasm);
      const r = balanceOp(reference);
      same("drs.balance.64h8k", "moves", w.recommendations, r.recommendations);
      const [a, b] = paired(w.op, r.op, 1, quick ? 600 : 5000);
      return [{ case: "drs.balance.64h8k", unit: "passes/s", value: a, baseline: "reference model (TypeScript), same recommendations", baselineValue: b, notes: { movesPerPass: w.recommendations.length } }];
    },
  },
  {
    name: "ha.failover.64h8k",
    title: "HA failover plan after 2 of 64 hosts fail (8,000 VMs)",
    run: ({ quick }) => {
      const w = failoverOp(wasm);
      const r = failoverOp(reference);
      same("ha.failover.64h8k", "restarts", w.firstPlan, r.firstPlan);
      const [a, b] = paired(w.op, r.op, 1, quick ? 600 : 5000);
      return [{ case: "ha.failover.64h8k", unit: "plans/s", value: a, baseline: "reference model (TypeScript), same restarts", baselineValue: b, notes: { restartsPerPlan: Math.round(w.restarts()) } }];
    },
  },
  {
    name: "sched.sample.32k",
    title: "fleet scheduler placements on 32,768 hosts, steady state",
    run: ({ quick }) => {
      const checked = schedSameHosts(quick ? 2 : 8);
      const r = schedRates(quick ? 500 : 4000);
      return [
        {
          case: "sched.sample.32k",
          unit: "placements/s",
          value: r.wasm,
          baseline: "reference model (TypeScript), same hosts chosen",
          baselineValue: r.reference,
          notes: { goal: 680_000, sameHostsChecked: checked, refusedWasm: r.refusedWasm, refusedReference: r.refusedReference },
        },
      ];
    },
  },
];
