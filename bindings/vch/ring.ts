/**
 * A ring of the last `capacity` items with O(1) append: each item has a sequence number (0, 1, …
 * over the ring's life) so a reader can hold a position without holding the items.
 *
 *   seq:   first ─────────────── next-1
 *   slot:  seq % capacity (the backing array never grows past `capacity`)
 */
export class Ring<T> {
  private readonly slots: (T | undefined)[] = [];
  private nextSeq = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`a ring needs a capacity of at least 1, got ${capacity}`);
  }

  /** Sequence number of the oldest item kept. */
  get first(): number {
    return Math.max(0, this.nextSeq - this.capacity);
  }

  /** Sequence number the next item will get. */
  get next(): number {
    return this.nextSeq;
  }

  get length(): number {
    return this.nextSeq - this.first;
  }

  /** Appends an item, dropping the oldest when full; returns its sequence number. */
  push(item: T): number {
    const seq = this.nextSeq++;
    this.slots[seq % this.capacity] = item;
    return seq;
  }

  /** Items from sequence number `seq` (clamped to what is kept) to the newest. */
  from(seq: number): T[] {
    const out: T[] = [];
    for (let s = Math.max(seq, this.first); s < this.nextSeq; s++) out.push(this.slots[s % this.capacity]!);
    return out;
  }

  /** The newest `n` items. */
  last(n: number): T[] {
    return this.from(this.nextSeq - Math.max(0, n));
  }

  /** Every item kept, oldest first. */
  toArray(): T[] {
    return this.from(this.first);
  }
}
