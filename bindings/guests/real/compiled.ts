/**
 * Runtime modules compiled once per process and handed to every guest's worker: V8 shares a
 * compiled module's code between threads, so a guest does not spend a second compiling Pyodide's
 * 9.6 MB (or ruby.wasm's 30 MB) again, and tiered-up code is shared too.
 */
import type { RuntimeKind } from "./runtimes.js";

/** A compiled runtime module and the size of the file it came from (to recognise that file). */
export interface CompiledRuntime {
  module: WebAssembly.Module;
  byteLength: number;
}

/** The wasm file of each runtime's package. */
const FILES: Partial<Record<RuntimeKind, string>> = {
  python: "pyodide/pyodide.asm.wasm",
  ruby: "@ruby/3.4-wasm-wasi/dist/ruby+stdlib.wasm",
  quickjs: "@jitl/quickjs-wasmfile-release-sync/wasm", // the package exports its wasm under this name only
};

const cache = new Map<RuntimeKind, Promise<CompiledRuntime | null>>();

/** The runtime's compiled module (null where there is none to share or its package is missing: the worker then compiles, or says what to install). */
export function compiledRuntime(kind: RuntimeKind): Promise<CompiledRuntime | null> {
  let c = cache.get(kind);
  if (!c) {
    c = compile(kind);
    cache.set(kind, c);
  }
  return c;
}

async function compile(kind: RuntimeKind): Promise<CompiledRuntime | null> {
  const file = FILES[kind];
  if (!file || typeof process === "undefined" || !process.versions?.node) return null;
  const { createRequire } = await import("node:module");
  const { readFile } = await import("node:fs/promises");
  let path: string;
  try {
    path = createRequire(import.meta.url).resolve(file);
  } catch {
    return null;
  }
  const bytes = await readFile(path);
  return { module: await WebAssembly.compile(bytes), byteLength: bytes.byteLength };
}

/**
 * In a worker: makes `WebAssembly.instantiate` of the runtime's own file use the shared compiled
 * module (Emscripten's loaders read the file and instantiate its bytes).
 */
export function instantiateFromCompiled(compiled: CompiledRuntime): void {
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = (async (source: unknown, imports?: WebAssembly.Imports) => {
    if (source && !(source instanceof WebAssembly.Module) && (source as ArrayBufferView | ArrayBuffer).byteLength === compiled.byteLength) {
      return { module: compiled.module, instance: await instantiate(compiled.module, imports) };
    }
    return instantiate(source as BufferSource, imports);
  }) as typeof WebAssembly.instantiate;
}
