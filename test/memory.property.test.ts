// Random operation sequences through the wasm MemoryEngine and the reference model: every result,
// every error message, every counter and every page must agree.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryEngine } from "../bindings/core/memory.js";
import type { MemoryEngineApi } from "../bindings/core/memory-types.js";
import { ReferenceMemoryEngine } from "./reference/memory.js";

type Op =
  | { kind: "create"; host: number; memoryMiB: number; salt?: number }
  | { kind: "clone"; pick: number; salt?: number }
  | { kind: "write"; pick: number; pages: number[]; tokens: number[] }
  | { kind: "read"; pick: number; pages: number[] }
  | { kind: "scan"; host: number; budget: number }
  | { kind: "destroy"; pick: number };

/** A page as a fraction of the VM's size (uniform over the VM). */
const page = fc.noBias(fc.integer({ min: 0, max: 9999 })).map((i) => i / 10000);
/** Few distinct tokens, so pages repeat and TPS has work; 0 is the zero page. */
const token = fc.noBias(fc.integer({ min: 0, max: 5 }));
const salt = fc.option(fc.constantFrom(0, 1, 2, 7), { nil: undefined });
/** Mostly valid, sometimes not: `rare` comes once in `1 + weight` draws. */
const mostly = <T>(valid: fc.Arbitrary<T>, rare: fc.Arbitrary<T>, weight = 15) =>
  fc.oneof({ weight, arbitrary: valid }, { weight: 1, arbitrary: rare });
/** Index into the live VMs, or (rarely) a handle that names nothing. */
const pick = mostly(fc.integer({ min: 0, max: 40 }), fc.constantFrom(-1, -2));
const host = mostly(fc.integer({ min: 0, max: 1 }), fc.constantFrom(-1, 2));
/** Small batches, and big ones that can exhaust a host. */
const batch = fc
  .tuple(
    fc.oneof(
      { weight: 3, arbitrary: fc.array(fc.tuple(page, token), { maxLength: 24 }) },
      { weight: 1, arbitrary: fc.array(fc.tuple(page, token), { minLength: 100, maxLength: 400 }) },
    ),
    // now and then one page just beyond the VM, anywhere in the batch
    mostly(fc.constant(-1), fc.nat()),
  )
  .map(([ws, at]) => (at < 0 ? ws : [...ws.slice(0, at % (ws.length + 1)), [1.001, 1] as [number, number], ...ws.slice(at % (ws.length + 1))]));

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("create" as const), host, memoryMiB: mostly(fc.integer({ min: 1, max: 3 }), fc.constant(0)), salt }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("clone" as const), pick, salt }) },
  {
    weight: 8,
    arbitrary: batch.chain((ws) => fc.record({ kind: fc.constant("write" as const), pick, pages: fc.constant(ws.map((w) => w[0])), tokens: fc.constant(ws.map((w) => w[1])) })),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("read" as const), pick, pages: fc.array(mostly(page, fc.constant(1.001), 40), { maxLength: 20 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("scan" as const), host, budget: mostly(fc.integer({ min: 0, max: 600 }), fc.constant(-1)) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("destroy" as const), pick }) },
);

