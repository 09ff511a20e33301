// Table-driven behaviour of the memory engine, run against every implementation of MemoryEngineApi.
import { describe, expect, it } from "vitest";
import type { MemoryEngineApi, MemoryEngineOptions } from "../bindings/core/memory-types.js";
import { minFreePages, memoryState } from "../bindings/core/memory-types.js";
import { ReferenceMemoryEngine } from "./reference/memory.js";
import { engines } from "./memory-engines.js";

const g = (...n: number[]) => Uint32Array.from(n);
const t = (...n: (number | bigint)[]) => BigUint64Array.from(n.map((x) => BigInt(x)));
const faults = (tableFaults: number, demandZeroFaults: number, cowFaults: number, inPlaceWrites: number) => ({
  tableFaults,
  demandZeroFaults,
  cowFaults,
  inPlaceWrites,
  bytesCopied: cowFaults * 4096,
});

describe.each(engines)("memory engine: %s", (_name, create: (o: MemoryEngineOptions) => MemoryEngineApi) => {
  const small = () => create({ hosts: 2, hostMemoryMiB: 4 }); // 1,024 frames per host

  it("reads zero from pages never written, and what was written", () => {
    const m = small();
    const vm = m.createVm({ host: 0, memoryMiB: 4 });
    expect(m.readPages(vm, g(0, 1, 1023))).toEqual(t(0, 0, 0));
    expect(m.writePages(vm, g(5, 600), t(11, 12))).toEqual(faults(0, 2, 0, 0));
    expect(m.readPages(vm, g(5, 600, 6))).toEqual(t(11, 12, 0));
  });

  it.each([
    // [what the row means, writes to the parent before the clone, writes to the child, expected child faults]
    ["a write to a page inherited from the parent copies the leaf table, then the frame", [3], [3], faults(1, 0, 1, 0)],
    ["a second write to that page is in place", [3], [3, 3], faults(1, 0, 1, 1)],
    ["a write to an untouched page of a shared leaf copies the table, then demand-zeroes", [3], [4], faults(1, 1, 0, 0)],
    ["a write to a page in a leaf the parent never touched demand-zeroes without a table fault", [3], [700], faults(0, 1, 0, 0)],
    ["two pages of one shared leaf: one table fault, two CoW faults", [3, 4], [3, 4], faults(1, 0, 2, 0)],
  ])("%s", (_what, parentWrites, childWrites, expected) => {
    const m = small();
    const parent = m.createVm({ host: 0, memoryMiB: 4 });
    m.writePages(parent, Uint32Array.from(parentWrites), BigUint64Array.from(parentWrites.map((x) => BigInt(x + 100))));
    const child = m.instantClone(parent);
    const got = m.writePages(child, Uint32Array.from(childWrites), BigUint64Array.from(childWrites.map(() => 7n)));
    expect(got).toEqual(expected);
  });

  it("a clone reads its parent's content; the parent never sees the child's writes", () => {
    const m = small();
    const parent = m.createVm({ host: 1, memoryMiB: 4 });
    m.writePages(parent, g(0, 1, 2, 513), t(10, 11, 12, 13));
    const child = m.instantClone(parent);
    expect(m.vmStats(child).host).toBe(1);
    expect(m.readPages(child, g(0, 1, 2, 513, 3))).toEqual(t(10, 11, 12, 13, 0));
    m.writePages(child, g(1, 3), t(21, 23));
    expect(m.readPages(child, g(0, 1, 2, 3))).toEqual(t(10, 21, 12, 23));
    expect(m.readPages(parent, g(0, 1, 2, 3))).toEqual(t(10, 11, 12, 0));
    // and the parent's later writes stay out of the child
    m.writePages(parent, g(2), t(32));
    expect(m.readPages(child, g(2))).toEqual(t(12));
  });

  it("a clone costs no frames until it writes; counters say who shares what", () => {
    const m = small();
    const parent = m.createVm({ host: 0, memoryMiB: 4 });
    m.writePages(parent, g(0, 1, 2, 3), t(0, 0, 5, 6)); // two zero pages, two with content
    expect(m.vmStats(parent)).toMatchObject({ granted: 4, consumed: 4, shared: 0, sharedCommon: 0, private: 4 });
    const child = m.instantClone(parent);
    // page 0..3: shared with the clone through one leaf table
    expect(m.hostStats(0)).toMatchObject({ used: 4, free: 1020, sharedSaved: 4, vms: 2 });
    expect(m.vmStats(child)).toMatchObject({ granted: 4, consumed: 0, shared: 4, sharedCommon: 2, private: 0 });
    expect(m.vmStats(parent)).toMatchObject({ granted: 4, consumed: 0, shared: 4, sharedCommon: 2, private: 0 });
    m.writePages(child, g(2), t(9)); // page 2 of the child: its own frame now
    expect(m.vmStats(child)).toMatchObject({ granted: 4, consumed: 1, shared: 3, sharedCommon: 2, private: 1 });
    // the parent's pages 0, 1, 3 are still mapped by the child's copied leaf; page 2 is its alone again
    expect(m.vmStats(parent)).toMatchObject({ granted: 4, consumed: 1, shared: 3, private: 1 });
    expect(m.hostStats(0)).toMatchObject({ used: 5, sharedSaved: 3 });
  });

  it("destroying a parent keeps the child's pages; destroying both frees every frame", () => {
    const m = small();
    const parent = m.createVm({ host: 0, memoryMiB: 4 });
    m.writePages(parent, g(0, 700), t(1, 2));
    const child = m.instantClone(parent);
    m.destroyVm(parent);
    expect(m.hasVm(parent)).toBe(false);
    expect(m.readPages(child, g(0, 700))).toEqual(t(1, 2));
    expect(m.vmStats(child)).toMatchObject({ granted: 2, consumed: 2, shared: 0, private: 2 });
    expect(() => m.readPages(parent, g(0))).toThrow(`VM ${parent} does not exist`);
    m.destroyVm(child);
    expect(m.hostStats(0)).toMatchObject({ used: 0, free: 1024, sharedSaved: 0, vms: 0 });
    expect(m.vmCount()).toBe(0);
  });

  it("a full host refuses a batch whole, says how many frames it needed, and changes nothing", () => {
    const m = create({ hosts: 1, hostMemoryMiB: 1 }); // 256 frames
    const a = m.createVm({ host: 0, memoryMiB: 4 });
    m.writePages(a, Uint32Array.from({ length: 250 }, (_, i) => i), new BigUint64Array(250).fill(1n));
    const b = m.instantClone(a);
    const before = { host: m.hostStats(0), a: m.vmStats(a), b: m.vmStats(b), totals: m.faultTotals() };
    // 3 CoW faults (pages 0..2 shared), 5 demand-zero (300..304), page 300 again in place: 8 frames, 6 free
    const gpns = g(0, 1, 2, 300, 301, 302, 303, 304, 300);
    expect(() => m.writePages(b, gpns, new BigUint64Array(9).fill(5n))).toThrow("host 0 is out of memory: 8 frames needed, 6 free");
    expect({ host: m.hostStats(0), a: m.vmStats(a), b: m.vmStats(b), totals: m.faultTotals() }).toEqual(before);
    expect(m.readPages(b, g(0, 300))).toEqual(t(1, 0));
    // the same batch without two of the new pages fits exactly
    expect(m.writePages(b, g(0, 1, 2, 300, 301, 302, 300), new BigUint64Array(7).fill(5n))).toEqual(faults(1, 3, 3, 1));
    expect(m.hostStats(0).free).toBe(0);
  });

  it("a batch far bigger than any earlier one is still all or nothing", () => {
    const m = create({ hosts: 1, hostMemoryMiB: 128 }); // 32,768 frames
    const vm = m.createVm({ host: 0, memoryMiB: 256 });
    m.writePages(vm, g(0), t(1)); // a small batch first: the scratch region is small
    const n = 50_000;
    const gpns = Uint32Array.from({ length: n }, (_, i) => i);
    const tokens = BigUint64Array.from(gpns, (x) => BigInt(x) + 10n);
    expect(() => m.writePages(vm, gpns, tokens)).toThrow("host 0 is out of memory: 49999 frames needed, 32767 free");
    expect(m.hostStats(0).used).toBe(1);
    expect(m.readPages(vm, g(0, 1, 49_999))).toEqual(t(1, 0, 0));
    const fits = m.writePages(vm, gpns.subarray(0, 32_768), tokens.subarray(0, 32_768));
    expect(fits).toEqual(faults(0, 32_767, 0, 1));
    expect(m.readPages(vm, g(0, 32_767))).toEqual(t(10, 32_777));
  });

  it("repeated pages in one batch need one frame each, even when the batch merges refs", () => {
    const m = create({ hosts: 1, hostMemoryMiB: 1 });
    const a = m.createVm({ host: 0, memoryMiB: 1 });
    m.writePages(a, g(0, 1), t(4, 4));
    expect(m.tpsScan(0, 10)).toEqual({ scanned: 2, merged: 1 }); // pages 0 and 1 now share one frame
    m.writePages(a, Uint32Array.from({ length: 254 }, (_, i) => i + 2), new BigUint64Array(254).fill(1n));
    expect(m.hostStats(0).free).toBe(1);
    // page 0: CoW (the frame has 2 refs) takes the last frame; page 1 is then alone on it: in place
    expect(m.writePages(a, g(0, 0, 1), t(6, 7, 8))).toEqual(faults(0, 0, 1, 2));
    expect(m.readPages(a, g(0, 1))).toEqual(t(7, 8));
  });

  it("TPS merges duplicates within a VM with its default salt, but not across VMs", () => {
    const m = small();
    const a = m.createVm({ host: 0, memoryMiB: 4 });
    const b = m.createVm({ host: 0, memoryMiB: 4 });
    m.writePages(a, g(0, 1, 2), t(7, 7, 8));
    m.writePages(b, g(0, 1), t(7, 8));
    expect(m.tpsScan(0, 100)).toEqual({ scanned: 5, merged: 1 });
    expect(m.hostStats(0)).toMatchObject({ used: 4, sharedSaved: 1 });
    expect(m.vmStats(a)).toMatchObject({ granted: 3, consumed: 2, shared: 2, private: 1 });
    expect(m.readPages(a, g(0, 1, 2))).toEqual(t(7, 7, 8));
  });

  it.each([
    ["a tenant salt lets one tenant's VMs share", 42, 42, 1],
    ["global salt 0 lets every VM that chose it share", 0, 0, 1],
    ["different tenant salts keep VMs apart", 1, 2, 0],
    ["salt 0 does not share with a VM of the default salt", 0, undefined, 0],
  ])("%s", (_what, saltA, saltB, merged) => {
    const m = small();
    const a = m.createVm({ host: 0, memoryMiB: 4, salt: saltA });
    const b = m.createVm({ host: 0, memoryMiB: 4, salt: saltB });
    m.writePages(a, g(0), t(99));
    m.writePages(b, g(0), t(99));
    expect(m.tpsScan(0, 100)).toEqual({ scanned: 2, merged });
  });

  it("VMs on different hosts never share, whatever their salt", () => {
    const m = small();
    const a = m.createVm({ host: 0, memoryMiB: 4, salt: 0 });
    const b = m.createVm({ host: 1, memoryMiB: 4, salt: 0 });
    m.writePages(a, g(0), t(99));
    m.writePages(b, g(0), t(99));
    expect(m.tpsScan(0, 100)).toEqual({ scanned: 1, merged: 0 });
    expect(m.tpsScan(1, 100)).toEqual({ scanned: 1, merged: 0 });
  });

  it("a clone inherits an explicit salt; a default salt becomes the child's own", () => {
    const m = small();
    const tenant = m.createVm({ host: 0, memoryMiB: 4, salt: 5 });
    const tenantChild = m.instantClone(tenant);
    const lone = m.createVm({ host: 0, memoryMiB: 4 });
    const loneChild = m.instantClone(lone);
    for (const vm of [tenant, tenantChild, lone, loneChild]) m.writePages(vm, g(600), t(3));
    // tenant and its child share (salt 5); lone and its child each have their own default salt
    expect(m.tpsScan(0, 100)).toEqual({ scanned: 4, merged: 1 });
    // an explicit salt on the clone overrides: this child joins tenant 5
    const joined = m.instantClone(lone, { salt: 5 });
    m.writePages(joined, g(601), t(3));
    expect(m.tpsScan(0, 100)).toEqual({ scanned: 6, merged: 1 });
  });

  it.each([
    // [what the row means, salt of template A, salt A's clone is given, salt of template B, merged]
    ["templates cloned under one tenant salt still merge their shared pages", 5, undefined, 5, 2],
    ["a clone with a salt of its own keeps its template's shared pages out of sharing", 5, 6, 5, 0],
    ["templates with global salt 0 and their clones merge", 0, undefined, 0, 2],
    ["a default salt gives the clone a salt of its own: the template's shared pages stay as they are", undefined, undefined, undefined, 0],
  ])("%s", (_what, saltA, cloneSalt, saltB, merged) => {
    const m = small();
    const a = m.createVm({ host: 0, memoryMiB: 4, salt: saltA });
    m.writePages(a, g(0, 1), t(42, 42)); // page 0 and 1 of A: same content
    const a1 = m.instantClone(a, cloneSalt === undefined ? {} : { salt: cloneSalt });
    const b = m.createVm({ host: 0, memoryMiB: 4, salt: saltB });
    m.writePages(b, g(0), t(42));
    const b1 = m.instantClone(b);
    // A, A's clone, B, B's clone: 2 + 2 + 1 + 1 mapped pages; a merge joins A's page 1 and B's page 0 to A's page 0
    expect(m.tpsScan(0, 100)).toEqual({ scanned: 6, merged });
    expect(m.hostStats(0).used).toBe(3 - merged);
    for (const vm of [a, a1]) expect(m.readPages(vm, g(0, 1))).toEqual(t(42, 42));
    for (const vm of [b, b1]) expect(m.readPages(vm, g(0))).toEqual(t(42));
    // a later write by a clone still copies, and leaves its relatives as they were
    m.writePages(a1, g(0), t(7));
    expect(m.readPages(a, g(0, 1))).toEqual(t(42, 42));
    expect(m.readPages(b1, g(0))).toEqual(t(42));
  });

  it("the scan resumes where it stopped and visits each page once per pass", () => {
    const m = small();
    const a = m.createVm({ host: 0, memoryMiB: 4 });
    m.writePages(a, g(0, 1, 2, 3, 4, 5), t(1, 2, 3, 1, 2, 3));
    expect(m.tpsScan(0, 2)).toEqual({ scanned: 2, merged: 0 }); // pages 0, 1 become canonical
    expect(m.tpsScan(0, 3)).toEqual({ scanned: 3, merged: 2 }); // pages 2 (canonical), 3, 4 merge
    expect(m.tpsScan(0, 100)).toEqual({ scanned: 6, merged: 1 }); // page 5 merges, then wraps to 0..4
    expect(m.hostStats(0)).toMatchObject({ used: 3, sharedSaved: 3 });
  });

  it.each([
    ["a canonical page written in place is no longer a merge target (token changed)", "write"],
    ["a canonical page freed by destroy is no longer a merge target (frame freed)", "destroy"],
  ])("%s", (_what, how) => {
    const m = small();
    const a = m.createVm({ host: 0, memoryMiB: 4, salt: 9 });
    const b = m.createVm({ host: 0, memoryMiB: 4, salt: 9 });
    m.writePages(a, g(0), t(50));
    expect(m.tpsScan(0, 100)).toEqual({ scanned: 1, merged: 0 }); // a's page 0 is the hint for 50
    if (how === "write") m.writePages(a, g(0), t(51));
    else m.destroyVm(a);
    m.writePages(b, g(0), t(50));
    expect(m.tpsScan(0, 100)).toMatchObject({ merged: 0 });
    expect(m.readPages(b, g(0))).toEqual(t(50));
    if (how === "write") expect(m.readPages(a, g(0))).toEqual(t(51));
  });

  it("a freed frame reused under another salt does not leak a stale hint", () => {
    const m = create({ hosts: 1, hostMemoryMiB: 1 });
    const a = m.createVm({ host: 0, memoryMiB: 1, salt: 1 });
    m.writePages(a, g(0), t(77));
    m.tpsScan(0, 10); // hint (77, salt 1) → a's frame
    m.destroyVm(a);
    const b = m.createVm({ host: 0, memoryMiB: 1, salt: 2 });
    m.writePages(b, g(0), t(77)); // may reuse the same frame
    m.tpsScan(0, 10); // becomes the hint (77, salt 2)
    const c = m.createVm({ host: 0, memoryMiB: 1, salt: 1 });
    m.writePages(c, g(0), t(77));
    expect(m.tpsScan(0, 10)).toEqual({ scanned: 2, merged: 0 });
  });

  it("counts faults engine-wide", () => {
    const m = small();
    const a = m.createVm({ host: 0, memoryMiB: 4 });
    m.writePages(a, g(0, 0), t(1, 2));
    const b = m.instantClone(a);
    m.writePages(b, g(0), t(3));
    expect(m.faultTotals()).toEqual(faults(1, 1, 1, 1));
  });

  it.each([
    ["an unknown VM", (m: MemoryEngineApi) => m.readPages(99, g(0)), "VM 99 does not exist"],
    ["an unknown host", (m: MemoryEngineApi) => m.createVm({ host: 2, memoryMiB: 1 }), "host 2 does not exist (the engine has 2 hosts)"],
    ["a page beyond the VM", (m: MemoryEngineApi) => m.writePages(m.createVm({ host: 0, memoryMiB: 1 }), g(1, 256), t(1, 1)), "gpn 256 is outside VM 1 (256 pages)"],
    ["arrays of different lengths", (m: MemoryEngineApi) => m.writePages(m.createVm({ host: 0, memoryMiB: 1 }), g(1, 2), t(1)), "gpns and tokens differ in length (2 and 1)"],
    ["a negative salt", (m: MemoryEngineApi) => m.createVm({ host: 0, memoryMiB: 1, salt: -1 }), "salt must be an integer from 0 to 2147483647, got -1"],
    ["a VM of no memory", (m: MemoryEngineApi) => m.createVm({ host: 0, memoryMiB: 0 }), "memoryMiB must be an integer from 1 to 1048576, got 0"],
    ["a fractional scan budget", (m: MemoryEngineApi) => m.tpsScan(0, 1.5), "budgetPages must be an integer from 0 to 4294967295, got 1.5"],
    ["stats of an unknown host", (m: MemoryEngineApi) => m.hostStats(-1), "host -1 does not exist (the engine has 2 hosts)"],
    ["cloning an unknown VM", (m: MemoryEngineApi) => m.instantClone(3), "VM 3 does not exist"],
  ])("rejects %s with a clear error", (_what, op, message) => {
    const m = small();
    expect(() => op(m)).toThrow(message);
    expect(m.hostStats(0)).toMatchObject({ used: 0, vms: m.vmCount() });
  });

  it("a rejected write changes nothing, even when its bad page comes last", () => {
    const m = small();
    const a = m.createVm({ host: 0, memoryMiB: 1 });
    expect(() => m.writePages(a, g(0, 1, 256), t(1, 1, 1))).toThrow("gpn 256 is outside VM 1 (256 pages)");
    expect(m.readPages(a, g(0, 1))).toEqual(t(0, 0));
    expect(m.hostStats(0).used).toBe(0);
  });

  it("reuses the handle of a destroyed VM, last destroyed first", () => {
    const m = small();
    const [a, b, c] = [0, 1, 2].map(() => m.createVm({ host: 0, memoryMiB: 1 }));
    expect([a, b, c]).toEqual([1, 2, 3]);
    m.destroyVm(a);
    m.destroyVm(c);
    expect(m.createVm({ host: 1, memoryMiB: 1 })).toBe(3);
    expect(m.createVm({ host: 1, memoryMiB: 1 })).toBe(1);
    expect(m.createVm({ host: 1, memoryMiB: 1 })).toBe(4);
    expect(m.vmCount()).toBe(4);
  });

  it.each([
    // [host MiB, minFree pages]
    [4, Math.floor((899 * 256 * 1024) / (28 * 1024 * 256))],
    [28 * 1024, 899 * 256],
    [128 * 1024, 899 * 256 + Math.floor((100 * 1024 * 256) / 100)],
  ])("minFree of a %i MiB host is %i pages", (mib, pages) => {
    const m = create({ hosts: 1, hostMemoryMiB: mib });
    expect(m.hostStats(0).minFree).toBe(pages);
    expect(minFreePages(mib * 256)).toBe(pages);
  });

  it("the memory state follows free memory against minFree", () => {
    // 1 GiB host: minFree = 899 MiB × 1/28 = 8,219 pages
    const m = create({ hosts: 1, hostMemoryMiB: 1024 });
    expect(m.hostStats(0).state).toBe("high");
    const vm = m.createVm({ host: 0, memoryMiB: 1024 });
    const cap = 1024 * 256;
    const fillTo = (free: number) => {
      const used = m.hostStats(0).used;
      const n = cap - free - used;
      m.writePages(vm, Uint32Array.from({ length: n }, (_, i) => used + i), new BigUint64Array(n).fill(1n));
    };
    const minFree = 8_219;
    expect(m.hostStats(0).minFree).toBe(minFree);
    fillTo(minFree);
    expect(m.hostStats(0).state).toBe("high");
    fillTo(minFree - 1);
    expect(m.hostStats(0).state).toBe("clear");
    fillTo(Math.ceil((minFree * 64) / 100) - 1);
    expect(m.hostStats(0).state).toBe("soft");
    fillTo(Math.ceil((minFree * 32) / 100) - 1);
    expect(m.hostStats(0).state).toBe("hard");
    fillTo(Math.ceil((minFree * 16) / 100) - 1);
    expect(m.hostStats(0).state).toBe("low");
  });
});

describe("memoryState thresholds", () => {
  it.each([
    [400, "high"],
    [100, "high"],
    [99, "clear"],
    [64, "clear"],
    [63, "soft"],
    [32, "soft"],
    [31, "hard"],
    [16, "hard"],
    [15, "low"],
  ])("free = %i %% of minFree is %s", (pct, state) => {
    expect(memoryState(pct, 100)).toBe(state);
  });
  it("the reference engine is constructible without wasm", () => {
    expect(ReferenceMemoryEngine.create({ hosts: 1, hostMemoryMiB: 1 }).hostCount).toBe(1);
  });
});
