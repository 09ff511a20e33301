/**
 * Reference model of the memory engine: the semantics of assembly/memory in plain TypeScript, with
 * objects and Maps instead of raw arrays. Property tests drive it and the wasm `MemoryEngine` with
 * the same operations and compare everything observable.
 *
 * One deliberate difference in method: the wasm engine refuses an over-large write batch by a dry
 * pass that counts the frames it needs; this model applies the batch with an undo journal and rolls
 * back. Both pay for it only when the batch could run out of frames (more writes than free frames);
 * any other batch is applied directly. The two must agree on every count and message.
 */
import {
  defaultSaltKey,
  memoryChecks,
  memoryState,
  minFreePages,
  PAGES_PER_MIB,
  type CreateVmOptions,
  type HostMemoryStats,
  type MemoryEngineApi,
  type MemoryEngineOptions,
  type TpsScanResult,
  type VmMemoryStats,
  type WriteFaults,
} from "../../bindings/core/memory-types.js";

const LEAF_ENTRIES = 512;
const PAGE_BYTES = 4096;
/** Explicit salts are below this; default (per-VM) salt keys are at or above it. */
const DEFAULT_SALT_BASE = 0x80000000;

/** One page of host memory. */
class Frame {
  refs = 1;
  /** Canonical copy of its content for TPS under `salt` (cleared by an in-place write or free). */
  canon = false;
  salt = 0;
  live = true;
  constructor(public token: bigint) {}
}

/** Leaf salt of a leaf mapped by VMs of different salts. */
const SALT_MIXED = 0xffffffff;

/** 512 frame slots of a VM's guest memory (2 MiB), shared between clones until written. */
class Leaf {
  refcount = 1;
  entries: (Frame | null)[] = new Array<Frame | null>(LEAF_ENTRIES).fill(null);
  /** The salt every VM mapping this leaf shares under, or SALT_MIXED. */
  constructor(public salt: number) {}
}

class Vm {
  granted = 0;
  dir: (Leaf | null)[];
  constructor(
    public id: number,
    public host: number,
    public pages: number,
    public saltKey: number,
  ) {
    this.dir = new Array<Leaf | null>(Math.ceil(pages / LEAF_ENTRIES)).fill(null);
  }
}

class Host {
  used = 0;
  mapped = 0;
  vms = 0;
  cursorVm = 0;
  cursorGpn = 0;
  /** salt → token → canonical frame; entries go stale rather than being removed. */
  hints = new Map<number, Map<bigint, Frame>>();
  constructor(public capacity: number) {}
}

function zeroFaults(): WriteFaults {
  return { tableFaults: 0, demandZeroFaults: 0, cowFaults: 0, inPlaceWrites: 0, bytesCopied: 0 };
}

/** The memory engine in plain TypeScript (see `MemoryEngineApi`). */
export class ReferenceMemoryEngine implements MemoryEngineApi {
  readonly hostCount: number;
  private readonly hosts: Host[];
  private readonly vms = new Map<number, Vm>();
  /** VM ids given back by destroy, reused last-in first-out. */
  private readonly freeIds: number[] = [];
  private nextId = 1;
  /** Counts every VM made (create or clone); default salt keys come from it. */
  private serial = 0;
  private readonly totals = zeroFaults();

  /** An engine with the given hosts, every host empty. */
  static create(opts: MemoryEngineOptions): ReferenceMemoryEngine {
    return new ReferenceMemoryEngine(opts);
  }

  private constructor(opts: MemoryEngineOptions) {
    const caps = memoryChecks.hostCapacities(opts);
    this.hostCount = caps.length;
    this.hosts = caps.map((c) => new Host(c));
  }

  createVm(opts: CreateVmOptions): number {
    memoryChecks.host(opts.host, this.hostCount);
    memoryChecks.memoryMiB(opts.memoryMiB);
    memoryChecks.salt(opts.salt);
    const id = this.takeId();
    this.serial++;
    const saltKey = opts.salt ?? defaultSaltKey(this.serial);
    this.vms.set(id, new Vm(id, opts.host, opts.memoryMiB * PAGES_PER_MIB, saltKey));
    this.hosts[opts.host].vms++;
    return id;
  }

  instantClone(vm: number, opts: { salt?: number } = {}): number {
    const parent = this.vm(vm);
    memoryChecks.salt(opts.salt);
    const id = this.takeId();
    this.serial++;
    const saltKey = opts.salt ?? (parent.saltKey < DEFAULT_SALT_BASE ? parent.saltKey : defaultSaltKey(this.serial));
    const child = new Vm(id, parent.host, parent.pages, saltKey);
    child.dir = parent.dir.slice();
    for (const leaf of child.dir) {
      if (!leaf) continue;
      leaf.refcount++;
      if (leaf.salt !== saltKey) leaf.salt = SALT_MIXED;
    }
    child.granted = parent.granted;
    const host = this.hosts[parent.host];
    host.mapped += child.granted;
    host.vms++;
    this.vms.set(id, child);
    return id;
  }

