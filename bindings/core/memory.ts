/**
 * MemoryEngine: the wasm memory core (assembly/memory) behind `MemoryEngineApi`. Each engine owns one
 * wasm instance; every call validates its input before the core changes anything.
 */
import { instantiateCore, type CoreExports } from "./wasm.js";
import {
  memoryChecks,
  PAGES_PER_MIB,
  type CreateVmOptions,
  type HostMemoryState,
  type HostMemoryStats,
  type MemoryEngineApi,
  type MemoryEngineOptions,
  type TpsScanResult,
  type VmMemoryStats,
  type WriteFaults,
} from "./memory-types.js";

/** The core's mem_* exports. */
interface MemoryExports extends CoreExports {
  mem_init(hosts: number): void;
  mem_set_host_capacity(host: number, frames: number): void;
  mem_create_vm(host: number, pages: number, salt: number): number;
  mem_clone(vm: number, salt: number): number;
  mem_destroy(vm: number): void;
  mem_vm_exists(vm: number): number;
  mem_vm_host(vm: number): number;
  mem_vm_pages(vm: number): number;
  mem_vm_count(): number;
  mem_batch_reserve(n: number): number;
  mem_write(vm: number, n: number): number;
  mem_read(vm: number, n: number): number;
  mem_last_detail_a(): number;
  mem_last_detail_b(): number;
  mem_fault_last(kind: number): number;
  mem_fault_total(kind: number): number;
  mem_tps_scan(host: number, budget: number): number;
  mem_tps_merged(): number;
  mem_vm_stats(vm: number): void;
  mem_vm_counter(k: number): number;
  mem_host_capacity(host: number): number;
  mem_host_used(host: number): number;
  mem_host_mapped(host: number): number;
  mem_host_vms(host: number): number;
  mem_host_min_free(host: number): number;
  mem_host_state(host: number): number;
  mem_engine_bytes(): number;
}

const STATUS_GPN_OUTSIDE = -2;
const STATUS_OUT_OF_MEMORY = -3;
/** Salt argument meaning "none given" (explicit salts are below 2^31). */
const NO_SALT = 0xffffffff;
const STATES: HostMemoryState[] = ["high", "clear", "soft", "hard", "low"];

/** The memory engine on the wasm core (see `MemoryEngineApi` for the semantics). */
export class MemoryEngine implements MemoryEngineApi {
  readonly hostCount: number;
  /** The engine's wasm instance (exposed for memory accounting in benchmarks). */
  readonly core: MemoryExports;

  /** An engine with the given hosts, every host empty. */
  static create(opts: MemoryEngineOptions): MemoryEngine {
    return new MemoryEngine(opts);
  }

  private constructor(opts: MemoryEngineOptions) {
    const caps = memoryChecks.hostCapacities(opts);
    this.core = instantiateCore<MemoryExports>();
    this.hostCount = caps.length;
    this.core.mem_init(caps.length);
    caps.forEach((c, h) => this.core.mem_set_host_capacity(h, c));
  }

  createVm(opts: CreateVmOptions): number {
    memoryChecks.host(opts.host, this.hostCount);
    memoryChecks.memoryMiB(opts.memoryMiB);
    memoryChecks.salt(opts.salt);
    return this.core.mem_create_vm(opts.host, opts.memoryMiB * PAGES_PER_MIB, opts.salt ?? NO_SALT);
  }

  instantClone(vm: number, opts: { salt?: number } = {}): number {
    this.check(vm);
    memoryChecks.salt(opts.salt);
    return this.core.mem_clone(vm, opts.salt ?? NO_SALT);
  }

