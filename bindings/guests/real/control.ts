/**
 * The control block a guest's host and its worker share (one SharedArrayBuffer): pause, a pending
 * signal, scan requests and the stdin pipe. It works the same between Node worker threads and Web
 * Workers (both share SharedArrayBuffer; Atomics.wait is allowed in any worker).
 *
 *   ┌────────────────────────── Int32 words ──────────────────────────┬──────────────────┐
 *   │ paused │ signal │ scan seq │ stdin write │ stdin read │ stdin eof │ stdin ring (64 KiB) │
 *   └────────┴────────┴──────────┴─────────────┴────────────┴───────────┴──────────────────┘
 *
 * The stdin indices count bytes since start (wrapping at 2^31 is far beyond a test's input); the
 * writer is the host, the reader the guest, each advancing only its own index.
 */

const PAUSED = 0;
const SIGNAL = 1;
const SCAN = 2;
const IN_WRITE = 3;
const IN_READ = 4;
const IN_EOF = 5;
const HEADER_WORDS = 8;
/** Bytes of stdin the pipe holds before the host has to wait for the guest to read. */
export const STDIN_RING_BYTES = 65_536;

/** A new control block. */
export function createControl(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_WORDS * 4 + STDIN_RING_BYTES);
}

/** The host's side: pause, signals, scan requests, and the writing end of stdin. */
export class HostControl {
  private readonly words: Int32Array;
  private readonly ring: Uint8Array;
  private pending: Uint8Array[] = [];
  private eofPending = false;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer, 0, HEADER_WORDS);
    this.ring = new Uint8Array(buffer, HEADER_WORDS * 4, STDIN_RING_BYTES);
  }

  pause(paused: boolean): void {
    Atomics.store(this.words, PAUSED, paused ? 1 : 0);
    Atomics.notify(this.words, PAUSED);
  }

  /** Leaves `signal` for the guest to pick up at its next checkpoint (a later signal replaces it). */
  signal(signal: number): void {
    Atomics.store(this.words, SIGNAL, signal);
    this.wake();
  }

  /** Asks the guest for a copy of its memory; returns the request's sequence number. */
  requestScan(): number {
    const seq = Atomics.add(this.words, SCAN, 1) + 1;
    this.wake();
    return seq;
  }

  /** Queues stdin bytes; they move into the ring as the guest reads. */
  writeStdin(data: Uint8Array): void {
    if (this.eofPending) throw new Error("stdin is closed");
    if (data.byteLength) this.pending.push(data.slice());
    this.flush();
  }

  /** End of stdin after what was queued. */
  closeStdin(): void {
    this.eofPending = true;
    this.flush();
  }

  /** True while stdin bytes wait for room in the ring. */
  get stdinBacklog(): boolean {
    return this.pending.length > 0;
  }

  /** Moves queued stdin into the ring as far as it has room; sets EOF once all is in. */
  flush(): void {
    const w = this.words;
    while (this.pending.length) {
      const head = this.pending[0];
      const write = Atomics.load(w, IN_WRITE);
      const room = STDIN_RING_BYTES - (write - Atomics.load(w, IN_READ));
      if (room <= 0) break;
      const n = Math.min(room, head.byteLength);
      for (let i = 0; i < n; i++) this.ring[(write + i) % STDIN_RING_BYTES] = head[i];
      Atomics.store(w, IN_WRITE, write + n);
      if (n === head.byteLength) this.pending.shift();
      else this.pending[0] = head.subarray(n);
    }
    if (this.eofPending && !this.pending.length) Atomics.store(w, IN_EOF, 1);
    this.wake();
  }

  private wake(): void {
    Atomics.notify(this.words, IN_WRITE);
  }
}

/** What a guest's checkpoint found to do. */
export interface CheckpointHooks {
  /** Copies the guest's memory to the host (a scan request was seen). */
  onScan(): void;
}

/** The guest's side: blocking stdin reads and the checkpoint that honours pause, signals and scans. */
export class GuestControl {
  private readonly words: Int32Array;
  private readonly ring: Uint8Array;
  private scanServed = 0;

  constructor(buffer: SharedArrayBuffer, private readonly hooks: CheckpointHooks) {
    this.words = new Int32Array(buffer, 0, HEADER_WORDS);
    this.ring = new Uint8Array(buffer, HEADER_WORDS * 4, STDIN_RING_BYTES);
  }

  /**
   * Called wherever the guest runtime lets the host in (the interpreter's periodic check, a system
   * call): serves a scan request, waits while paused, and returns a pending signal (0: none).
   */
  checkpoint(): number {
    this.serveScan();
    while (Atomics.load(this.words, PAUSED) === 1) {
      Atomics.wait(this.words, PAUSED, 1, 50);
      this.serveScan();
    }
    return Atomics.exchange(this.words, SIGNAL, 0);
  }

  /** Reads up to `into.length` stdin bytes, blocking until some arrive; 0 means end of input. */
  readStdin(into: Uint8Array): number {
    const w = this.words;
    for (;;) {
      this.checkpoint();
      const read = Atomics.load(w, IN_READ);
      const write = Atomics.load(w, IN_WRITE);
      if (write > read) {
        const n = Math.min(into.length, write - read);
        for (let i = 0; i < n; i++) into[i] = this.ring[(read + i) % STDIN_RING_BYTES];
        Atomics.store(w, IN_READ, read + n);
        return n;
      }
      if (Atomics.load(w, IN_EOF) === 1) return 0;
      Atomics.wait(w, IN_WRITE, write, 50);
    }
  }

  private serveScan(): void {
    const seq = Atomics.load(this.words, SCAN);
    if (seq !== this.scanServed) {
      this.scanServed = seq;
      this.hooks.onScan();
    }
  }
}
