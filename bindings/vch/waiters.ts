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
    const code = { StatusCode: c.rec.state.ExitCode };
    // The run's attached readers may still be taking its last output (see wakeWaiters).
    return c.rt.attachReaders.size ? readersDrained(c).then(() => code) : Promise.resolve(code);
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

/**
 * Wakes the waiters an exit (all but those waiting for removal) or the removal ends. An exit is
 * told once the run's attached readers have taken its last output, as dockerd waits for its
 * stream copiers before it reports the exit: `docker run` reads the exit status on one connection
 * and the output on another, and must never see the status first. A reader that does not read is
 * waited for at most `DRAIN_LIMIT_MS` of real time.
 */
export function wakeWaiters(c: Container, what: "exit" | "removed"): void {
  const code = { StatusCode: c.rec.state.ExitCode };
  const wake: Waiter[] = [];
  const keep: Waiter[] = [];
  for (const w of c.rt.waiters) (what === "removed" || w.condition !== "removed" ? wake : keep).push(w);
  c.rt.waiters = keep;
  if (!wake.length) return;
  if (what === "removed" || !c.rt.attachReaders.size) {
    for (const w of wake) w.resolve(code);
    return;
  }
  void readersDrained(c).then(() => {
    for (const w of wake) w.resolve(code);
  });
}

/** How long an exit waits for an attached reader that stopped reading (real ms, as dockerd's 2 s). */
export const DRAIN_LIMIT_MS = 2000;

/** Settles when the container's attached readers have drained; one past the limit is let go. */
function readersDrained(c: Container): Promise<void> {
  const readers = [...c.rt.attachReaders];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<void>((resolve) => (timer = setTimeout(() => {
    for (const r of readers) c.rt.attachReaders.delete(r);
    resolve();
  }, DRAIN_LIMIT_MS)));
  return Promise.race([Promise.all(readers.map((r) => r.drained)).then(() => {}), limit]).finally(() => clearTimeout(timer));
}
