/**
 * The plan tab's Web Worker: `vicsim simulate` (the `vicsim/simulate` library) off the page's main
 * thread, with the wasm core of its own. It takes the dropped files as text, builds the scenario
 * (the dropped one, or CloudSim's PlanetLab fleet around the trace), runs each policy and answers
 * with the results, the text summary and the self-contained HTML report.
 */
import wasm from "../../../build/vicsim.release.wasm";
import { initCoreAsync } from "../../../bindings/core/wasm.js";
import { buildModel, cloudsimPlanetLab, htmlReport, parseScenario, runPolicy, summary, type PolicyResult, type Scenario } from "../../../bindings/simulate/index.js";
import type { PlanMessage, PlanRequest } from "./protocol.js";
import { workloadFromFiles } from "./workload.js";

const ready = initCoreAsync(wasm);
const post = (m: PlanMessage) => (self as unknown as Worker).postMessage(m);

/** The scenario: the dropped file, or the preset's fleet around the trace (as `vicsim simulate --trace`). */
function scenarioOf(req: PlanRequest, source: string): Scenario {
  let s: Scenario;
  if (req.scenario) {
    s = parseScenario(req.scenario.text, req.scenario.path);
    s.workload.trace = source;
  } else {
    s = cloudsimPlanetLab(source, "sorted");
    if (!req.preset) {
      // Only the preset replays CloudSim's quirks; a bare trace runs on its fleet with vicsim's rules.
      s.name = source;
      s.finishIdleVms = false;
      s.workload.format = req.format;
      if (req.format && req.format !== "planetlab") s.vms = [];
    }
    if (req.hosts) {
      const types = s.hosts.filter((h) => h.count > 0);
      const each = Math.floor(req.hosts / types.length);
      types.forEach((t, i) => (t.count = each + (i < req.hosts! - each * types.length ? 1 : 0)));
      if (types.some((t) => t.count !== types[0].count)) s.hostLayout = "blocks";
    }
  }
  if (req.format) s.workload.format = req.format;
  if (req.policies.length) s.policies = req.policies;
  if (req.hours) s.lengthSeconds = req.hours * 3600;
  return s;
}

self.addEventListener("message", async (e: MessageEvent<PlanRequest>) => {
  try {
    await ready;
    const req = e.data;
    const stepSeconds = req.scenario ? parseScenario(req.scenario.text, req.scenario.path).stepSeconds : 300;
    const workload = workloadFromFiles(req.trace, req.format, stepSeconds);
    const scenario = scenarioOf(req, workload.source);
    const model = buildModel(scenario, workload);
    const results: PolicyResult[] = [];
    for (const policy of scenario.policies) {
      let shown = -1;
      results.push(
        runPolicy(model, scenario, policy, {
          onProgress: (f) => {
            const pct = Math.floor(f * 100);
            if (pct !== shown) post({ kind: "progress", policy, fraction: (shown = pct) / 100 });
          },
          sharing: { salting: scenario.memory.salting, privateFraction: scenario.memory.privateFraction, zeroFraction: scenario.memory.zeroFraction, grainMiB: scenario.memory.pageMiB, everySeconds: 3600 },
        }),
      );
    }
    const title = `${scenario.name}: ${workload.format} trace ${workload.source}`;
    post({ kind: "done", title, summary: summary(results, title), results, report: htmlReport(results, title, req.uplot) });
  } catch (error) {
    post({ kind: "error", message: (error as Error).message });
  }
});
