/**
 * A running command and the signals that end it: the shell's own (the container stopped it) and
 * its process's kill, whichever comes first, as an exit status of 128 + the signal.
 */

/** An AbortSignal that fires when either fires (the shell's, or this process's own kill). */
export function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  if (a.aborted) return a;
  if (b.aborted) return b;
  const c = new AbortController();
  const on = (s: AbortSignal) => () => c.abort(s.reason);
  a.addEventListener("abort", on(a), { once: true });
  b.addEventListener("abort", on(b), { once: true });
  return c.signal;
}

/**
 * Ends a utility's run when its process is signalled, even if it is waiting for input; a utility
 * that traps SIGINT (`trapsInterrupt`, as ping does) ends by itself on that one.
 */
export function raceSignal(p: Promise<number>, signal: AbortSignal, trapsInterrupt = false): Promise<number> {
  if (signal.aborted && !(trapsInterrupt && sigOf(signal) === 2)) return Promise.resolve(128 + sigOf(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => { if (!(trapsInterrupt && sigOf(signal) === 2)) resolve(128 + sigOf(signal)); };
    signal.addEventListener("abort", onAbort, { once: true });
    p.then((v) => { signal.removeEventListener("abort", onAbort); resolve(v); },
      (e) => { signal.removeEventListener("abort", onAbort); reject(e); });
  });
}
const sigOf = (s: AbortSignal): number => (typeof s.reason === "number" ? s.reason : 15);
