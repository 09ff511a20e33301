/**
 * The workload a simulation replays, whatever trace it came from: one entry per VM (or pod) with its
 * CPU utilisation sampled on a fixed step, its capacity when the trace states it, and its lifetime.
 */

export type TraceFormat = "planetlab" | "bitbrains" | "alibaba";
export const TRACE_FORMATS: readonly TraceFormat[] = ["planetlab", "bitbrains", "alibaba"];

/** One VM of a trace. */
export interface TraceVm {
  /** File or pod name, as the trace spells it. */
  name: string;
  /** CPU utilisation as a fraction of the VM's capacity, one sample per `Workload.stepSeconds`. */
  cpu: Float64Array;
  /** The VM's CPU capacity in the trace's own unit (MHz for Bitbrains, millicores for Alibaba). */
  cpuCapacity?: number;
  /** Configured memory (MiB), when the trace states it. */
  memoryMiB?: number;
  /** Memory in use (MiB) per sample, when the trace states it (Bitbrains). */
  memoryUsedMiB?: Float64Array;
  /** When the VM arrives and leaves, in seconds from the start of the trace. */
  startSeconds: number;
  endSeconds: number;
}

/** A host a trace describes (Alibaba's node list). */
export interface TraceHost {
  name: string;
  cpuCapacity: number;
  memoryMiB: number;
}

export interface Workload {
  format: TraceFormat;
  /** Where it came from, for messages and reports. */
  source: string;
  stepSeconds: number;
  vms: TraceVm[];
  hosts?: TraceHost[];
}

/** A trace that cannot be read: names the file, the line and what was expected there. */
export class TraceError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly expected: string,
  ) {
    super(`${file}${line > 0 ? `:${line}` : ""}: ${expected}`);
    this.name = "TraceError";
  }
}

/**
 * Utilisation of a trace VM at `time` (seconds): the sample at multiples of the step, else linear
 * interpolation between the two neighbours; past the last sample the last one repeats
 * (CloudSim's `UtilizationModelPlanetLabInMemory`, which appends a copy of the last sample).
 */
export function utilisationAt(cpu: Float64Array, step: number, time: number): number {
  const last = cpu.length - 1;
  if (last < 0) return 0;
  if (time % step === 0) {
    const i = time / step;
    return cpu[i > last ? last : i];
  }
  const t1 = Math.floor(time / step);
  const t2 = Math.ceil(time / step);
  const u1 = cpu[t1 > last ? last : t1];
  const u2 = cpu[t2 > last ? last : t2];
  const delta = (u2 - u1) / ((t2 - t1) * step);
  return u1 + delta * (time - t1 * step);
}
