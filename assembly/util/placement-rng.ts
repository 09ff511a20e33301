/** xorshift32 (Marsaglia): the fleet scheduler's seeded sampler; the reference model runs the
 * same three shifts on a JavaScript uint32, so both draw the same hosts. */

let rngState: u32 = 1;

/** Seeds the generator (0 would stick at 0, so it becomes 1). */
export function rngSeed(seed: u32): void {
  rngState = seed == 0 ? 1 : seed;
}

/** Next 32-bit draw. */
export function rngNext(): u32 {
  let x = rngState;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rngState = x;
  return x;
}
