// The playground's plan tab in headless Chromium: a small PlanetLab trace dropped into the page runs
// through `vicsim simulate` in a Web Worker; the results, the figures and the HTML report appear.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPlayground, type PlaygroundPage } from "./fixtures/playground-page.js";

const artifacts = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));
let playground: PlaygroundPage;
let page: Page;
let url = "";
let pageErrors: string[] = [];
let requests: string[] = [];

/** A PlanetLab day: one file per VM, 288 CPU percentages (5-minute samples), deterministic. */
function planetLab(vms: number): { name: string; text: string }[] {
  let x = 12345;
  const next = () => ((x = (x * 1103515245 + 12345) % 2 ** 31), x / 2 ** 31);
  return Array.from({ length: vms }, (_, v) => ({
    name: `planetlab-node-${String(v).padStart(2, "0")}_vm`,
    text: Array.from({ length: 288 }, (_, t) => String(Math.round(10 + 30 * Math.abs(Math.sin((t + v * 7) / 40)) + 20 * next()))).join("\n") + "\n",
  }));
}

beforeAll(async () => {
  playground = await openPlayground();
  ({ page, url, pageErrors, requests } = playground);
  await page.click('nav.tabs button[data-tab="plan"]');
  await page.waitForSelector('#plan-panel[data-ready="true"]', { state: "visible" });
}, 120_000);

afterAll(async () => {
  await playground?.close();
});

const text = (selector: string) => page.locator(selector).first().innerText();
const waitStatus = (re: RegExp, timeout = 60_000) =>
  page.waitForFunction((src) => new RegExp(src).test(document.getElementById("plan-status")!.textContent!), re.source, { timeout }).catch(async (e) => {
    throw new Error(`${(e as Error).message}\nstatus: ${await text("#plan-status")}`);
  });

/** Drops files on the drop zone as a user's drag and drop does (a DataTransfer of File objects). */
async function dropFiles(files: { name: string; text: string }[]): Promise<void> {
  await page.evaluate((fs) => {
    const dt = new DataTransfer();
    for (const f of fs) dt.items.add(new File([f.text], f.name));
    document.getElementById("plan-drop")!.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
}

describe("the plan tab", () => {
  it("runs a dropped PlanetLab trace through three policies in a Web Worker and shows the figures and the report", async () => {
    await dropFiles(planetLab(30));
    await waitStatus(/^ready to run/);
    expect(await text("#plan-files-shown")).toBe("30 trace file(s) (planetlab-node-00_vm, …)");
    await page.fill("#plan-hosts", "20");
    await page.click("#plan-run");
    await waitStatus(/^simulated npa, lr-mmt, drs-dpm in [\d.]+ s: 30 VMs on 20 hosts, 2\d\.\d h$/);
    // The simulation ran in a worker the page started from its own folder.
    expect(requests.some((r) => r === `${url}plan-worker.js`)).toBe(true);
    const heads = await page.locator("#plan-summary th[data-policy]").allInnerTexts();
    expect(heads).toEqual(["npa", "lr-mmt", "drs-dpm"]);
    const energy = (await page.locator("#plan-summary tr", { hasText: "energy (kWh)" }).locator("td.num").allInnerTexts()).map(Number);
    // NPA keeps every host on at full power: 10 ML110 G4 (117 W) + 10 G5 (135 W) over the simulated time.
    const hours = Number(/, (\d+\.\d) h$/.exec(await text("#plan-status"))![1]);
    expect(energy[0]).toBeCloseTo((2520 * hours) / 1000, 0);
    // Power-aware policies switch hosts off: less energy than NPA.
    expect(energy[1]).toBeLessThan(energy[0]);
    expect(energy[2]).toBeLessThan(energy[0]);
    // The HTML report, inline: its table and uPlot's figures (one canvas per chart).
    const report = page.frameLocator("#plan-report");
    await expect.poll(() => report.locator("canvas").count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(6);
    expect(await report.locator("h1").innerText()).toMatch(/planetlab trace/);
    expect(await report.locator("h2").allInnerTexts()).toEqual(expect.arrayContaining(["Energy used so far (kWh)", "Active hosts"]));
    expect(await page.locator("#plan-download").getAttribute("href")).toMatch(/^blob:/);
    expect(pageErrors).toEqual([]);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}playground-plan.png`, fullPage: false });
  });

  it("takes a folder chosen with the folder picker, by its name, and runs one policy", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vicsim-plan-"));
    const folder = join(dir, "planetlab-day");
    mkdirSync(folder);
    for (const f of planetLab(12)) writeFileSync(join(folder, f.name), f.text);
    writeFileSync(join(folder, "README"), "not a trace\n");
    try {
      await page.setInputFiles("#plan-folder", folder);
      await waitStatus(/^ready to run/);
      expect(await text("#plan-files-shown")).toBe("12 trace file(s) (planetlab-day/planetlab-node-00_vm, …)");
      for (const p of ["lr-mmt", "drs-dpm"]) await page.uncheck(`input[name=plan-policy][value="${p}"]`);
      await page.fill("#plan-hosts", "6");
      await page.click("#plan-run");
      await waitStatus(/^simulated npa in [\d.]+ s: 12 VMs on 6 hosts, /);
      expect(await page.locator("#plan-summary th[data-policy]").allInnerTexts()).toEqual(["npa"]);
      expect(await text("#plan-summary h3")).toBe("planetlab-day: planetlab trace planetlab-day");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs a dropped scenario's fleet on the trace dropped before it", async () => {
    const scenario = ["name: two racks", "hosts:", "  - type: G5", "    count: 4", "    cores: 2", "    mhzPerCore: 2660", "    memoryMiB: 4096",
      "    power: [93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135]", "vms:", "  - { type: small, mhz: 500, memoryMiB: 613 }",
      "workload:", "  trace: elsewhere/on/the/author/s/disk", "  format: planetlab", ""].join("\n");
    await dropFiles([{ name: "two-racks.yaml", text: scenario }]);
    await waitStatus(/^ready to run/);
    expect(await text("#plan-files-shown")).toBe("scenario two-racks.yaml; 12 trace file(s) (planetlab-day/planetlab-node-00_vm, …)");
    await page.click("#plan-run");
    await waitStatus(/^simulated npa in [\d.]+ s: 12 VMs on 4 hosts, /);
    expect(await text("#plan-summary h3")).toBe("two racks: planetlab trace planetlab-day");
  });

  it("says what is wrong with a bad scenario, with its file and line", async () => {
    await dropFiles([{ name: "plan.yaml", text: "name: bad\nfleet_size: 3\n" }]);
    await page.click("#plan-run");
    await waitStatus(/^plan\.yaml:2: unknown key "fleet_size"/);
    expect(await page.locator("#plan-status").getAttribute("class")).toContain("error");
  });

  it("needs nothing but the static folder", () => {
    expect(requests.every((r) => r.startsWith(url) || r.startsWith("blob:")), requests.join("\n")).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
