/**
 * A runtime's wasm file for its guest's worker: fetched from the URL a page gave
 * (`configureWebGuests`, spawn-web.ts), else read from the installed npm package where there is
 * `node:fs` (Node, Deno). A page that names no URL, or serves nothing there, gets an error that
 * says which URL it needs.
 */
import type { WorkerGuest } from "../worker.js";
import { importRuntime } from "../worker.js";

type WebRuntime = "ruby" | "quickjs";

/** What each runtime's file is, in the page's terms (for the error of a page that does not serve it). */
const FILES: Record<WebRuntime, { pkg: string; resolve: string }> = {
  ruby: { pkg: "@ruby/3.4-wasm-wasi/dist/ruby+stdlib.wasm", resolve: "@ruby/3.4-wasm-wasi/dist/ruby+stdlib.wasm" },
  // The package exports its wasm only as "./wasm".
  quickjs: { pkg: "@jitl/quickjs-wasmfile-release-sync/dist/emscripten-module.wasm", resolve: "@jitl/quickjs-wasmfile-release-sync/wasm" },
};

/** The URL the page serves the runtime's wasm from, if it said one. */
export function webAssetUrl(g: WorkerGuest, kind: WebRuntime): string | undefined {
  return g.start.assets?.[kind];
}

/** True in Node itself (not Deno, not a page). */
export function inNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return !!p?.versions?.node && !("Deno" in globalThis);
}

/** The bytes of the runtime's wasm module. */
export async function runtimeWasmBytes(g: WorkerGuest, kind: WebRuntime): Promise<Uint8Array<ArrayBuffer>> {
  const url = webAssetUrl(g, kind);
  if (url) return fetchWasm(kind, url);
  return importRuntime(kind, () => packageBytes(kind));
}

async function fetchWasm(kind: WebRuntime, url: string): Promise<Uint8Array<ArrayBuffer>> {
  const where = `${kind} guests load their runtime from where the page serves its files (configureWebGuests)`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`${where}: cannot fetch ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new Error(`${where}: ${url} answered ${response.status} ${response.statusText}`.trimEnd());
  return new Uint8Array(await response.arrayBuffer());
}

async function packageBytes(kind: WebRuntime): Promise<Uint8Array<ArrayBuffer>> {
  const { pkg, resolve } = FILES[kind];
  const fs = await import("node:fs/promises").catch(() => null);
  const module = await import("node:module").catch(() => null);
  if (!fs || !module) {
    throw new Error(`${kind} guests in a page load their runtime from where the page serves it: configureWebGuests({ ${kind}: URL of ${pkg} })`);
  }
  return new Uint8Array(await fs.readFile(module.createRequire(import.meta.url).resolve(resolve)));
}
