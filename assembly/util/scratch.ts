/** Scratch region: the one place arrays cross the wasm boundary.
 *
 * The host asks for `bytes`, copies its arrays in at the returned offset, calls a kernel with
 * counts, and copies results out from the same region. The region only grows; a call that grows
 * it may move `memory.buffer`, so the host rebuilds its views after every call that can grow.
 */

let scratchPtr: usize = 0;
let scratchCap: usize = 0;

/** Ensures the scratch region holds at least `bytes` and returns its offset (8-byte aligned). */
export function scratch_ensure(bytes: u32): usize {
  if (<usize>bytes <= scratchCap) return scratchPtr;
  let cap = max<usize>(<usize>bytes, scratchCap << 1);
  cap = (cap + 65535) & ~<usize>65535;
  // The old region is abandoned: it is small next to the kernels' own arrays and growth is rare.
  scratchPtr = heap.alloc(cap);
  scratchCap = cap;
  return scratchPtr;
}

/** Offset of the scratch region (0 until the first `scratch_ensure`). */
export function scratch_ptr(): usize {
  return scratchPtr;
}