  writePages(vm: number, gpns: Uint32Array, tokens: BigUint64Array): WriteFaults {
    this.check(vm);
    memoryChecks.batch(gpns, tokens);
    const n = gpns.length;
    const at = this.core.mem_batch_reserve(n) >>> 0;
    const buffer = this.core.memory.buffer;
    new Uint32Array(buffer, at, n).set(gpns);
    new BigUint64Array(buffer, at + tokensOffset(n), n).set(tokens);
    const status = this.core.mem_write(vm, n);
    if (status === STATUS_GPN_OUTSIDE) throw this.outside(vm, gpns);
    if (status === STATUS_OUT_OF_MEMORY) {
      throw memoryChecks.outOfMemory(this.core.mem_vm_host(vm), this.core.mem_last_detail_a(), this.core.mem_last_detail_b());
    }
    const c = this.core;
    return {
      tableFaults: c.mem_fault_last(0),
      demandZeroFaults: c.mem_fault_last(1),
      cowFaults: c.mem_fault_last(2),
      inPlaceWrites: c.mem_fault_last(3),
      bytesCopied: c.mem_fault_last(4),
    };
  }

  readPages(vm: number, gpns: Uint32Array): BigUint64Array {
    this.check(vm);
    if (!(gpns instanceof Uint32Array)) throw new Error("gpns must be a Uint32Array");
    const n = gpns.length;
    const at = this.core.mem_batch_reserve(n) >>> 0;
    new Uint32Array(this.core.memory.buffer, at, n).set(gpns);
    if (this.core.mem_read(vm, n) === STATUS_GPN_OUTSIDE) throw this.outside(vm, gpns);
    return new BigUint64Array(this.core.memory.buffer, at + tokensOffset(n), n).slice();
  }

  destroyVm(vm: number): void {
    this.check(vm);
    this.core.mem_destroy(vm);
  }

  tpsScan(host: number, budgetPages: number): TpsScanResult {
    memoryChecks.host(host, this.hostCount);
    memoryChecks.budget(budgetPages);
    const scanned = this.core.mem_tps_scan(host, budgetPages) >>> 0;
    return { scanned, merged: this.core.mem_tps_merged() >>> 0 };
  }

  vmStats(vm: number): VmMemoryStats {
    this.check(vm);
    const c = this.core;
    c.mem_vm_stats(vm);
    return {
      vm,
      host: c.mem_vm_host(vm),
      granted: c.mem_vm_counter(0) >>> 0,
      consumed: c.mem_vm_counter(1) >>> 0,
      shared: c.mem_vm_counter(2) >>> 0,
      sharedCommon: c.mem_vm_counter(3) >>> 0,
      private: c.mem_vm_counter(4) >>> 0,
      swapped: 0,
      ballooned: 0,
      compressed: 0,
    };
  }

  hostStats(host: number): HostMemoryStats {
    memoryChecks.host(host, this.hostCount);
    const c = this.core;
    const capacity = c.mem_host_capacity(host) >>> 0;
    const used = c.mem_host_used(host) >>> 0;
    return {
      host,
      capacity,
      used,
      free: capacity - used,
      sharedSaved: c.mem_host_mapped(host) - used,
      minFree: c.mem_host_min_free(host) >>> 0,
      state: STATES[c.mem_host_state(host)],
      vms: c.mem_host_vms(host) >>> 0,
    };
  }

  faultTotals(): WriteFaults {
    const c = this.core;
    return {
      tableFaults: c.mem_fault_total(0),
      demandZeroFaults: c.mem_fault_total(1),
      cowFaults: c.mem_fault_total(2),
      inPlaceWrites: c.mem_fault_total(3),
      bytesCopied: c.mem_fault_total(4),
    };
  }

  /** Bytes of wasm memory the engine's tables hold (frames, leaves, VMs, hosts), slack from doubling included. */
  engineBytes(): number {
    return this.core.mem_engine_bytes();
  }

  hasVm(vm: number): boolean {
    return Number.isInteger(vm) && vm > 0 && vm <= 0xffffffff && this.core.mem_vm_exists(vm) === 1;
  }

  vmCount(): number {
    return this.core.mem_vm_count() >>> 0;
  }

  private check(vm: number): void {
    if (!this.hasVm(vm)) throw memoryChecks.noVm(vm);
  }

  private outside(vm: number, gpns: Uint32Array): Error {
    const i = this.core.mem_last_detail_a();
    return memoryChecks.gpnOutside(gpns[i], vm, this.core.mem_vm_pages(vm));
  }
}

/** Byte offset of the tokens of an `n`-page batch in the scratch region (after the gpns, 8-aligned). */
function tokensOffset(n: number): number {
  return (n * 4 + 7) & ~7;
}
