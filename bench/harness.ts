/**
 * Benchmark harness: every case measures vicsim beside its baseline in the same process and
 * reports `ratio = value / baselineValue` (higher is better).
 */

export interface BenchOptions {
  /** Short run: the whole suite stays under 60 s on a 2-core machine. */
  quick: boolean;
}

export interface BenchResult {
  /** Scenario name, e.g. `mem.clone.1gib`. */
  case: string;
  unit: string;
  value: number;
  /** What the value is compared with, in words. */
  baseline: string;
  baselineValue: number;
  /** Optional figures reported beside the result (not compared). */
  notes?: Record<string, number | string>;
}

export interface BenchCase {
  /** Scenario name, e.g. `mem.clone.1gib`. */
  name: string;
  /** What a user would call it, e.g. `clone a 1 GiB template`. */
  title: string;
  run(options: BenchOptions): Promise<BenchResult[]> | BenchResult[];
}

/**
 * Runs `op` repeatedly for at least `minMs` (after one warm-up call) and returns operations per
 * second, where each call of `op` performs `opsPerCall` operations.
 */
export function opsPerSecond(op: () => void, opsPerCall: number, minMs: number): number {
  op();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    op();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return (calls * opsPerCall * 1000) / elapsed;
}

/** Same as `opsPerSecond` for asynchronous operations. */
export async function opsPerSecondAsync(op: () => Promise<void>, opsPerCall: number, minMs: number): Promise<number> {
  await op();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await op();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return (calls * opsPerCall * 1000) / elapsed;
}

/**
 * Rates of several sides measured in alternating slices of about `sliceMs` of measured time each,
 * so a shared machine's changing load weighs on every side alike. `steps[k]()` does one step of
 * side k and returns the milliseconds of its measured part (set-up it does besides is not
 * counted); a step performs `opsPerStep[k]` operations. Every side is warmed up with one step
 * first. Returns operations per second, one per side.
 */
export function pairedRates(steps: (() => number)[], opsPerStep: number[], minMs: number, sliceMs = 50): number[] {
  for (const step of steps) step();
  const time = steps.map(() => 0);
  const count = steps.map(() => 0);
  while (time.reduce((a, b) => a + b, 0) < steps.length * minMs) {
    for (let k = 0; k < steps.length; k++) {
      let t = 0;
      do {
        t += steps[k]();
        count[k]++;
      } while (t < sliceMs);
      time[k] += t;
    }
  }
  return steps.map((_, k) => (count[k] * opsPerStep[k] * 1000) / time[k]);
}

/** Deterministic xorshift32 stream of numbers in [0, 1), so every run builds the same scenario. */
export function stream(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}
