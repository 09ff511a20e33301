// `vicsim/simulate` in headless Chromium, inside a module Web Worker (as a page's planning tab runs
// it, off the main thread): the browser entry loads the wasm core, the simulator runs all three
// policies with memory sharing on a trace given as text, writes the HTML report, and every figure
// equals the same run in Node.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveStatic } from "../../examples/playground/serve.mjs";
import { buildModel } from "../../bindings/simulate/model.js";
import { cloudsimPlanetLab } from "../../bindings/simulate/preset.js";
import { runPolicy } from "../../bindings/simulate/simulate.js";
import { parsePlanetLab } from "../../bindings/simulate/traces.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** The run both sides make: 3 G4 + 3 G5 hosts, eight VMs with made-up daily shapes, 6 hours. */
const RUN = `
export function run({ buildModel, cloudsimPlanetLab, parsePlanetLab, runPolicy }) {
  const traces = Array.from({ length: 8 }, (_, i) =>
    Array.from({ length: 80 }, (_, k) => String(Math.round(10 + 8 * i * (1 + Math.sin((k + 9 * i) / 12)) / 2))).join("\\n"));
  const s = cloudsimPlanetLab("worker");
  s.hosts = s.hosts.map((h) => ({ ...h, count: 3 }));
  s.lengthSeconds = 6 * 3600;
  s.finishIdleVms = false;
  const workload = { format: "planetlab", source: "worker", stepSeconds: 300, vms: traces.map((t, i) => parsePlanetLab(t, "vm" + i)) };
  const model = buildModel(s, workload);
  const sharing = { salting: s.memory.salting, privateFraction: s.memory.privateFraction, zeroFraction: s.memory.zeroFraction, grainMiB: s.memory.pageMiB, everySeconds: 3600 };
  return ["npa", "lr-mmt", "drs-dpm"].map((p) => runPolicy(model, s, p, { sharing }));
}

/** What the two sides compare (wall time differs, of course). */
export function figures(r) {
  return { policy: r.policy, energyKWh: r.energyKWh, migrations: r.migrations, slav: r.slav, activeHostHours: r.activeHostHours, unplacedVms: r.unplacedVms, memory: r.memory, samples: r.samples.length };
}
`;

let server: Server;
let url = "";
let browser: Browser;
let dir = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vicsim-simulate-worker-"));
  symlinkSync(join(root, "dist"), join(dir, "dist"));
  writeFileSync(join(dir, "run.js"), RUN);
  writeFileSync(
    join(dir, "worker.js"),
    `import "./dist/browser.js"; // loads the wasm core (drs-dpm's placement, the memory engine)
import * as simulate from "./dist/simulate.js";
import { figures, run } from "./run.js";
try {
  const results = run(simulate);
  const page = simulate.htmlReport(results, "planned in a worker", { script: "/* uPlot */", style: "" });
  postMessage({ results: results.map(figures), report: page });
} catch (e) {
  postMessage({ error: String((e && e.stack) || e) });
}`,
  );
  writeFileSync(
    join(dir, "index.html"),
    `<!doctype html><script type="module">
const worker = new Worker("./worker.js", { type: "module" });
window.result = new Promise((resolve) => { worker.onmessage = (e) => resolve(e.data); worker.onerror = (e) => resolve({ error: e.message }); });
</script>`,
  );
  ({ server, url } = await serveStatic(dir, 0));
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("vicsim/simulate in a browser worker", () => {
  it("runs npa, lr-mmt and drs-dpm with memory sharing and gives the figures Node gives", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(url);
    const got = (await page.evaluate(() => (window as unknown as { result: Promise<unknown> }).result)) as { results?: unknown[]; report?: string; error?: string };
    expect(got.error).toBeUndefined();
    expect(errors).toEqual([]);
    const mod = { exports: {} as { run?: (api: unknown) => unknown[]; figures?: (r: unknown) => { migrations: number } } };
    new Function("module", RUN.replace("export function run", "module.exports.run = function run").replace("export function figures", "module.exports.figures = function figures"))(mod);
    const expected = mod.exports.run!({ buildModel, cloudsimPlanetLab, parsePlanetLab, runPolicy }).map(mod.exports.figures!);
    expect(got.results).toEqual(expected);
    expect(expected[1].migrations).toBeGreaterThan(0); // lr-mmt did consolidate
    expect(got.report).toContain("<h1>planned in a worker</h1>");
    expect(got.report).toContain("/* uPlot */");
  }, 60_000);
});
