// Page tokens of guest memory: the wasm kernel (assembly/guest) against the BigInt reference and
// against known answers computed with the C library (libxxhash 0.8.1, XXH64 seed 0).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PageHasher } from "../bindings/guests/real/pages.js";
import { referencePageTokens, xxh64 } from "./reference/guest-pages.js";

const text = (s: string) => new TextEncoder().encode(s);
/** Page i holds byte (i * 31 + 7) & 255 at offset i. */
const patternPage = () => Uint8Array.from({ length: 4096 }, (_, i) => (i * 31 + 7) & 255);

describe("guest page tokens", () => {
  it("reference XXH64 gives libxxhash's answers", () => {
    expect(xxh64(text(""))).toBe(0xef46db3751d8e999n);
    expect(xxh64(text("a"))).toBe(0xd24ec4f1a98c6e5bn);
    expect(xxh64(text("abc"))).toBe(0x44bc2cf5ad770999n);
    expect(xxh64(patternPage())).toBe(0xe21174be82dc78d9n);
  });

  it("the kernel gives libxxhash's answers for whole pages, and 0 for the zero page", () => {
    const last = new Uint8Array(4096);
    last[4095] = 1;
    const memory = new Uint8Array(3 * 4096);
    memory.set(patternPage(), 0);
    memory.set(last, 2 * 4096);
    const { tokens, nonZero } = new PageHasher().hash(memory);
    // page 0: the pattern; page 1: zeros; page 2: one byte set at its very end
    expect([...tokens]).toEqual([0xe21174be82dc78d9n, 0n, 0x2fbbd317c8cabf7cn]);
    expect(nonZero).toBe(2);
  });

  it("a memory that ends mid-page is hashed as if zero-padded", () => {
    const memory = patternPage().subarray(0, 100);
    const padded = new Uint8Array(4096);
    padded.set(memory);
    const hasher = new PageHasher();
    expect(hasher.hash(memory).tokens).toEqual(hasher.hash(padded).tokens);
  });

  it("refuses what is not guest memory", () => {
    expect(() => new PageHasher().hash([1, 2] as unknown as Uint8Array)).toThrow("guest memory must be a Uint8Array");
  });

  // Memories built from a few page kinds (zero, one byte set, random, copies of earlier pages),
  // sometimes longer than the kernel's 256-page batch, sometimes ending mid-page.
  const pageKind = fc.oneof(
    fc.constant({ kind: "zero" as const }),
    fc.record({ kind: fc.constant("byte" as const), at: fc.integer({ min: 0, max: 4095 }), value: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant("random" as const), bytes: fc.uint8Array({ minLength: 4096, maxLength: 4096 }) }),
    fc.record({ kind: fc.constant("copy" as const), of: fc.nat() }),
  );
  const memoryArb = fc
    .tuple(fc.array(pageKind, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 4095 }))
    .map(([kinds, zeroTail, cut]) => {
      const pages = kinds.length + zeroTail;
      const memory = new Uint8Array(pages * 4096);
      kinds.forEach((k, i) => {
        const page = memory.subarray(i * 4096, (i + 1) * 4096);
        if (k.kind === "byte") page[k.at] = k.value;
        else if (k.kind === "random") page.set(k.bytes);
        else if (k.kind === "copy" && i > 0) page.set(memory.subarray((k.of % i) * 4096, (k.of % i + 1) * 4096));
      });
      return cut ? memory.subarray(0, memory.byteLength - 4096 + cut) : memory;
    });

  it("kernel and reference agree on every token and on the non-zero count", () => {
    const hasher = new PageHasher();
    fc.assert(
      fc.property(memoryArb, (memory) => {
        const wasm = hasher.hash(memory);
        const ref = referencePageTokens(memory);
        expect(wasm.tokens).toEqual(ref.tokens);
        expect(wasm.nonZero).toBe(ref.nonZero);
      }),
      { numRuns: 60 },
    );
  });

  it("equal pages get equal tokens wherever they sit", () => {
    const hasher = new PageHasher();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4096, maxLength: 4096 }), fc.integer({ min: 1, max: 300 }), (page, at) => {
        const memory = new Uint8Array((at + 1) * 4096);
        memory.set(page, 0);
        memory.set(page, at * 4096);
        const { tokens } = hasher.hash(memory);
        expect(tokens[at]).toBe(tokens[0]);
      }),
      { numRuns: 30 },
    );
  });
});
