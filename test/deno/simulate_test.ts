// The simulator through the package's `vicsim/simulate` entry under Deno: no file system, traces and
// scenarios as text, the wasm placement core for drs-dpm.
import assert from "node:assert/strict";
import "vicsim";
import { buildModel, cloudsimPlanetLab, htmlReport, parsePlanetLab, parseScenario, runPolicy, ScenarioError } from "vicsim/simulate";

function workload() {
  const text = (u: number) => Array.from({ length: 40 }, () => String(u)).join("\n");
  return { format: "planetlab" as const, source: "deno", stepSeconds: 300, vms: [parsePlanetLab(text(20), "a"), parsePlanetLab(text(20), "b"), parsePlanetLab(text(60), "c")] };
}

function scenario() {
  const s = cloudsimPlanetLab("deno");
  s.hosts = s.hosts.map((h) => ({ ...h, count: 2 }));
  s.lengthSeconds = 3 * 3600;
  s.finishIdleVms = false;
  return s;
}

Deno.test("npa, lr-mmt and drs-dpm run on a trace given as text", () => {
  const s = scenario();
  const model = buildModel(s, workload());
  const npa = runPolicy(model, s, "npa");
  assert.ok(Math.abs(npa.energyKWh - ((2 * 117 + 2 * 135) * 10_500.1) / 3.6e6) < 1e-9);
  const lr = runPolicy(model, s, "lr-mmt");
  assert.ok(lr.energyKWh < npa.energyKWh);
  assert.ok(lr.migrations >= 1); // the two quiet VMs end up together
  const drs = runPolicy(model, s, "drs-dpm");
  assert.ok(drs.powerOffs! >= 1);
  const page = htmlReport([lr, drs], "deno", { script: "/* uPlot */", style: "" });
  assert.match(page, /<h1>deno<\/h1>/);
});

Deno.test("a scenario mistake names the line", () => {
  assert.throws(() => parseScenario("hosts: []\nworkload: { trace: t }\nbogus: 1\n", "plan.yaml"), (e: unknown) => e instanceof ScenarioError && e.message.startsWith(`plan.yaml:3: unknown key "bogus"`));
});
