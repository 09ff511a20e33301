/**
 * The memory engine's public shape, shared by the wasm `MemoryEngine` and the plain-TypeScript
 * `ReferenceMemoryEngine` (test/reference/memory.ts). Pages are 4 KiB; sizes named `...MiB` are MiB;
 * every other count is in pages.
 */

/** How many hosts the engine simulates and how much memory each has. */
export interface MemoryEngineOptions {
  /** Number of hosts, 1 to 65,535. Hosts are numbered from 0. */
  hosts: number;
  /** Memory of every host in MiB (one number for all, or one per host), 1 to 16,777,215. */
  hostMemoryMiB: number | number[];
}

/**
 * What a batch of writes cost, by fault kind (see DESIGN §3, the four-step write path).
 *
 * - `tableFaults`: a write met a leaf table shared with a clone and copied it (512 entries;
 *   every frame in it gained a reference). Counted as table copies, not in `bytesCopied`.
 * - `demandZeroFaults`: a write met an unmapped page and took a fresh frame.
 * - `cowFaults`: a write met a shared frame and took a fresh one (a real hypervisor copies 4 KiB).
 * - `inPlaceWrites`: a write met a private frame and changed it in place.
 * - `bytesCopied`: bytes a real hypervisor would have copied for page content: 4,096 per CoW fault.
 */
export interface WriteFaults {
  tableFaults: number;
  demandZeroFaults: number;
  cowFaults: number;
  inPlaceWrites: number;
  bytesCopied: number;
}

/**
 * A VM's memory counters, in pages, named as vSphere names them.
 *
 * - `granted`: guest pages backed by a host frame (written at least once, or inherited from the
 *   parent by instant clone). Untouched pages read as zero and are not granted.
 * - `shared`: granted pages whose frame also backs another guest page, of this VM or another one
 *   (the leaf table holding it is shared with a clone, or the frame has several mappings).
 * - `sharedCommon`: shared pages whose content is the zero page (token 0).
 * - `private`: `granted - shared`.
 * - `consumed`: host frames that back this VM and no other VM, each counted once, however many of
 *   its guest pages map it. Shared pages are not counted fractionally: a frame used by two VMs is in
 *   neither VM's `consumed` (it is in the host's `used`, and its saving in `sharedSaved`).
 * - `swapped`, `ballooned`, `compressed`: reported for counter completeness; always 0 until
 *   reclamation (balloon, compression, swap) is modelled.
 */
export interface VmMemoryStats {
  vm: number;
  host: number;
  granted: number;
  consumed: number;
  shared: number;
  sharedCommon: number;
  private: number;
  swapped: number;
  ballooned: number;
  compressed: number;
}

/** ESXi's host memory state, from free memory against minFree (see `HostMemoryStats.state`). */
export type HostMemoryState = "high" | "clear" | "soft" | "hard" | "low";

/**
 * A host's memory counters, in pages.
 *
 * - `capacity`: frames of host memory. `used`: frames in use. `free`: `capacity - used`.
 * - `sharedSaved`: guest pages mapped by the host's VMs minus frames in use (what sharing saves).
 * - `minFree`: ESXi's minFree: 899 MiB for the first 28 GiB plus 1 % of the rest; a host smaller
 *   than 28 GiB gets 899 MiB scaled by its share of 28 GiB (rounded down).
 * - `state`: `high` while free ≥ minFree (ESXi breaks large pages between 400 % and 100 %),
 *   `clear` below 100 % (TPS now), `soft` below 64 % (balloon), `hard` below 32 % (compress, swap),
 *   `low` below 16 % (block allocations). No hysteresis.
 * - `vms`: VMs on the host.
 */
export interface HostMemoryStats {
  host: number;
  capacity: number;
  used: number;
  free: number;
  sharedSaved: number;
  minFree: number;
  state: HostMemoryState;
  vms: number;
}

