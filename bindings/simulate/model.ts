/**
 * The simulated datacenter a policy acts on, resolved from a scenario and a workload: hosts and
 * VMs as flat typed arrays (the hot loops index them), built the way CloudSim's examples build
 * theirs (host type by layout, VM type by contiguous blocks) so that the preset reproduces them.
 */
import { powerAt } from "./power.js";
import type { Scenario } from "./scenario.js";
import { utilisationAt, type Workload } from "./workload.js";

export interface Model {
  hostCount: number;
  vmCount: number;
  hostType: Uint16Array;
  hostTypeNames: string[];
  /** Total MHz (CloudSim MIPS) of each host, and of one core. */
  hostMips: Float64Array;
  hostPe: Float64Array;
  hostRam: Float64Array;
  /** vMotion bandwidth in MiB/s: half the link (CloudSim: BW / (2 · 8000) with BW in kbit/s). */
  hostMigrationMiBps: Float64Array;
  /** Watts at 0 … 100 % per host type (11 per type). */
  power: Float64Array[];
  /** Watts at full load and idle per host. */
  hostMaxWatts: Float64Array;
  hostIdleWatts: Float64Array;
  vmMips: Float64Array;
  vmRam: Float64Array;
  vmType: Int16Array;
  vmNames: string[];
  vmStart: Float64Array;
  vmEnd: Float64Array;
  /** Utilisation series per VM, sampled every `traceStep` seconds. */
  vmCpu: Float64Array[];
  traceStep: number;
  stepSeconds: number;
  lengthSeconds: number;
}

/** Builds the arrays; throws with a message in the scenario's terms when the two do not fit together. */
export function buildModel(scenario: Scenario, workload: Workload): Model {
  const types = scenario.hosts.filter((h) => h.count > 0);
  const hostCount = types.reduce((s, h) => s + h.count, 0);
  if (hostCount === 0) throw new Error(`${scenario.name}: the fleet has no hosts (every count is 0)`);
  const hostType = new Uint16Array(hostCount);
  if (scenario.hostLayout === "interleaved") {
    // CloudSim: host i is type i mod types; counts must then be equal.
    if (types.some((t) => t.count !== types[0].count)) throw new Error(`${scenario.name}: hostLayout interleaved needs the same count for every host type`);
    for (let h = 0; h < hostCount; h++) hostType[h] = h % types.length;
  } else {
    let h = 0;
    types.forEach((t, k) => {
      for (let i = 0; i < t.count; i++) hostType[h++] = k;
    });
  }
  const hostMips = new Float64Array(hostCount);
  const hostPe = new Float64Array(hostCount);
  const hostRam = new Float64Array(hostCount);
  const hostMigrationMiBps = new Float64Array(hostCount);
  const hostMaxWatts = new Float64Array(hostCount);
  const hostIdleWatts = new Float64Array(hostCount);
  const power = types.map((t) => Float64Array.from(t.power));
  for (let h = 0; h < hostCount; h++) {
    const t = types[hostType[h]];
    hostPe[h] = t.mhzPerCore;
    hostMips[h] = t.mhzPerCore * t.cores;
    hostRam[h] = t.memoryMiB;
    hostMigrationMiBps[h] = (t.bandwidthMbps * 1000) / 16000;
    hostMaxWatts[h] = powerAt(t.power, 1);
    hostIdleWatts[h] = powerAt(t.power, 0);
  }
  let traceVms = workload.vms;
  if (scenario.workload.limitVms !== undefined) traceVms = traceVms.slice(0, scenario.workload.limitVms);
  const vmCount = traceVms.length;
  if (vmCount === 0) throw new Error(`${workload.source}: the trace has no VMs`);
  const vmMips = new Float64Array(vmCount);
  const vmRam = new Float64Array(vmCount);
  const vmType = new Int16Array(vmCount).fill(-1);
  const vmStart = new Float64Array(vmCount);
  const vmEnd = new Float64Array(vmCount);
  const nt = scenario.vms.length;
  const block = Math.ceil(vmCount / Math.max(1, nt));
  for (let v = 0; v < vmCount; v++) {
    const tv = traceVms[v];
    if (nt > 0) {
      const k = scenario.assignment === "blocks" ? Math.floor(v / block) : v % nt;
      vmType[v] = k;
      vmMips[v] = scenario.vms[k].mhz;
      vmRam[v] = scenario.vms[k].memoryMiB;
    } else {
      if (!(tv.cpuCapacity! > 0) || !(tv.memoryMiB! >= 0)) {
        throw new Error(`${workload.source}: VM ${tv.name} has no CPU capacity or memory in the trace; give the scenario "vms" types`);
      }
      vmMips[v] = tv.cpuCapacity!;
      vmRam[v] = tv.memoryMiB!;
    }
    vmStart[v] = tv.startSeconds;
    vmEnd[v] = tv.endSeconds;
  }
  return {
    hostCount,
    vmCount,
    hostType,
    hostTypeNames: types.map((t) => t.name),
    hostMips,
    hostPe,
    hostRam,
    hostMigrationMiBps,
    power,
    hostMaxWatts,
    hostIdleWatts,
    vmMips,
    vmRam,
    vmType,
    vmNames: traceVms.map((t) => t.name),
    vmStart,
    vmEnd,
    vmCpu: traceVms.map((t) => t.cpu),
    traceStep: workload.stepSeconds,
    stepSeconds: scenario.stepSeconds,
    lengthSeconds: scenario.lengthSeconds,
  };
}

/** A VM's utilisation (fraction of its capacity) at `time`; 0 outside its lifetime. */
export function vmUtilisation(m: Model, v: number, time: number): number {
  if (time < m.vmStart[v] || time >= m.vmEnd[v]) return 0;
  return utilisationAt(m.vmCpu[v], m.traceStep, time - m.vmStart[v]);
}
