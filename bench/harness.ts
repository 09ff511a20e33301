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
