// A reusable open-addressing map from u32 keys (never 0xFFFFFFFF) to u32 values, for per-call
// bookkeeping (dry passes, per-VM counts). Clearing is O(1): a slot is live only when its stamp is
// the map's current stamp.
import { hashU32 } from "./hash";
import { zeroBlock } from "./grow";

/** Open-addressing scratch map.
 *
 *   slot i:  ┌──────────┬──────────┬────────────┐
 *            │ key u32  │ val u32  │ stamp u32  │   (three parallel arrays of `cap` entries)
 *            └──────────┴──────────┴────────────┘
 */
@unmanaged export class U32Map {
  keys: usize = 0;
  vals: usize = 0;
  stamps: usize = 0;
  cap: u32 = 0;
  shift: u32 = 32;
  stamp: u32 = 1;
  size: u32 = 0;

  /** Empties the map and makes room for `expected` keys (up to 2^30) without growing. Call before any use. */
  reset(expected: u32): void {
    this.size = 0;
    this.stamp++;
    if (this.stamp == 0) {
      // SAFETY: the stamps array has `cap` u32 entries.
      if (this.cap) memory.fill(this.stamps, 0, <usize>this.cap << 2);
      this.stamp = 1;
    }
    let want: u32 = 16;
    while (want < expected * 2 && want < (1 << 31)) want <<= 1;
    // No slot carries the new stamp, so the resize carries nothing over.
    if (want > this.cap) this.resize(want);
  }

  /** Slot of `key`, or of the empty slot where it would go. */
  @inline private slot(key: u32): u32 {
    let mask = this.cap - 1;
    let i = hashU32(key) >> this.shift;
    while (true) {
      // SAFETY: i < cap.
      if (load<u32>(this.stamps + (<usize>i << 2)) != this.stamp) return i;
      if (load<u32>(this.keys + (<usize>i << 2)) == key) return i;
      i = (i + 1) & mask;
    }
  }

  /** True when `key` is present. */
  has(key: u32): bool {
    return load<u32>(this.stamps + (<usize>this.slot(key) << 2)) == this.stamp;
  }

  /** Value of `key`, or 0 when absent. */
  get(key: u32): u32 {
    let i = this.slot(key);
    if (load<u32>(this.stamps + (<usize>i << 2)) != this.stamp) return 0;
    return load<u32>(this.vals + (<usize>i << 2));
  }

  /** Adds `key` with value 0 if absent; returns true when it was absent. */
  insert(key: u32): bool {
    let i = this.slot(key);
    if (load<u32>(this.stamps + (<usize>i << 2)) == this.stamp) return false;
    this.place(i, key, 0);
    return true;
  }

  /** Adds `delta` (wrapping) to the value of `key` (absent keys count as 0). */
  add(key: u32, delta: u32): void {
    let i = this.slot(key);
    if (load<u32>(this.stamps + (<usize>i << 2)) == this.stamp) {
      let p = this.vals + (<usize>i << 2);
      store<u32>(p, load<u32>(p) + delta);
      return;
    }
    this.place(i, key, delta);
  }

  /** Slot capacity, for iteration with `liveAt`, `keyAt`, `valAt`. */
  capacity(): u32 {
    return this.cap;
  }

  /** True when slot `i` holds a key. */
  liveAt(i: u32): bool {
    return load<u32>(this.stamps + (<usize>i << 2)) == this.stamp;
  }

  /** Key at slot `i`. */
  keyAt(i: u32): u32 {
    return load<u32>(this.keys + (<usize>i << 2));
  }

  /** Value at slot `i`. */
  valAt(i: u32): u32 {
    return load<u32>(this.vals + (<usize>i << 2));
  }

  /** Stores a new key at the empty slot `i`, growing when half full. */
  private place(i: u32, key: u32, val: u32): void {
    store<u32>(this.keys + (<usize>i << 2), key);
    store<u32>(this.vals + (<usize>i << 2), val);
    store<u32>(this.stamps + (<usize>i << 2), this.stamp);
    this.size++;
    if (this.size * 2 > this.cap) this.resize(this.cap << 1);
  }

  /** Rehashes every live entry into `newCap` slots. */
  private resize(newCap: u32): void {
    let oldKeys = this.keys, oldVals = this.vals, oldStamps = this.stamps;
    let oldCap = this.cap, oldStamp = this.stamp;
    this.keys = zeroBlock(<usize>newCap << 2);
    this.vals = zeroBlock(<usize>newCap << 2);
    this.stamps = zeroBlock(<usize>newCap << 2);
    this.cap = newCap;
    this.shift = 32 - <u32>ctz(newCap);
    this.stamp = 1;
    this.size = 0;
    for (let i: u32 = 0; i < oldCap; i++) {
      if (load<u32>(oldStamps + (<usize>i << 2)) != oldStamp) continue;
      let k = load<u32>(oldKeys + (<usize>i << 2));
      let j = this.slot(k);
      store<u32>(this.keys + (<usize>j << 2), k);
      store<u32>(this.vals + (<usize>j << 2), load<u32>(oldVals + (<usize>i << 2)));
      store<u32>(this.stamps + (<usize>j << 2), 1);
      this.size++;
    }
    if (oldCap) {
      heap.free(oldKeys);
      heap.free(oldVals);
      heap.free(oldStamps);
    }
  }
}