  writePages(vm: number, gpns: Uint32Array, tokens: BigUint64Array): WriteFaults {
    const v = this.vm(vm);
    memoryChecks.batch(gpns, tokens);
    for (const gpn of gpns) if (gpn >= v.pages) throw memoryChecks.gpnOutside(gpn, vm, v.pages);
    const host = this.hosts[v.host];
    const freeBefore = host.capacity - host.used;
    const faults = zeroFaults();
    // n writes take at most n frames: only a batch that might not fit keeps an undo journal.
    const journal = gpns.length > freeBefore;
    const undo: (() => void)[] = [];
    let allocated = 0;
    for (let i = 0; i < gpns.length; i++) {
      const gpn = gpns[i];
      const token = tokens[i];
      const d = (gpn / LEAF_ENTRIES) >>> 0;
      const e = gpn % LEAF_ENTRIES;
      let leaf = v.dir[d];
      if (!leaf) {
        // Untouched 2 MiB: a fresh, private leaf (not a fault: nothing is copied).
        const fresh = new Leaf(v.saltKey);
        v.dir[d] = fresh;
        if (journal) undo.push(() => (v.dir[d] = null));
        leaf = fresh;
      } else if (leaf.refcount > 1) {
        // 1. table fault: the leaf is shared with a clone; take a private copy.
        const shared = leaf;
        const copy = new Leaf(v.saltKey);
        copy.entries = shared.entries.slice();
        for (const f of copy.entries) if (f) f.refs++;
        shared.refcount--;
        v.dir[d] = copy;
        faults.tableFaults++;
        if (journal) {
          undo.push(() => {
            for (const f of copy.entries) if (f) f.refs--;
            shared.refcount++;
            v.dir[d] = shared;
          });
        }
        leaf = copy;
      }
      const frame = leaf.entries[e];
      const l = leaf;
      if (!frame) {
        // 2. demand-zero fault.
        const fresh = new Frame(token);
        allocated++;
        host.used++;
        l.entries[e] = fresh;
        v.granted++;
        host.mapped++;
        faults.demandZeroFaults++;
        if (journal) {
          undo.push(() => {
            fresh.live = false;
            host.used--;
            l.entries[e] = null;
            v.granted--;
            host.mapped--;
          });
        }
      } else if (frame.refs > 1) {
        // 3. copy-on-write fault.
        const fresh = new Frame(token);
        allocated++;
        host.used++;
        l.entries[e] = fresh;
        frame.refs--;
        faults.cowFaults++;
        faults.bytesCopied += PAGE_BYTES;
        if (journal) {
          undo.push(() => {
            fresh.live = false;
            host.used--;
            l.entries[e] = frame;
            frame.refs++;
          });
        }
      } else {
        // 4. in place; the frame is no longer a trustworthy canonical copy.
        const oldToken = frame.token;
        const canon = frame.canon;
        frame.token = token;
        frame.canon = false;
        faults.inPlaceWrites++;
        if (journal) {
          undo.push(() => {
            frame.token = oldToken;
            frame.canon = canon;
          });
        }
      }
    }
    if (allocated > freeBefore) {
      for (let i = undo.length - 1; i >= 0; i--) undo[i]();
      throw memoryChecks.outOfMemory(v.host, allocated, freeBefore);
    }
    for (const k of Object.keys(faults) as (keyof WriteFaults)[]) this.totals[k] += faults[k];
    return faults;
  }

  readPages(vm: number, gpns: Uint32Array): BigUint64Array {
    const v = this.vm(vm);
    if (!(gpns instanceof Uint32Array)) throw new Error("gpns must be a Uint32Array");
    for (const gpn of gpns) if (gpn >= v.pages) throw memoryChecks.gpnOutside(gpn, vm, v.pages);
    const out = new BigUint64Array(gpns.length);
    gpns.forEach((gpn, i) => {
      out[i] = v.dir[Math.floor(gpn / LEAF_ENTRIES)]?.entries[gpn % LEAF_ENTRIES]?.token ?? 0n;
    });
    return out;
  }

  destroyVm(vm: number): void {
    const v = this.vm(vm);
    const host = this.hosts[v.host];
    for (const leaf of v.dir) {
      if (!leaf || --leaf.refcount > 0) continue;
      for (const f of leaf.entries) if (f && --f.refs === 0) this.freeFrame(host, f);
    }
    host.mapped -= v.granted;
    host.vms--;
    this.vms.delete(vm);
    this.freeIds.push(vm);
  }

