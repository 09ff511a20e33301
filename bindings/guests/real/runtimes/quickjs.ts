/**
 * `node` guests on QuickJS (quickjs-emscripten), inside the guest's worker. This is NOT Node.js: the
 * program gets the ECMAScript built-ins and console.log/console.error, nothing of Node's API. A
 * container's PID 1 without handlers ignores SIGTERM and SIGINT, and QuickJS has no way to install
 * one, so signals only matter through stop's grace period; the interrupt handler is the checkpoint.
 */
import type { WorkerGuest } from "../worker.js";
import { importRuntime } from "../worker.js";
import { inNode, runtimeWasmBytes, webAssetUrl } from "./runtime-wasm.js";
import { programText } from "./wasi-imports.js";

export async function run(g: WorkerGuest): Promise<number> {
  const core = await importRuntime("quickjs", () => import("quickjs-emscripten-core"));
  const variant = await importRuntime("quickjs", () => import("@jitl/quickjs-wasmfile-release-sync"));
  const began = performance.now();
  // In Node the variant finds its own file. In a Web Worker its JavaScript is bundled into the
  // worker, away from its wasm: the wasm comes from the URL the page serves it at (Deno: the package).
  const base = (variant as unknown as { default: import("quickjs-emscripten-core").QuickJSSyncVariant }).default;
  const own = webAssetUrl(g, "quickjs") !== undefined || !inNode();
  const chosen = own ? core.newVariant(base, { wasmModule: await WebAssembly.compile(await runtimeWasmBytes(g, "quickjs")) }) : base;
  const mod = await core.newQuickJSWASMModuleFromVariant(chosen);
  const runtime = mod.newRuntime();
  runtime.setInterruptHandler(() => {
    g.control.checkpoint();
    return false;
  });
  const ctx = runtime.newContext();
  const wasmMemory = mod.getWasmMemory();
  g.setMemory(() => new Uint8Array(wasmMemory.buffer));
  const consoleObj = ctx.newObject();
  for (const [name, stream] of [["log", "stdout"], ["info", "stdout"], ["error", "stderr"], ["warn", "stderr"]] as const) {
    const fn = ctx.newFunction(name, (...args) => {
      const text = args.map((a) => {
        const v = ctx.dump(a);
        return typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
      });
      g.write(stream, text.join(" ") + "\n");
    });
    ctx.setProp(consoleObj, name, fn);
    fn.dispose();
  }
  ctx.setProp(ctx.global, "console", consoleObj);
  consoleObj.dispose();
  g.booted(performance.now() - began, false);

  const args = g.start.argv.slice(1);
  let source: string;
  let filename: string;
  if (args[0] === "-e" || args[0] === "-p" || args[0] === "--eval" || args[0] === "--print") {
    source = args[1] ?? "";
    filename = "[eval]";
    if (args[0] === "-p" || args[0] === "--print") source = `console.log(String(eval(${JSON.stringify(source)})))`;
  } else if (args.length) {
    // The script comes from the container's filesystem through the bridge; the program itself gets no fs.
    const text = programText(g, args[0]);
    if (text === null) {
      g.write("stderr", `Error: Cannot find module '${args[0]}'\n`);
      return 1;
    }
    source = text;
    filename = args[0];
  } else {
    source = "";
    filename = "[stdin]";
  }
  const result = ctx.evalCode(source, filename);
  let status = 0;
  if (result.error) {
    const err = ctx.dump(result.error);
    result.error.dispose();
    g.write("stderr", `Uncaught ${typeof err === "object" && err ? `${err.name}: ${err.message}` : String(err)}\n`);
    status = 1;
  } else {
    result.value.dispose();
    const jobs = runtime.executePendingJobs(-1);
    if (jobs.error) {
      const err = ctx.dump(jobs.error);
      jobs.error.dispose();
      g.write("stderr", `Uncaught ${typeof err === "object" && err ? `${err.name}: ${err.message}` : String(err)}\n`);
      status = 1;
    }
  }
  ctx.dispose();
  runtime.dispose();
  return status;
}
