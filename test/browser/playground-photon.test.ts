// The playground's Photon tab in headless Chromium: a Photon Controller of 1,000 to 32,768 hosts runs
// in the page; the heat map draws one cell per host, a VM create shows the scheduler's decision (the
// four sampled hosts and their scores), a host is refused maintenance while it holds VMs, then allowed.
import { mkdirSync } from "node:fs";
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

beforeAll(async () => {
  playground = await openPlayground();
  ({ page, url, pageErrors, requests } = playground);
  await page.click('nav.tabs button[data-tab="photon"]');
  await page.waitForFunction(() => /^a Photon Controller deployment of 1,000 hosts/.test(document.getElementById("photon-status")!.textContent!), null, { timeout: 30_000 });
}, 120_000);

afterAll(async () => {
  await playground?.close();
});

const text = (selector: string) => page.locator(selector).first().innerText();
const waitStatus = (re: RegExp) =>
  page.waitForFunction((src) => new RegExp(src).test(document.getElementById("photon-status")!.textContent!), re.source, { timeout: 30_000 }).catch(async (e) => {
    throw new Error(`${(e as Error).message}\nstatus: ${await text("#photon-status")}`);
  });

/** The heat map's cells: its declared count, and the pixels actually drawn (opaque). */
async function heatMapCells(): Promise<{ declared: number; drawn: number }> {
  return page.evaluate(() => {
    const c = document.getElementById("photon-heatmap") as HTMLCanvasElement;
    const px = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    let drawn = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] === 255) drawn++;
    return { declared: Number(c.dataset.cells), drawn };
  });
}

