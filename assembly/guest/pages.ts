/** Guest page hashing: a real guest's linear memory, cut into 4 KiB pages, becomes content tokens.
 *
 * The host copies whole pages into the scratch region, calls `hashPages(n)`, and reads one token per
 * page back from just after them:
 *
 *   ┌───────────────────────────────┬─────────────────────┐
 *   │ page[n] (4,096 bytes each)    │ token[n] u64        │
 *   └───────────────────────────────┴─────────────────────┘
 *   scratch + 0                      scratch + n * 4096
 *
 * A token is XXH64 (seed 0) of the page's bytes; an all-zero page is token 0, the memory engine's
 * zero page; a non-zero page whose XXH64 happens to be 0 is token 1 (never the zero page).
 */

@inline const PAGE_BYTES: usize = 4096;
@inline const PRIME64_1: u64 = 0x9e3779b185ebca87;
@inline const PRIME64_2: u64 = 0xc2b2ae3d27d4eb4f;
@inline const PRIME64_3: u64 = 0x165667b19e3779f9;
@inline const PRIME64_4: u64 = 0x85ebca77c2b2ae63;
@inline const PRIME64_5: u64 = 0x27d4eb2f165667c5;

/** One XXH64 accumulator round. */
@inline function round(acc: u64, lane: u64): u64 {
  acc += lane * PRIME64_2;
  acc = rotl<u64>(acc, 31);
  return acc * PRIME64_1;
}

/** Folds an accumulator into the converged hash. */
@inline function mergeRound(h: u64, acc: u64): u64 {
  h ^= round(0, acc);
  return h * PRIME64_1 + PRIME64_4;
}

/** True when the 4 KiB page at `p` is all zeros (stops at the first non-zero word). */
function isZeroPage(p: usize): bool {
  const end = p + PAGE_BYTES;
  while (p < end) {
    // SAFETY: p..p+32 lies inside the page, which lies inside the scratch region the host reserved.
    if ((load<u64>(p) | load<u64>(p, 8) | load<u64>(p, 16) | load<u64>(p, 24)) != 0) return false;
    p += 32;
  }
  return true;
}

/** XXH64 with seed 0 of the 4,096 bytes at `p` (a length of 32-byte stripes: no tail to mix). */
export function xxh64Page(p: usize): u64 {
  let v1: u64 = PRIME64_1 + PRIME64_2;
  let v2: u64 = PRIME64_2;
  let v3: u64 = 0;
  let v4: u64 = 0 - PRIME64_1;
  const end = p + PAGE_BYTES;
  while (p < end) {
    // SAFETY: as in isZeroPage, each stripe is inside the page.
    v1 = round(v1, load<u64>(p));
    v2 = round(v2, load<u64>(p, 8));
    v3 = round(v3, load<u64>(p, 16));
    v4 = round(v4, load<u64>(p, 24));
    p += 32;
  }
  let h = rotl<u64>(v1, 1) + rotl<u64>(v2, 7) + rotl<u64>(v3, 12) + rotl<u64>(v4, 18);
  h = mergeRound(h, v1);
  h = mergeRound(h, v2);
  h = mergeRound(h, v3);
  h = mergeRound(h, v4);
  h += <u64>PAGE_BYTES;
  h ^= h >> 33;
  h *= PRIME64_2;
  h ^= h >> 29;
  h *= PRIME64_3;
  h ^= h >> 32;
  return h;
}

/** Token of the page at `p`: 0 for the zero page, else XXH64 (1 if that is 0). */
@inline function pageToken(p: usize): u64 {
  if (isZeroPage(p)) return 0;
  const h = xxh64Page(p);
  return h == 0 ? 1 : h;
}

/** Hashes `n` pages at `at` into tokens at `at + n * 4096`; returns how many are non-zero. */
export function hashPages(at: usize, n: u32): u32 {
  const out = at + <usize>n * PAGE_BYTES;
  let nonZero: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const t = pageToken(at + <usize>i * PAGE_BYTES);
    // SAFETY: the host reserved n * (4096 + 8) bytes of scratch.
    store<u64>(out + (<usize>i << 3), t);
    if (t != 0) nonZero++;
  }
  return nonZero;
}