/** Runs `f` and returns its result or its error message. */
function outcome<T>(f: () => T): { ok: T } | { error: string } {
  try {
    return { ok: f() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Every observable of an engine, for a list of VM handles. */
function observe(m: MemoryEngineApi, vms: number[], pagesOf: Map<number, number>) {
  const hosts = Array.from({ length: m.hostCount }, (_, h) => m.hostStats(h));
  const perVm = vms.map((vm) => {
    const all = Uint32Array.from({ length: pagesOf.get(vm)! }, (_, i) => i);
    return { stats: m.vmStats(vm), pages: Array.from(m.readPages(vm, all)) };
  });
  return { hosts, perVm, totals: m.faultTotals(), count: m.vmCount() };
}

describe("memory engine: wasm agrees with the reference model", () => {
  it("on random sequences of create, clone, write, read, scan and destroy", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(op, { minLength: 1, maxLength: 40, size: "max" }),
        (hosts, hostMiB, ops) => {
          const opts = { hosts, hostMemoryMiB: Array.from({ length: hosts }, (_, h) => hostMiB + h) };
          const wasm = MemoryEngine.create(opts);
          const ref = ReferenceMemoryEngine.create(opts);
          const live: number[] = [];
          const handle = (p: number) => (p < 0 ? [0, 999][p + 2] : live.length ? live[p % live.length] : 5);
          // every sequence starts from a VM on host 0
          ops = [{ kind: "create", host: 0, memoryMiB: 2 }, ...ops];
          const sizeOf = (vm: number) => pagesOf.get(vm) ?? 256;
          const pagesOf = new Map<number, number>();
          for (const o of ops) {
            let run: (m: MemoryEngineApi) => unknown;
            switch (o.kind) {
              case "create":
                run = (m) => m.createVm({ host: o.host, memoryMiB: o.memoryMiB, salt: o.salt });
                break;
              case "clone":
                run = (m) => m.instantClone(handle(o.pick), o.salt === undefined ? undefined : { salt: o.salt });
                break;
              case "write": {
                const vm = handle(o.pick);
                const gpns = Uint32Array.from(o.pages, (f) => Math.floor(f * sizeOf(vm)));
                const tokens = BigUint64Array.from(o.tokens, (t) => BigInt(t) * 0x9e3779b97f4a7c15n % 2n ** 64n);
                run = (m) => m.writePages(vm, gpns, tokens);
                break;
              }
              case "read": {
                const vm = handle(o.pick);
                const gpns = Uint32Array.from(o.pages, (f) => Math.floor(f * sizeOf(vm)));
                run = (m) => Array.from(m.readPages(vm, gpns));
                break;
              }
              case "scan":
                run = (m) => m.tpsScan(o.host, o.budget);
                break;
              case "destroy":
                run = (m) => m.destroyVm(handle(o.pick));
                break;
            }
            const parent = o.kind === "clone" ? handle(o.pick) : 0;
            const expected = outcome(() => run(ref));
            const got = outcome(() => run(wasm));
            expect(got, JSON.stringify(o)).toEqual(expected);
            if ("ok" in expected) {
              if (o.kind === "create" || o.kind === "clone") {
                const vm = expected.ok as number;
                live.push(vm);
                pagesOf.set(vm, o.kind === "create" ? o.memoryMiB * 256 : pagesOf.get(parent)!);
              }
              if (o.kind === "destroy") live.splice(live.indexOf(handle(o.pick)), 1);
            }
            expect(observe(wasm, live, pagesOf)).toEqual(observe(ref, live, pagesOf));
          }
        },
      ),
      { numRuns: 120 },
    );
  });

  it("on batches at the edge of a full host, with pages merged by TPS and shared by clones", () => {
    type EdgeOp = { kind: "write"; pick: number; writes: [number, number][] } | { kind: "scan"; budget: number } | { kind: "clone"; pick: number } | { kind: "destroy"; pick: number };
    const edgeOp: fc.Arbitrary<EdgeOp> = fc.oneof(
      {
        weight: 6,
        // batches of mostly distinct content over the whole VM (the host fills up), or of 4 tokens over its
        // first 16 pages (TPS merges them, and one batch can rewrite every page that maps a merged frame)
        arbitrary: fc.constantFrom(255, 15).chain((top) =>
          fc.record({ kind: fc.constant("write" as const), pick: fc.nat(), writes: fc.array(fc.tuple(fc.noBias(fc.integer({ min: 0, max: top })), fc.noBias(fc.integer({ min: 0, max: top === 255 ? 1000 : 3 }))), { maxLength: top === 255 ? 200 : 40 }) }),
        ),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("scan" as const), budget: fc.integer({ min: 0, max: 300 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("clone" as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("destroy" as const), pick: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.array(edgeOp, { maxLength: 40, size: "max" }), (ops) => {
        const opts = { hosts: 1, hostMemoryMiB: 1 }; // 256 frames: most batches are near the edge
        const wasm = MemoryEngine.create(opts);
        const ref = ReferenceMemoryEngine.create(opts);
        const live = [wasm.createVm({ host: 0, memoryMiB: 1 })];
        ref.createVm({ host: 0, memoryMiB: 1 });
        const pagesOf = new Map([[live[0], 256]]);
        // The host starts full (256 distinct pages): free frames come only from TPS and destroy, so
        // most batches meet the edge and a refused one reports exactly how many frames it needed.
        const all = Uint32Array.from({ length: 256 }, (_, i) => i);
        const distinct = BigUint64Array.from(all, (i) => BigInt(1000 + i));
        for (const m of [wasm, ref]) m.writePages(live[0], all, distinct);
        for (const o of ops) {
          const vm = "pick" in o ? live[o.pick % live.length] : 0;
          const run = (m: MemoryEngineApi): unknown => {
            switch (o.kind) {
              case "write":
                return m.writePages(vm, Uint32Array.from(o.writes, (w) => w[0]), BigUint64Array.from(o.writes, (w) => BigInt(w[1])));
              case "scan":
                return m.tpsScan(0, o.budget);
              case "clone":
                return m.instantClone(vm);
              case "destroy":
                return live.length > 1 ? m.destroyVm(vm) : null;
            }
          };
          const expected = outcome(() => run(ref));
          expect(outcome(() => run(wasm)), JSON.stringify(o)).toEqual(expected);
          if (o.kind === "clone") {
            live.push(expected && "ok" in expected ? (expected.ok as number) : -1);
            pagesOf.set(live[live.length - 1], 256);
          }
          if (o.kind === "destroy" && live.length > 1) live.splice(live.indexOf(vm), 1);
          expect(observe(wasm, live, pagesOf)).toEqual(observe(ref, live, pagesOf));
        }
      }),
      { numRuns: 150 },
    );
  });

  it("on one batch over pages that TPS merged, with 0 to 16 frames free", () => {
    const pages16 = fc.array(fc.noBias(fc.integer({ min: 0, max: 3 })), { minLength: 16, maxLength: 16 });
    fc.assert(
      fc.property(pages16, fc.integer({ min: 0, max: 16 }), fc.boolean(), fc.array(fc.noBias(fc.integer({ min: 0, max: 15 })), { maxLength: 40 }), (content, free, cloned, batch) => {
        const opts = { hosts: 1, hostMemoryMiB: 1 };
        const results = [MemoryEngine.create(opts), ReferenceMemoryEngine.create(opts)].map((m: MemoryEngineApi) => {
          const vm = m.createVm({ host: 0, memoryMiB: 2 }); // more pages than the host has frames
          m.writePages(vm, Uint32Array.from(content, (_, i) => i), BigUint64Array.from(content, BigInt));
          m.tpsScan(0, 16); // pages 0..15 now share at most 4 frames
          if (cloned) m.instantClone(vm); // and with a clone, every leaf entry is shared too
          const fill = m.hostStats(0).free - free;
          m.writePages(vm, Uint32Array.from({ length: fill }, (_, i) => 16 + i), BigUint64Array.from({ length: fill }, (_, i) => BigInt(100 + i)));
          const before = Array.from(m.readPages(vm, Uint32Array.from({ length: 256 }, (_, i) => i)));
          const r = outcome(() => m.writePages(vm, Uint32Array.from(batch), BigUint64Array.from(batch, (g) => BigInt(g + 50))));
          const after = Array.from(m.readPages(vm, Uint32Array.from({ length: 256 }, (_, i) => i)));
          return { r, changed: "error" in r ? after.some((t, i) => t !== before[i]) : null, host: m.hostStats(0), totals: m.faultTotals() };
        });
        expect(results[0]).toEqual(results[1]);
        expect(results[0].changed).not.toBe(true); // a refused batch changes nothing
      }),
      { numRuns: 300 },
    );
  });
});
