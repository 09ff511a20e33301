/**
 * Memory a placement takes once instant clone and transparent page sharing have done their work,
 * measured on the wasm memory engine (bindings/core `MemoryEngine`): on every host that runs VMs,
 * one template per VM type is written page by page, each VM is an instant clone of its type's
 * template that then writes its private pages (some of them zero-filled), and TPS scans the host
 * under the scenario's salting. Pages stand for `grainMiB` of guest memory each, so a fleet of
 * thousands of VMs fits one wasm instance; the ratios are those of full-size pages.
 */
import { MemoryEngine } from "../core/memory.js";
import type { Datacenter } from "./datacenter.js";
import type { Salting } from "./scenario.js";
import type { MemorySummary } from "./simulate.js";

export interface SharingSettings {
  salting: Salting;
  /** Share of each VM's memory it writes with content of its own (the rest stays the template's). */
  privateFraction: number;
  /** Share of those private pages that are zero-filled (TPS merges them under any salting). */
  zeroFraction: number;
  /** MiB of guest memory one modelled 4 KiB page stands for. */
  grainMiB: number;
}

const PAGES_PER_MIB = 256;
/** Hosts of one engine: mixes measured before a new engine is made. */
const SLOTS = 256;

/**
 * Measures sharing through the run. A host's consumption depends only on what it runs — how many VMs
 * of each type and size, since TPS scans one host at a time — so each distinct mix is measured on the
 * engine once and remembered: a consolidated fleet repeats a few dozen mixes hour after hour.
 */
export class SharingMeter {
  private readonly s: SharingSettings;
  /** Host pages in use after clone and TPS, by mix (`type:pages×count,…`). */
  private readonly consumed = new Map<string, number>();
  private engine?: MemoryEngine;
  private nextHost = 0;
  /** Next content token for a clone's own pages: unique over the engine's life. */
  private token = 1;
  private gpns = new Uint32Array(0);
  private readonly images = new Map<number, BigUint64Array>();

  constructor(settings: SharingSettings) {
    this.s = settings;
  }

  /** Memory mapped by the VMs on each active host, and what the hosts need for it with sharing. */
  measure(dc: Datacenter): MemorySummary {
    const m = dc.m;
    const s = this.s;
    const size = (v: number): number => Math.max(1, Math.ceil(m.vmRam[v] / s.grainMiB)); // modelled pages
    let mappedMiB = 0;
    let consumedPages = 0;
    let vms = 0;
    let ram = 0;
    const mixes: string[] = [];
    const unmeasured = new Map<string, [number, number][]>();
    for (let h = 0; h < m.hostCount; h++) {
      const list = dc.hostList[h];
      if (list.length === 0) continue;
      const incoming = dc.hostIn[h];
      const counts = new Map<number, number>(); // (type, pages) packed → VMs
      for (const v of list) {
        if (incoming.length && incoming.indexOf(v) >= 0) continue;
        const key = (m.vmType[v] + 1) * 0x100000 + size(v);
        counts.set(key, (counts.get(key) ?? 0) + 1);
        mappedMiB += m.vmRam[v];
      }
      if (counts.size === 0) continue;
      for (const v of list) {
        vms++;
        ram += m.vmRam[v];
      }
      const groups = [...counts].sort((a, b) => a[0] - b[0]);
      const mix = groups.map(([k, n]) => `${k}×${n}`).join(",");
      mixes.push(mix);
      if (!this.consumed.has(mix)) unmeasured.set(mix, groups);
    }
    if (mixes.length === 0) return { mappedMiB: 0, consumedMiB: 0, savedMiB: 0, extraVmsWithSharing: 0 };
    if (unmeasured.size) {
      // Capacity is sized to hold any mix (this measures, it does not constrain): templates + clones of the whole fleet.
      let pages = 0;
      for (let v = 0; v < m.vmCount; v++) pages += 2 * size(v);
      this.measureMixes(unmeasured, Math.ceil(pages / PAGES_PER_MIB + 1));
    }
    for (const mix of mixes) consumedPages += this.consumed.get(mix)!;
    const consumedMiB = consumedPages * s.grainMiB;
    const saved = Math.max(0, mappedMiB - consumedMiB);
    return { mappedMiB, consumedMiB, savedMiB: saved, extraVmsWithSharing: vms ? Math.floor(saved / (ram / vms)) : 0 };
  }

