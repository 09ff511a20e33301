import type { CoreExports } from "./wasm.js";

/**
 * Typed views of an instance's scratch region, rebuilt on every request because a call that
 * grows wasm memory detaches the old `memory.buffer` (a stale view reads as empty).
 */
export class Scratch {
  constructor(private readonly core: CoreExports) {}

  /** Reserves `bytes` and returns the region's offset in linear memory. */
  reserve(bytes: number): number {
    return this.core.scratch_ensure(bytes);
  }

  /** A Uint32Array over the scratch region, `count` entries from `byteOffset`. */
  u32(count: number, byteOffset = 0): Uint32Array {
    return new Uint32Array(this.core.memory.buffer, this.core.scratch_ptr() + byteOffset, count);
  }

  /** An Int32Array over the scratch region. */
  i32(count: number, byteOffset = 0): Int32Array {
    return new Int32Array(this.core.memory.buffer, this.core.scratch_ptr() + byteOffset, count);
  }

  /** A BigUint64Array over the scratch region (byteOffset must be 8-aligned). */
  u64(count: number, byteOffset = 0): BigUint64Array {
    return new BigUint64Array(this.core.memory.buffer, this.core.scratch_ptr() + byteOffset, count);
  }

  /** A Float64Array over the scratch region (byteOffset must be 8-aligned). */
  f64(count: number, byteOffset = 0): Float64Array {
    return new Float64Array(this.core.memory.buffer, this.core.scratch_ptr() + byteOffset, count);
  }
}
