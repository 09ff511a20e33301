/**
 * Runs one policy over a model in virtual time: the initial placement at t = 0, then a tick every
 * step from step + 0.1 s (CloudSim's VM-create acknowledgements arrive 0.1 s late) while the tick is
 * within the length, migration completions in between, and the metrics of CLOUDSIM-MODEL.md §5.
 */
import { Datacenter, type TickSample } from "./datacenter.js";
import { DrsDpm } from "./drs-dpm.js";
import { LrMmt } from "./lrmmt.js";
import type { Model } from "./model.js";
import { SharingMeter, type SharingSettings } from "./memory.js";
import type { PolicyName, Scenario } from "./scenario.js";

/** Seconds between a VM's creation and its cloudlet's start (CloudSim's event delay). */
export const ACK_DELAY = 0.1;

export interface MemorySummary {
  /** Guest memory mapped by powered-on VMs, and host memory it takes after instant clone and TPS. */
  mappedMiB: number;
  consumedMiB: number;
  savedMiB: number;
  /** How many more VMs of the mean size the saving would hold. */
  extraVmsWithSharing: number;
}

export interface PolicyResult {
  policy: PolicyName;
  energyKWh: number;
  migrations: number;
  /** SLA violation time per active host, fraction. */
  slatah: number;
  /** Performance degradation due to migration, fraction. */
  pdm: number;
  /** SLATAH × PDM. */
  slav: number;
  /** (requested − allocated) / requested over all VM time. */
  overallSlaViolation: number;
  activeHostHours: number;
  vms: number;
  hosts: number;
  /** The last tick processed (CloudSim prints the limit, 86 400, for a day). */
  simulatedSeconds: number;
  wallSeconds: number;
  /** drs-dpm: host power-ons and -offs, HA restarts. */
  powerOns?: number;
  powerOffs?: number;
  haRestarts?: number;
  haNotRestarted?: number;
  unplacedVms: number;
  /** VMs retired by CloudSim's zero-demand quirk (scenario `finishIdleVms`). */
  finishedVms: number;
  /** Memory after instant clone and TPS at the end of the run, and hourly through it. */
  memory?: MemorySummary;
  memorySeries?: ({ time: number } & MemorySummary)[];
  samples: TickSample[];
  utilisationBins: number[];
}

export interface RunOptions {
  /** Called after every tick with the fraction done. */
  onProgress?: (fraction: number) => void;
  /** Replaces the lr-mmt policy object (the reference model in tests and benchmarks). */
  lrmmt?: (dc: Datacenter) => { placeInitial(vms: number[]): number[]; placeArrivals(vms: number[]): number[]; optimize(): [number, number][] };
  /** Measures memory sharing through the memory engine every `everySeconds` and at the end. */
  sharing?: SharingSettings & { everySeconds: number };
}

interface Policy {
  readonly mode: "active" | "max" | "powered";
  placeInitial(vms: number[], t: number): number[];
  placeArrivals(vms: number[], t: number): number[];
  tick(t: number): [number, number][];
  departed?(v: number): void;
  stats?(): Partial<PolicyResult>;
}

function makePolicy(name: PolicyName, dc: Datacenter, scenario: Scenario, options: RunOptions): Policy {
  switch (name) {
    case "npa":
      return {
        mode: "max",
        placeInitial: (vms) => firstFit(dc, vms),
        placeArrivals: (vms) => firstFit(dc, vms),
        tick: () => [],
      };
    case "lr-mmt": {
      const p = options.lrmmt ? options.lrmmt(dc) : new LrMmt(dc, { ...scenario.lrmmt, stepSeconds: scenario.stepSeconds });
      return {
        mode: "active",
        placeInitial: (vms) => p.placeInitial(vms),
        placeArrivals: (vms) => p.placeArrivals(vms),
        tick: () => p.optimize(),
      };
    }
    case "drs-dpm":
      return new DrsDpm(dc, scenario);
  }
}

