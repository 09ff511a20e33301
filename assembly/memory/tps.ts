// Transparent page sharing (ESXi TPS, Linux KSM): a budgeted scan of one host's pages that remaps
// duplicates onto one canonical frame per (token, salt).
import { hashTokenSalt } from "../util/hash";
import { zeroBlock } from "../util/grow";
import {
  LEAF_ENTRIES, LEAF_SHIFT, FRAME_CANON,
  frameToken, frameRefs, frameSalt, frameFlags, leafRefs, leafSalt, vmHost, vmPages, vmSalt, vmLive, vmTop,
  hostCursorVm, hostCursorGpn, hostTpsTable, hostTpsCap, hostTpsFill,
  u32At, setU32At, u64At, leafEntryPtr, dirPtr, dirLen, frameFree,
} from "./state";

/** Page-sharing table of a host: open addressing over frame ids (0 = empty slot).
 *
 *   ┌─────────────┬─────────────┬─────┐
 *   │ frame u32   │ frame u32   │ ... │   cap slots, cap a power of two, fill ≤ cap / 2
 *   └─────────────┴─────────────┴─────┘
 *
 * A slot's key is read from its frame: (token, salt). A slot is a valid hint only while its frame
 * is canonical (FRAME_CANON: cleared when the frame is written in place or freed), so stale hints
 * — token changed, frame freed — are recognised on lookup and reused. A frame freed and canonical
 * again may sit in two slots; both then carry its current key, which is harmless.
 */
@inline const TPS_MIN_SLOTS: u32 = 1024;

/** Result of the last lookup when it missed: the slot to insert at. */
let missSlot: u32 = 0;
/** Whether `missSlot` was empty (not a stale hint being reused). */
let missEmpty: bool = false;

/** The canonical frame for (token, salt) on `host`, or 0 (then `missSlot` is where it would go). */
function lookup(host: u32, token: u64, salt: u32): u32 {
  let table = u32At(hostTpsTable, host);
  let mask = u32At(hostTpsCap, host) - 1;
  let i = hashTokenSalt(token, salt) & mask;
  let stale: i64 = -1;
  while (true) {
    // SAFETY: i ≤ mask < cap slots of the host's table.
    let f = load<u32>(<usize>table + (<usize>i << 2));
    if (!f) break;
    if (load<u8>(frameFlags + <usize>f) & FRAME_CANON) {
      if (u64At(frameToken, f) == token && u32At(frameSalt, f) == salt) return f;
    } else if (stale < 0) {
      stale = <i64>i;
    }
    i = (i + 1) & mask;
  }
  missEmpty = stale < 0;
  missSlot = stale < 0 ? i : <u32>stale;
  return 0;
}

/** Records canonical frame `f` at the slot the last lookup on `host` left in `missSlot`. */
function insert(host: u32, f: u32): void {
  let table = u32At(hostTpsTable, host);
  store<u32>(<usize>table + (<usize>missSlot << 2), f);
  if (!missEmpty) return;
  let fill = u32At(hostTpsFill, host) + 1;
  setU32At(hostTpsFill, host, fill);
  if (fill * 2 > u32At(hostTpsCap, host)) rebuild(host);
}

/** Rebuilds the host's table with room for its valid hints, dropping stale ones. */
function rebuild(host: u32): void {
  let old = <usize>u32At(hostTpsTable, host);
  let oldCap = u32At(hostTpsCap, host);
  let valid: u32 = 0;
  for (let i: u32 = 0; i < oldCap; i++) {
    let f = load<u32>(old + (<usize>i << 2));
    if (f && (load<u8>(frameFlags + <usize>f) & FRAME_CANON)) valid++;
  }
  let cap = TPS_MIN_SLOTS;
  while (cap < valid * 4) cap <<= 1;
  setU32At(hostTpsTable, host, <u32>zeroBlock(<usize>cap << 2));
  setU32At(hostTpsCap, host, cap);
  setU32At(hostTpsFill, host, 0);
  for (let i: u32 = 0; i < oldCap; i++) {
    let f = load<u32>(old + (<usize>i << 2));
    if (!f || !(load<u8>(frameFlags + <usize>f) & FRAME_CANON)) continue;
    // A frame listed twice is inserted once.
    if (lookup(host, u64At(frameToken, f), u32At(frameSalt, f))) continue;
    store<u32>(<usize>u32At(hostTpsTable, host) + (<usize>missSlot << 2), f);
    setU32At(hostTpsFill, host, u32At(hostTpsFill, host) + 1);
  }
  if (old) heap.free(old);
}

