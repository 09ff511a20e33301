/**
 * `vicsim simulate` benchmarks: CloudSim's LR-MMT day on PlanetLab 20110303 beside the reference
 * model of the same policy (test/reference/lrmmt.ts, CloudSim's arithmetic) in the same process, and
 * a 1,000-host, 20,000-VM, 7-day synthetic fleet against the one-minute budget the issue sets.
 */
import { existsSync } from "node:fs";
import { buildModel } from "../bindings/simulate/model.js";
import { readWorkload } from "../bindings/simulate/node.js";
import { cloudsimPlanetLab } from "../bindings/simulate/preset.js";
import type { PolicyName } from "../bindings/simulate/scenario.js";
import { runPolicy, type RunOptions } from "../bindings/simulate/simulate.js";
import type { Workload } from "../bindings/simulate/workload.js";
import { ReferenceLrMmt } from "../test/reference/lrmmt.js";
import { type BenchCase, stream } from "./harness.js";

const TRACE = new URL("../../shared/traces/planetlab/20110303", import.meta.url).pathname;

/** Peak-ish RSS: the process's resident set right after the run, MB. */
const rssMB = (): number => Math.round(process.memoryUsage().rss / 1e6);

function planetlab(hours: number) {
  if (!existsSync(TRACE)) throw new Error(`sim.planetlab.lrmmt needs the PlanetLab trace at ${TRACE} (CloudSim's workload/planetlab/20110303)`);
  const scenario = cloudsimPlanetLab(TRACE, "directory");
  scenario.lengthSeconds = hours * 3600;
  return { scenario, model: buildModel(scenario, readWorkload(TRACE, "planetlab", "directory")) };
}

/** 1,000 hosts (G4/G5), 20,000 VMs of the four CloudSim types, 7 days of diurnal load with noise. */
function synthetic(days: number) {
  const scenario = cloudsimPlanetLab("synthetic");
  scenario.hosts = scenario.hosts.map((h) => ({ ...h, count: 500 }));
  scenario.lengthSeconds = days * 86_400;
  scenario.finishIdleVms = false;
  const r = stream(7);
  const samples = days * 288 + 1;
  // 500 distinct patterns shared by the VMs (a trace of 20,000 × 2,016 floats would be 320 MB).
  const patterns = Array.from({ length: 500 }, () => {
    const base = 0.03 + r() * 0.2;
    const swing = r() * 0.15;
    const phase = r() * 288;
    const cpu = new Float64Array(samples);
    for (let k = 0; k < samples; k++) cpu[k] = Math.min(1, Math.max(0, base + swing * Math.sin(((k + phase) / 288) * 2 * Math.PI) + (r() - 0.5) * 0.08));
    return cpu;
  });
  const workload: Workload = { format: "planetlab", source: "synthetic", stepSeconds: 300, vms: Array.from({ length: 20_000 }, (_, i) => ({ name: `vm${i}`, cpu: patterns[i % 500], startSeconds: 0, endSeconds: Infinity })) };
  return { scenario, model: buildModel(scenario, workload) };
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
    title: "1,000 hosts, 20,000 VMs (lr-mmt over a day, drs-dpm over 2 h), days simulated per second against the budget of 7 days in a minute",
    run: ({ quick }) => {
      const out = [];
      // Neither policy meets the budget at this size yet (the underload phase of lr-mmt tries every
      // active host; DRS's balancing pass weighs 20,000 VMs × 1,000 hosts): a shorter run gives the rate.
      const runs: [PolicyName, number][] = quick ? [["lr-mmt", 1 / 48]] : [["lr-mmt", 1], ["drs-dpm", 1 / 12]];
      for (const [policy, d] of runs) {
        const setup = synthetic(d);
        const { r, daysPerSecond } = days(policy, setup);
        out.push({
          case: `sim.synthetic.1k20k7d.${policy}`,
          unit: "days/s",
          value: daysPerSecond,
          baseline: "budget: 7 days in 60 s",
          baselineValue: 7 / 60,
          notes: { wallSeconds: Math.round(r.wallSeconds * 10) / 10, simulatedDays: Math.round(d * 1000) / 1000, projected7DaySeconds: Math.round(7 / daysPerSecond), rssMB: rssMB(), energyKWh: Math.round(r.energyKWh), migrations: r.migrations },
        });
      }
      return out;
    },
  },
];
