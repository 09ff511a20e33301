// 64-bit mixing for hash tables keyed by content tokens.

/** Finalizer of SplitMix64 / murmur3: every input bit affects every output bit. */
@inline export function mix64(x: u64): u64 {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9;
  x ^= x >> 27;
  x *= 0x94d049bb133111eb;
  x ^= x >> 31;
  return x;
}

/** Hash of a (token, salt) pair, for the page-sharing table. */
@inline export function hashTokenSalt(token: u64, salt: u32): u32 {
  return <u32>(mix64(token ^ ((<u64>salt) << 32 | <u64>salt) * 0x9e3779b97f4a7c15) >> 32);
}

/** Hash of a u32 key (Fibonacci hashing: the high bits are well spread). */
@inline export function hashU32(key: u32): u32 {
  return key * 0x9e3779b1;
}