/** PowerVmAllocationPolicySimple: the first host that fits (a free core's MIPS, free MIPS, free RAM). */
function firstFit(dc: Datacenter, vms: number[]): number[] {
  const m = dc.m;
  const unplaced: number[] = [];
  for (const v of vms) {
    const d = m.vmMips[v];
    dc.vmDemand[v] = d;
    let placed = false;
    for (let h = 0; h < m.hostCount && !placed; h++) {
      if (m.hostPe[h] >= d && dc.hostAvail[h] >= d && dc.hostRamUsed[h] + m.vmRam[v] <= m.hostRam[h]) {
        dc.create(v, h);
        placed = true;
      }
    }
    if (!placed) unplaced.push(v);
  }
  return unplaced;
}

const MODES: Record<PolicyName, "active" | "max" | "powered"> = { npa: "max", "lr-mmt": "active", "drs-dpm": "powered" };

/** Simulates one policy; returns its metrics and time series. */
export function runPolicy(model: Model, scenario: Scenario, name: PolicyName, options: RunOptions = {}): PolicyResult {
  const wallStart = performance.now();
  const dc = new Datacenter(model, MODES[name], scenario.finishIdleVms);
  const policy = makePolicy(name, dc, scenario, options);
  const step = model.stepSeconds;
  const length = model.lengthSeconds;
  const initial: number[] = [];
  for (let v = 0; v < model.vmCount; v++) if (model.vmStart[v] <= 0) initial.push(v);
  let unplaced = policy.placeInitial(initial, 0).length;
  const later: number[] = [];
  for (let v = 0; v < model.vmCount; v++) if (model.vmStart[v] > 0) later.push(v);
  later.sort((a, b) => model.vmStart[a] - model.vmStart[b] || a - b);
  let nextArrival = 0;
  const memorySeries: ({ time: number } & MemorySummary)[] = [];
  const meter = options.sharing ? new SharingMeter(options.sharing) : undefined;
  const ticks = Math.floor((length - ACK_DELAY) / step);
  let last = 0;
  let t = ACK_DELAY;
  for (let k = 1; k <= ticks; k++) {
    t += step;
    if (t > length) break;
    while (dc.nextCompletion() <= t) dc.completeMigrations();
    dc.update(t, true);
    for (let v = 0; v < model.vmCount; v++) {
      const h = dc.vmHost[v];
      if (h >= 0 && model.vmEnd[v] <= t && dc.vmMigrating[v] === 0) {
        dc.destroy(v, h);
        dc.vmHost[v] = -1;
        policy.departed?.(v);
      }
    }
    const arriving: number[] = [];
    while (nextArrival < later.length && model.vmStart[later[nextArrival]] <= t) {
      const v = later[nextArrival++];
      if (model.vmEnd[v] > t) {
        dc.vmDemand[v] = model.vmMips[v];
        arriving.push(v);
      }
    }
    if (arriving.length) unplaced += policy.placeArrivals(arriving, t).length;
    dc.startMigrations(policy.tick(t), t);
    dc.sample(t);
    if (options.sharing && Math.floor(t / options.sharing.everySeconds) > Math.floor((t - step) / options.sharing.everySeconds)) {
      memorySeries.push({ time: t, ...meter!.measure(dc) });
    }
    last = t;
    options.onProgress?.(k / ticks);
  }
  while (dc.nextCompletion() <= length) dc.completeMigrations();
  const slatah = dc.activeTime > 0 ? dc.slaTime / dc.activeTime : 0;
  const pdm = dc.vmRequested > 0 ? dc.vmUnderMigration / dc.vmRequested : 0;
  const result: PolicyResult = {
    policy: name,
    energyKWh: (dc.energyWs + dc.extraWs) / 3.6e6,
    migrations: dc.migrations,
    slatah,
    pdm,
    slav: slatah * pdm,
    overallSlaViolation: dc.vmRequested > 0 ? (dc.vmRequested - dc.vmAllocated) / dc.vmRequested : 0,
    activeHostHours: dc.activeTime / 3600,
    vms: model.vmCount,
    hosts: model.hostCount,
    simulatedSeconds: last,
    wallSeconds: 0,
    unplacedVms: unplaced,
    finishedVms: dc.finishedVms,
    samples: dc.samples,
    utilisationBins: Array.from(dc.utilisationBins),
    ...policy.stats?.(),
  };
  if (options.sharing) {
    result.memory = meter!.measure(dc);
    result.memorySeries = memorySeries;
  }
  result.wallSeconds = (performance.now() - wallStart) / 1000;
  return result;
}
