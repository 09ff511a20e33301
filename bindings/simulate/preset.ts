/**
 * `cloudsim-planetlab`: CloudSim 3.0.3's PlanetLab power examples (CLOUDSIM-MODEL.md §1–§3):
 * 800 hosts alternating HP ML110 G4 / G5, four VM types in contiguous blocks, 300 s ticks over a day.
 */
import { ML110_G4, ML110_G5 } from "./power.js";
import { DEFAULT_DPM, type Scenario } from "./scenario.js";

export const PRESETS = ["cloudsim-planetlab"] as const;
export type PresetName = (typeof PRESETS)[number];

export function cloudsimPlanetLab(trace: string, order: "sorted" | "directory" = "sorted"): Scenario {
  return {
    name: "cloudsim-planetlab",
    stepSeconds: 300,
    lengthSeconds: 86_400,
    hosts: [
      { name: "HP ProLiant ML110 G4", count: 400, cores: 2, mhzPerCore: 1860, memoryMiB: 4096, power: [...ML110_G4], bandwidthMbps: 1000 },
      { name: "HP ProLiant ML110 G5", count: 400, cores: 2, mhzPerCore: 2660, memoryMiB: 4096, power: [...ML110_G5], bandwidthMbps: 1000 },
    ],
    hostLayout: "interleaved",
    vms: [
      { name: "type 0", mhz: 2500, memoryMiB: 870 },
      { name: "type 1", mhz: 2000, memoryMiB: 1740 },
      { name: "type 2", mhz: 1000, memoryMiB: 1740 },
      { name: "type 3", mhz: 500, memoryMiB: 613 },
    ],
    assignment: "blocks",
    workload: { trace, format: "planetlab", order },
    policies: ["lr-mmt"],
    lrmmt: { safety: 1.2, fallbackThreshold: 0.7 },
    drs: { threshold: 3 },
    dpm: { ...DEFAULT_DPM },
    ha: null,
    memory: { salting: "vm", pageMiB: 16, privateFraction: 0.5, zeroFraction: 0.1 },
    finishIdleVms: true,
  };
}
