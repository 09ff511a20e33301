/**
 * Loads the wasm core once per process and gives every engine its own instance.
 *
 * Entry points (node.ts, deno.ts, browser.ts, index.ts) obtain the bytes the runtime's way and call
 * `initCore`; everything else calls `instantiateCore`, which fails with a clear message when no
 * entry point has run. One compiled module, many instances: a MemoryEngine and a Cluster each own
 * their linear memory, so two simulations never share state.
 */

/** The exports every instance has; kernel wrappers declare the rest of what they use. */
export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  scratch_ensure(bytes: number): number;
  scratch_ptr(): number;
}

let compiled: WebAssembly.Module | null = null;

/** Compiles the core from its bytes (synchronously: the module is small). Idempotent. */
export function initCore(bytes: BufferSource | WebAssembly.Module): void {
  if (compiled) return;
  compiled = bytes instanceof WebAssembly.Module ? bytes : new WebAssembly.Module(bytes);
}

/** Compiles the core without blocking the thread (browsers that refuse large synchronous compiles). */
export async function initCoreAsync(bytes: BufferSource | WebAssembly.Module): Promise<void> {
  if (compiled) return;
  compiled = bytes instanceof WebAssembly.Module ? bytes : await WebAssembly.compile(bytes);
}

/** True once an entry point has handed over the wasm. */
export function coreReady(): boolean {
  return compiled !== null;
}

/** A fresh instance of the core with its own memory. */
export function instantiateCore<T extends CoreExports>(): T {
  if (!compiled) {
    throw new Error(
      "vicsim core is not initialised: import vicsim from its package entry (\"vicsim\"), " +
        "or call initCore(bytes) with build/vicsim.release.wasm first",
    );
  }
  let memory: WebAssembly.Memory | null = null;
  const instance = new WebAssembly.Instance(compiled, {
    env: {
      abort(message: number, file: number, line: number, column: number): void {
        const text = memory ? readString(memory, message) : "";
        const where = memory ? readString(memory, file) : "";
        throw new Error(`vicsim core aborted: ${text || "assertion failed"} (${where}:${line}:${column})`);
      },
    },
  });
  const exports = instance.exports as unknown as T;
  memory = exports.memory;
  return exports;
}

/** Reads an AssemblyScript string (UTF-16, byte length stored just before it). */
function readString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return "";
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1));
}
