// Power tables, trapezoid energy and the NPA baseline, on scenarios small enough to check by hand,
// then NPA on the real PlanetLab day against CloudSim's closed form.
import { describe, expect, it } from "vitest";
import { buildModel } from "../bindings/simulate/model.js";
import { readWorkload } from "../bindings/simulate/node.js";
import { ML110_G4, ML110_G5, powerAt } from "../bindings/simulate/power.js";
import { cloudsimPlanetLab } from "../bindings/simulate/preset.js";
import type { Scenario } from "../bindings/simulate/scenario.js";
import { runPolicy } from "../bindings/simulate/simulate.js";
import type { Workload } from "../bindings/simulate/workload.js";
import { requirePlanetLab } from "./simulate-helpers.js";

/** One host type, given VMs with constant utilisation. */
function tiny(utils: number[], hosts = 1): { scenario: Scenario; workload: Workload } {
  const scenario = cloudsimPlanetLab("mem");
  scenario.hosts = [{ ...scenario.hosts[1], count: hosts }];
  scenario.hostLayout = "blocks";
  scenario.vms = [{ name: "v", mhz: 1000, memoryMiB: 613 }];
  const workload: Workload = {
    format: "planetlab",
    source: "made",
    stepSeconds: 300,
    vms: utils.map((u, i) => ({ name: `vm${i}`, cpu: new Float64Array(289).fill(u), startSeconds: 0, endSeconds: Infinity })),
  };
  return { scenario, workload };
}

describe("power and energy", () => {
  it("reads SPECpower tables at deciles and interpolates between them", () => {
    expect(powerAt(ML110_G4, 0)).toBe(86);
    expect(powerAt(ML110_G5, 1)).toBe(135);
    expect(powerAt(ML110_G5, 0.55)).toBeCloseTo(118.5, 10);
    expect(powerAt(ML110_G4, 1.2)).toBeNaN();
  });

  it("charges a loaded host the trapezoid from the first tick and an empty host nothing (lr-mmt's model)", () => {
    const { scenario, workload } = tiny([0.532], 2); // 532 MIPS of a 5,320 MIPS G5: 10 % load
    const r = runPolicy(buildModel(scenario, workload), scenario, "lr-mmt");
    // [0, 300.1] adds nothing (no load yet); then 97 W from 300.1 to 86,100.1 on the one host.
    expect(r.energyKWh).toBeCloseTo((97 * (86_100.1 - 300.1)) / 3.6e6, 9);
    expect(r.activeHostHours).toBeCloseTo((86_100.1 - 300.1) / 3600, 9);
    expect(r.migrations).toBe(0);
    expect(r.simulatedSeconds).toBe(86_100.1);
  });

  it("npa charges every host full power from 0 to the last tick, loaded or not", () => {
    const { scenario, workload } = tiny([0.1, 0.2], 3);
    const r = runPolicy(buildModel(scenario, workload), scenario, "npa");
    expect(r.energyKWh).toBeCloseTo((3 * 135 * 86_100.1) / 3.6e6, 9);
    expect(r.migrations).toBe(0);
  });
});

describe("npa on PlanetLab 20110303 (CloudSim's NonPowerAware)", () => {
  it("uses 2,410.80 kWh, the closed form 100.8 kW × 86,100.1 s, within 0.1 %", () => {
    const scenario = cloudsimPlanetLab(requirePlanetLab());
    const model = buildModel(scenario, readWorkload(scenario.workload.trace, "planetlab", "sorted"));
    expect(model.vmCount).toBe(1052);
    expect(model.hostCount).toBe(800);
    const r = runPolicy(model, scenario, "npa");
    expect(Math.abs(r.energyKWh - 2410.8) / 2410.8).toBeLessThan(0.001);
    expect(r.migrations).toBe(0);
    expect(r.simulatedSeconds).toBe(86_100.1);
  });
});
