// The synthetic capacity-planning fleet (test/fixtures/synthetic-fleet.ts) at a size a test can
// afford: what a planner reads off a large run must hold there too — every VM placed and accounted
// for, NPA at its closed form, the power-aware policies below it, LR-MMT equal to its reference
// model, and the same figures on every run. Speed at full size is bench/sim-synthetic.ts's business.
import { describe, expect, it } from "vitest";
import { buildModel } from "../bindings/simulate/model.js";
import { powerAt } from "../bindings/simulate/power.js";
import type { PolicyName } from "../bindings/simulate/scenario.js";
import { runPolicy } from "../bindings/simulate/simulate.js";
import { syntheticFleet } from "./fixtures/synthetic-fleet.js";
import { ReferenceLrMmt } from "./reference/lrmmt.js";

const size = { hosts: 60, vms: 1200, days: 0.25 };
const { scenario, workload } = syntheticFleet(size);
const model = buildModel(scenario, workload);
const sharing = { salting: scenario.memory.salting, privateFraction: scenario.memory.privateFraction, zeroFraction: scenario.memory.zeroFraction, grainMiB: scenario.memory.pageMiB, everySeconds: 3600 };
const run = (policy: PolicyName) => runPolicy(model, scenario, policy, { sharing });
const results = { npa: run("npa"), "lr-mmt": run("lr-mmt"), "drs-dpm": run("drs-dpm") };
const totalRam = model.vmRam.reduce((a, b) => a + b, 0);

describe("the synthetic fleet at 60 hosts, 1,200 VMs, 6 hours", () => {
  it("is the fleet the fixture describes: 70 % x3550 M3, 30 % x3250 M3, three VM sizes round robin, 80 % booked", () => {
    expect(model.hostCount).toBe(60);
    expect(model.vmCount).toBe(1200);
    expect(Array.from(model.hostType).filter((t) => t === 0).length).toBe(42);
    const booked = model.vmMips.reduce((a, b) => a + b, 0) / model.hostMips.reduce((a, b) => a + b, 0);
    expect(booked).toBeGreaterThan(0.75);
    expect(booked).toBeLessThan(0.85);
  });

  for (const policy of ["npa", "lr-mmt", "drs-dpm"] as const) {
    it(`${policy} places every VM and its memory summary counts each one once`, () => {
      const r = results[policy];
      expect(r.unplacedVms).toBe(0);
      expect(r.vms).toBe(1200);
      expect(r.memory!.mappedMiB).toBe(totalRam);
      expect(r.memory!.consumedMiB).toBeLessThan(totalRam); // clones share their template's pages
      expect(r.samples).toHaveLength(71); // ticks at 300.1 … 21,300.1
      for (const s of r.samples) expect(s.activeHosts).toBeLessThanOrEqual(60);
    });
  }

  it("npa draws every host's full power from 0 to the last tick", () => {
    const watts = 42 * powerAt(scenario.hosts[0].power, 1) + 18 * powerAt(scenario.hosts[1].power, 1);
    expect(results.npa.energyKWh).toBeCloseTo((watts * 21_300.1) / 3.6e6, 9);
    expect(results.npa.migrations).toBe(0);
  });

  it("lr-mmt and drs-dpm consolidate: fewer active hosts and less energy than npa, with migrations", () => {
    for (const policy of ["lr-mmt", "drs-dpm"] as const) {
      const r = results[policy];
      expect(r.energyKWh).toBeLessThan(results.npa.energyKWh / 2);
      expect(r.migrations).toBeGreaterThan(0);
      expect(r.samples.at(-1)!.activeHosts).toBeLessThan(60);
    }
  });

  it("lr-mmt gives the same figures as its reference model at this size", () => {
    const ref = runPolicy(model, scenario, "lr-mmt", { lrmmt: (dc) => new ReferenceLrMmt(dc, { ...scenario.lrmmt, stepSeconds: 300 }) });
    const fast = results["lr-mmt"];
    expect(fast.migrations).toBe(ref.migrations);
    expect(fast.energyKWh).toBe(ref.energyKWh);
    expect(fast.slatah).toBe(ref.slatah);
    expect(fast.pdm).toBe(ref.pdm);
    expect(fast.samples.map((s) => s.activeHosts)).toEqual(ref.samples.map((s) => s.activeHosts));
  });

  it("gives the same figures on a second run of every policy", () => {
    for (const policy of ["npa", "lr-mmt", "drs-dpm"] as const) {
      const again = run(policy);
      const first = results[policy];
      expect([again.energyKWh, again.migrations, again.slav, again.memory]).toEqual([first.energyKWh, first.migrations, first.slav, first.memory]);
    }
  });
});
