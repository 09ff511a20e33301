/**
 * Virtual clock and timer queue of one VCH. Every periodic loop (guest writes, DRS, TPS) and every
 * guest timer (`sleep 5`) is a timer here, so a manual clock replays a day in milliseconds and the
 * same operations give the same history. Real-time mode maps the wall clock onto virtual time
 * (optionally sped up) and pumps due timers with one host timeout at a time.
 */
import type { ClockOptions } from "./types.js";

/** 2026-01-01T00:00:00Z: the default start of a manual clock, so manual runs are reproducible. */
export const MANUAL_EPOCH = Date.UTC(2026, 0, 1);

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
  /** Still in the heap (not yet run or dropped). */
  queued: boolean;
}

const NOTHING = (): void => {};

/** Cancels a timer; a no-op when it has fired. */
export type Cancel = () => void;

/** Virtual time plus the queue of what is due when. */
export class VirtualClock {
  readonly mode: "realtime" | "manual";
  private virtualNow: number;
  private readonly speed: number;
  private readonly wallStart: number;
  private readonly virtualStart: number;
  private heap: Timer[] = [];
  private seq = 0;
  /** Cancelled timers still in the heap. */
  private cancelledQueued = 0;
  private pumping = false;
  private hostTimer: HostTimer | null = null;
  /** Callers awaiting what the clock will bring (see `hold`). */
  private holds = 0;
  /** Virtual time the armed host timeout was set for. */
  private hostDue = Infinity;
  private closed = false;
  /** Called after a batch of due timers ran (the VCH journals what they changed). */
  onSettled: () => void = () => {};

  constructor(options: ClockOptions | undefined) {
    const o = options ?? { mode: "realtime" };
    this.mode = o.mode;
    this.speed = o.mode === "realtime" ? (o.speed ?? 1) : 1;
    if (!(this.speed > 0)) throw new RangeError(`clock speed must be positive, got ${this.speed}`);
    this.wallStart = Date.now();
    this.virtualStart = o.start ?? (o.mode === "manual" ? MANUAL_EPOCH : this.wallStart);
    this.virtualNow = this.virtualStart;
  }

  /** Virtual ms since the epoch. */
  now(): number {
    if (this.mode === "realtime" && !this.pumping) {
      const t = this.virtualStart + (Date.now() - this.wallStart) * this.speed;
      // Never run ahead of a timer that is due and not yet run: keep event order monotonic.
      const due = this.heap.length ? this.heap[0].at : Infinity;
      this.virtualNow = Math.max(this.virtualNow, Math.min(t, due));
    }
    return this.virtualNow;
  }

  /** Runs `fn` at virtual time now + `ms` (timers at the same time run in scheduling order). */
  after(ms: number, fn: () => void): Cancel {
    const timer: Timer = { at: this.now() + Math.max(0, ms), seq: this.seq++, fn, cancelled: false, queued: true };
    this.push(timer);
    this.armHostTimer();
    return () => {
      if (timer.cancelled) return;
      timer.cancelled = true;
      // A cancelled timer lets go of what its callback holds (a removed container's guest) at once.
      timer.fn = NOTHING;
      if (timer.queued && ++this.cancelledQueued > 64 && this.cancelledQueued * 2 > this.heap.length) this.compact();
    };
  }

  /** Manual clock: moves to now + `ms`, running every timer due on the way, in order. */
  advance(ms: number): void {
    if (this.mode !== "manual") throw new Error("advance() needs a manual clock ({ clock: { mode: \"manual\" } })");
    if (!(ms >= 0)) throw new RangeError(`cannot advance the clock by ${ms} ms`);
    this.runUntil(this.virtualNow + ms);
  }

  /** Virtual time of the next pending timer, or null. */
  nextDue(): number | null {
    this.dropCancelled();
    return this.heap.length ? this.heap[0].at : null;
  }

  /** Runs every timer due at or before `t` and sets the time to `t`. */
  runUntil(t: number): void {
    if (this.pumping) throw new Error("the clock cannot be advanced from inside a timer");
    this.pumping = true;
    try {
      for (;;) {
        this.dropCancelled();
        const next = this.heap[0];
        if (!next || next.at > t) break;
        this.pop();
        if (next.at > this.virtualNow) this.virtualNow = next.at;
        next.fn();
      }
      if (t > this.virtualNow) this.virtualNow = t;
    } finally {
      this.pumping = false;
    }
    this.onSettled();
  }

