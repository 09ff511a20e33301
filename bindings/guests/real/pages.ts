/**
 * Page tokens of a guest's linear memory, by the wasm kernel in assembly/guest: each 4 KiB page
 * becomes its XXH64 (0 for the zero page), the token the memory engine keeps per frame.
 */
import { instantiateCore, type CoreExports } from "../../core/wasm.js";

/** Bytes in a guest page (the memory engine's page). */
export const PAGE_BYTES = 4096;
/** Pages hashed per kernel call: 1 MiB of guest memory through the scratch region at a time. */
const BATCH_PAGES = 256;

interface GuestExports extends CoreExports {
  guest_hash_pages(n: number): number;
}

/** Tokens of a guest memory image, one per 4 KiB page. */
export interface PageTokens {
  /** Token of page i (0: all zeros). */
  tokens: BigUint64Array;
  /** Pages whose token is not 0. */
  nonZero: number;
}

/** Cuts guest memory into pages and hashes them with the wasm kernel (one core instance of its own). */
export class PageHasher {
  private readonly core: GuestExports;

  constructor() {
    this.core = instantiateCore<GuestExports>();
  }

  /** Pages in `bytes` bytes of memory (a last partial page counts, read as zero-padded). */
  static pageCount(bytes: number): number {
    return Math.ceil(bytes / PAGE_BYTES);
  }

  /** Tokens of every page of `memory`. */
  hash(memory: Uint8Array): PageTokens {
    if (!(memory instanceof Uint8Array)) throw new Error("guest memory must be a Uint8Array");
    const pages = PageHasher.pageCount(memory.byteLength);
    const tokens = new BigUint64Array(pages);
    let nonZero = 0;
    const at = this.core.scratch_ensure(BATCH_PAGES * (PAGE_BYTES + 8)) >>> 0;
    for (let first = 0; first < pages; first += BATCH_PAGES) {
      const n = Math.min(BATCH_PAGES, pages - first);
      const start = first * PAGE_BYTES;
      const end = Math.min(memory.byteLength, start + n * PAGE_BYTES);
      // The scratch region never moves between these calls (reserved once above), but the view is
      // rebuilt per batch anyway: `memory.buffer` is only valid until the core grows.
      const scratch = new Uint8Array(this.core.memory.buffer, at, n * (PAGE_BYTES + 8));
      scratch.set(memory.subarray(start, end));
      if (end - start < n * PAGE_BYTES) scratch.fill(0, end - start, n * PAGE_BYTES);
      nonZero += this.core.guest_hash_pages(n);
      tokens.set(new BigUint64Array(this.core.memory.buffer, at + n * PAGE_BYTES, n), first);
    }
    return { tokens, nonZero };
  }
}
