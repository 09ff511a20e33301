/**
 * WASI preview1 programs (C built with clang --target=wasm32-wasi, AssemblyScript, Rust, …) inside
 * the guest's worker. argv[0] is the program's name; the rest are its arguments.
 */
import type { WorkerGuest } from "../worker.js";
import { GuestOutOfMemory } from "../worker.js";
import { failedAtLimit, withMemoryMaximum } from "./wasm-binary.js";
import { guestWasi, trapStatus } from "./wasi-imports.js";

const WASM_PAGE = 65_536;

export async function run(g: WorkerGuest): Promise<number> {
  const { start } = g;
  const began = performance.now();
  let bytes = start.module!.slice();
  const limit = start.memoryLimit;
  if (limit > 0) bytes = withMemoryMaximum(bytes, Math.floor(limit / WASM_PAGE));
  const module = await WebAssembly.compile(bytes);
  const wasi = await guestWasi(g, start.argv);
  const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.imports });
  const memory = instance.exports.memory as WebAssembly.Memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new Error("the WASI program exports no memory");
  wasi.setMemory(memory);
  g.setMemory(() => new Uint8Array(memory.buffer));
  g.booted(performance.now() - began, false);
  let status: number;
  try {
    status = wasi.start(instance);
  } catch (error) {
    status = trapStatus(error);
    if (status === 1) g.write("stderr", `${(error as Error)?.message ?? error}\n`);
  }
  // Growth past the declared maximum fails inside the guest; a guest that then fails, with its
  // memory at the limit, is the one the OOM killer would have ended.
  if (status !== 0 && failedAtLimit(memory.buffer.byteLength, limit)) {
    throw new GuestOutOfMemory(memory.buffer.byteLength + WASM_PAGE);
  }
  return status;
}
