/**
 * PerformanceManager: vSphere's counters (`mem.consumed.average`, `cpu.usage.average`, …) for hosts
 * and container VMs, read from the memory and placement engines as real-time 20 s samples.
 */
import { ManagedObject, type Getter, type Method } from "./managed.js";
import type { VsphereServer } from "./server.js";
import type { Ref } from "./values.js";

export class PerformanceManager extends ManagedObject {
  readonly getters: Record<string, Getter<PerformanceManager>> = {};
  override readonly methods: Record<string, Method<PerformanceManager>> = {};
  constructor(
    ref: Ref,
    readonly server: VsphereServer,
  ) {
    super(ref);
  }
}
