// Memory engine exports (mem_*): integers only; arrays through the scratch region.
import {
  initHosts, hostCount, hostCap, hostUsed, hostMapped, hostVms, vmHost, vmPages, vmLiveCount,
  u32At, setU32At, u64At, vmExists, vmCreate, vmClone, vmDestroy, engineBytes,
} from "./state";
import { writeBatch, readBatch, faultLast, faultTotal, lastDetailA, lastDetailB } from "./write";
import { tpsScan, lastMerged } from "./tps";
import { vmStats, vmCounter, minFree, memoryState } from "./stats";
import { scratch_ensure } from "../util/scratch";

/** Sets up an engine of `hosts` hosts (once per instance); capacities follow with mem_set_host_capacity. */
export function mem_init(hosts: u32): void { initHosts(hosts); }
/** Sets the capacity of `host` in frames (before any VM exists on it). */
export function mem_set_host_capacity(host: u32, frames: u32): void { setU32At(hostCap, host, frames); }
/** Number of hosts. */
export function mem_host_count(): u32 { return hostCount; }

/** Creates a VM of `pages` on `host`; `salt` ≥ 2^31 asks for a default salt of its own. Returns its id. */
export function mem_create_vm(host: u32, pages: u32, salt: u32): u32 { return vmCreate(host, pages, salt); }
/** Instant-clones `vm`; `salt` ≥ 2^31 inherits an explicit salt or takes a default of its own. */
export function mem_clone(vm: u32, salt: u32): u32 { return vmClone(vm, salt); }
/** Destroys `vm`. */
export function mem_destroy(vm: u32): void { vmDestroy(vm); }
/** 1 when `vm` is a live VM. */
export function mem_vm_exists(vm: u32): u32 { return vmExists(vm) ? 1 : 0; }
/** Host of `vm`. */
export function mem_vm_host(vm: u32): u32 { return u32At(vmHost, vm); }
/** Guest pages of `vm`. */
export function mem_vm_pages(vm: u32): u32 { return u32At(vmPages, vm); }
/** Live VMs. */
export function mem_vm_count(): u32 { return vmLiveCount; }

/** Offset of the tokens of an `n`-page batch (after n u32 gpns, 8-byte aligned). */
function tokensOffset(n: u32): usize { return ((<usize>n << 2) + 7) & ~<usize>7; }

// A batch is never chunked: the scratch region grows to hold it whole, so the capacity check (and
// the all-or-nothing promise) covers the whole batch.
/** Ensures scratch room for a batch of `n` pages (gpns then tokens); returns the scratch offset. */
export function mem_batch_reserve(n: u32): usize { return scratch_ensure(<u32>(tokensOffset(n) + (<usize>n << 3))); }
/** Writes the batch of `n` pages in scratch to `vm`; returns a status (0 ok, -2 gpn outside, -3 out of memory). */
export function mem_write(vm: u32, n: u32): i32 {
  let p = scratch_ensure(<u32>(tokensOffset(n) + (<usize>n << 3)));
  return writeBatch(vm, p, p + tokensOffset(n), n);
}
/** Reads `n` pages whose gpns are in scratch; tokens replace the batch's token area. */
export function mem_read(vm: u32, n: u32): i32 {
  let p = scratch_ensure(<u32>(tokensOffset(n) + (<usize>n << 3)));
  return readBatch(vm, p, p + tokensOffset(n), n);
}
/** Detail of the last failed batch (index of the bad gpn, or frames needed). */
export function mem_last_detail_a(): u32 { return lastDetailA; }
/** Second detail of the last failed batch (frames free). */
export function mem_last_detail_b(): u32 { return lastDetailB; }
/** Fault count `kind` (0 table, 1 demand-zero, 2 CoW, 3 in place, 4 bytes copied) of the last batch. */
export function mem_fault_last(kind: u32): f64 { return <f64>faultLast(kind); }
/** Engine-wide fault count `kind`. */
export function mem_fault_total(kind: u32): f64 { return <f64>faultTotal(kind); }

/** Scans up to `budget` mapped pages of `host` for page sharing; returns pages scanned. */
export function mem_tps_scan(host: u32, budget: u32): u32 { return tpsScan(host, budget); }
/** Frames merged by the last scan. */
export function mem_tps_merged(): u32 { return lastMerged; }

/** Computes the counters of `vm`; read them with mem_vm_counter. */
export function mem_vm_stats(vm: u32): void { vmStats(vm); }
/** Counter `k` of the last mem_vm_stats (0 granted, 1 consumed, 2 shared, 3 sharedCommon, 4 private). */
export function mem_vm_counter(k: u32): u32 { return vmCounter(k); }
/** Capacity of `host` in frames. */
export function mem_host_capacity(host: u32): u32 { return u32At(hostCap, host); }
/** Frames in use on `host`. */
export function mem_host_used(host: u32): u32 { return u32At(hostUsed, host); }
/** Guest pages mapped by the VMs of `host`. */
export function mem_host_mapped(host: u32): f64 { return <f64>u64At(hostMapped, host); }
/** VMs on `host`. */
export function mem_host_vms(host: u32): u32 { return u32At(hostVms, host); }
/** ESXi minFree of `host` in pages. */
export function mem_host_min_free(host: u32): u32 { return minFree(host); }
/** Memory state of `host` (0 high, 1 clear, 2 soft, 3 hard, 4 low). */
export function mem_host_state(host: u32): u32 { return memoryState(host); }
/** Bytes the engine's tables hold (by capacity; see engineBytes). */
export function mem_engine_bytes(): f64 { return <f64>engineBytes(); }
