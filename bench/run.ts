/**
 * `npm run bench [-- --json] [-- --quick] [-- FILTER]`: runs every bench/*.bench.ts on the release
 * build. With --json, one object per line: {"case","unit","value","baseline","baselineValue","ratio"}.
 */
import { readdirSync, readFileSync } from "node:fs";
import { initCore } from "../bindings/core/wasm.js";
import type { BenchCase, BenchResult } from "./harness.js";

/**
 * The ratio each case should hold (a floor, not a timed assertion): a run below it is reported on
 * stderr as a regression to look at. Set well below the lowest ratio measured on a loaded 2-core
 * machine, so load alone does not trip them.
 */
const FLOORS: Record<string, number> = {
  "build.cached": 1.5,
  "docker.lifecycle": 0.3,
  "docker.lifecycle.state": 0.05,
  "mem.clone.1gib": 500,
  "mem.clone.1gib.shared": 4,
  "mem.cow.random": 3,
  "mem.tps.scan": 2,
  "mem.bytes.page": 1,
  "mem.bytes.vm.64mib": 1.3,
  "mem.bytes.vm.1024mib": 0.12,
  "place.initial.64h": 1.2,
  "drs.balance.64h8k": 1.1,
  "ha.failover.64h8k": 2,
  "sched.sample.32k": 3,
  "vch.run.1k": 1,
};

const args = process.argv.slice(2);
const json = args.includes("--json");
const quick = args.includes("--quick");
const filters = args.filter((a) => !a.startsWith("--"));

initCore(readFileSync(new URL("../build/vicsim.release.wasm", import.meta.url)));

const files = readdirSync(new URL(".", import.meta.url)).filter((f) => f.endsWith(".bench.ts")).sort();
const rows: BenchResult[] = [];
for (const file of files) {
  const mod = (await import(`./${file}`)) as { cases: BenchCase[] };
  for (const c of mod.cases) {
    if (filters.length && !filters.some((f) => c.name.includes(f))) continue;
    if (!json) process.stderr.write(`${c.name}: ${c.title} …\n`);
    const started = performance.now();
    const results = await c.run({ quick });
    if (!json) process.stderr.write(`  (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
    for (const r of results) {
      const floor = FLOORS[r.case];
      if (floor !== undefined) r.notes = { ...r.notes, floor };
      const out = {
        case: r.case,
        unit: r.unit,
        value: round(r.value),
        baseline: r.baseline,
        baselineValue: round(r.baselineValue),
        ratio: round(r.value / r.baselineValue),
        ...(r.notes ? { notes: r.notes } : {}),
      };
      rows.push(r);
      if (floor !== undefined && out.ratio < floor) process.stderr.write(`${r.case}: ratio ${out.ratio} is below its floor of ${floor}\n`);
      if (json) console.log(JSON.stringify(out));
      else console.log(`${out.case.padEnd(22)} ${fmt(out.value)} ${out.unit}  vs ${fmt(out.baselineValue)} (${out.baseline})  ratio ${out.ratio}${r.notes ? "  " + JSON.stringify(r.notes) : ""}`);
    }
  }
}
if (!rows.length) {
  console.error(`no benchmark matched ${filters.join(", ") || "(no files)"}`);
  process.exit(1);
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}
function fmt(x: number): string {
  return x.toLocaleString("en-US", { maximumSignificantDigits: 4 });
}
