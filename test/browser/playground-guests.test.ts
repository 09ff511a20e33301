// The playground's real guests tab in headless Chromium: Python containers run CPython (Pyodide) in
// Web Workers of the page, print what their program prints, and their container VMs' real pages are
// shared in the memory engine (clone of the runtime's template, then TPS), the host's saving shown.
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
  await page.click('nav.tabs button[data-tab="guests"]');
  await page.waitForFunction(() => /^ready: one host, python:3 pulled/.test(document.getElementById("guests-status")!.textContent!), null, { timeout: 30_000 }).catch(async (e) => {
    throw new Error(`${(e as Error).message}\nstatus: ${await page.locator("#guests-status").innerText()}\n${pageErrors.join("\n")}`);
  });
}, 120_000);

afterAll(async () => {
  await playground?.close();
});

/** The containers table as the user reads it: per container its state, pages and output. */
function rows(): Promise<{ name: string; state: string; granted: number; shared: number; priv: number; stdout: string }[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLTableRowElement>("#guests-containers tr[data-container]")].map((r) => ({
      name: r.dataset.container!,
      state: r.querySelector(".state")!.textContent!,
      granted: Number(r.querySelector(".granted")!.textContent),
      shared: Number(r.querySelector(".shared")!.textContent),
      priv: Number(r.querySelector(".private")!.textContent),
      stdout: r.querySelector(".stdout")!.textContent!,
    })),
  );
}

/** Types a line into the cluster tab's console; returns what the console printed for it. */
async function run(line: string): Promise<string> {
  const before = (await page.locator("#console-output").textContent())!.length;
  await page.fill("#console-input", line);
  await page.press("#console-input", "Enter");
  // The echoed command line ("$ " + line + "\n") comes first, then the answer (empty while nothing is logged).
  await page.waitForFunction((n) => document.getElementById("console-output")!.textContent!.length >= n, before + line.length + 3, { timeout: 30_000 });
  await page.waitForTimeout(300);
  return (await page.locator("#console-output").textContent())!.slice(before);
}

/** `docker logs NAME` in the console, repeated until the container has written something (its runtime boots first). */
async function logsOnceWritten(name: string): Promise<string> {
  const end = Date.now() + 120_000;
  let logs = "";
  while ((logs = await run(`docker logs ${name}`)) === `$ docker logs ${name}\n`) {
    if (Date.now() > end) throw new Error(`docker logs ${name} stayed empty\n${pageErrors.join("\n")}`);
    await page.waitForTimeout(1000);
  }
  return logs;
}

describe("the real guests tab", () => {
  it("runs the page cross-origin isolated, so guests' workers can share memory with it", async () => {
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  });

  it("starts 3 Python containers: each prints 45, and their VMs share real pages; the host shows what it saves", async () => {
    await page.fill("#guests-count", "3");
    await page.click("#guests-start");
    const all = async () => {
      const r = await rows();
      return r.length === 3 && r.every((c) => c.stdout === "45\n" && c.state === "running" && c.shared > 0);
    };
    const end = Date.now() + 240_000;
    while (!(await all())) {
      if (Date.now() > end) throw new Error(`not every container printed 45 with shared pages: ${JSON.stringify(await rows())}\nstatus: ${await page.locator("#guests-status").innerText()}\n${pageErrors.join("\n")}`);
      await page.waitForTimeout(500);
    }
    const r = await rows();
    expect(r.map((c) => c.name)).toEqual(["py-1", "py-2", "py-3"]);
    for (const c of r) {
      // A booted CPython holds thousands of non-zero pages; most are its template's, shared.
      expect(c.granted).toBeGreaterThan(1000);
      expect(c.shared + c.priv).toBe(c.granted);
      expect(c.shared).toBeGreaterThan(c.priv);
    }
    await page.waitForFunction(() => Number(document.getElementById("guests-saved")?.textContent) > 0, null, { timeout: 30_000 });
    expect(Number(await page.locator("#guests-running").innerText())).toBe(3);
    expect(pageErrors).toEqual([]);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}playground-guests.png`, fullPage: true });
  }, 300_000);

  it("the cluster tab's console runs `python -c` in a python container on CPython too: docker logs shows what it printed", async () => {
    await page.click('nav.tabs button[data-tab="cluster"]');
    await run("docker run -d --name py python python -c 'import sys; print(sum(range(10))); print(sys.version_info[:2])'");
    const end = Date.now() + 120_000;
    let logs = "";
    while (!(logs = await run("docker logs py")).includes("(3, 14)")) {
      if (Date.now() > end) throw new Error(`docker logs py never showed CPython's output: ${JSON.stringify(logs)}\n${pageErrors.join("\n")}`);
      await page.waitForTimeout(1000);
    }
    expect(logs).toBe("$ docker logs py\n45\n(3, 14)\n");
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it("the cluster tab's console runs `ruby -e` on ruby.wasm and `node -e` on QuickJS: docker logs shows 6 and 42", async () => {
    await page.click('nav.tabs button[data-tab="cluster"]');
    await run("docker run -d --name rb ruby ruby -e 'puts [1,2,3].sum'");
    await run("docker run -d --name js node node -e 'console.log(6*7)'");
    expect(await logsOnceWritten("rb")).toBe("$ docker logs rb\n6\n");
    expect(await logsOnceWritten("js")).toBe("$ docker logs js\n42\n");
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