/** Result of one transparent-page-sharing pass. */
export interface TpsScanResult {
  /** Mapped guest pages visited (at most the budget; each page at most once per pass). */
  scanned: number;
  /** Duplicate frames freed by remapping their page to a canonical frame. */
  merged: number;
}

/** Options of `createVm`. */
export interface CreateVmOptions {
  host: number;
  /** Guest memory in MiB, 1 to 1,048,576. */
  memoryMiB: number;
  /**
   * Page-sharing salt, 0 to 2,147,483,647: VMs share pages by TPS only when their salts are equal.
   * Omitted: a salt of the VM's own (intra-VM sharing only, ESXi's default). A tenant id lets one
   * tenant's VMs share; 0 shares with every VM that also chose 0 (insecure opt-in).
   */
  salt?: number;
}

/**
 * The memory engine: frames, two-level page tables with shared leaf tables, instant clone,
 * copy-on-write writes, transparent page sharing and vSphere's memory counters.
 *
 * Every call validates its input first and throws an `Error` in the caller's terms
 * (`VM 7 does not exist`) without changing anything.
 */
export interface MemoryEngineApi {
  readonly hostCount: number;
  /** Creates a VM with no memory touched yet (every page reads as zero); returns its handle. */
  createVm(opts: CreateVmOptions): number;
  /**
   * Instant clone (VMFork): a child on the parent's host that shares all of the parent's memory
   * copy-on-write. Salt: `opts.salt` if given; else the parent's salt if the parent was given one
   * explicitly (or inherited one); else a default salt of the child's own.
   */
  instantClone(vm: number, opts?: { salt?: number }): number;
  /** Writes `tokens[i]` to guest page `gpns[i]`, in order; all or nothing. */
  writePages(vm: number, gpns: Uint32Array, tokens: BigUint64Array): WriteFaults;
  /** Content tokens of guest pages (0 for pages never written). */
  readPages(vm: number, gpns: Uint32Array): BigUint64Array;
  /** Drops the VM's page tables; frames still used by clones survive. */
  destroyVm(vm: number): void;
  /**
   * Scans up to `budgetPages` mapped pages of the host in (VM id, gpn) order, resuming where the
   * last scan stopped, each page at most once a call. A page whose frame has one mapping is merged
   * into the canonical frame of the same (content, salt), or becomes it; pages of a leaf table
   * shared by VMs of different salts are skipped.
   */
  tpsScan(host: number, budgetPages: number): TpsScanResult;
  vmStats(vm: number): VmMemoryStats;
  hostStats(host: number): HostMemoryStats;
  /** Engine-wide fault totals since create. */
  faultTotals(): WriteFaults;
  hasVm(vm: number): boolean;
  vmCount(): number;
}

/** Pages per MiB. */
export const PAGES_PER_MIB = 256;
/** Largest VM, in MiB (1 TiB). */
export const MAX_VM_MIB = 1_048_576;
/** Largest host, in MiB. */
export const MAX_HOST_MIB = 16_777_215;
/** Most hosts an engine can have. */
export const MAX_HOSTS = 65_535;
/** Largest explicit salt. */
export const MAX_SALT = 2_147_483_647;

/** ESXi's minFree in pages for a host of `capacityPages` (see `HostMemoryStats.minFree`). */
export function minFreePages(capacityPages: number): number {
  const first28GiB = 28 * 1024 * PAGES_PER_MIB;
  const base = 899 * PAGES_PER_MIB;
  if (capacityPages >= first28GiB) return base + Math.floor((capacityPages - first28GiB) / 100);
  return Math.floor((base * capacityPages) / first28GiB);
}

/** ESXi's memory state for `free` pages against `minFree` pages. */
export function memoryState(free: number, minFree: number): HostMemoryState {
  if (free * 100 < minFree * 16) return "low";
  if (free * 100 < minFree * 32) return "hard";
  if (free * 100 < minFree * 64) return "soft";
  if (free < minFree) return "clear";
  return "high";
}

