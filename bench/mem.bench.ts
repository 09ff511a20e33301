/**
 * Memory engine benchmarks: instant clone, copy-on-write writes and page sharing, each beside its
 * baseline in the same run; plus bytes of engine memory per private page and per VM.
 */
import { MemoryEngine } from "../bindings/core/memory.js";
import type { MemoryEngineApi } from "../bindings/core/memory-types.js";
import { ReferenceMemoryEngine } from "../test/reference/memory.js";
import { pairedRates, type BenchCase, type BenchResult } from "./harness.js";

const GIB_PAGES = 262_144;
const BATCH = 65_536;

/** A deterministic stream of 32-bit numbers (xorshift32), so both sides see the same workload. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}

/** Writes `pages` pages of distinct content to `vm`, in batches. */
function fill(m: MemoryEngineApi, vm: number, pages: number, tokenBase = 1n): void {
  for (let at = 0; at < pages; at += BATCH) {
    const n = Math.min(BATCH, pages - at);
    const gpns = Uint32Array.from({ length: n }, (_, i) => at + i);
    m.writePages(vm, gpns, BigUint64Array.from(gpns, (g) => tokenBase + BigInt(g)));
  }
}

/**
 * The naive clone a hypervisor without shared leaf tables would do: copy a flat 262,144-entry page
 * table and take a reference on every frame.
 */
class NaiveCloneTemplate {
  readonly table = new Uint32Array(GIB_PAGES);
  readonly refs = new Uint32Array(GIB_PAGES + 1);
  constructor() {
    for (let i = 0; i < GIB_PAGES; i++) {
      this.table[i] = i + 1;
      this.refs[i + 1] = 1;
    }
  }
  clone(): Uint32Array {
    const child = this.table.slice();
    const refs = this.refs;
    for (let i = 0; i < child.length; i++) refs[child[i]]++;
    return child;
  }
  drop(child: Uint32Array): void {
    const refs = this.refs;
    for (let i = 0; i < child.length; i++) refs[child[i]]--;
  }
}

/** A step of `perStep` instant clones of a filled 1 GiB template on `m` (only the cloning is timed). */
function cloneStep(m: MemoryEngineApi, perStep: number): () => number {
  const template = m.createVm({ host: 0, memoryMiB: 1024 });
  fill(m, template, GIB_PAGES);
  const children: number[] = [];
  return () => {
    const t0 = performance.now();
    for (let i = 0; i < perStep; i++) children.push(m.instantClone(template));
    const ms = performance.now() - t0;
    for (const c of children.splice(0)) m.destroyVm(c);
    return ms;
  };
}

const cloneCase: BenchCase = {
  name: "mem.clone.1gib",
  title: "instant-clone a 1 GiB template",
  run({ quick }) {
    const opts = { hosts: 1, hostMemoryMiB: 2048 };
    const naive = new NaiveCloneTemplate();
    const naivePerStep = quick ? 2 : 4;
    const naiveStep = () => {
      const t0 = performance.now();
      const kids: Uint32Array[] = [];
      for (let i = 0; i < naivePerStep; i++) kids.push(naive.clone());
      const ms = performance.now() - t0;
      for (const k of kids) naive.drop(k);
      return ms;
    };
    const [wasm, reference, flat] = pairedRates(
      [cloneStep(MemoryEngine.create(opts), 500), cloneStep(ReferenceMemoryEngine.create(opts), 500), naiveStep],
      [500, 500, naivePerStep],
      quick ? 200 : 2000,
    );
    return [
      { case: "mem.clone.1gib", unit: "clones/s", value: wasm, baseline: "flat-table copy + per-frame refcount (TypeScript), what an emulator without shared leaf tables does", baselineValue: flat },
      { case: "mem.clone.1gib.shared", unit: "clones/s", value: wasm, baseline: "reference model (TypeScript): the same leaf-sharing clone", baselineValue: reference },
    ];
  },
};

/** A step of random CoW writes (one batch) into a fresh clone of a template of `mib` on `m`; only the writing is timed. */
function cowStep(m: MemoryEngineApi, mib: number): () => number {
  const template = m.createVm({ host: 0, memoryMiB: mib });
  const pages = mib * 256;
  fill(m, template, pages);
  const next = rng(7);
  const gpns = new Uint32Array(BATCH);
  const tokens = new BigUint64Array(BATCH);
  return () => {
    for (let i = 0; i < BATCH; i++) {
      gpns[i] = next() & (pages - 1);
      tokens[i] = BigInt(next()) | 1n;
    }
    const child = m.instantClone(template);
    const t0 = performance.now();
    m.writePages(child, gpns, tokens);
    const ms = performance.now() - t0;
    m.destroyVm(child);
    return ms;
  };
}

const cowCase: BenchCase = {
  name: "mem.cow.random",
  title: "random copy-on-write writes into fresh clones of a 1 GiB template (batches of 65,536; --quick: 256 MiB)",
  run({ quick }) {
    const mib = quick ? 256 : 1024;
    const opts = { hosts: 1, hostMemoryMiB: 2048 };
    // Every batch fits the host's free frames, so neither side takes its all-or-nothing precaution.
    const [wasm, ref] = pairedRates([cowStep(MemoryEngine.create(opts), mib), cowStep(ReferenceMemoryEngine.create(opts), mib)], [BATCH, BATCH], quick ? 300 : 2000);
    return [{ case: "mem.cow.random", unit: "writes/s", value: wasm, baseline: "reference model (TypeScript), same batches", baselineValue: ref, notes: { templateMiB: mib } }];
  },
};

