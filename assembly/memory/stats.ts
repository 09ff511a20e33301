// vSphere's memory counters, computed from the page tables (definitions in bindings/core/memory-types.ts).
import { U32Map } from "../util/u32map";
import {
  LEAF_ENTRIES, frameToken, frameRefs, leafRefs, vmPages, vmGranted, hostCap, hostUsed,
  u32At, u64At, leafEntryPtr, dirPtr, dirLen,
} from "./state";

/** Counters of the last `vmStats` call: granted, consumed, shared, sharedCommon, private. */
const vmCounters = memory.data(5 * 4);
/** Mappings of multiply-mapped frames from the VM's own leaves. */
const privateMappings = new U32Map();

/** Counter `k` of the last `vmStats` (0 granted, 1 consumed, 2 shared, 3 sharedCommon, 4 private). */
export function vmCounter(k: u32): u32 {
  return load<u32>(vmCounters + (<usize>k << 2));
}

/**
 * Computes the counters of `vm`. A page is shared when its leaf is shared with a clone or its frame
 * has several mappings; a frame counts in `consumed` when every mapping of it is in this VM's own
 * (unshared) leaves.
 */
export function vmStats(vm: u32): void {
  let dir = dirPtr(vm);
  let n = dirLen(u32At(vmPages, vm));
  let shared: u32 = 0, common: u32 = 0, consumed: u32 = 0;
  privateMappings.reset(64);
  for (let d: u32 = 0; d < n; d++) {
    let leaf = load<u32>(dir + (<usize>d << 2));
    if (!leaf) continue;
    let own = u32At(leafRefs, leaf) == 1;
    let p = leafEntryPtr(leaf, 0);
    for (let e: u32 = 0; e < LEAF_ENTRIES; e++) {
      let f = load<u32>(p + (<usize>e << 2));
      if (!f) continue;
      let refs = u32At(frameRefs, f);
      if (!own || refs > 1) {
        shared++;
        if (u64At(frameToken, f) == 0) common++;
      }
      if (own) {
        if (refs == 1) consumed++;
        else privateMappings.add(f, 1);
      }
    }
  }
  let cap = privateMappings.capacity();
  for (let i: u32 = 0; i < cap; i++) {
    if (privateMappings.liveAt(i) && privateMappings.valAt(i) == u32At(frameRefs, privateMappings.keyAt(i))) consumed++;
  }
  let granted = u32At(vmGranted, vm);
  store<u32>(vmCounters, granted);
  store<u32>(vmCounters + 4, consumed);
  store<u32>(vmCounters + 8, shared);
  store<u32>(vmCounters + 12, common);
  store<u32>(vmCounters + 16, granted - shared);
}

/** Host memory states, in the order of their codes. */
@inline export const STATE_HIGH: u32 = 0;
@inline export const STATE_CLEAR: u32 = 1;
@inline export const STATE_SOFT: u32 = 2;
@inline export const STATE_HARD: u32 = 3;
@inline export const STATE_LOW: u32 = 4;

/** ESXi's minFree in pages: 899 MiB for the first 28 GiB plus 1 % of the rest (scaled below 28 GiB). */
export function minFree(host: u32): u32 {
  let cap = <u64>u32At(hostCap, host);
  const FIRST_28_GIB: u64 = 28 * 1024 * 256;
  const BASE: u64 = 899 * 256;
  if (cap >= FIRST_28_GIB) return <u32>(BASE + (cap - FIRST_28_GIB) / 100);
  return <u32>((BASE * cap) / FIRST_28_GIB);
}

/** ESXi's memory state of `host`: high ≥ 100 % of minFree, clear < 100 %, soft < 64 %, hard < 32 %, low < 16 %. */
export function memoryState(host: u32): u32 {
  let free = <u64>(u32At(hostCap, host) - u32At(hostUsed, host));
  let mf = <u64>minFree(host);
  if (free * 100 < mf * 16) return STATE_LOW;
  if (free * 100 < mf * 32) return STATE_HARD;
  if (free * 100 < mf * 64) return STATE_SOFT;
  if (free < mf) return STATE_CLEAR;
  return STATE_HIGH;
}
