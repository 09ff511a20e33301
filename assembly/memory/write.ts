// The write path (CoW fault handling) and reads, in batches through the scratch region.
import { U32Map } from "../util/u32map";
import {
  LEAF_ENTRIES, LEAF_SHIFT, PAGE_BYTES, FRAME_CANON,
  frameToken, frameRefs, frameFlags, leafRefs, vmHost, vmPages, vmGranted, vmSalt, hostCap, hostUsed, hostMapped,
  u32At, setU32At, u64At, setU64At, leafEntryPtr, dirPtr, frameAlloc, leafAllocEmpty, leafCopy,
} from "./state";

/** Fault kinds, indexes of the counters. */
@inline export const FAULT_TABLE: u32 = 0;
@inline export const FAULT_DEMAND_ZERO: u32 = 1;
@inline export const FAULT_COW: u32 = 2;
@inline export const FAULT_IN_PLACE: u32 = 3;
@inline export const FAULT_BYTES_COPIED: u32 = 4;

/** Status codes of batch calls (details in `lastDetailA`, `lastDetailB`). */
@inline export const STATUS_OK: i32 = 0;
/** A gpn lies beyond the VM: detail A = its index in the batch. */
@inline export const STATUS_GPN_OUTSIDE: i32 = -2;
/** The host lacks frames: detail A = frames needed, detail B = frames free. */
@inline export const STATUS_OUT_OF_MEMORY: i32 = -3;

export let lastDetailA: u32 = 0;
export let lastDetailB: u32 = 0;

/** Fault counts of the last batch, then engine-wide totals (u64 each). */
const lastFaults = memory.data(5 * 8);
const totalFaults = memory.data(5 * 8);

/** Count of fault kind `k` in the last batch. */
export function faultLast(k: u32): u64 { return load<u64>(lastFaults + (<usize>k << 3)); }
/** Engine-wide count of fault kind `k`. */
export function faultTotal(k: u32): u64 { return load<u64>(totalFaults + (<usize>k << 3)); }

// Dry-pass bookkeeping, reused across batches.
const written = new U32Map();
const copiedLeaves = new U32Map();
const refDelta = new U32Map();

/** Index of the first gpn of the batch beyond `pages`, or -1. */
function firstOutside(gpns: usize, n: u32, pages: u32): i32 {
  for (let i: u32 = 0; i < n; i++) {
    // SAFETY: the batch holds n gpns at `gpns` (the scratch region).
    if (load<u32>(gpns + (<usize>i << 2)) >= pages) return <i32>i;
  }
  return -1;
}

/**
 * Frames the batch would take, counted without changing anything: a gpn needs a frame the first time
 * the batch writes it if it is unmapped, or if its frame is shared at that moment — which depends on
 * table faults earlier in the batch (+1 on every frame of a copied leaf) and CoW faults (−1 on the
 * frame left behind), so those are tracked as reference deltas.
 */
function framesNeeded(vm: u32, gpns: usize, n: u32): u32 {
  let dir = dirPtr(vm);
  written.reset(n);
  copiedLeaves.reset(min<u32>(n, 1024));
  refDelta.reset(n);
  let needed: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    let gpn = load<u32>(gpns + (<usize>i << 2));
    if (!written.insert(gpn)) continue; // written earlier in this batch: private now, in place
    let d = gpn >> LEAF_SHIFT;
    let leaf = load<u32>(dir + (<usize>d << 2));
    if (!leaf) { needed++; continue; }
    if (u32At(leafRefs, leaf) > 1 && copiedLeaves.insert(d)) {
      let p = leafEntryPtr(leaf, 0);
      for (let e: u32 = 0; e < LEAF_ENTRIES; e++) {
        let f = load<u32>(p + (<usize>e << 2));
        if (f) refDelta.add(f, 1);
      }
    }
    let f = load<u32>(leafEntryPtr(leaf, gpn & (LEAF_ENTRIES - 1)));
    if (!f) { needed++; continue; }
    if (u32At(frameRefs, f) + refDelta.get(f) > 1) {
      needed++;
      refDelta.add(f, <u32>-1);
    }
  }
  return needed;
}

/**
 * Applies a batch of `n` writes (gpns u32 at `gpns`, tokens u64 at `tokens`) to `vm`, all or nothing.
 * Returns a status; fault counts of the batch are in `faultLast`.
 */
