// The package's browser entry hosting a real guest in headless Chromium: a page imports
// dist/browser.js, says where Pyodide's files and ruby.wasm's and QuickJS's wasm are (configureWebGuests),
// and a python container's command runs on CPython in a module Web Worker (dist/chunks/worker-web.js),
// a ruby container's on ruby.wasm, a node container's on QuickJS, and a wasi/wasm image's
// program on WASI preview1 through @bjorn3/browser_wasi_shim (a page has no node:wasi); their output,
// files (the container's, through the filesystem bridge) and exit codes are the programs'; the
// wasi/wasm image is built in the page (docker build).
import { packTar } from "modern-tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wasiProgram } from "../fixtures/wasi-program.js";
import { serveEntrySite, type EntrySite } from "./fixtures/entry-site.js";


const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import { VirtualContainerHost, configureWebGuests } from "./dist/browser.js";
import { createDockerHandler } from "./dist/docker.js";
configureWebGuests({
  pyodide: new URL("pyodide/", location.href),
  ruby: new URL("ruby/ruby+stdlib.wasm", location.href),
  quickjs: new URL("quickjs/emscripten-module.wasm", location.href),
});
const vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 10 }, name: "page" });
for (const image of ["python:3", "ruby:3", "node:22"]) await vch.pullImage(image);
globalThis.run = async (cmd, image = "python:3", env = []) => {
  const c = vch.createContainer({ Image: image, Cmd: cmd, Env: env });
  await vch.start(c.id);
  const { StatusCode } = await vch.wait(c.id);
  const out = { stdout: "", stderr: "" };
  for await (const chunk of vch.logs(c.id, { stdout: true, stderr: true })) out[chunk.stream] += new TextDecoder().decode(chunk.data);
  const runtime = vch.getContainer(c.id).config.Labels?.["vicsim.guest.runtime"] ?? null;
  return { StatusCode, ...out, runtime };
};
globalThis.build = async (query, tar) => {
  const r = await createDockerHandler(vch)(new Request("http://localhost/v1.50/build?" + query, { method: "POST", body: new Uint8Array(tar), headers: { "Content-Type": "application/x-tar" } }));
  return { status: r.status, text: await r.text() };
};
globalThis.configure = configureWebGuests;
document.title = "ready";
</script>`;

let site: EntrySite;
beforeAll(async () => {
  site = await serveEntrySite(PAGE, {
    pyodide: "node_modules/pyodide",
    ruby: "node_modules/@ruby/3.4-wasm-wasi/dist",
    quickjs: "node_modules/@jitl/quickjs-wasmfile-release-sync/dist",
  });
}, 60_000);
afterAll(async () => {
  await site?.close();
});
/** A fresh page of the test site, its VCH open and python:3, ruby:3 and node:22 pulled; `errors` collects what it throws. */
const open = (errors: string[]) => site.open(errors);

describe("real guests in a browser page", () => {
  it("docker run python:3 python -c 'print(sum(range(10)))' prints 45 from CPython in a Web Worker", async () => {
    const errors: string[] = [];
    const page = await open(errors);
    const r = await page.evaluate(() => (globalThis as unknown as { run(cmd: string[]): Promise<unknown> }).run(["python", "-c", "import sys\nprint(sum(range(10)))\nprint([l for l in open('/etc/os-release') if l.startswith('ID=')][0], end='')\nprint('oops', file=sys.stderr)\nsys.exit(3)"]));
    // /etc/os-release is the python image's own, read through the filesystem bridge.
    expect(r).toEqual({ StatusCode: 3, stdout: "45\nID=debian\n", stderr: "oops\n", runtime: expect.stringMatching(/^CPython 3\.14 compiled to WebAssembly \(Pyodide/) });
    expect(errors).toEqual([]);
  }, 180_000);

  it("docker run ruby:3 ruby -e 'puts [1,2,3].sum' prints 6 from ruby.wasm in a Web Worker, reading the image's files", async () => {
    const errors: string[] = [];
    const page = await open(errors);
    type Site = { run(cmd: string[], image: string): Promise<unknown> };
    const r = await page.evaluate(() => (globalThis as unknown as Site).run(["ruby", "-e", "puts [1,2,3].sum\nputs File.readlines('/etc/os-release').grep(/^ID=/).first\n$stderr.puts 'oops'\nexit 4"], "ruby:3"));
    // /etc/os-release is the ruby image's own: ruby.wasm's WASI file calls go through the filesystem bridge in a page too.
    expect(r).toEqual({ StatusCode: 4, stdout: "6\nID=debian\n", stderr: "oops\n", runtime: expect.stringMatching(/^CRuby 3\.4 compiled to WebAssembly\/WASI \(ruby\.wasm/) });
    expect(errors).toEqual([]);
  }, 180_000);

  it("docker run node:22 node -e 'console.log(6*7)' prints 42 from QuickJS in a Web Worker", async () => {
    const errors: string[] = [];
    const page = await open(errors);
    type Site = { run(cmd: string[], image: string): Promise<unknown> };
    const r = await page.evaluate(() => (globalThis as unknown as Site).run(["node", "-e", "console.log(6*7); console.error('oops'); throw new Error('boom')"], "node:22"));
    expect(r).toEqual({ StatusCode: 1, stdout: "42\n", stderr: "oops\nUncaught Error: boom\n", runtime: expect.stringMatching(/^QuickJS \(quickjs-emscripten/) });
    expect(errors).toEqual([]);
  }, 120_000);

  it("a wasi/wasm image's C program runs on the WASI shim with its arguments, environment, the image's files and exit code", async () => {
    const files: Record<string, Uint8Array> = {
      Dockerfile: new TextEncoder().encode('FROM scratch\nCOPY program.wasm in.txt /data/\nENTRYPOINT ["/data/program.wasm"]\nCMD ["one", "two"]'),
      "program.wasm": wasiProgram("wasi-program"),
      "in.txt": new TextEncoder().encode("from the image"),
    };
    // Built in the page: `docker build --platform wasi/wasm` through the page's Docker handler.
    const context = [...(await packTar(Object.entries(files).map(([name, body]) => ({ header: { name, size: body.byteLength, type: "file" as const, mode: 0o644 }, body }))))];
    const errors: string[] = [];
    const page = await open(errors);
    type Site = { build(query: string, tar: number[]): Promise<{ status: number; text: string }>; run(cmd: string[], image: string, env: string[]): Promise<unknown> };
    const built = await page.evaluate(([q, t]) => (globalThis as unknown as Site).build(q, t), ["t=wasi-hello:1&platform=wasi/wasm", context] as [string, number[]]);
    expect(built.status, built.text).toBe(200);
    expect(built.text).toContain("Successfully tagged wasi-hello:1");
    const r = await page.evaluate(() => (globalThis as unknown as Site).run(["three"], "wasi-hello:1", ["GREETING=bonjour"]));
    // The container's filesystem is the program's in a page too (the filesystem bridge): it reads /data/in.txt from the image.
    expect(r).toEqual({ StatusCode: 3, stdout: "argc=2 three\nGREETING=bonjour\nread=from the image\n", stderr: "to stderr\n", runtime: expect.stringMatching(/^a WebAssembly program for WASI preview1/) });
    expect(errors).toEqual([]);
  }, 120_000);

  it("a page that does not serve Pyodide's files gets an error saying where it looked, exit 127", async () => {
    const errors: string[] = [];
    const page = await open(errors);
    type Site = { configure(a: { pyodide: string }): void; run(cmd: string[]): Promise<{ StatusCode: number; stdout: string; stderr: string }> };
    const r = await page.evaluate(async () => {
      const site = globalThis as unknown as Site;
      site.configure({ pyodide: new URL("nowhere/", location.href).href });
      return site.run(["python", "-c", "print(1)"]);
    });
    expect(r.StatusCode).toBe(127);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^python guests load their runtime from where the page serves its files \(configureWebGuests\): Failed to fetch dynamically imported module: http:\/\/127\.0\.0\.1:\d+\/nowhere\/pyodide\.mjs\n$/);
    expect(errors).toEqual([]);
  }, 120_000);

  it("a page that does not serve ruby.wasm's or QuickJS's wasm gets an error naming the URL tried, exit 127", async () => {
    const errors: string[] = [];
    const page = await open(errors);
    type Site = { configure(a: { ruby: string; quickjs: string }): void; run(cmd: string[], image: string): Promise<{ StatusCode: number; stdout: string; stderr: string }> };
    const [ruby, node] = await page.evaluate(async () => {
      const site = globalThis as unknown as Site;
      site.configure({ ruby: new URL("nowhere/ruby+stdlib.wasm", location.href).href, quickjs: new URL("nowhere/emscripten-module.wasm", location.href).href });
      return [await site.run(["ruby", "-e", "puts 1"], "ruby:3"), await site.run(["node", "-e", "console.log(1)"], "node:22")];
    });
    expect(ruby).toEqual({ StatusCode: 127, stdout: "", stderr: expect.stringMatching(/^ruby guests load their runtime from where the page serves its files \(configureWebGuests\): http:\/\/127\.0\.0\.1:\d+\/nowhere\/ruby\+stdlib\.wasm answered 404 Not Found\n$/), runtime: expect.any(String) });
    expect(node).toEqual({ StatusCode: 127, stdout: "", stderr: expect.stringMatching(/^quickjs guests load their runtime from where the page serves its files \(configureWebGuests\): http:\/\/127\.0\.0\.1:\d+\/nowhere\/emscripten-module\.wasm answered 404 Not Found\n$/), runtime: expect.any(String) });
    expect(errors).toEqual([]);
  }, 120_000);
});
