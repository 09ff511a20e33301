// GuestMemoryMap: guest memory images written to memory-engine VMs page by page, with the byte
// comparison that keeps a hash collision from ever sharing a frame between different contents.
import { describe, expect, it } from "vitest";
import { MemoryEngine } from "../bindings/core/memory.js";
import { GuestMemoryMap } from "../bindings/guests/real/memory-map.js";
import { PageHasher } from "../bindings/guests/real/pages.js";

const PAGE = 4096;
/** A memory of `pages` pages; page i is filled with fill(i) (0 leaves it zero). */
function image(pages: number, fill: (i: number) => number): Uint8Array {
  const m = new Uint8Array(pages * PAGE);
  for (let i = 0; i < pages; i++) m.fill(fill(i), i * PAGE, (i + 1) * PAGE);
  return m;
}
/** Runs TPS on host 0 until a pass merges nothing. */
function shareAll(engine: MemoryEngine): void {
  while (engine.tpsScan(0, 1 << 20).merged > 0);
}

describe("guest memory in the memory engine", () => {
  it("a template VM holds exactly the non-zero pages; zero pages are never written", () => {
    const engine = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 1024 });
    const map = new GuestMemoryMap(engine);
    // pages 0..7: 1,2,0,1,2,0,1,2 (page 2 and 5 zero; 1 and 2 repeat)
    const { vm, scan } = map.createTemplate(0, image(8, (i) => [1, 2, 0][i % 3]));
    expect(scan).toMatchObject({ pages: 8, nonZero: 6, dirtied: 6, collisions: 0 });
    expect(engine.vmStats(vm.vm).granted).toBe(6);
    expect(map.distinctContents).toBe(2);
  });

  it("a clone shares everything until its scan; the scan writes only what changed, zeroed pages included", () => {
    const engine = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 1024 });
    const map = new GuestMemoryMap(engine);
    const base = image(16, (i) => i + 1);
    const { vm: template } = map.createTemplate(0, base, 5);
    const guest = map.clone(template, 5);
    expect(engine.vmStats(guest.vm).private).toBe(0);
    const mine = base.slice();
    mine.fill(99, 3 * PAGE, 4 * PAGE); // page 3: new content
    mine.fill(0, 7 * PAGE, 8 * PAGE); // page 7: now zero
    const grown = new Uint8Array(20 * PAGE); // the guest's memory grew by four pages; page 18 used
    grown.set(mine);
    grown.fill(99, 18 * PAGE, 19 * PAGE); // the same bytes as its new page 3
    const scan = map.scan(guest, grown);
    expect(scan).toMatchObject({ pages: 20, nonZero: 16, dirtied: 3 });
    expect(scan.faults.cowFaults + scan.faults.demandZeroFaults).toBe(3);
    const tokens = engine.readPages(guest.vm, Uint32Array.from([3, 7, 18, 4]));
    expect(tokens[1]).toBe(0n);
    expect(tokens[3]).toBe(engine.readPages(template.vm, Uint32Array.from([4]))[0]); // untouched page 4 is the template's
    expect(tokens[2]).toBe(tokens[0]);
    // pages 3 and 18 hold equal bytes in two private frames: TPS merges them into one
    const before = engine.hostStats(0).used;
    shareAll(engine);
    expect(engine.hostStats(0).used).toBe(before - 1);
    // scanning the same memory again changes nothing
    expect(map.scan(guest, grown).dirtied).toBe(0);
  });

  it("pages whose hashes collide get different tokens after the byte comparison, and never share a frame", () => {
    const engine = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 1024 });
    // A hasher with one bucket: every non-zero page claims the same 64-bit hash.
    const real = new PageHasher();
    const colliding = {
      hash(memory: Uint8Array) {
        const r = real.hash(memory);
        return { tokens: r.tokens.map((t) => (t === 0n ? 0n : 42n)), nonZero: r.nonZero };
      },
    };
    const map = new GuestMemoryMap(engine, colliding);
    // pages: A B A C B (fills 1 2 1 3 2)
    const { vm, scan } = map.createTemplate(0, image(5, (i) => [1, 2, 1, 3, 2][i]), 0);
    expect(scan.collisions).toBe(3); // B, C, B again: each met A's copy under hash 42 first
    const t = engine.readPages(vm.vm, Uint32Array.from([0, 1, 2, 3, 4]));
    expect(t[0]).toBe(t[2]);
    expect(t[1]).toBe(t[4]);
    expect(new Set(t).size).toBe(3);
    shareAll(engine);
    // three distinct contents, three frames: equal bytes merged, colliding ones did not
    expect(engine.hostStats(0).used).toBe(3);
    expect(map.distinctContents).toBe(3);
  });

  it("releasing VMs lets go of the contents only they held", () => {
    const engine = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 1024 });
    const map = new GuestMemoryMap(engine);
    const { vm: template } = map.createTemplate(0, image(4, (i) => i + 1));
    const guest = map.clone(template);
    map.scan(guest, image(4, (i) => i + 10));
    expect(map.distinctContents).toBe(8);
    map.release(guest);
    expect(map.distinctContents).toBe(4);
    expect(engine.hasVm(guest.vm)).toBe(false);
    map.release(template);
    expect(map.distinctContents).toBe(0);
  });

  it("a scan the engine refuses leaves the VM and the map as they were", () => {
    const engine = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 1 }); // 256 frames
    const map = new GuestMemoryMap(engine);
    const { vm } = map.createTemplate(0, image(8, (i) => i + 1));
    expect(() => map.scan(vm, image(400, (i) => (i % 250) + 1))).toThrow(/host 0/i);
    expect(map.distinctContents).toBe(8);
    expect(engine.vmStats(vm.vm).granted).toBe(8);
    expect(map.scan(vm, image(8, (i) => i + 1)).dirtied).toBe(0);
  });

  it("relocate (vMotion) carries a guest's own pages to a clone of the template on another host", () => {
    const engine = MemoryEngine.create({ hosts: 2, hostMemoryMiB: 1024 });
    const map = new GuestMemoryMap(engine);
    const base = image(16, (i) => i + 1);
    const onA = map.createTemplate(0, base, 5).vm;
    const onB = map.createTemplate(1, base, 5).vm;
    const guest = map.clone(onA, 5);
    const mine = image(20, (i) => (i === 3 ? 99 : i === 7 ? 0 : i < 16 ? i + 1 : 200 + i)); // page 3 changed, 7 zeroed, 16..19 grown
    map.scan(guest, mine);
    const gpns = Uint32Array.from({ length: 20 }, (_, i) => i);
    const before = engine.readPages(guest.vm, gpns);
    const privateBefore = engine.vmStats(guest.vm).private;
    const moved = map.relocate(guest, onB, 5);
    expect(engine.hasVm(guest.vm)).toBe(false);
    expect([...engine.readPages(moved.vm, gpns)]).toEqual([...before]);
    // Only its own pages are its own on B (3, zeroed 7, grown 16..19), as on A; the rest is the template's there.
    expect([privateBefore, engine.vmStats(moved.vm).private]).toEqual([6, 6]);
    expect(engine.hostStats(1).vms).toBeGreaterThan(0);
    // A later scan of the same memory finds nothing changed.
    expect(map.scan(moved, mine).dirtied).toBe(0);
  });
});
