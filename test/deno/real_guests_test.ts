// Real guests in Deno: a python container's command runs on Pyodide in a Web Worker (spawn-web.ts),
// its output is the program's, and its container VM's pages are the guest's real ones.
import assert from "node:assert/strict";
import { VirtualContainerHost } from "vicsim";

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
