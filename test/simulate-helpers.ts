// The real PlanetLab day the fidelity tests read, beside the repository as CI has it.
import { existsSync } from "node:fs";
import { cloudsimPlanetLab } from "../bindings/simulate/preset.js";
import type { Scenario } from "../bindings/simulate/scenario.js";
import type { Workload } from "../bindings/simulate/workload.js";

export const PLANETLAB_DAY = new URL("../../shared/traces/planetlab/20110303", import.meta.url).pathname;

/** The trace folder, or a clear failure saying where it was expected. */
export function requirePlanetLab(): string {
  if (!existsSync(PLANETLAB_DAY)) {
    throw new Error(`the PlanetLab trace is missing: expected ${PLANETLAB_DAY} (CloudSim's workload/planetlab/20110303, 1,052 files) beside the repository`);
  }
  return PLANETLAB_DAY;
}

/** `hosts` G5 hosts (2 × 2,660 MIPS), 1,000-MIPS VMs with the given utilisation series. */
export function made(series: number[][], hosts: number): { scenario: Scenario; workload: Workload } {
  const scenario = cloudsimPlanetLab("made");
  scenario.hosts = [{ ...scenario.hosts[1], count: hosts }];
  scenario.hostLayout = "blocks";
  scenario.vms = [{ name: "v", mhz: 1000, memoryMiB: 870 }];
  scenario.finishIdleVms = false;
  scenario.lengthSeconds = 6 * 3600;
  const workload: Workload = { format: "planetlab", source: "made", stepSeconds: 300, vms: series.map((s, i) => ({ name: `vm${i}`, cpu: Float64Array.from(s), startSeconds: 0, endSeconds: Infinity })) };
  return { scenario, workload };
}

