/**
 * A real guest's worker: one guest per worker, so a busy guest never blocks its host. It loads the
 * guest's runtime lazily, streams output, copies linear memory to the host at boot, on scan requests
 * and at exit, holds the guest to its memory limit and makes its entropy seeded when asked.
 *
 * Written against a two-function port (start data in, messages out) so a Web Worker can host the
 * same code: worker-node.ts is the Node thread's entry, worker-web.ts a Web Worker's.
 */
import { instantiateFromCompiled } from "./compiled.js";
import { GuestControl } from "./control.js";
import { GuestFs } from "./fs-bridge.js";
import type { MemoryReason, WorkerMessage, WorkerStart } from "./protocol.js";
import { missingRuntime } from "./runtimes.js";

/** The worker's link to its host. */
export interface WorkerPort {
  start: WorkerStart;
  post(message: WorkerMessage, transfer?: ArrayBuffer[]): void;
}

/** What a runtime adapter (runtimes/*.ts) gets from the worker. */
export interface WorkerGuest {
  start: WorkerStart;
  control: GuestControl;
  write(stream: "stdout" | "stderr", data: Uint8Array | string): void;
  /** Tells the worker where the guest's linear memory is (re-read on every copy: it may grow). */
  setMemory(read: () => Uint8Array): void;
  /** The guest is booted: report it and send its memory. */
  booted(bootMs: number, restored: boolean): void;
  /** Sends a copy of the guest's memory. */
  sendMemory(reason: MemoryReason): void;
  post(message: WorkerMessage, transfer?: ArrayBuffer[]): void;
  /** Seeded entropy (null: the platform's). */
  random: ((view: Uint8Array) => void) | null;
  /** The container's filesystem, live through the bridge (null: the guest sees no container files). */
  files: GuestFs | null;
}

/**
 * Thrown by a runtime adapter whose guest failed with its memory at the limit (a WASI module that
 * grows with `memory.grow` cannot be stopped at the grow itself): the guest is OOM-killed.
 */
export class GuestOutOfMemory extends Error {
  constructor(readonly wanted: number) {
    super(`the guest needed more than its memory limit`);
  }
}

/** Runs the guest described by the port's start data; posts `exit` (or `oom`/`error`) at the end. */
export async function runWorker(port: WorkerPort): Promise<void> {
  const start = port.start;
  let readMemory: (() => Uint8Array) | null = null;
  const sendMemory = (reason: MemoryReason) => {
    if (!readMemory) return;
    const copy = readMemory().slice();
    port.post({ type: "memory", reason, bytes: copy }, [copy.buffer as ArrayBuffer]);
  };
  const control = new GuestControl(start.control, { onScan: () => sendMemory("scan") });
  const encoder = new TextEncoder();
  const random = start.seed === null ? null : seededEntropy(start.seed);
  const guest: WorkerGuest = {
    start,
    control,
    write(stream, data) {
      const bytes = typeof data === "string" ? encoder.encode(data) : data.slice();
      if (bytes.byteLength) port.post({ type: "output", stream, data: bytes }, [bytes.buffer as ArrayBuffer]);
    },
    setMemory(read) {
      readMemory = read;
    },
    booted(bootMs, restored) {
      port.post({ type: "booted", bootMs, restored });
      sendMemory("boot");
    },
    sendMemory,
    post: (m, t) => port.post(m, t),
    random,
    files: start.files ? new GuestFs(start.files, () => port.post({ type: "fs" })) : null,
  };
  if (random) installEntropy(random);
  if (start.compiled) instantiateFromCompiled(start.compiled);
  if (start.memoryLimit > 0) limitMemoryGrowth(start.memoryLimit, (wanted) => {
    sendMemory("exit");
    port.post({ type: "oom", wanted, limit: start.memoryLimit });
    // The host ends this worker on `oom`; until then the guest must not run on.
    const stall = new Int32Array(new SharedArrayBuffer(4));
    for (;;) Atomics.wait(stall, 0, 0);
  });
  let code: number;
  try {
    const adapter = await loadAdapter(start.runtime);
    code = await adapter.run(guest);
  } catch (error) {
    if (error instanceof GuestOutOfMemory) {
      sendMemory("exit");
      port.post({ type: "oom", wanted: error.wanted, limit: start.memoryLimit });
    } else {
      port.post({ type: "error", message: (error as Error)?.message ?? String(error) });
    }
    return;
  }
  sendMemory("exit");
  port.post({ type: "exit", code });
}

/** The runtime adapter for `kind` (imported only when a guest of that kind starts). */
async function loadAdapter(kind: WorkerStart["runtime"]): Promise<{ run(g: WorkerGuest): Promise<number> }> {
  switch (kind) {
    case "python":
      return import("./runtimes/python.js");
    case "ruby":
      return import("./runtimes/ruby.js");
    case "quickjs":
      return import("./runtimes/quickjs.js");
    case "wasi":
      return import("./runtimes/wasi.js");
  }
}

/** Imports a runtime's package, turning "not installed" (or, in a page, not served) into the error that names it. */
export async function importRuntime<T>(kind: WorkerStart["runtime"], load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (/Failed to fetch dynamically imported module|error loading dynamically imported module/.test(String(error))) {
      throw new Error(`${kind} guests load their runtime from where the page serves its files (configureWebGuests): ${(error as Error).message}`);
    }
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND" || /Cannot find (module|package)/.test(String(error))) {
      throw missingRuntime(kind, error);
    }
    throw error;
  }
}

/**
 * Holds every linear memory the guest grows from JavaScript (Emscripten's heap resize) to `limit`
 * bytes: a grow past it calls `onOom` instead of growing. WASI modules that grow with the
 * `memory.grow` instruction are limited through their declared maximum instead (runtimes/wasi.ts).
 */
function limitMemoryGrowth(limit: number, onOom: (wanted: number) => never): void {
  const grow = WebAssembly.Memory.prototype.grow;
  WebAssembly.Memory.prototype.grow = function (this: WebAssembly.Memory, delta: number): number {
    const wanted = this.buffer.byteLength + delta * 65_536;
    if (wanted > limit) onOom(wanted);
    return grow.call(this, delta);
  };
}

/** xorshift128+ from a 32-bit seed: the same bytes for the same seed, in every guest. */
export function seededEntropy(seed: number): (view: Uint8Array) => void {
  let s0 = BigInt.asUintN(64, BigInt(seed >>> 0) * 0x9e3779b97f4a7c15n + 1n);
  let s1 = BigInt.asUintN(64, s0 * 0xbf58476d1ce4e5b9n + 0x94d049bb133111ebn);
  let word = 0n;
  let left = 0;
  return (view: Uint8Array) => {
    for (let i = 0; i < view.length; i++) {
      if (left === 0) {
        let x = s0;
        const y = s1;
        s0 = y;
        x = BigInt.asUintN(64, x ^ (x << 23n));
        s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
        word = BigInt.asUintN(64, s1 + y);
        left = 8;
      }
      view[i] = Number(word & 0xffn);
      word >>= 8n;
      left--;
    }
  };
}

/** Routes the worker's Web Crypto entropy to `random` (worker-node.ts seeds node:crypto too). */
function installEntropy(random: (view: Uint8Array) => void): void {
  const fill = <T extends ArrayBufferView | null>(view: T): T => {
    if (view) random(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    return view;
  };
  if (globalThis.crypto) Object.defineProperty(globalThis.crypto, "getRandomValues", { value: fill, configurable: true });
}

