// DRS-DPM: standby and power-on, HA admission and failover on hand-made cases, then the PlanetLab
// day beside LR-MMT.
import { describe, expect, it } from "vitest";
import { buildModel } from "../bindings/simulate/model.js";
import { readWorkload } from "../bindings/simulate/node.js";
import { cloudsimPlanetLab } from "../bindings/simulate/preset.js";
import { runPolicy } from "../bindings/simulate/simulate.js";
import { made, requirePlanetLab } from "./simulate-helpers.js";

describe("drs-dpm on PlanetLab 20110303", () => {
  it("uses at most 25 % more energy than lr-mmt, and reports its SLA violation", () => {
    const scenario = cloudsimPlanetLab(requirePlanetLab(), "directory");
    const model = buildModel(scenario, readWorkload(scenario.workload.trace, "planetlab", "directory"));
    const lr = runPolicy(model, scenario, "lr-mmt");
    const drs = runPolicy(model, scenario, "drs-dpm");
    expect(drs.energyKWh).toBeLessThan(lr.energyKWh * 1.25);
    expect(drs.powerOffs).toBeGreaterThan(0);
    expect(drs.slav).toBeGreaterThan(0);
    expect(drs.slav).toBeCloseTo(drs.slatah * drs.pdm, 15);
  });
});

describe("drs-dpm mechanisms", () => {
  it("puts idle hosts in standby, powers them on when demand rises and counts their boot", () => {
    // Low for two hours, then every VM at 90 %: DPM must bring hosts back.
    const s = [...new Array(24).fill(0.05), ...new Array(60).fill(0.9)];
    const { scenario, workload } = made(Array.from({ length: 8 }, () => s), 8);
    scenario.dpm.powerOnSeconds = 300;
    const r = runPolicy(buildModel(scenario, workload), scenario, "drs-dpm");
    expect(r.powerOffs).toBeGreaterThan(0);
    expect(r.powerOns).toBeGreaterThan(0);
    const early = r.samples[12].activeHosts;
    const late = r.samples.at(-1)!.activeHosts;
    expect(early).toBeLessThan(late);
  });

  it("keeps enough hosts for HA admission control (slots, one host failure) and restarts a failed host's VMs", () => {
    const { scenario, workload } = made(Array.from({ length: 8 }, () => new Array(80).fill(0.05)), 8);
    const without = runPolicy(buildModel(scenario, workload), scenario, "drs-dpm");
    scenario.ha = { failuresToTolerate: 1, failures: [{ host: 0, at: 3 * 3600 }] };
    const withHa = runPolicy(buildModel(scenario, workload), scenario, "drs-dpm");
    expect(without.samples[6].activeHosts).toBeLessThanOrEqual(withHa.samples[6].activeHosts);
    expect(withHa.samples[6].activeHosts).toBeGreaterThanOrEqual(2); // one to run the VMs, one to fail over to
    expect(withHa.haNotRestarted).toBe(0);
  });
});