  tpsScan(hostId: number, budgetPages: number): TpsScanResult {
    memoryChecks.host(hostId, this.hostCount);
    memoryChecks.budget(budgetPages);
    const host = this.hosts[hostId];
    const vms: Vm[] = [];
    for (const v of this.vms.values()) if (v.host === hostId) vms.push(v);
    vms.sort((a, b) => a.id - b.id);
    const scan = { scanned: 0, merged: 0, budget: budgetPages };
    const cv = host.cursorVm;
    const cg = host.cursorGpn;
    // One pass sees each page at most once: cursor → end, then start → cursor.
    if (this.tpsWalk(host, vms, scan, cv, cg, Infinity, 0)) this.tpsWalk(host, vms, scan, 0, 0, cv, cg);
    return { scanned: scan.scanned, merged: scan.merged };
  }

  /**
   * Visits mapped pages of `vms` (one host's, by id) in (VM id, gpn) order from (fromVm, fromGpn) up
   * to, not including, (toVm, toGpn), until the budget is scanned. Returns false when it ran out.
   */
  private tpsWalk(host: Host, vms: Vm[], scan: { scanned: number; merged: number; budget: number }, fromVm: number, fromGpn: number, toVm: number, toGpn: number): boolean {
    for (const v of vms) {
      if (v.id < fromVm || v.id > toVm) continue;
      const end = v.id === toVm ? Math.min(toGpn, v.pages) : v.pages;
      const start = v.id === fromVm ? fromGpn : 0;
      if (start >= end) continue;
      const salt = v.saltKey;
      let hints = host.hints.get(salt);
      if (!hints) host.hints.set(salt, (hints = new Map()));
      const dEnd = Math.ceil(end / LEAF_ENTRIES);
      for (let d = (start / LEAF_ENTRIES) >>> 0; d < dEnd; d++) {
        const leaf = v.dir[d];
        if (!leaf) continue;
        // Candidates: pages of the VM's own leaves, or of leaves whose VMs all share under its salt.
        const candidates = leaf.refcount === 1 || leaf.salt === salt;
        const base = d * LEAF_ENTRIES;
        const e0 = base < start ? start - base : 0;
        const e1 = Math.min(LEAF_ENTRIES, end - base);
        const entries = leaf.entries;
        for (let e = e0; e < e1; e++) {
          const frame = entries[e];
          if (!frame) continue;
          if (scan.scanned === scan.budget) return false;
          scan.scanned++;
          host.cursorVm = v.id;
          host.cursorGpn = base + e + 1;
          if (!candidates || frame.refs !== 1) continue;
          const canon = hints.get(frame.token);
          if (canon && canon.live && canon.canon && canon.token === frame.token && canon.salt === salt) {
            if (canon === frame) continue;
            entries[e] = canon;
            canon.refs++;
            this.freeFrame(host, frame);
            scan.merged++;
          } else {
            frame.canon = true;
            frame.salt = salt;
            hints.set(frame.token, frame);
          }
        }
      }
    }
    return true;
  }

  vmStats(vm: number): VmMemoryStats {
    const v = this.vm(vm);
    let shared = 0;
    let sharedCommon = 0;
    const privateMappings = new Map<Frame, number>();
    for (const leaf of v.dir) {
      if (!leaf) continue;
      for (const f of leaf.entries) {
        if (!f) continue;
        if (leaf.refcount > 1 || f.refs > 1) {
          shared++;
          if (f.token === 0n) sharedCommon++;
        }
        if (leaf.refcount === 1) privateMappings.set(f, (privateMappings.get(f) ?? 0) + 1);
      }
    }
    let consumed = 0;
    for (const [f, n] of privateMappings) if (n === f.refs) consumed++;
    return {
      vm,
      host: v.host,
      granted: v.granted,
      consumed,
      shared,
      sharedCommon,
      private: v.granted - shared,
      swapped: 0,
      ballooned: 0,
      compressed: 0,
    };
  }

  hostStats(hostId: number): HostMemoryStats {
    memoryChecks.host(hostId, this.hostCount);
    const h = this.hosts[hostId];
    const free = h.capacity - h.used;
    const minFree = minFreePages(h.capacity);
    return {
      host: hostId,
      capacity: h.capacity,
      used: h.used,
      free,
      sharedSaved: h.mapped - h.used,
      minFree,
      state: memoryState(free, minFree),
      vms: h.vms,
    };
  }

  faultTotals(): WriteFaults {
    return { ...this.totals };
  }

  hasVm(vm: number): boolean {
    return this.vms.has(vm);
  }

  vmCount(): number {
    return this.vms.size;
  }

  private vm(vm: number): Vm {
    const v = this.vms.get(vm);
    if (!v) throw memoryChecks.noVm(vm);
    return v;
  }

  private takeId(): number {
    return this.freeIds.pop() ?? this.nextId++;
  }

  private freeFrame(host: Host, f: Frame): void {
    f.live = false;
    f.canon = false;
    host.used--;
  }
}
