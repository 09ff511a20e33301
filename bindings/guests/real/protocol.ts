/**
 * Messages between a real guest's host (host.ts) and its worker (worker.ts). Plain structured-clone
 * data, so the same protocol runs over Node's worker_threads and Web Workers.
 */
import type { CompiledRuntime } from "./compiled.js";
import type { RuntimeKind } from "./runtimes.js";

/** What the worker is asked to run (sent as the worker's start data). */
export interface WorkerStart {
  runtime: RuntimeKind;
  /** argv as the container's command gives it (`["python", "-c", "print(1)"]`). */
  argv: string[];
  env: Record<string, string>;
  workingDir: string;
  /**
   * The channel to the container's filesystem (fs-bridge.ts): the runtimes mount it (Pyodide's FS,
   * the WASI `/` preopen). Absent: the guest sees no container files.
   */
  files?: SharedArrayBuffer;
  /** Bytes of linear memory the guest may grow to (0: the runtime's own maximum). */
  memoryLimit: number;
  /** Seed of the guest's entropy source, or null for the platform's random source. */
  seed: number | null;
  /** The WASI program (runtime `wasi`). */
  module?: Uint8Array;
  /** A booted memory snapshot to restore instead of booting cold (runtime `python`). */
  snapshot?: Uint8Array;
  /** Boot only, make a memory snapshot, send it and stop (building a runtime's template). */
  makeTemplate?: boolean;
  /** The runtime's module, compiled once by the host (compiled.ts). */
  compiled?: CompiledRuntime;
  /** Where a Web Worker loads runtime files from (spawn-web.ts): the pyodide package's folder URL, ruby.wasm's and QuickJS's wasm URLs. */
  assets?: { pyodide?: string; ruby?: string; quickjs?: string };
  /** The control block (control.ts). */
  control: SharedArrayBuffer;
}

/** Why a copy of guest memory was sent. */
export type MemoryReason = "boot" | "scan" | "exit";

/** Worker → host. */
export type WorkerMessage =
  | { type: "output"; stream: "stdout" | "stderr"; data: Uint8Array }
  | { type: "memory"; reason: MemoryReason; bytes: Uint8Array }
  | { type: "booted"; bootMs: number; restored: boolean }
  | { type: "template"; snapshot: Uint8Array | null; bytes: Uint8Array; bootMs: number }
  | { type: "exit"; code: number }
  /** A file-system request waits in the `files` channel: the host answers it (FsBridgeHost.serve). */
  | { type: "fs" }
  /** The guest tried to grow its memory to `wanted` bytes, over its limit; it waits to be killed. */
  | { type: "oom"; wanted: number; limit: number }
  | { type: "error"; message: string };
