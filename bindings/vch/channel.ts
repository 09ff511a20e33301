/** A push-based async queue: producers push, one consumer iterates; ends on `end()` or abort. */
export class Channel<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  /** Called once when the consumer stops (end, abort, break). */
  onClose: () => void = () => {};
  private closed = false;

  constructor(signal?: AbortSignal) {
    if (signal) {
      if (signal.aborted) this.end();
      else signal.addEventListener("abort", () => this.end(), { once: true });
    }
  }

  /** Queues an item (ignored after the end). */
  push(item: T): void {
    if (this.ended) return;
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

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        if (this.items.length) {
          yield this.items.shift()!;
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
    }
  }
}