  /** Stops the real-time pump; pending timers never run. */
  close(): void {
    this.closed = true;
    this.hostTimer?.cancel();
    this.hostTimer = null;
    this.heap = [];
    this.cancelledQueued = 0;
  }

  private armHostTimer(): void {
    if (this.mode !== "realtime" || this.closed || this.pumping) return;
    const due = this.nextDue();
    const wait = due === null ? Infinity : Math.max(0, (due - this.now()) / this.speed);
    // The armed timeout fires no later than the next due timer: it runs what is due then and
    // re-arms, so a new timer behind it needs no new host timeout (one per guest timer otherwise).
    // A timer due now does not wait behind a timeout's whole millisecond: it gets an immediate.
    if (this.hostTimer && due !== null && this.hostDue <= due && (wait > 0 || this.hostTimer.immediate)) return;
    this.hostTimer?.cancel();
    this.hostTimer = null;
    if (due === null) return;
    this.hostDue = due;
    this.hostTimer = hostTimer(() => {
      this.hostTimer = null;
      if (this.closed) return;
      const t = this.virtualStart + (Date.now() - this.wallStart) * this.speed;
      this.runUntil(Math.max(t, this.virtualNow));
      this.armHostTimer();
    }, Math.min(wait, 2 ** 31 - 1));
    this.refHostTimer();
  }

  /**
   * Someone awaits what the clock will bring (a container's exit, a followed output, an exec): until
   * released, the real-time clock keeps the process alive, as a child process does; a script's
   * `await vch.wait(id)` would otherwise see Node exit under it. Without holds a pending virtual
   * timer does not keep the process alive on its own (a server's socket does).
   */
  hold(): () => void {
    this.holds++;
    this.refHostTimer();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.refHostTimer();
    };
  }

  private refHostTimer(): void {
    const t = this.hostTimer?.handle as { ref?: () => void; unref?: () => void } | undefined;
    if (this.holds > 0) t?.ref?.();
    else t?.unref?.();
  }

  /**
   * Drops cancelled timers from the heap. They are otherwise dropped only on reaching the top: a
   * `sleep 1000000` cancelled by its container's removal would stay queued for a virtual week and
   * the heap would grow with every container. (at, seq) is a total order: pops come out the same.
   */
  private compact(): void {
    const live: Timer[] = [];
    for (const t of this.heap) {
      if (t.cancelled) t.queued = false;
      else live.push(t);
    }
    live.sort((a, b) => (before(a, b) ? -1 : 1)); // a sorted array is a heap
    this.heap = live;
    this.cancelledQueued = 0;
  }

  private dropCancelled(): void {
    while (this.heap.length && this.heap[0].cancelled) this.pop();
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Timer {
    const h = this.heap;
    const top = h[0];
    top.queued = false;
    if (top.cancelled) this.cancelledQueued--;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

/** Runs `f` after the current turn of the event loop (its I/O polled): setImmediate in Node, a zero timeout elsewhere. */
export const soon: (f: () => void) => void = typeof setImmediate === "function" ? (f) => void setImmediate(f) : (f) => void setTimeout(f, 0);

/** A host timeout, or for a timer already due an immediate (a zero timeout waits a whole 1 ms in Node). */
interface HostTimer {
  readonly handle: unknown;
  readonly immediate: boolean;
  cancel(): void;
}

function hostTimer(fn: () => void, ms: number): HostTimer {
  // What is due now runs right after this turn's I/O: `docker start` then `docker logs` finds the
  // output of a command that takes no virtual time, as it does from dockerd.
  if (ms <= 0 && typeof setImmediate === "function") {
    const handle = setImmediate(fn);
    return { handle, immediate: true, cancel: () => clearImmediate(handle) };
  }
  const handle = setTimeout(fn, ms);
  return { handle, immediate: false, cancel: () => clearTimeout(handle) };
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
