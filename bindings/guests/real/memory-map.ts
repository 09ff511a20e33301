/**
 * Real guest memory in the memory engine: a container VM's guest pages are the guest's linear
 * memory, hashed page by page (pages.ts) and written as tokens, so instant clone, copy-on-write and
 * transparent page sharing work on real content.
 *
 * Byte comparison before merging, as ESXi does: a 64-bit hash only proposes that two pages are
 * equal. The engine merges frames whose tokens are equal, so this map makes tokens trustworthy
 * first: it keeps one copy of the bytes of every distinct page content its guests hold (what the
 * host's frames would hold anyway), and every page whose hash is already known is compared byte for
 * byte with that copy. A page that differs gets a token of its own (the hash re-mixed until free),
 * so two pages share a token, and may share a frame, only when their bytes are equal.
 */
import type { MemoryEngineApi, WriteFaults } from "../../core/memory-types.js";
import { PAGE_BYTES, PageHasher } from "./pages.js";

/** Guest VMs are sized for the whole wasm32 address space: the guest's limit is enforced by its worker. */
export const GUEST_VM_MIB = 4096;
const GUEST_VM_PAGES = (GUEST_VM_MIB * 1024 * 1024) / PAGE_BYTES;

/** One distinct page content: its bytes and how many guest pages (of all VMs here) hold it. */
interface Content {
  bytes: Uint8Array;
  refs: number;
}

/** A container VM whose pages mirror a real guest's memory. */
export interface GuestVm {
  /** The memory engine's VM handle. */
  readonly vm: number;
  /** The token the engine holds for each guest page this map has written (index = gpn). */
  tokens: BigUint64Array;
}

/** What one scan found and wrote. */
export interface GuestScan {
  /** Pages of guest memory scanned (its current size). */
  pages: number;
  /** Of them, pages that are not all zeros. */
  nonZero: number;
  /** Pages whose content changed since the VM's last scan (or since its template): written to the engine. */
  dirtied: number;
  /** Faults the writes caused in the engine (copy-on-write breaks of pages shared with the template, …). */
  faults: WriteFaults;
  /** Pages whose hash matched a known content: compared byte for byte. */
  compared: number;
  /** Of them, pages whose bytes differed (a 64-bit hash collision): given a token of their own. */
  collisions: number;
}

const NO_FAULTS: WriteFaults = { tableFaults: 0, demandZeroFaults: 0, cowFaults: 0, inPlaceWrites: 0, bytesCopied: 0 };

/** Maps real guests' memories onto VMs of one memory engine. */
export class GuestMemoryMap {
  private readonly contents = new Map<bigint, Content>();
  private readonly hasher: Pick<PageHasher, "hash">;

  constructor(readonly engine: MemoryEngineApi, hasher?: Pick<PageHasher, "hash">) {
    this.hasher = hasher ?? new PageHasher();
  }

  /** Distinct non-zero page contents held for byte comparison (one copy each). */
  get distinctContents(): number {
    return this.contents.size;
  }

  /** A template VM holding `image` (a runtime's booted memory) on `host`, salted with `salt` (e.g. an image's). */
  createTemplate(host: number, image: Uint8Array, salt?: number): { vm: GuestVm; scan: GuestScan } {
    const vm = this.engine.createVm({ host, memoryMiB: GUEST_VM_MIB, ...(salt === undefined ? {} : { salt }) });
    const g: GuestVm = { vm, tokens: new BigUint64Array(0) };
    try {
      return { vm: g, scan: this.scan(g, image) };
    } catch (error) {
      this.engine.destroyVm(vm);
      throw error;
    }
  }

  /** Instant clone of a template VM: the guest's VM shares every page with it until its first scan. */
  clone(template: GuestVm, salt?: number): GuestVm {
    const vm = this.engine.instantClone(template.vm, salt === undefined ? {} : { salt });
    for (const t of template.tokens) this.ref(t);
    return { vm, tokens: template.tokens.slice() };
  }

