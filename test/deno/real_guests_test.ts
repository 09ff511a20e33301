// Real guests in Deno: a python container's command runs on Pyodide in a Web Worker (spawn-web.ts),
// and a wasi/wasm image's program on WASI preview1, their output and exit codes the programs'.
import assert from "node:assert/strict";
import { packTar } from "modern-tar";
import { VirtualContainerHost } from "vicsim";
import { createDockerHandler } from "vicsim/docker";

async function text(chunks: AsyncIterable<{ data: Uint8Array }>): Promise<string> {
  let s = "";
  for await (const c of chunks) s += new TextDecoder().decode(c.data);
  return s;
}

/** Waits (wall clock) until the container has exited; returns its exit code. */
async function exited(vch: VirtualContainerHost, name: string, ms = 120_000): Promise<number> {
  const end = Date.now() + ms;
  for (;;) {
    const c = vch.getContainer(name);
    if (c.state.Status === "exited") return c.state.ExitCode;
    if (Date.now() > end) throw new Error(`${name} still ${c.state.Status} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("python -c 'print(sum(range(10)))' in a python container prints 45 (Pyodide in a Web Worker)", async () => {
  const vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 10 }, name: "deno-real" });
  try {
    await vch.pullImage("python:3");
    const c = vch.createContainer({ Image: "python:3", Cmd: ["python", "-c", "import sys; print(sum(range(10))); sys.exit(3)"] }, "py");
    await vch.start(c.id);
    assert.equal(await exited(vch, "py"), 3);
    assert.equal(await text(vch.logs("py", { stdout: true, stderr: false })), "45\n");
    assert.equal(await text(vch.logs("py", { stdout: false, stderr: true })), "");
    assert.match(vch.getContainer("py").config.Labels?.["vicsim.guest.runtime"] ?? "", /^CPython 3\.14 compiled to WebAssembly \(Pyodide/);
  } finally {
    await vch.close();
  }
});

Deno.test("ruby -e and node -e in ruby and node containers print 6 and 42 (ruby.wasm and QuickJS from the installed packages)", async () => {
  const vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 10 }, name: "deno-rb-js" });
  try {
    for (const [name, image, cmd] of [["rb", "ruby:3", ["ruby", "-e", "puts [1,2,3].sum"]], ["js", "node:22", ["node", "-e", "console.log(6*7)"]]] as const) {
      await vch.pullImage(image);
      const c = vch.createContainer({ Image: image, Cmd: [...cmd] }, name);
      await vch.start(c.id);
      assert.equal(await exited(vch, name), 0, await text(vch.logs(name, { stdout: false, stderr: true })));
    }
    assert.equal(await text(vch.logs("rb", { stdout: true, stderr: false })), "6\n");
    assert.equal(await text(vch.logs("js", { stdout: true, stderr: false })), "42\n");
  } finally {
    await vch.close();
  }
});

Deno.test("a wasi/wasm image's program runs with its arguments, environment, files and exit code", async () => {
  // C built here with Debian's clang (scripts/tools/wasi-clang.sh), as test/docker-wasi-image.test.ts does.
  const dir = await Deno.makeTempDir({ prefix: "vicsim-deno-wasi-" });
  const source = new URL("../fixtures/guests/wasi-program.c", import.meta.url).pathname;
  const clang = await new Deno.Command("clang", { args: ["--target=wasm32-wasi", "-O2", "-Wl,--strip-all", source, "-o", `${dir}/program.wasm`] }).output();
  assert.equal(clang.code, 0, `cannot build the WASI test program: run scripts/tools/wasi-clang.sh (${new TextDecoder().decode(clang.stderr)})`);
  const program = await Deno.readFile(`${dir}/program.wasm`);
  await Deno.remove(dir, { recursive: true });
  const vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 10 }, name: "deno-wasi" });
  const docker = createDockerHandler(vch);
  try {
    const files: Record<string, Uint8Array> = {
      Dockerfile: new TextEncoder().encode('FROM scratch\nCOPY program.wasm in.txt /data/\nENV GREETING=hello\nENTRYPOINT ["/data/program.wasm"]\nCMD ["one", "two"]'),
      "program.wasm": program,
      "in.txt": new TextEncoder().encode("from the image"),
    };
    const context = await packTar(Object.entries(files).map(([name, body]) => ({ header: { name, size: body.byteLength, type: "file" as const, mode: 0o644 }, body })));
    const built = await docker(new Request("http://localhost/v1.50/build?t=wasi-hello:1&platform=wasi/wasm", { method: "POST", body: context, headers: { "Content-Type": "application/x-tar" } }));
    assert.equal(built.status, 200);
    assert.match(await built.text(), /Successfully tagged wasi-hello:1/);
    const c = vch.createContainer({ Image: "wasi-hello:1", Cmd: ["three"], Env: ["GREETING=bonjour"] }, "wasi");
    await vch.start(c.id);
    assert.equal(await exited(vch, "wasi"), 3);
    assert.equal(await text(vch.logs("wasi", { stdout: true, stderr: false })), "argc=2 three\nGREETING=bonjour\nread=from the image\n");
    assert.equal(await text(vch.logs("wasi", { stdout: false, stderr: true })), "to stderr\n");
    assert.match(vch.getContainer("wasi").config.Labels?.["vicsim.guest.runtime"] ?? "", /^a WebAssembly program for WASI preview1/);
  } finally {
    await vch.close();
  }
});

Deno.test("docker stop ends a busy Python loop's Web Worker after the grace period (137); --memory OOM-kills one that allocates", async () => {
  const vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 10 }, name: "deno-stop" });
  try {
    await vch.pullImage("python:3");
    const busy = vch.createContainer({ Image: "python:3", Cmd: ["python", "-c", "print('ready', flush=True)\nwhile True: pass"] }, "busy");
    await vch.start(busy.id);
    const end = Date.now() + 120_000;
    while (!(await text(vch.logs("busy", { stdout: true }))).includes("ready")) {
      if (Date.now() > end) throw new Error("the busy loop never printed ready");
      await new Promise((r) => setTimeout(r, 100));
    }
    // 1 s of virtual grace is 0.1 s of wall time: the loop ignores SIGTERM (PID 1 without a handler), so the worker is ended.
    const t0 = Date.now();
    await vch.stop("busy", { timeout: 1 });
    assert.ok(Date.now() - t0 < 10_000, `stop took ${Date.now() - t0} ms`);
    assert.deepEqual([vch.getContainer("busy").state.Status, vch.getContainer("busy").state.ExitCode, vch.getContainer("busy").state.OOMKilled], ["exited", 137, false]);

    const hungry = vch.createContainer({ Image: "python:3", Cmd: ["python", "-c", "a = []\nwhile True: a.append(bytearray(1 << 20))"], HostConfig: { Memory: 512 * 1024 * 1024 } }, "hungry");
    await vch.start(hungry.id);
    assert.equal(await exited(vch, "hungry"), 137);
    assert.equal(vch.getContainer("hungry").state.OOMKilled, true);
  } finally {
    await vch.close();
  }
});
