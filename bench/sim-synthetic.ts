/**
 * The scale target as a command: the synthetic fleet of test/fixtures/synthetic-fleet.ts
 * (1,000 hosts, 20,000 VMs, 7 days by default) through each policy, with wall time, CPU time
 * (user + system: the machine is shared, so wall time alone says little) and peak RSS.
 *
 *   npx tsx bench/sim-synthetic.ts [--policies npa,lr-mmt,drs-dpm] [--days 7] [--hosts 1000] [--vms 20000] [--no-memory]
 *
 * Memory sharing is measured as the CLI measures it (`sharingInterval`: hourly, 24 times over a
 * longer run), or every `--memory-every` seconds.
 * `npm run bench -- sim.synthetic` runs a shorter form beside the one-minute budget.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { initCore } from "../bindings/core/wasm.js";
import { sharingInterval } from "../bindings/simulate/memory.js";
import { buildModel } from "../bindings/simulate/model.js";
import { POLICIES, type PolicyName } from "../bindings/simulate/scenario.js";
import { runPolicy } from "../bindings/simulate/simulate.js";
import { syntheticFleet } from "../test/fixtures/synthetic-fleet.js";

/** One policy over the fleet: the result and what it cost. */
export function runSynthetic(policy: PolicyName, size: { hosts: number; vms: number; days: number }, memoryEverySeconds?: number) {
  const { scenario, workload } = syntheticFleet(size);
  const model = buildModel(scenario, workload);
  const cpu0 = process.cpuUsage();
  const result = runPolicy(model, scenario, policy, {
    sharing: memoryEverySeconds ? { salting: scenario.memory.salting, privateFraction: scenario.memory.privateFraction, zeroFraction: scenario.memory.zeroFraction, grainMiB: scenario.memory.pageMiB, everySeconds: memoryEverySeconds } : undefined,
  });
  const cpu = process.cpuUsage(cpu0);
  return { result, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      policies: { type: "string", default: POLICIES.join(",") },
      days: { type: "string", default: "7" },
      hosts: { type: "string", default: "1000" },
      vms: { type: "string", default: "20000" },
      "no-memory": { type: "boolean" },
      "memory-every": { type: "string" },
    },
  });
  initCore(readFileSync(new URL("../build/vicsim.release.wasm", import.meta.url)));
  const size = { hosts: Number(values.hosts), vms: Number(values.vms), days: Number(values.days) };
  for (const p of values.policies!.split(",")) {
    if (!POLICIES.includes(p as PolicyName)) throw new Error(`policy ${p}: expected one of ${POLICIES.join(", ")}`);
    const { result: r, cpuSeconds } = runSynthetic(p as PolicyName, size, values["no-memory"] ? undefined : values["memory-every"] ? Number(values["memory-every"]) : sharingInterval(size.days * 86_400));
    const line = {
      policy: p,
      ...size,
      wallSeconds: Math.round(r.wallSeconds * 10) / 10,
      cpuSeconds: Math.round(cpuSeconds * 10) / 10,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      energyKWh: Math.round(r.energyKWh * 10) / 10,
      migrations: r.migrations,
      unplacedVms: r.unplacedVms,
      slav: r.slav,
      memorySavedMiB: r.memory?.savedMiB,
    };
    process.stdout.write(JSON.stringify(line) + "\n");
  }
}