let scanned: u32 = 0;
/** Frames merged by the last scan. */
export let lastMerged: u32 = 0;

/**
 * Visits mapped pages of `host`'s VMs in (VM id, gpn) order from (fromVm, fromGpn) up to, not
 * including, (toVm, toGpn), until `budget` pages are scanned. Returns false when the budget ran out.
 */
function walk(host: u32, fromVm: u32, fromGpn: u32, toVm: u32, toGpn: u32, budget: u32): bool {
  let lastVm = min<u32>(toVm, vmTop - 1);
  for (let vm = max<u32>(fromVm, 1); vm <= lastVm; vm++) {
    if (!u32At(vmLive, vm) || u32At(vmHost, vm) != host) continue;
    let pages = u32At(vmPages, vm);
    let end = vm == toVm ? min<u32>(toGpn, pages) : pages;
    let start = vm == fromVm ? fromGpn : 0;
    if (start >= end) continue;
    let salt = u32At(vmSalt, vm);
    let dir = dirPtr(vm);
    let dEnd = dirLen(end);
    for (let d = start >> LEAF_SHIFT; d < dEnd; d++) {
      let leaf = load<u32>(dir + (<usize>d << 2));
      if (!leaf) continue;
      // A VM's own leaf holds candidates; so does a leaf shared with clones that all share under
      // this VM's salt (remapping its entry changes what they map, never what they read).
      let candidates = u32At(leafRefs, leaf) == 1 || u32At(leafSalt, leaf) == salt;
      let base = d << LEAF_SHIFT;
      let e0 = base < start ? start - base : 0;
      let e1 = min<u32>(LEAF_ENTRIES, end - base);
      for (let e = e0; e < e1; e++) {
        let ep = leafEntryPtr(leaf, e);
        let f = load<u32>(ep);
        if (!f) continue;
        if (scanned == budget) return false;
        scanned++;
        setU32At(hostCursorVm, host, vm);
        setU32At(hostCursorGpn, host, base + e + 1);
        if (!candidates || u32At(frameRefs, f) != 1) continue;
        let token = u64At(frameToken, f);
        let canon = lookup(host, token, salt);
        if (canon == f) continue;
        if (canon) {
          store<u32>(ep, canon);
          setU32At(frameRefs, canon, u32At(frameRefs, canon) + 1);
          frameFree(f);
          lastMerged++;
        } else {
          store<u8>(frameFlags + <usize>f, FRAME_CANON);
          setU32At(frameSalt, f, salt);
          insert(host, f);
        }
      }
    }
  }
  return true;
}

/** Scans up to `budget` mapped pages of `host`, resuming at its cursor; returns pages scanned. */
export function tpsScan(host: u32, budget: u32): u32 {
  if (!u32At(hostTpsCap, host)) {
    setU32At(hostTpsTable, host, <u32>zeroBlock(<usize>TPS_MIN_SLOTS << 2));
    setU32At(hostTpsCap, host, TPS_MIN_SLOTS);
  }
  scanned = 0;
  lastMerged = 0;
  let cv = u32At(hostCursorVm, host), cg = u32At(hostCursorGpn, host);
  // One pass sees each page at most once: cursor → end, then start → cursor.
  if (walk(host, cv, cg, 0xffffffff, 0, budget)) walk(host, 0, 0, cv, cg, budget);
  return scanned;
}
