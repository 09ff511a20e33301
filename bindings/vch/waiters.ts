/**
 * Docker's wait: callers waiting for a container to stop running, to exit next or to be removed,
 * and their wake-up with its exit status when the state machine gets there.
 */
import type { Container, Waiter } from "./container.js";
import { invalid } from "./errors.js";

/** Waits for a condition: `not-running`, `next-exit` or `removed`. */
export function waitFor(c: Container, condition: "not-running" | "next-exit" | "removed", signal?: AbortSignal): Promise<{ StatusCode: number }> {
  if (!["not-running", "next-exit", "removed"].includes(condition)) {
    throw invalid(`invalid condition: "${condition}"`);
  }
  if (condition === "not-running" && !c.rec.state.Running && !c.rec.state.Restarting) {
    return Promise.resolve({ StatusCode: c.rec.state.ExitCode });
  }
  return new Promise((resolve, reject) => {
    const w: Waiter = { condition, resolve, reject };
    c.rt.waiters.push(w);
    signal?.addEventListener("abort", () => {
      c.rt.waiters = c.rt.waiters.filter((x) => x !== w);
      reject(signal.reason instanceof Error ? signal.reason : new Error("wait aborted"));
    }, { once: true });
  });
}

/** Wakes the waiters an exit (all but those waiting for removal) or the removal ends. */
export function wakeWaiters(c: Container, what: "exit" | "removed"): void {
  const code = { StatusCode: c.rec.state.ExitCode };
  const keep: Waiter[] = [];
  for (const w of c.rt.waiters) {
    if (what === "removed" || w.condition !== "removed") w.resolve(code);
    else keep.push(w);
  }
  c.rt.waiters = keep;
}
