/**
 * Starting a guest's Web Worker (Deno, browsers): `new Worker(url, { type: "module" })` on
 * worker-web.js, the start data as its first message. Where the worker script and the runtimes'
 * files are is the page's to say (`configureWebGuests`); the defaults fit the built package: the
 * worker beside this chunk, and in Deno each runtime's npm package as installed.
 */
import type { WorkerMessage, WorkerStart } from "./protocol.js";
import type { WorkerHandle } from "./spawn.js";

/** Where a Web Worker host finds the guest worker and the runtimes' files. */
export interface WebGuestAssets {
  /** The module worker script (worker-web.js, or a page's own bundle of worker-web.ts). */
  worker?: string | URL;
  /** Folder URL of the pyodide package's files (pyodide.mjs, pyodide.asm.wasm, python_stdlib.zip, …), ending in `/`. */
  pyodide?: string | URL;
  /** URL of ruby.wasm's module: `@ruby/3.4-wasm-wasi`'s `dist/ruby+stdlib.wasm`. */
  ruby?: string | URL;
  /** URL of QuickJS's module (`node` guests): `@jitl/quickjs-wasmfile-release-sync`'s `dist/emscripten-module.wasm`. */
  quickjs?: string | URL;
}

const assets: WebGuestAssets = {};

/** The files the ruby and quickjs URLs name (for the error of a page that names a folder). */
const WASM_FILES = { ruby: "ruby+stdlib.wasm", quickjs: "emscripten-module.wasm" };

/** Sets where guest workers and runtime files are loaded from (a page serving them under its own paths); a bad URL changes nothing. */
export function configureWebGuests(settings: WebGuestAssets): void {
  const next: WebGuestAssets = {};
  for (const [key, value] of Object.entries(settings) as [keyof WebGuestAssets, string | URL | undefined][]) {
    if (value === undefined) continue;
    const url = String(value);
    if (key === "pyodide" && !url.endsWith("/")) throw new Error(`the pyodide folder URL must end in "/", got ${JSON.stringify(url)}`);
    if ((key === "ruby" || key === "quickjs") && !/\.wasm([?#].*)?$/.test(url)) throw new Error(`the ${key} URL names its .wasm file (${WASM_FILES[key]}), got ${JSON.stringify(url)}`);
    next[key] = url;
  }
  Object.assign(assets, next);
}

/** True where guests can run in Web Workers: module workers and shared memory (a cross-origin isolated page). */
export function webWorkersAvailable(): boolean {
  const g = globalThis as { Worker?: unknown; SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean; Deno?: unknown };
  if (typeof g.Worker !== "function" || typeof g.SharedArrayBuffer !== "function") return false;
  return "Deno" in g || g.crossOriginIsolated !== false;
}

/** Starts a module Web Worker running `start`. */
export async function spawnWebWorker(start: WorkerStart): Promise<WorkerHandle> {
  if (!webWorkersAvailable()) {
    throw new Error("real guests need Web Workers with SharedArrayBuffer: serve the page cross-origin isolated (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)");
  }
  const url = assets.worker ?? new URL("./worker-web.js", import.meta.url).href;
  const runtimeAssets = Object.fromEntries((["pyodide", "ruby", "quickjs"] as const).filter((k) => assets[k]).map((k) => [k, String(assets[k])]));
  const worker = new Worker(url, { type: "module" });
  const messages: ((m: WorkerMessage) => void)[] = [];
  const exits: ((code: number, error?: Error) => void)[] = [];
  let ended = false;
  // Web Workers have no exit event: a worker ends when its host terminates it or it fails.
  const exit = (code: number, error?: Error) => {
    if (ended) return;
    ended = true;
    worker.terminate();
    for (const fn of exits) fn(code, error);
  };
  worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
    for (const fn of messages) fn(e.data);
  };
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    exit(1, new Error(e.message || `the guest worker ${url} failed to load`));
  };
  worker.onmessageerror = () => exit(1, new Error("a message from the guest worker could not be read"));
  worker.postMessage({ ...start, ...(Object.keys(runtimeAssets).length ? { assets: runtimeAssets } : {}) });
  return {
    onMessage: (fn) => void messages.push(fn),
    onExit: (fn) => void exits.push(fn),
    terminate: async () => exit(1),
  };
}