/** Fresh host of `vms` VMs × 64 MiB, all pages written, 30 % of them from a pool of 1,024 shared contents. */
function tpsHost(make: () => MemoryEngineApi, vms: number): { m: MemoryEngineApi; pages: number } {
  const m = make();
  const next = rng(11);
  const vmPages = 16_384;
  for (let v = 0; v < vms; v++) {
    const vm = m.createVm({ host: 0, memoryMiB: 64, salt: 1 }); // one tenant: cross-VM sharing allowed
    const gpns = Uint32Array.from({ length: vmPages }, (_, i) => i);
    const tokens = BigUint64Array.from(gpns, (g) => (next() % 100 < 30 ? BigInt(next() % 1024) + 1n : BigInt(v * vmPages + g) + 1_000_000n));
    m.writePages(vm, gpns, tokens);
  }
  return { m, pages: vms * vmPages };
}

/** A step: build a fresh host of `vms` VMs (not timed), then one full TPS pass over it (timed). */
function tpsStep(make: () => MemoryEngineApi, vms: number, merged: number[]): () => number {
  return () => {
    const { m, pages } = tpsHost(make, vms);
    const t0 = performance.now();
    const r = m.tpsScan(0, pages);
    const ms = performance.now() - t0;
    merged.push(r.merged);
    return ms;
  };
}

const tpsCase: BenchCase = {
  name: "mem.tps.scan",
  title: "TPS scan of 8 VMs × 64 MiB with 30 % duplicate content (--quick: 2 VMs)",
  run({ quick }) {
    const vms = quick ? 2 : 8;
    const opts = { hosts: 1, hostMemoryMiB: 1024 };
    const merged: number[][] = [[], []];
    const [wasm, ref] = pairedRates(
      [tpsStep(() => MemoryEngine.create(opts), vms, merged[0]), tpsStep(() => ReferenceMemoryEngine.create(opts), vms, merged[1])],
      [vms * 16_384, vms * 16_384],
      quick ? 300 : 1500,
    );
    const all = [...merged[0], ...merged[1]];
    if (all.some((n) => n !== all[0])) throw new Error(`mem.tps.scan: merges differ between passes or sides: ${[...new Set(all)].join(", ")}`);
    return [
      {
        case: "mem.tps.scan",
        unit: "pages/s",
        value: wasm,
        baseline: "reference model (TypeScript), same merges",
        baselineValue: ref,
        notes: { vms, mergedPerPass: all[0] },
      },
    ];
  },
};

const MIB = 1024 * 1024;

const footprintCase: BenchCase = {
  name: "mem.footprint",
  title: "engine memory per private page and per VM",
  run() {
    const results: BenchResult[] = [];
    // Held bytes are the engine's tables by capacity (doubling slack included); wasm growth is the
    // instance's memory.buffer growth, coarser because the allocator doubles linear memory.
    // Private pages: 2,047 leaves' worth (1,048,064 pages), so the frame and leaf tables end exactly full
    // (right after a doubling step, slack can add up to as much again).
    {
      const m = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 8192 });
      const vm = m.createVm({ host: 0, memoryMiB: 4096 });
      fill(m, vm, 1024);
      const held = m.engineBytes();
      const buffer = m.core.memory.buffer.byteLength;
      const pages = 2047 * 512 - 1024;
      for (let at = 1024; at < 1024 + pages; at += BATCH) {
        const n = Math.min(BATCH, 1024 + pages - at);
        const gpns = Uint32Array.from({ length: n }, (_, i) => at + i);
        m.writePages(vm, gpns, BigUint64Array.from(gpns, (g) => BigInt(g) + 1n));
      }
      // Reported as density (pages per MiB of engine tables) so that, like every case, higher is better.
      const bytesPerPage = (m.engineBytes() - held) / pages;
      results.push({
        case: "mem.bytes.page",
        unit: "private pages per MiB of engine tables",
        value: MIB / bytesPerPage,
        baseline: "design budget of 24 bytes per private page",
        baselineValue: MIB / 24,
        notes: { bytesPerPage: Number(bytesPerPage.toFixed(2)), pages, wasmGrowthBytesPerPage: Number(((m.core.memory.buffer.byteLength - buffer) / pages).toFixed(1)) },
      });
    }
    // VMs: clones of a 64 MiB template (32-entry directories) and of a 1 GiB template (512 entries).
    for (const [mib, count] of [
      [64, 16_384],
      [1024, 2_048],
    ] as const) {
      const m = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 2048 });
      const template = m.createVm({ host: 0, memoryMiB: mib });
      fill(m, template, mib * 256);
      const held = m.engineBytes();
      const buffer = m.core.memory.buffer.byteLength;
      for (let i = 0; i < count; i++) m.instantClone(template);
      const bytesPerVm = (m.engineBytes() - held) / count;
      results.push({
        case: `mem.bytes.vm.${mib}mib`,
        unit: "container VMs per MiB of engine tables",
        value: MIB / bytesPerVm,
        baseline: "design budget of 256 bytes per VM",
        baselineValue: MIB / 256,
        notes: { bytesPerVm: Number(bytesPerVm.toFixed(1)), directoryBytes: ((mib * 256) / 512) * 4, wasmGrowthBytesPerVm: Math.round((m.core.memory.buffer.byteLength - buffer) / count) },
      });
    }
    return results;
  },
};

export const cases: BenchCase[] = [cloneCase, cowCase, tpsCase, footprintCase];