export function writeBatch(vm: u32, gpns: usize, tokens: usize, n: u32): i32 {
  let pages = u32At(vmPages, vm);
  let bad = firstOutside(gpns, n, pages);
  if (bad >= 0) {
    lastDetailA = <u32>bad;
    return STATUS_GPN_OUTSIDE;
  }
  let host = u32At(vmHost, vm);
  let free = u32At(hostCap, host) - u32At(hostUsed, host);
  // n writes take at most n frames; only a batch that might not fit pays for the exact count.
  if (n > free) {
    let needed = framesNeeded(vm, gpns, n);
    if (needed > free) {
      lastDetailA = needed;
      lastDetailB = free;
      return STATUS_OUT_OF_MEMORY;
    }
  }
  let tableFaults: u32 = 0, demandZero: u32 = 0, cow: u32 = 0, inPlace: u32 = 0;
  let dir = dirPtr(vm);
  let salt = u32At(vmSalt, vm);
  for (let i: u32 = 0; i < n; i++) {
    let gpn = load<u32>(gpns + (<usize>i << 2));
    let token = load<u64>(tokens + (<usize>i << 3));
    let dp = dir + (<usize>(gpn >> LEAF_SHIFT) << 2);
    let leaf = load<u32>(dp);
    if (!leaf) {
      // Untouched 2 MiB: a fresh private leaf (not a fault: nothing is copied).
      leaf = leafAllocEmpty(salt);
      store<u32>(dp, leaf);
    } else if (u32At(leafRefs, leaf) > 1) {
      // 1. table fault: the leaf is shared with a clone.
      leaf = leafCopy(leaf, salt);
      store<u32>(dp, leaf);
      tableFaults++;
    }
    let ep = leafEntryPtr(leaf, gpn & (LEAF_ENTRIES - 1));
    let f = load<u32>(ep);
    if (!f) {
      // 2. demand-zero fault.
      store<u32>(ep, frameAlloc(host, token));
      demandZero++;
    } else {
      let refs = u32At(frameRefs, f);
      if (refs > 1) {
        // 3. copy-on-write fault: the old frame keeps its other mappings.
        let nf = frameAlloc(host, token);
        setU32At(frameRefs, f, refs - 1);
        // frameAlloc never moves a leaf's block, so `ep` is still good.
        store<u32>(ep, nf);
        cow++;
      } else {
        // 4. in place; a canonical copy that changes is no longer one.
        setU64At(frameToken, f, token);
        store<u8>(frameFlags + <usize>f, load<u8>(frameFlags + <usize>f) & ~FRAME_CANON);
        inPlace++;
      }
    }
  }
  assert(u32At(hostUsed, host) <= u32At(hostCap, host)); // the dry pass is exact
  setU32At(vmGranted, vm, u32At(vmGranted, vm) + demandZero);
  setU64At(hostMapped, host, u64At(hostMapped, host) + demandZero);
  record(FAULT_TABLE, tableFaults);
  record(FAULT_DEMAND_ZERO, demandZero);
  record(FAULT_COW, cow);
  record(FAULT_IN_PLACE, inPlace);
  let bytes = <u64>cow * PAGE_BYTES;
  store<u64>(lastFaults + (<usize>FAULT_BYTES_COPIED << 3), bytes);
  store<u64>(totalFaults + (<usize>FAULT_BYTES_COPIED << 3), faultTotal(FAULT_BYTES_COPIED) + bytes);
  return STATUS_OK;
}

/** Stores `count` of fault kind `k` as the last batch's and adds it to the totals. */
@inline function record(k: u32, count: u32): void {
  store<u64>(lastFaults + (<usize>k << 3), <u64>count);
  store<u64>(totalFaults + (<usize>k << 3), faultTotal(k) + <u64>count);
}

/** Reads `n` pages of `vm` (gpns u32 at `gpns`) into `out` (u64 tokens; 0 for untouched pages). */
export function readBatch(vm: u32, gpns: usize, out: usize, n: u32): i32 {
  let bad = firstOutside(gpns, n, u32At(vmPages, vm));
  if (bad >= 0) {
    lastDetailA = <u32>bad;
    return STATUS_GPN_OUTSIDE;
  }
  let dir = dirPtr(vm);
  for (let i: u32 = 0; i < n; i++) {
    let gpn = load<u32>(gpns + (<usize>i << 2));
    let leaf = load<u32>(dir + (<usize>(gpn >> LEAF_SHIFT) << 2));
    let token: u64 = 0;
    if (leaf) {
      let f = load<u32>(leafEntryPtr(leaf, gpn & (LEAF_ENTRIES - 1)));
      if (f) token = u64At(frameToken, f);
    }
    store<u64>(out + (<usize>i << 3), token);
  }
  return STATUS_OK;
}
