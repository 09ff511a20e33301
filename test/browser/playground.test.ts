// The playground in headless Chromium: the page runs the VCH and the Docker API handler with no server
// behind it (a static folder), runs 20 container VMs, loses a host and shows HA restarting them.
import { mkdirSync, copyFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPlayground, type PlaygroundPage } from "./fixtures/playground-page.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const artifacts = `${root}test-artifacts/`;

let playground: PlaygroundPage;
let page: Page;
let url = "";
let pageErrors: string[] = [];
let requests: string[] = [];

beforeAll(async () => {
  playground = await openPlayground();
  ({ page, url, pageErrors, requests } = playground);
}, 120_000);

afterAll(async () => {
  await playground?.close();
});

/** expect.poll with room for a loaded CI machine. */
const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });
const text = (selector: string) => page.locator(selector).first().innerText();
const status = () => text("#status");

/** Container VMs shown on each host card. */
async function vmsPerHost(): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const out: Record<string, number> = {};
    for (const card of document.querySelectorAll<HTMLElement>(".host")) out[card.dataset.host!] = card.querySelectorAll(".vm").length;
    return out;
  });
}

describe("the playground", () => {
  it("runs 20 container VMs, loses a host, shows HA's restarts and the memory moving", async () => {
    expect(await page.locator(".host").count()).toBe(6);
    await page.selectOption("#image", "nginx");
    await page.fill("#count", "20");
    await page.click("#run");
    await page.waitForFunction(() => /^ran 20 nginx:latest container VMs/.test(document.getElementById("status")!.textContent!), null, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll(".host .vm").length === 20, null, { timeout: 10_000 });

    // Let the clock run: guests write, pages are copied on write, TPS scans.
    await page.selectOption("#speed", "60");
    await page.waitForTimeout(1500);
    const usedBefore = await text("#mem-used");
    const savedBefore = await text("#saved-total");
    expect(savedBefore).not.toMatch(/^0 B$/);
    expect(await text("#saved-percent")).toMatch(/^\d+\.\d %$/);

    const before = await vmsPerHost();
    const [busiest, victims] = Object.entries(before).sort((a, b) => b[1] - a[1])[0];
    expect(victims).toBeGreaterThan(0);
    await page.click(`.host[data-host="${busiest}"] button[data-action="fail"]`);
    // Its container VMs stop at once; HA declares the host dead after 15 s of virtual time (a quarter
    // of a second at ×60) and restarts them: wait for that, bounded.
    await page.waitForFunction(() => /failed at/.test(document.getElementById("status")!.textContent!), null, { timeout: 10_000 });
    expect(await status()).toMatch(new RegExp(`^${busiest} failed at \\d\\d:\\d\\d:\\d\\d: ${victims} container VM\\(s\\) stopped; HA declares the host dead at `));
    await page.waitForFunction((n) => document.getElementById("ha-restarts")?.textContent === String(n), victims, { timeout: 20_000 });
    expect(await text("#ha-last")).toContain(`${busiest} failed at`);
    expect(await text("#ha-last")).toContain(`HA restarted ${victims} container VM(s)`);
    await poll(async () => (await vmsPerHost())[busiest]).toBe(0);
    await poll(async () => Object.values(await vmsPerHost()).reduce((a, b) => a + b, 0)).toBe(20);
    expect(await page.locator(`.host[data-host="${busiest}"]`).getAttribute("class")).toContain("failed");
    // The events list shows the failure and each restart.
    await poll(async () => page.locator("#events li", { hasText: "ha-restart " }).count()).toBe(victims);
    expect(await page.locator("#events li", { hasText: "host-failed" }).count()).toBe(1);

    // Memory numbers move: template VMs materialise on the surviving hosts, guests keep writing.
    await poll(async () => (await text("#mem-used")) !== usedBefore || (await text("#saved-total")) !== savedBefore).toBe(true);
  });

  it("answers Docker commands in the console through the in-page API handler", async () => {
    const run = async (line: string) => {
      const before = (await text("#console-output")).length;
      await page.fill("#console-input", line);
      await page.press("#console-input", "Enter");
      // The echoed command line comes first, then the answer.
      await page.waitForFunction((n) => document.getElementById("console-output")!.textContent!.length > n, before + line.length + 3);
      await page.waitForTimeout(200);
      return (await page.locator("#console-output").textContent())!.slice(before);
    };
    const ps = await run("docker ps");
    expect(ps).toMatch(/CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+NAMES/);
    expect(ps.split("\n").filter((l) => /^[0-9a-f]{12}\s+nginx\s/.test(l))).toHaveLength(20);
    const id = (await run("docker run -d --name hello busybox sh -c 'echo hi from the page'")).trim().split("\n").pop()!;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    await poll(async () => run("docker logs hello")).toContain("hi from the page");
    // Browsers have no setImmediate: --tail goes through the handler with only web-standard timers.
    expect(await run("docker logs --tail 1 hello")).toContain("hi from the page");
    expect(pageErrors).toEqual([]);
    expect(await run("docker images")).toMatch(/^busybox\s+latest\s+[0-9a-f]{12}/m);
    expect(await run("docker stats --no-stream")).toMatch(/MEM USAGE \/ LIMIT/);
    expect(await run("docker rm -f hello")).toContain("hello");
    expect(await run("docker rm nope")).toContain("Error response from daemon: No such container: nope");
  });

  it("keeps a screenshot of the cluster after the failure", async () => {
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}playground.png`, fullPage: true });
  });

  it("drives the clock, DRS, TPS, maintenance mode, recovery, stop and the salting policy from the controls", async () => {
    // The clock: paused, virtual time stands still; playing, it moves.
    await page.click("#play");
    await page.waitForFunction(() => document.getElementById("clock-time")!.textContent!.endsWith("❚❚"));
    const frozen = await text("#clock-time");
    await page.waitForTimeout(600);
    expect(await text("#clock-time")).toBe(frozen);
    await page.click("#play");
    await poll(async () => text("#clock-time")).not.toBe(frozen);

    const waitStatus = (re: RegExp) => page.waitForFunction((src) => new RegExp(src).test(document.getElementById("status")!.textContent!), re.source, { timeout: 15_000 });
    await page.click("#tps-now");
    await waitStatus(/^TPS scanned [\d,]+ pages and merged [\d,]+/);
    await page.selectOption("#drs-threshold", "5");
    await waitStatus(/^DRS: migration threshold 5, fullyAutomated$/);
    await page.click("#drs-now");
    await waitStatus(/^DRS pass: \d+ recommendation\(s\), (applied|not applied)/);

    const hosts = await vmsPerHost();
    const [busy, onIt] = Object.entries(hosts).filter(([h]) => h !== "H0" || hosts.H0 > 0).sort((a, b) => b[1] - a[1])[0];
    await page.click(`.host[data-host="${busy}"] button[data-action="maintenance"]`);
    await waitStatus(new RegExp(`^${busy} entered maintenance mode: vMotion moved ${onIt} container VM\\(s\\)$`));
    await poll(async () => (await vmsPerHost())[busy]).toBe(0);
    expect(await page.locator(`.host[data-host="${busy}"]`).getAttribute("class")).toContain("maintenance");
    await page.click(`.host[data-host="${busy}"] button[data-action="exit-maintenance"]`);
    await waitStatus(new RegExp(`^${busy} left maintenance mode$`));

    const failed = await page.locator(".host.failed").getAttribute("data-host");
    await page.click(`.host[data-host="${failed}"] button[data-action="recover"]`);
    await waitStatus(new RegExp(`^${failed} recovered`));
    await poll(async () => page.locator(".host.failed").count()).toBe(0);

    // Paused, so the VCH's own TPS schedule does not scan between the restart and the check.
    await page.click("#play");
    await page.waitForFunction(() => document.getElementById("clock-time")!.textContent!.endsWith("❚❚"));
    await page.selectOption("#salting", "image");
    await waitStatus(/^TPS salting is now "image": 20 container VM\(s\) restarted under it$/);
    await poll(async () => Object.values(await vmsPerHost()).reduce((a, b) => a + b, 0)).toBe(20);
    expect(await text("#saved-tps")).toMatch(/^0 B$/); // restarted container VMs: nothing merged yet
    expect(await page.evaluate(() => (globalThis as unknown as { vicsim: { vch: { info(): { tps: { salting: string } } } } }).vicsim.vch.info().tps.salting)).toBe("image");
    await page.click("#tps-now");
    await waitStatus(/^TPS scanned/);
    await poll(async () => text("#saved-tps")).not.toBe("0 B");
    await page.click("#play");

    await page.click("#stop-all");
    await waitStatus(/^stopped 20 container VM\(s\)$/);
    await poll(async () => page.locator(".host .vm").count()).toBe(0);
  });

  it("needs nothing but the static folder, and leaves no error in the console", async () => {
    expect(requests.every((r) => r.startsWith(url)), requests.join("\n")).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});

// Keep the screenshot for the README when asked (`VICSIM_UPDATE_SCREENSHOT=1`).
afterAll(() => {
  if (process.env.VICSIM_UPDATE_SCREENSHOT) copyFileSync(`${artifacts}playground.png`, `${root}docs/playground.png`);
});
