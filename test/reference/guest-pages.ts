/**
 * Reference model of assembly/guest/pages.ts: XXH64 written from the specification with BigInt
 * (any length, any seed), and page tokens as the kernel defines them (0 for a zero page, XXH64 with
 * seed 0 otherwise, 1 if that is 0).
 */
const M64 = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M64;
const round = (acc: bigint, lane: bigint) => (rotl((acc + lane * P2) & M64, 31n) * P1) & M64;
const merge = (h: bigint, acc: bigint) => (((h ^ round(0n, acc)) * P1 + P4) & M64);

/** XXH64 of `data` with `seed`. */
export function xxh64(data: Uint8Array, seed = 0n): bigint {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const len = data.byteLength;
  let p = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (seed + P1 + P2) & M64;
    let v2 = (seed + P2) & M64;
    let v3 = seed & M64;
    let v4 = (seed - P1) & M64;
    for (; p + 32 <= len; p += 32) {
      v1 = round(v1, view.getBigUint64(p, true));
      v2 = round(v2, view.getBigUint64(p + 8, true));
      v3 = round(v3, view.getBigUint64(p + 16, true));
      v4 = round(v4, view.getBigUint64(p + 24, true));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M64;
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = (seed + P5) & M64;
  }
  h = (h + BigInt(len)) & M64;
  for (; p + 8 <= len; p += 8) {
    h ^= round(0n, view.getBigUint64(p, true));
    h = (rotl(h, 27n) * P1 + P4) & M64;
  }
  if (p + 4 <= len) {
    h ^= (BigInt(view.getUint32(p, true)) * P1) & M64;
    h = (rotl(h, 23n) * P2 + P3) & M64;
    p += 4;
  }
  for (; p < len; p++) {
    h ^= (BigInt(data[p]) * P5) & M64;
    h = (rotl(h, 11n) * P1) & M64;
  }
  h ^= h >> 33n;
  h = (h * P2) & M64;
  h ^= h >> 29n;
  h = (h * P3) & M64;
  h ^= h >> 32n;
  return h;
}

/** Page tokens of `memory` (4 KiB pages, a last partial page zero-padded), as the kernel computes them. */
export function referencePageTokens(memory: Uint8Array): { tokens: BigUint64Array; nonZero: number } {
  const pages = Math.ceil(memory.byteLength / 4096);
  const tokens = new BigUint64Array(pages);
  let nonZero = 0;
  for (let i = 0; i < pages; i++) {
    const page = new Uint8Array(4096);
    page.set(memory.subarray(i * 4096, Math.min(memory.byteLength, (i + 1) * 4096)));
    if (page.every((b) => b === 0)) continue;
    const h = xxh64(page);
    tokens[i] = h === 0n ? 1n : h;
    nonZero++;
  }
  return { tokens, nonZero };
}
