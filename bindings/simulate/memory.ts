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

/** Memory mapped by the VMs on each active host, and what the hosts need for it with sharing. */
export function measureSharing(dc: Datacenter, s: SharingSettings): MemorySummary {
  const m = dc.m;
  const hosts: number[] = [];
  for (let h = 0; h < m.hostCount; h++) if (dc.hostList[h].some((v) => dc.hostIn[h].indexOf(v) < 0)) hosts.push(h);
  if (hosts.length === 0) return { mappedMiB: 0, consumedMiB: 0, savedMiB: 0, extraVmsWithSharing: 0 };
  const size = (v: number): number => Math.max(1, Math.ceil(m.vmRam[v] / s.grainMiB)); // modelled pages
  const space = (pages: number): number => Math.ceil(pages / PAGES_PER_MIB); // the engine sizes VMs in whole MiB
  // Capacity is sized to hold everything (this measures, it does not constrain): templates + clones.
  const capacity = hosts.map((h) => Math.ceil(dc.hostList[h].reduce((sum, v) => sum + (2 * size(v)) / PAGES_PER_MIB, 1)));
  const engine = MemoryEngine.create({ hosts: hosts.length, hostMemoryMiB: capacity });
  const salt = (): number | undefined => (s.salting === "global" ? 0 : s.salting === "tenant" ? 1 : undefined);
  let mappedMiB = 0;
  let consumedPages = 0;
  let token = 1n;
  hosts.forEach((h, i) => {
    const templates = new Map<string, number>();
    for (const v of dc.hostList[h]) {
      if (dc.hostIn[h].indexOf(v) >= 0) continue;
      const pages = size(v);
      const key = `${m.vmType[v]}:${pages}`;
      let template = templates.get(key);
      if (template === undefined) {
        template = engine.createVm({ host: i, memoryMiB: space(pages) });
        const gpns = new Uint32Array(pages);
        const tokens = new BigUint64Array(pages);
        for (let p = 0; p < pages; p++) {
          gpns[p] = p;
          tokens[p] = ((BigInt(m.vmType[v] + 2) << 40n) | BigInt(p)) + 1n; // the guest image: same on every host
        }
        engine.writePages(template, gpns, tokens);
        templates.set(key, template);
      }
      const clone = engine.instantClone(template, { salt: salt() });
      const own = Math.round(pages * s.privateFraction);
      if (own > 0) {
        const gpns = new Uint32Array(own);
        const tokens = new BigUint64Array(own);
        const zeros = Math.round(own * s.zeroFraction);
        for (let p = 0; p < own; p++) {
          gpns[p] = p;
          tokens[p] = p < zeros ? 0n : token++;
        }
        engine.writePages(clone, gpns, tokens);
      }
      mappedMiB += m.vmRam[v];
    }
    engine.tpsScan(i, engine.hostStats(i).capacity);
    consumedPages += engine.hostStats(i).used;
  });
  const consumedMiB = consumedPages * s.grainMiB;
  const saved = Math.max(0, mappedMiB - consumedMiB);
  let vms = 0;
  let ram = 0;
  for (const h of hosts) for (const v of dc.hostList[h]) {
    vms++;
    ram += m.vmRam[v];
  }
  return { mappedMiB, consumedMiB, savedMiB: saved, extraVmsWithSharing: vms ? Math.floor(saved / (ram / vms)) : 0 };
}
