/**
 * WASI preview1 where there is no `node:wasi` (browsers): @bjorn3/browser_wasi_shim in its place,
 * with the same surface wasi-imports.ts wraps (checkpoints, stdio through the worker, seeded
 * entropy). Descriptors 0–2 exist for the shim's bookkeeping; their reads and writes are the
 * wrapper's; file calls are the bridge's (wasi-fs.ts), laid over the shim's.
 */
import type { GuestWasi } from "./wasi-imports.js";

/** What wasi-imports.ts needs from a WASI implementation. */
export type WasiBase = Pick<GuestWasi, "start" | "initialize"> & { wasiImport: Record<string, (...a: number[]) => number> };

export async function shimWasi(args: string[], env: Record<string, string>): Promise<WasiBase> {
  const { WASI, OpenFile, File, ConsoleStdout } = await import("@bjorn3/browser_wasi_shim");
  const discard = () => {};
  const fds = [new OpenFile(new File([])), new ConsoleStdout(discard), new ConsoleStdout(discard)];
  const wasi = new WASI(args, Object.entries(env).map(([k, v]) => `${k}=${v}`), fds, { debug: false });
  const shim = wasi as unknown as { start(i: WebAssembly.Instance): number; initialize(i: WebAssembly.Instance): void };
  return {
    wasiImport: wasi.wasiImport as Record<string, (...a: number[]) => number>,
    start: (instance) => shim.start(instance),
    initialize: (instance) => shim.initialize(instance),
  };
}
