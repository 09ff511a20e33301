/**
 * A push-based async queue: producers push, one consumer iterates; ends on `end()` or abort.
 *
 * A channel can have a cap: a consumer that stops reading (a stuck client) never makes the VCH
 * buffer without end. At the cap, `drop-newest` refuses new items (dockerd drops events for a slow
 * subscriber) and `drop-oldest` lets the oldest go (a follower behind a rotated log); either way
 * `onDrop` is told, so the loss is counted, never silent. The queue takes and gives in O(1).
 */
export interface ChannelOptions {
  /** Most items queued at once (default: no cap, for producers that are themselves bounded). */
  cap?: number;
  overflow?: "drop-newest" | "drop-oldest";
  /** Called for each item lost at the cap. */
  onDrop?: () => void;
}

export class Channel<T> implements AsyncIterable<T> {
  private items: T[] = [];
  /** Index of the next item to give in `items` (taken items are compacted away in bulk). */
  private head = 0;
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  /** Called once when the consumer stops (end, abort, break). */
  onClose: () => void = () => {};
  private closed = false;
  private readonly cap: number;
  private drainedNow: () => void = () => {};
  /** Settles when the consumer has taken the last item and seen the end (or stopped reading). */
  readonly drained: Promise<void> = new Promise((resolve) => (this.drainedNow = resolve));

  constructor(signal?: AbortSignal, private readonly options: ChannelOptions = {}) {
    this.cap = options.cap ?? Infinity;
    if (signal) {
      if (signal.aborted) this.end();
      else signal.addEventListener("abort", () => this.end(), { once: true });
    }
  }

  /** Items queued and not yet taken. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Queues an item (ignored after the end). */
  push(item: T): void {
    if (this.ended) return;
    if (this.size >= this.cap) {
      this.options.onDrop?.();
      if (this.options.overflow !== "drop-oldest") return;
      this.take();
    }
    this.items.push(item);
    this.wake?.();
  }

  /** No more items: the consumer finishes after draining what is queued. */
  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    if (error) this.failure = error;
    this.wake?.();
    this.close();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }

  private take(): T {
    const item = this.items[this.head];
    this.items[this.head++] = undefined as T;
    // Compact once the taken prefix is at least half the array: amortised O(1) per item.
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        if (this.size > 0) {
          yield this.take();
          continue;
        }
        if (this.ended) {
          if (this.failure) throw this.failure;
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
      }
    } finally {
      this.ended = true;
      this.close();
      this.drainedNow();
    }
  }
}

/**
 * A client's input stream: a client that goes away (its stream errors) ends its input. Only the
 * stream's own failure is taken as that; an error of what consumes the chunks is not caught here.
 */
export async function* untilGone<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      let r: IteratorResult<T>;
      try {
        r = await it.next();
      } catch {
        finished = true;
        return; // the client went away: end of input
      }
      if (r.done) {
        finished = true;
        return;
      }
      yield r.value;
    }
  } finally {
    // The consumer stopped early: the source is told, as a for-await over it would.
    if (!finished) await it.return?.();
  }
}
