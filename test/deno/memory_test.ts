// The memory engine through the package's Deno entry (`vicsim` resolves to dist/deno.js here).
import assert from "node:assert/strict";
import { MemoryEngine } from "vicsim";

const range = (n: number, from = 0) => Uint32Array.from({ length: n }, (_, i) => from + i);
const tokens = (n: number, from = 1) => BigUint64Array.from({ length: n }, (_, i) => BigInt(from + i));

Deno.test("instant clones share the template's frames until they write", () => {
  const mem = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 512 });
  const template = mem.createVm({ host: 0, memoryMiB: 16 });
  mem.writePages(template, range(600), tokens(600));
  const clones = Array.from({ length: 5 }, () => mem.instantClone(template));
  // 600 frames back 6 × 600 guest pages.
  assert.equal(mem.hostStats(0).used, 600);
  assert.equal(mem.hostStats(0).sharedSaved, 6 * 600 - 600);
  const faults = mem.writePages(clones[2], Uint32Array.of(10), BigUint64Array.of(999n));
  assert.equal(faults.cowFaults, 1);
  assert.equal(faults.bytesCopied, 4096);
  assert.deepEqual([...mem.readPages(clones[2], Uint32Array.of(10, 11))], [999n, 12n]);
  assert.deepEqual([...mem.readPages(clones[3], Uint32Array.of(10))], [11n]);
  assert.equal(mem.vmStats(clones[2]).private, 1);
  assert.equal(mem.hostStats(0).used, 601);
});

Deno.test("TPS merges duplicate content only between VMs of the same salt", () => {
  const mem = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 512 });
  const a = mem.createVm({ host: 0, memoryMiB: 8, salt: 7 });
  const b = mem.createVm({ host: 0, memoryMiB: 8, salt: 7 });
  const c = mem.createVm({ host: 0, memoryMiB: 8, salt: 9 });
  for (const vm of [a, b, c]) mem.writePages(vm, range(100), tokens(100, 5000));
  assert.equal(mem.hostStats(0).used, 300);
  const scan = mem.tpsScan(0, 1_000_000);
  // a and b share one copy of each page; c keeps its own.
  assert.equal(scan.merged, 100);
  assert.equal(mem.hostStats(0).used, 200);
  assert.deepEqual([...mem.readPages(b, Uint32Array.of(0, 99))], [5000n, 5099n]);
});

Deno.test("bad input is a clear error and changes nothing", () => {
  const mem = MemoryEngine.create({ hosts: 2, hostMemoryMiB: 64 });
  assert.throws(() => mem.vmStats(7), /VM 7 does not exist/);
  assert.throws(() => mem.createVm({ host: 9, memoryMiB: 8 }), /host 9 does not exist/);
  assert.equal(mem.vmCount(), 0);
});

Deno.test("each engine owns its memory", () => {
  const one = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 64 });
  const two = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 64 });
  const vm = one.createVm({ host: 0, memoryMiB: 8 });
  one.writePages(vm, range(10), tokens(10));
  assert.equal(one.hostStats(0).used, 10);
  assert.equal(two.hostStats(0).used, 0);
  assert.equal(two.hasVm(vm), false);
});