describe("the Photon tab", () => {
  it("draws the fleet as a heat map, one cell per host, at 1,000 and at 32,768 hosts", async () => {
    await page.waitForFunction(() => (document.getElementById("photon-heatmap") as HTMLCanvasElement).dataset.cells === "1000");
    expect(await heatMapCells()).toEqual({ declared: 1000, drawn: 1000 });
    expect(await text("#photon-summary")).toMatch(/^1,000 hosts \(1,000 READY\) · 0 VMs on 0 hosts · \d+ fps, \d+\.\d ms a frame$/);
    await page.selectOption("#photon-size", "32768");
    await waitStatus(/^a new deployment of 32,768 hosts/);
    await page.waitForFunction(() => (document.getElementById("photon-heatmap") as HTMLCanvasElement).dataset.cells === "32768");
    expect(await heatMapCells()).toEqual({ declared: 32768, drawn: 32768 });
    await page.selectOption("#photon-size", "1000");
    await page.waitForFunction(() => (document.getElementById("photon-heatmap") as HTMLCanvasElement).dataset.cells === "1000");
    expect(await heatMapCells()).toEqual({ declared: 1000, drawn: 1000 });
  });

  it("sets up tenants and shows their quota use as VMs are created", async () => {
    await page.click("#photon-setup");
    await waitStatus(/^set up 3 tenants \(acme, globex, initech\)/);
    await page.waitForFunction(() => document.querySelectorAll("#photon-tenants .tenant").length === 3);
    await page.selectOption("#photon-tenant", "globex");
    await page.fill("#photon-count", "10");
    await page.selectOption("#photon-flavor", "large");
    await page.click("#photon-vms");
    await waitStatus(/^created 10 large VM\(s\) in globex\/prod; the last on 10\.\d+\.\d+\.\d+$/);
    // globex's ticket: 10 × 16 GB of 2,048 GB, 10 × 4 vCPUs of 512, 10 VMs of 300.
    await page.waitForFunction(() => /160 of 2,048 GB/.test(document.querySelector('#photon-tenants [data-tenant="globex"]')?.textContent ?? ""), null, { timeout: 5000 }).catch(async (e) => {
      throw new Error(`${(e as Error).message}\n${await text("#photon-tenants")}`);
    });
    const globex = await text('#photon-tenants [data-tenant="globex"]');
    expect(globex).toContain("40 of 512 COUNT");
    expect(globex).toContain("10 of 300 COUNT");
    expect(await text('#photon-tenants [data-tenant="acme"]')).toContain("0 of 262,144 GB");
  });

  it("shows the scheduler's decision for a VM create: four sampled hosts with scores, the best one chosen", async () => {
    await page.selectOption("#photon-tenant", "acme");
    await page.fill("#photon-count", "1");
    await page.selectOption("#photon-flavor", "small");
    await page.click("#photon-vms");
    await waitStatus(/^created 1 small VM\(s\) in acme\/prod; the last on /);
    const host = /the last on (\S+)$/.exec(await text("#photon-status"))![1];
    await page.waitForFunction((h) => document.querySelector("#photon-decisions tr.decision .outcome")?.textContent === `→ ${h}`, host);
    const newest = await page.evaluate(() => {
      const row = document.querySelector("#photon-decisions tr.decision")!;
      return {
        rows: document.querySelectorAll("#photon-decisions tr.decision").length,
        asked: row.children[1].textContent,
        samples: [...row.querySelectorAll<HTMLElement>(".sample")].map((s) => ({ host: s.dataset.host!, score: s.dataset.score!, chosen: s.classList.contains("chosen") })),
      };
    });
    expect(newest.rows).toBe(8); // the last 8 decisions (11 VMs were placed)
    expect(newest.asked).toBe("1 vCPU, 2 GiB");
    expect(newest.samples).toHaveLength(4);
    expect(new Set(newest.samples.map((s) => s.host)).size).toBe(4);
    const scores = newest.samples.map((s) => Number(s.score));
    for (const s of scores) expect(s).toBeGreaterThan(0);
    const chosen = newest.samples.filter((s) => s.chosen);
    expect(chosen.map((s) => s.host)).toEqual([host]);
    expect(Number(chosen[0].score)).toBe(Math.max(...scores));
    // The page shows what the platform's scheduler recorded.
    const recorded = await page.evaluate(() => {
      const t = (globalThis as any).vicsim.photon; // eslint-disable-line @typescript-eslint/no-explicit-any
      const p = t.platform();
      const d = p.placer.decisions.list().at(-1);
      return { host: p.fleet.address(d.host), sampled: d.sampled.map((s: { host: number; score: number }) => [p.fleet.address(s.host), s.score.toFixed(2)]) };
    });
    expect(recorded.host).toBe(host);
    expect(recorded.sampled).toEqual(newest.samples.map((s) => [s.host, s.score]));
    // The new VM's host is selected.
    expect(await text("#photon-host-name")).toBe(host);
    expect(await text("#photon-host-vms")).toBe("1");
  });

  it("refuses maintenance while the host holds VMs (HostHasVms), then allows it once they are gone", async () => {
    const host = await text("#photon-host-name");
    await page.click("#photon-suspend");
    await waitStatus(new RegExp(`^${host.replace(/\./g, "\\.")} suspended`));
    await page.waitForFunction(() => document.getElementById("photon-host-state")?.textContent === "SUSPENDED");
    await page.click("#photon-maintenance");
    await waitStatus(/HostHasVms/);
    expect(await text("#photon-status")).toBe(`${host}: ENTER_MAINTENANCE_MODE: HostHasVms — Host ${await hostId(host)} has 1 VMs`);
    expect(await text("#photon-host-state")).toBe("SUSPENDED");
    await page.click("#photon-evacuate");
    await waitStatus(/deleted its 1 VM\(s\)$/);
    await page.click("#photon-maintenance");
    await waitStatus(/entered maintenance$/);
    await page.waitForFunction(() => document.getElementById("photon-host-state")?.textContent === "MAINTENANCE");
    const log = await page.locator("#photon-host-log li").allInnerTexts();
    expect(log.reverse()).toEqual([`${host} suspended: no new VM is placed on it`, expect.stringContaining("HostHasVms"), `${host}: deleted its 1 VM(s)`, `${host} entered maintenance`]);
    expect(await text("#photon-summary")).toMatch(/^1,000 hosts \(999 READY, 1 MAINTENANCE\) · 10 VMs on \d+ hosts/);
    // The selected host is drawn blue; exit maintenance brings it back.
    await page.click("#photon-exit");
    await waitStatus(/left maintenance: READY$/);
  });

  it("builds a Kubernetes cluster and shows its nodes by role", async () => {
    await page.selectOption("#photon-tenant", "acme");
    await page.fill("#photon-workers", "2");
    await page.click("#photon-cluster");
    await waitStatus(/^Kubernetes cluster k8s-1 created in acme: 1 master, 3 etcd, 2 worker\(s\)/);
    await page.waitForFunction(() => /READY/.test(document.querySelector('#photon-clusters [data-cluster="k8s-1"]')?.textContent ?? ""), null, { timeout: 30_000 });
    const roles = await text('#photon-clusters [data-cluster="k8s-1"] .roles');
    for (const r of ["KubernetesMaster ×1", "KubernetesEtcd ×3", "KubernetesWorker ×2"]) expect(roles).toContain(r);
    expect(pageErrors).toEqual([]);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}playground-photon.png`, fullPage: true });
  });
});

async function hostId(address: string): Promise<string> {
  return page.evaluate((a) => {
    const p = (globalThis as any).vicsim.photon.platform(); // eslint-disable-line @typescript-eslint/no-explicit-any
    for (let h = 0; h < p.fleet.n; h++) if (p.fleet.address(h) === a) return p.fleet.hostId(h);
    return "";
  }, address);
}
