// LR-MMT against its reference model (test/reference/lrmmt.ts, CloudSim's way of computing every
// step) on random fleets and traces: every figure a user sees must agree.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildModel } from "../bindings/simulate/model.js";
import { cloudsimPlanetLab } from "../bindings/simulate/preset.js";
import { runPolicy } from "../bindings/simulate/simulate.js";
import type { Workload } from "../bindings/simulate/workload.js";
import { ReferenceLrMmt } from "./reference/lrmmt.js";

const arbitraryRun = fc.record({
  types: fc.array(fc.constantFrom(0, 1), { minLength: 2, maxLength: 10 }),
  vms: fc.array(
    fc.record({
      type: fc.integer({ min: 0, max: 3 }),
      // Utilisation series: floats with exact zeros mixed in (CloudSim retires a VM at zero demand).
      cpu: fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 4, maxLength: 120 }),
    }),
    { minLength: 1, maxLength: 24 },
  ),
  hours: fc.integer({ min: 1, max: 10 }),
  finishIdle: fc.boolean(),
  safety: fc.constantFrom(1.1, 1.2, 1.5),
});

describe("lr-mmt equals its reference model", () => {
  it("on random fleets and traces: energy, migrations, SLATAH, PDM, host-hours and the time series", () => {
    let migrations = 0;
    fc.assert(
      fc.property(arbitraryRun, (run) => {
        const scenario = cloudsimPlanetLab("random");
        scenario.hosts = [
          { ...scenario.hosts[0], count: run.types.filter((t) => t === 0).length },
          { ...scenario.hosts[1], count: run.types.filter((t) => t === 1).length },
        ];
        scenario.hostLayout = "blocks";
        scenario.assignment = "round-robin";
        scenario.lengthSeconds = run.hours * 3600;
        scenario.finishIdleVms = run.finishIdle;
        scenario.lrmmt = { safety: run.safety, fallbackThreshold: 0.7 };
        const workload: Workload = { format: "planetlab", source: "random", stepSeconds: 300, vms: run.vms.map((v, i) => ({ name: `vm${i}`, cpu: Float64Array.from(v.cpu), startSeconds: 0, endSeconds: Infinity })) };
        scenario.vms = run.vms.map((v) => scenario.vms[v.type]);
        const model = buildModel(scenario, workload);
        const fast = runPolicy(model, scenario, "lr-mmt");
        const ref = runPolicy(model, scenario, "lr-mmt", { lrmmt: (dc) => new ReferenceLrMmt(dc, { ...scenario.lrmmt, stepSeconds: 300 }) });
        migrations += ref.migrations;
        expect(fast.unplacedVms).toBe(ref.unplacedVms);
        expect(fast.migrations).toBe(ref.migrations);
        expect(fast.energyKWh).toBe(ref.energyKWh);
        expect(fast.slatah).toBe(ref.slatah);
        expect(fast.pdm).toBe(ref.pdm);
        expect(fast.activeHostHours).toBe(ref.activeHostHours);
        expect(fast.finishedVms).toBe(ref.finishedVms);
        expect(fast.samples.map((s) => [s.activeHosts, s.migrations])).toEqual(ref.samples.map((s) => [s.activeHosts, s.migrations]));
      }),
      { numRuns: 60 },
    );
    expect(migrations).toBeGreaterThan(0); // the runs did exercise the overload and underload phases
  });
});
