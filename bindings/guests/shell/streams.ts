/**
 * Byte streams between the shell's commands: a pipe has a bounded buffer, so a writer waits while
 * it is full and learns when its reader has gone (EPIPE, the command then dies of SIGPIPE as on
 * Linux). That is what lets `yes | head -n 1` end.
 */

/** The read end a command gets as stdin. `read` resolves null at end of input. */
export interface Input { read(): Promise<Uint8Array | null> }
/** The write end a command gets as stdout or stderr. */
export interface Output { write(chunk: Uint8Array): Promise<void> }

/** Writing to a pipe whose reader has closed. */
export class BrokenPipe extends Error {
  constructor() { super("Broken pipe"); this.name = "BrokenPipe"; }
}

/** Capacity of a pipe, as Linux's default pipe buffer. */
export const PIPE_CAPACITY = 65_536;

export class Pipe implements Input, Output {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private writerClosed = false;
  private readerClosed = false;
  private wakeReader: (() => void) | null = null;
  private wakeWriters: (() => void)[] = [];

  async write(chunk: Uint8Array): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      if (this.readerClosed) throw new BrokenPipe();
      if (this.buffered >= PIPE_CAPACITY) {
        await new Promise<void>((r) => this.wakeWriters.push(r));
        continue;
      }
      const n = Math.min(chunk.length - off, PIPE_CAPACITY - this.buffered);
      this.chunks.push(chunk.subarray(off, off + n));
      this.buffered += n;
      off += n;
      this.wakeReader?.();
      this.wakeReader = null;
    }
  }

  async read(): Promise<Uint8Array | null> {
    while (this.chunks.length === 0) {
      if (this.writerClosed || this.readerClosed) return null;
      await new Promise<void>((r) => { this.wakeReader = r; });
    }
    const c = this.chunks.shift()!;
    this.buffered -= c.length;
    this.flushWriters();
    return c;
  }

  /** The writer is done: the reader sees end of input once the buffer is drained. */
  closeWrite(): void {
    this.writerClosed = true;
    this.wakeReader?.();
    this.wakeReader = null;
  }

  /** The reader is gone: pending and later writes fail with EPIPE. */
  closeRead(): void {
    this.readerClosed = true;
    this.chunks = [];
    this.buffered = 0;
    this.flushWriters();
  }

  private flushWriters(): void {
    const w = this.wakeWriters;
    this.wakeWriters = [];
    for (const r of w) r();
  }
}

/** Input that is already complete (a file, a here-document, a string). */
export class BytesInput implements Input {
  private done = false;
  constructor(private readonly bytes: Uint8Array) {}
  async read(): Promise<Uint8Array | null> {
    if (this.done || this.bytes.length === 0) return null;
    this.done = true;
    return this.bytes;
  }
}

/** Input from any async iterable of chunks (the container's attached stdin). */
export class IterableInput implements Input {
  private readonly it: AsyncIterator<Uint8Array>;
  constructor(src: AsyncIterable<Uint8Array>) { this.it = src[Symbol.asyncIterator](); }
  async read(): Promise<Uint8Array | null> {
    const r = await this.it.next();
    return r.done ? null : r.value;
  }
}

export const EMPTY_INPUT: Input = { read: async () => null };
export const NULL_OUTPUT: Output = { write: async () => {} };

/** Output collected in memory (command substitution). */
export class CollectOutput implements Output {
  private parts: Uint8Array[] = [];
  async write(chunk: Uint8Array): Promise<void> { this.parts.push(chunk.slice()); }
  bytes(): Uint8Array { return concatBytes(this.parts); }
}

/** Output to a callback (the shell's own stdout and stderr). */
export class CallbackOutput implements Output {
  constructor(private readonly fn: (chunk: Uint8Array) => void | Promise<void>) {}
  async write(chunk: Uint8Array): Promise<void> { if (chunk.length) await this.fn(chunk); }
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

/** Reads an input to its end. */
export async function readAll(input: Input): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let c = await input.read(); c !== null; c = await input.read()) parts.push(c);
  return concatBytes(parts);
}

/**
 * Lines of an input as they arrive, each with its newline (the last one may lack it). Decoding is
 * latin1-safe: bytes map to UTF-8 text line by line.
 */
export async function* lines(input: Input): AsyncGenerator<string> {
  const dec = new TextDecoder();
  let pending = "";
  for (let c = await input.read(); c !== null; c = await input.read()) {
    pending += dec.decode(c, { stream: true });
    let i: number;
    while ((i = pending.indexOf("\n")) >= 0) {
      yield pending.slice(0, i + 1);
      pending = pending.slice(i + 1);
    }
  }
  pending += dec.decode();
  if (pending) yield pending;
}