  /** Builds each mix on a host of one engine: a template per type and size, its clones, a TPS pass. */
  /** 0 … pages − 1, as a view of one array kept for every write. */
  private pageNumbers(pages: number): Uint32Array {
    if (this.gpns.length < pages) this.gpns = Uint32Array.from({ length: pages * 2 }, (_, p) => p);
    return this.gpns.subarray(0, pages);
  }

  /** The guest image of a VM type: token (type + 2) << 40 | page, + 1 — the same on every host. */
  private image(type: number, pages: number): BigUint64Array {
    const key = type * 0x100000 + pages;
    let tokens = this.images.get(key);
    if (!tokens) {
      tokens = new BigUint64Array(pages);
      const words = new Uint32Array(tokens.buffer); // 32-bit halves, little-endian: no BigInt per page
      for (let p = 0; p < pages; p++) {
        words[2 * p] = p + 1;
        words[2 * p + 1] = (type + 2) * 256;
      }
      this.images.set(key, tokens);
    }
    return tokens;
  }

  private measureMixes(mixes: Map<string, [number, number][]>, capacityMiB: number): void {
    const s = this.s;
    const space = (pages: number): number => Math.ceil(pages / PAGES_PER_MIB); // the engine sizes VMs in whole MiB
    const salt = s.salting === "global" ? 0 : s.salting === "tenant" ? 1 : undefined;
    for (const [mix, groups] of mixes) {
      // Each mix gets a host of its own, never reused; its VMs are destroyed once it is measured, so
      // one engine serves many measurements (a new wasm instance each time costs more than the mix).
      if (!this.engine || this.nextHost === SLOTS) {
        this.engine = MemoryEngine.create({ hosts: SLOTS, hostMemoryMiB: new Array<number>(SLOTS).fill(capacityMiB) });
        this.nextHost = 0;
      }
      const engine = this.engine;
      const host = this.nextHost++;
      const vms: number[] = [];
      for (const [k, n] of groups) {
        const pages = k % 0x100000;
        const type = Math.floor(k / 0x100000) - 1;
        const template = engine.createVm({ host, memoryMiB: space(pages) });
        vms.push(template);
        const gpns = this.pageNumbers(pages);
        engine.writePages(template, gpns, this.image(type, pages));
        const own = Math.round(pages * s.privateFraction);
        const zeros = Math.round(own * s.zeroFraction);
        const priv = new BigUint64Array(own);
        const privWords = new Uint32Array(priv.buffer);
        for (let c = 0; c < n; c++) {
          const clone = engine.instantClone(template, { salt });
          vms.push(clone);
          if (own === 0) continue;
          for (let p = zeros; p < own; p++) {
            // Content of this clone's own (zero-filled pages stay 0); high words below the image's.
            privWords[2 * p] = this.token % 0x100000000;
            privWords[2 * p + 1] = Math.floor(this.token / 0x100000000);
            this.token++;
          }
          engine.writePages(clone, gpns.subarray(0, own), priv);
        }
      }
      engine.tpsScan(host, engine.hostStats(host).capacity);
      this.consumed.set(mix, engine.hostStats(host).used);
      for (let i = vms.length - 1; i >= 0; i--) engine.destroyVm(vms[i]);
    }
  }

}

/**
 * How often to measure sharing over a run: hourly, or 24 times when the run is longer than a day
 * (each measurement builds every host's memory on the engine, so a week of a large fleet measured
 * hourly would spend more time there than in the simulation).
 */
export function sharingInterval(lengthSeconds: number): number {
  return Math.max(3600, Math.ceil(lengthSeconds / 24 / 3600) * 3600);
}

/** Memory mapped by the VMs on each active host, and what the hosts need for it with sharing (one measurement). */
export function measureSharing(dc: Datacenter, s: SharingSettings): MemorySummary {
  return new SharingMeter(s).measure(dc);
}
