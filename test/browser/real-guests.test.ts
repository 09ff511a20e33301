// The package's browser entry hosting a real guest in headless Chromium: a page imports
// dist/browser.js, says where Pyodide's files are (configureWebGuests), and a python container's
// command runs on CPython in a module Web Worker (dist/chunks/worker-web.js); its output and exit code
// are the program's, and its container VM holds the guest's real pages.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveStatic } from "../../examples/playground/serve.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import { VirtualContainerHost, configureWebGuests } from "./dist/browser.js";
configureWebGuests({ pyodide: new URL("pyodide/", location.href) });
const vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 10 }, name: "page" });
await vch.pullImage("python:3");
globalThis.run = async (cmd) => {
  const c = vch.createContainer({ Image: "python:3", Cmd: cmd });
  await vch.start(c.id);
  const { StatusCode } = await vch.wait(c.id);
  const out = { stdout: "", stderr: "" };
  for await (const chunk of vch.logs(c.id, { stdout: true, stderr: true })) out[chunk.stream] += new TextDecoder().decode(chunk.data);
  const runtime = vch.getContainer(c.id).config.Labels?.["vicsim.guest.runtime"] ?? null;
  return { StatusCode, ...out, runtime };
};
document.title = "ready";
</script>`;

let server: Server;
let url = "";
let browser: Browser;
let dir = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vicsim-real-guests-"));
  symlinkSync(join(root, "dist"), join(dir, "dist"));
  symlinkSync(join(root, "node_modules/pyodide"), join(dir, "pyodide"));
  writeFileSync(join(dir, "index.html"), PAGE);
  ({ server, url } = await serveStatic(dir, 0));
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("real guests in a browser page", () => {
  it("docker run python:3 python -c 'print(sum(range(10)))' prints 45 from CPython in a Web Worker", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => document.title === "ready", null, { timeout: 30_000 }).catch((e) => {
      throw new Error(`${(e as Error).message}\n${errors.join("\n")}`);
    });
    const r = await page.evaluate(() => (globalThis as unknown as { run(cmd: string[]): Promise<unknown> }).run(["python", "-c", "import sys\nprint(sum(range(10)))\nprint('oops', file=sys.stderr)\nsys.exit(3)"]));
    expect(r).toEqual({ StatusCode: 3, stdout: "45\n", stderr: "oops\n", runtime: expect.stringMatching(/^CPython 3\.14 compiled to WebAssembly \(Pyodide/) });
    expect(errors).toEqual([]);
  }, 180_000);
});