  /**
   * Writes the guest's current memory to its VM: every page whose content differs from what the VM
   * holds is written (a zero page where content was becomes token 0; untouched zero pages are not
   * written). All or nothing: if the engine refuses the batch, the VM and this map are unchanged.
   */
  scan(g: GuestVm, memory: Uint8Array): GuestScan {
    const pages = PageHasher.pageCount(memory.byteLength);
    if (pages > GUEST_VM_PAGES) throw new Error(`guest memory of ${memory.byteLength} bytes is larger than wasm32's 4 GiB`);
    const { tokens: raw, nonZero } = this.hasher.hash(memory);
    const width = Math.max(pages, g.tokens.length);
    const next = new BigUint64Array(width);
    const gpns: number[] = [];
    let compared = 0;
    let collisions = 0;
    const added: bigint[] = [];
    for (let gpn = 0; gpn < pages; gpn++) {
      const h = raw[gpn];
      if (h === 0n) continue;
      const page = memory.subarray(gpn * PAGE_BYTES, Math.min(memory.byteLength, (gpn + 1) * PAGE_BYTES));
      let token = h;
      for (let probe = 1; ; probe++) {
        const known = this.contents.get(token);
        if (!known) {
          const bytes = new Uint8Array(PAGE_BYTES);
          bytes.set(page);
          this.contents.set(token, { bytes, refs: 0 });
          added.push(token);
          break;
        }
        compared += probe === 1 ? 1 : 0;
        if (samePage(known.bytes, page)) break;
        if (probe === 1) collisions++;
        token = remix(h, probe);
      }
      next[gpn] = token;
    }
    for (let gpn = 0; gpn < width; gpn++) if (next[gpn] !== (g.tokens[gpn] ?? 0n)) gpns.push(gpn);
    let faults = NO_FAULTS;
    if (gpns.length) {
      try {
        faults = this.engine.writePages(g.vm, Uint32Array.from(gpns), BigUint64Array.from(gpns, (p) => next[p]));
      } catch (error) {
        for (const t of added) if (this.contents.get(t)?.refs === 0) this.contents.delete(t);
        throw error;
      }
    }
    for (const gpn of gpns) {
      this.ref(next[gpn]);
      this.unref(g.tokens[gpn] ?? 0n);
    }
    for (const t of added) if (this.contents.get(t)?.refs === 0) this.contents.delete(t);
    g.tokens = next;
    return { pages, nonZero, dirtied: gpns.length, faults, compared, collisions };
  }

  /**
   * Moves a guest's pages to a clone of `template` (its runtime's template VM on another host, as
   * vMotion does): the pages that differ from the template are written there, then `g` is released.
   */
  relocate(g: GuestVm, template: GuestVm, salt?: number): GuestVm {
    const fresh = this.clone(template, salt);
    const width = Math.max(g.tokens.length, fresh.tokens.length);
    const next = new BigUint64Array(width);
    next.set(g.tokens);
    const gpns: number[] = [];
    for (let gpn = 0; gpn < width; gpn++) if (next[gpn] !== (fresh.tokens[gpn] ?? 0n)) gpns.push(gpn);
    try {
      if (gpns.length) this.engine.writePages(fresh.vm, Uint32Array.from(gpns), BigUint64Array.from(gpns, (p) => next[p]));
    } catch (error) {
      this.release(fresh);
      throw error;
    }
    for (const gpn of gpns) {
      this.ref(next[gpn]);
      this.unref(fresh.tokens[gpn] ?? 0n);
    }
    fresh.tokens = next;
    this.release(g);
    return fresh;
  }

  /** Destroys the guest's VM and lets go of the contents only it held. */
  release(g: GuestVm): void {
    this.engine.destroyVm(g.vm);
    for (const t of g.tokens) this.unref(t);
    g.tokens = new BigUint64Array(0);
  }

  private ref(token: bigint): void {
    if (token === 0n) return;
    const c = this.contents.get(token);
    if (c) c.refs++;
  }

  private unref(token: bigint): void {
    if (token === 0n) return;
    const c = this.contents.get(token);
    if (c && --c.refs <= 0) this.contents.delete(token);
  }
}

/** True when the two 4 KiB pages hold the same bytes (`b` may be a shorter last page, zero-padded). */
function samePage(a: Uint8Array, b: Uint8Array): boolean {
  if (b.byteLength === PAGE_BYTES && b.byteOffset % 4 === 0 && a.byteOffset % 4 === 0) {
    const x = new Uint32Array(a.buffer, a.byteOffset, PAGE_BYTES / 4);
    const y = new Uint32Array(b.buffer, b.byteOffset, PAGE_BYTES / 4);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  for (let i = 0; i < PAGE_BYTES; i++) if (a[i] !== (i < b.byteLength ? b[i] : 0)) return false;
  return true;
}

/** Another token for a content whose hash `h` is taken by different bytes (never 0). */
function remix(h: bigint, probe: number): bigint {
  const x = BigInt.asUintN(64, (h ^ BigInt(probe)) * 0x9e3779b97f4a7c15n);
  return x === 0n ? 1n : x;
}
