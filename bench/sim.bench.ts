/**
 * `vicsim simulate` benchmarks: CloudSim's LR-MMT day on PlanetLab 20110303 beside the reference
 * model of the same policy (test/reference/lrmmt.ts, CloudSim's arithmetic) in the same process, and
 * the 1,000-host, 20,000-VM synthetic fleet against the one-minute budget for 7 days the issue sets.
 */
import { existsSync } from "node:fs";
import { buildModel } from "../bindings/simulate/model.js";
import { readWorkload } from "../bindings/simulate/node.js";
import { cloudsimPlanetLab } from "../bindings/simulate/preset.js";
import type { PolicyName } from "../bindings/simulate/scenario.js";
import { runPolicy, type RunOptions } from "../bindings/simulate/simulate.js";
import { ReferenceLrMmt } from "../test/reference/lrmmt.js";
import { type BenchCase } from "./harness.js";
import { runSynthetic } from "./sim-synthetic.js";

const TRACE = new URL("../../shared/traces/planetlab/20110303", import.meta.url).pathname;

/** Peak-ish RSS: the process's resident set right after the run, MB. */
const rssMB = (): number => Math.round(process.memoryUsage().rss / 1e6);

function planetlab(hours: number) {
  if (!existsSync(TRACE)) throw new Error(`sim.planetlab.lrmmt needs the PlanetLab trace at ${TRACE} (CloudSim's workload/planetlab/20110303)`);
  const scenario = cloudsimPlanetLab(TRACE, "directory");
  scenario.lengthSeconds = hours * 3600;
  return { scenario, model: buildModel(scenario, readWorkload(TRACE, "planetlab", "directory")) };
}

function days(policy: PolicyName, setup: ReturnType<typeof planetlab>, options: RunOptions = {}) {
  const r = runPolicy(setup.model, setup.scenario, policy, options);
  return { r, daysPerSecond: r.simulatedSeconds / 86_400 / r.wallSeconds };
}

export const cases: BenchCase[] = [
  {
    name: "sim.planetlab.lrmmt",
    title: "LR-MMT over PlanetLab 20110303 (800 hosts, 1,052 VMs), days simulated per second",
    run: ({ quick }) => {
      const setup = planetlab(quick ? 3 : 24);
      days("lr-mmt", setup); // warm-up
      const fast = days("lr-mmt", setup);
      const rss = rssMB();
      const ref = days("lr-mmt", setup, { lrmmt: (dc) => new ReferenceLrMmt(dc, { ...setup.scenario.lrmmt, stepSeconds: 300 }) });
      return [
        {
          case: "sim.planetlab.lrmmt",
          unit: "days/s",
          value: fast.daysPerSecond,
          baseline: "reference model (plain TypeScript, CloudSim's arithmetic)",
          baselineValue: ref.daysPerSecond,
          notes: {
            wallSeconds: Math.round(fast.r.wallSeconds * 1000) / 1000,
            rssMB: rss,
            energyKWh: Math.round(fast.r.energyKWh * 100) / 100,
            migrations: fast.r.migrations,
            cloudsim: "56.0 s, 1.68 GB for the day",
          },
        },
      ];
    },
  },
  {
    name: "sim.synthetic.1k20k7d",
    title: "1,000 hosts, 20,000 VMs (test/fixtures/synthetic-fleet.ts), days simulated per second against the budget of 7 days in a minute",
    run: ({ quick }) => {
      // The quick form runs lr-mmt's first 2 hours, the costliest per tick (it consolidates the
      // fleet from its initial spread); the full form a day of each policy. bench/sim-synthetic.ts
      // runs the whole 7 days.
      const runs: [PolicyName, number][] = quick ? [["lr-mmt", 1 / 12]] : [["npa", 1], ["lr-mmt", 1], ["drs-dpm", 1]];
      return runs.map(([policy, d]) => {
        const { result: r, cpuSeconds } = runSynthetic(policy, { hosts: 1000, vms: 20_000, days: d });
        const daysPerSecond = r.simulatedSeconds / 86_400 / r.wallSeconds;
        return {
          case: `sim.synthetic.1k20k7d.${policy}`,
          unit: "days/s",
          value: daysPerSecond,
          baseline: "budget: 7 days in 60 s",
          baselineValue: 7 / 60,
          notes: { wallSeconds: Math.round(r.wallSeconds * 10) / 10, cpuSeconds: Math.round(cpuSeconds * 10) / 10, simulatedDays: Math.round(d * 1000) / 1000, rssMB: rssMB(), energyKWh: Math.round(r.energyKWh), migrations: r.migrations, unplacedVms: r.unplacedVms },
        };
      });
    },
  },
];
