// Raw arrays in linear memory that grow by doubling (no managed objects in hot paths).

/** Resizes the block at `ptr` (0 = none) from `oldBytes` to `newBytes`, zeroing the new tail. */
export function growBlock(ptr: usize, oldBytes: usize, newBytes: usize): usize {
  let p = ptr ? heap.realloc(ptr, newBytes) : heap.alloc(newBytes);
  // SAFETY: [p, p + newBytes) is ours; only the part past the old contents is cleared.
  memory.fill(p + oldBytes, 0, newBytes - oldBytes);
  return p;
}

/** A zeroed block of `bytes`. */
export function zeroBlock(bytes: usize): usize {
  let p = heap.alloc(bytes);
  // SAFETY: fresh block of exactly `bytes`.
  memory.fill(p, 0, bytes);
  return p;
}