/** Shared option checks, so both engines word their errors identically. */
export const memoryChecks = {
  /** Validates `MemoryEngineOptions` and returns the capacity of every host in pages. */
  hostCapacities(opts: MemoryEngineOptions): number[] {
    const { hosts, hostMemoryMiB } = opts;
    if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_HOSTS) {
      throw new Error(`hosts must be an integer from 1 to ${MAX_HOSTS}, got ${hosts}`);
    }
    const mibs = Array.isArray(hostMemoryMiB) ? hostMemoryMiB : new Array<number>(hosts).fill(hostMemoryMiB);
    if (mibs.length !== hosts) {
      throw new Error(`hostMemoryMiB lists ${mibs.length} hosts, but hosts is ${hosts}`);
    }
    return mibs.map((mib, h) => {
      if (!Number.isInteger(mib) || mib < 1 || mib > MAX_HOST_MIB) {
        throw new Error(`memory of host ${h} must be an integer number of MiB from 1 to ${MAX_HOST_MIB}, got ${mib}`);
      }
      return mib * PAGES_PER_MIB;
    });
  },
  /** Throws unless `host` is a host of an engine with `hostCount` hosts. */
  host(host: number, hostCount: number): void {
    if (!Number.isInteger(host) || host < 0 || host >= hostCount) {
      throw new Error(`host ${host} does not exist (the engine has ${hostCount} host${hostCount === 1 ? "" : "s"})`);
    }
  },
  /** Throws unless `memoryMiB` is a valid VM size. */
  memoryMiB(memoryMiB: number): void {
    if (!Number.isInteger(memoryMiB) || memoryMiB < 1 || memoryMiB > MAX_VM_MIB) {
      throw new Error(`memoryMiB must be an integer from 1 to ${MAX_VM_MIB}, got ${memoryMiB}`);
    }
  },
  /** Throws unless `salt` is undefined or a valid salt. */
  salt(salt: number | undefined): void {
    if (salt === undefined) return;
    if (!Number.isInteger(salt) || salt < 0 || salt > MAX_SALT) {
      throw new Error(`salt must be an integer from 0 to ${MAX_SALT}, got ${salt}`);
    }
  },
  /** Throws unless `budget` is a valid scan budget. */
  budget(budget: number): void {
    if (!Number.isInteger(budget) || budget < 0 || budget > 0xffffffff) {
      throw new Error(`budgetPages must be an integer from 0 to 4294967295, got ${budget}`);
    }
  },
  /** Throws unless the two arrays of a write batch have the same length. */
  batch(gpns: Uint32Array, tokens: BigUint64Array): void {
    if (!(gpns instanceof Uint32Array)) throw new Error("gpns must be a Uint32Array");
    if (!(tokens instanceof BigUint64Array)) throw new Error("tokens must be a BigUint64Array");
    if (gpns.length !== tokens.length) {
      throw new Error(`gpns and tokens differ in length (${gpns.length} and ${tokens.length})`);
    }
  },
  /** The error for a guest page number beyond the VM. */
  gpnOutside(gpn: number, vm: number, pages: number): Error {
    return new Error(`gpn ${gpn} is outside VM ${vm} (${pages} pages)`);
  },
  /** The error for a handle that names no VM. */
  noVm(vm: number): Error {
    return new Error(`VM ${vm} does not exist`);
  },
  /** The error for a batch that needs more frames than the host has free. */
  outOfMemory(host: number, needed: number, free: number): Error {
    return new Error(`host ${host} is out of memory: ${needed} frames needed, ${free} free`);
  },
};

/** The salt key of the `serial`-th VM made with a default salt: 2^31 and up, never 0xFFFFFFFF (a leaf of mixed salts). */
export function defaultSaltKey(serial: number): number {
  return (0x80000000 | serial % 0x7fffffff) >>> 0;
}
