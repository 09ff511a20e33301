/**
 * `vicsim simulate`: replays a workload trace through a simulated fleet under one or more policies
 * and prints the figures (a table, or one JSON object per policy), with an HTML report and CSV time
 * series on request. Node-only glue: files, arguments, the terminal; the simulator is bindings/simulate.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
import wasm from "../../build/vicsim.release.wasm";
import { initCore } from "../core/wasm.js";
import { sharingInterval } from "../simulate/memory.js";
import { buildModel } from "../simulate/model.js";
import { readWorkload } from "../simulate/node.js";
import { cloudsimPlanetLab, PRESETS } from "../simulate/preset.js";
import { csv, htmlReport, jsonLine, summary } from "../simulate/report.js";
import { parseScenario, POLICIES, type PolicyName, type Scenario } from "../simulate/scenario.js";
import { runPolicy, type PolicyResult } from "../simulate/simulate.js";
import { TRACE_FORMATS, type TraceFormat } from "../simulate/workload.js";

const USAGE = `usage: vicsim simulate SCENARIO.yaml [options]
       vicsim simulate --trace PATH [--format F] [--preset cloudsim-planetlab] [--policy P] [options]

Replays a workload trace through a simulated fleet and reports energy, migrations and SLA violation.

  --trace PATH        a PlanetLab or Bitbrains folder, or an Alibaba GPU v2023 pod list (or its folder)
  --format F          ${TRACE_FORMATS.join(" | ")} (detected when omitted)
  --preset NAME       ${PRESETS.join(" | ")}: CloudSim 3.0.3's PlanetLab fleet, VM types and time axis
  --order ORDER       directory (default with the preset: as Java's File.listFiles) | sorted: which
                      trace file becomes which VM
  --policy P          ${POLICIES.join(" | ")}
  --policies A,B      several policies side by side
  --hosts N           hosts in the fleet (the preset's G4/G5 mix when no scenario is given)
  --hours N           length of the simulation (default: the scenario's, 24 h)
  --json              one JSON object per policy per line on stdout
  --report FILE       a self-contained HTML report with charts
  --csv FILE          time series, one row per policy and tick
  --no-memory         skip the memory-sharing measurement (instant clone + TPS on the memory engine)
  -h, --help          this help
`;

interface SimulateArgs {
  help: boolean;
  scenario?: string;
  trace?: string;
  format?: TraceFormat;
  preset?: string;
  order?: "sorted" | "directory";
  policies?: PolicyName[];
  hosts?: number;
  hours?: number;
  json: boolean;
  report?: string;
  csv?: string;
  memory: boolean;
}

/** Parses `simulate`'s arguments; throws an Error with a message for the user. */
export function parseSimulateArgs(argv: string[]): SimulateArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      trace: { type: "string" },
      format: { type: "string" },
      preset: { type: "string" },
      order: { type: "string" },
      policy: { type: "string" },
      policies: { type: "string" },
      hosts: { type: "string" },
      hours: { type: "string" },
      json: { type: "boolean" },
      report: { type: "string" },
      csv: { type: "string" },
      "no-memory": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (positionals.length > 1) throw new Error(`unexpected argument ${positionals[1]}: give one scenario file`);
  if (values.format !== undefined && !TRACE_FORMATS.includes(values.format as TraceFormat)) throw new Error(`--format ${values.format}: expected one of ${TRACE_FORMATS.join(", ")}`);
  if (values.preset !== undefined && !PRESETS.includes(values.preset as (typeof PRESETS)[number])) throw new Error(`--preset ${values.preset}: expected one of ${PRESETS.join(", ")}`);
  if (values.order !== undefined && values.order !== "sorted" && values.order !== "directory") throw new Error(`--order ${values.order}: expected sorted or directory`);
  if (values.policy && values.policies) throw new Error("give --policy or --policies, not both");
  const list = (values.policies ?? values.policy)?.split(",").map((p) => p.trim());
  for (const p of list ?? []) if (!POLICIES.includes(p as PolicyName)) throw new Error(`policy ${p}: expected one of ${POLICIES.join(", ")}`);
  const num = (key: string, raw: string | undefined, min: number, max: number): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${key} ${raw}: expected an integer from ${min} to ${max}`);
    return n;
  };
  const args: SimulateArgs = {
    help: values.help === true,
    scenario: positionals[0],
    trace: values.trace,
    format: values.format as TraceFormat | undefined,
    preset: values.preset,
    order: values.order as "sorted" | "directory" | undefined,
    policies: list as PolicyName[] | undefined,
    hosts: num("hosts", values.hosts, 1, 1_000_000),
    hours: num("hours", values.hours, 1, 24 * 366),
    json: values.json === true,
    report: values.report,
    csv: values.csv,
    memory: values["no-memory"] !== true,
  };
  if (!args.help && !args.scenario && !args.trace) throw new Error("give a scenario file or --trace PATH (vicsim simulate --help)");
  if (args.scenario && args.preset) throw new Error("give a scenario file or --preset, not both");
  return args;
}

/** The scenario the arguments describe: a file, the preset, or the preset's fleet around a trace. */
function scenarioFor(args: SimulateArgs): Scenario {
  let s: Scenario;
  if (args.scenario) {
    s = parseScenario(readFileSync(args.scenario, "utf8"), args.scenario);
    if (!isAbsolute(s.workload.trace)) s.workload.trace = resolve(dirname(args.scenario), s.workload.trace);
    if (args.trace) s.workload.trace = args.trace;
  } else {
    s = cloudsimPlanetLab(args.trace!, args.order ?? (args.preset ? "directory" : "sorted"));
    if (!args.preset) {
      // Only the preset replays CloudSim's quirks; a bare trace runs on its fleet with vicsim's rules.
      s.name = args.trace!;
      s.finishIdleVms = false;
      s.workload.format = args.format;
      if (args.format && args.format !== "planetlab") s.vms = [];
    }
  }
  if (args.format) s.workload.format = args.format;
  if (args.order) s.workload.order = args.order;
  if (args.policies) s.policies = args.policies;
  if (args.hours) s.lengthSeconds = args.hours * 3600;
  if (args.hosts) {
    const types = s.hosts.filter((h) => h.count > 0);
    const each = Math.floor(args.hosts / types.length);
    types.forEach((t, i) => (t.count = each + (i < args.hosts! - each * types.length ? 1 : 0)));
    if (types.some((t) => t.count !== types[0].count)) s.hostLayout = "blocks";
  }
  return s;
}

/** A one-line progress bar on a terminal; nothing when stderr is piped. */
function progress(label: string): ((f: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let shown = -1;
  return (f) => {
    const pctDone = Math.floor(f * 100);
    if (pctDone === shown) return;
    shown = pctDone;
    const width = 30;
    const filled = Math.round(f * width);
    process.stderr.write(`\r${label.padEnd(8)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(pctDone).padStart(3)} %`);
    if (f >= 1) process.stderr.write("\r" + " ".repeat(width + 20) + "\r");
  };
}

function uplotAssets(): { script: string; style: string } {
  const require = createRequire(import.meta.url);
  return {
    script: readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8"),
    style: readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
  };
}

/** Runs `vicsim simulate`. */
export async function simulateCommand(argv: string[]): Promise<void> {
  const args = parseSimulateArgs(argv);
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  initCore(wasm);
  const scenario = scenarioFor(args);
  const workload = readWorkload(scenario.workload.trace, scenario.workload.format, scenario.workload.order, scenario.stepSeconds);
  const model = buildModel(scenario, workload);
  const results: PolicyResult[] = [];
  for (const policy of scenario.policies) {
    const r = runPolicy(model, scenario, policy, {
      onProgress: args.json ? undefined : progress(policy),
      sharing: args.memory ? { salting: scenario.memory.salting, privateFraction: scenario.memory.privateFraction, zeroFraction: scenario.memory.zeroFraction, grainMiB: scenario.memory.pageMiB, everySeconds: sharingInterval(scenario.lengthSeconds) } : undefined,
    });
    results.push(r);
    if (args.json) process.stdout.write(jsonLine(r) + "\n");
  }
  const title = `${scenario.name}: ${workload.format} trace ${workload.source}`;
  if (!args.json) process.stdout.write(summary(results, title));
  if (args.report) writeFileSync(args.report, htmlReport(results, title, uplotAssets()));
  if (args.csv) writeFileSync(args.csv, csv(results));
}
