/**
 * CloudSim 3.0.3's LR-MMT (X/planetlab/LrMmt.java): local-regression overload test, minimum
 * migration time VM selection, power-aware best fit decreasing placement and the underload phase,
 * with the quirks CLOUDSIM-MODEL.md §4 lists (plain OLS, step-3 targets not excluded from the
 * underload search, idle power never charged, RAM not checked after t = 0).
 */
import { Datacenter, powerOf } from "./datacenter.js";

export interface LrMmtSettings {
  /** Safety parameter s: overloaded when s · prediction ≥ 1 (LR-MMT-1.2: 1.2). */
  safety: number;
  /** Static threshold used while a host has fewer than 10 history points (0.7). */
  fallbackThreshold: number;
  /** Seconds between ticks (the prediction horizon is in ticks). */
  stepSeconds: number;
}

/** Epoch-stamped host sets: `has(h)` is O(1) and clearing is a counter bump. */
class HostSet {
  private readonly mark: Uint32Array;
  private epoch = 1;
  size = 0;
  constructor(n: number) {
    this.mark = new Uint32Array(n);
  }
  clear(): void {
    this.epoch++;
    this.size = 0;
  }
  add(h: number): void {
    if (this.mark[h] !== this.epoch) {
      this.mark[h] = this.epoch;
      this.size++;
    }
  }
  has(h: number): boolean {
    return this.mark[h] === this.epoch;
  }
}

export class LrMmt {
  private readonly dc: Datacenter;
  private readonly s: LrMmtSettings;
  private readonly overSet: HostSet;
  private readonly exclUnder: HostSet;
  private readonly exclPlace: HostSet;
  /** True during the initial placement: created VMs then ask nothing (their cloudlets start at 0.1 s). */
  private initial = false;

  constructor(dc: Datacenter, settings: LrMmtSettings) {
    this.dc = dc;
    this.s = settings;
    const n = dc.m.hostCount;
    this.overSet = new HostSet(n);
    this.exclUnder = new HostSet(n);
    this.exclPlace = new HostSet(n);
  }

  /** Initial placement (t = 0): `findHostForVm` per VM in id order, each asking its full MIPS and RAM. */
  placeInitial(vms: number[]): number[] {
    const dc = this.dc;
    const unplaced: number[] = [];
    this.initial = true;
    const none = new HostSet(dc.m.hostCount);
    for (const v of vms) {
      dc.vmDemand[v] = dc.m.vmMips[v];
      const h = this.findHost(v, none);
      if (h < 0) unplaced.push(v);
      else dc.create(v, h);
    }
    this.initial = false;
    return unplaced;
  }

  /** Places VMs that arrive later (not in CloudSim's scenario): best fit by power, no exclusions. */
  placeArrivals(vms: number[]): number[] {
    const none = new HostSet(this.dc.m.hostCount);
    const unplaced: number[] = [];
    for (const v of vms) {
      const h = this.findHost(v, none);
      if (h < 0) unplaced.push(v);
      else this.dc.create(v, h);
    }
    return unplaced;
  }

  /** Local-regression overload test, with `extra` counted on the host (or -1). */
  isOverloaded(h: number, extra = -1): boolean {
    const dc = this.dc;
    const m = dc.m;
    const list = dc.hostList[h];
    const C = m.hostMips[h];
    let long = extra >= 0 && dc.vmLongHistory[extra] === 1;
    let maxRam = extra >= 0 ? m.vmRam[extra] : -Infinity;
    for (let i = 0; i < list.length && !long; i++) long = dc.vmLongHistory[list[i]] === 1;
    if (!long) {
      // Static-threshold fallback: requested MIPS / capacity > 0.7.
      let req = extra >= 0 ? dc.vmDemand[extra] : 0;
      if (!this.initial) for (let i = 0; i < list.length; i++) req += dc.vmDemand[list[i]];
      return req / C > this.s.fallbackThreshold;
    }
    for (let i = 0; i < list.length; i++) if (m.vmRam[list[i]] > maxRam) maxRam = m.vmRam[list[i]];
    const horizon = Math.ceil(maxRam / m.hostMigrationMiBps[h] / this.s.stepSeconds);
    const ahead = 4.5 + horizon; // prediction at x = 10 + horizon: mean + (x − 5.5) · slope
    let pred = 0;
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      pred += ((dc.vmMean[v] + ahead * dc.vmSlope[v]) * m.vmMips[v]) / C;
    }
    if (extra >= 0) pred += ((dc.vmMean[extra] + ahead * dc.vmSlope[extra]) * m.vmMips[extra]) / C;
    return pred * this.s.safety >= 1;
  }

  /** PABFD `findHostForVm`: the host whose power rises least, first on ties; -1 when none fits. */
  findHost(v: number, excluded: HostSet): number {
    const dc = this.dc;
    const m = dc.m;
    const d = dc.vmDemand[v];
    let best = -1;
    let minPower = Number.MAX_VALUE;
    for (let h = 0; h < m.hostCount; h++) {
      if (excluded.has(h)) continue;
      if (m.hostPe[h] < d || dc.hostAvail[h] < d) continue;
      if (this.initial && dc.hostRamUsed[h] + m.vmRam[v] > m.hostRam[h]) continue;
      const alloc = dc.hostAllocMips[h];
      if (alloc !== 0 && this.isOverloaded(h, v)) continue;
      const after = (alloc + d) / m.hostMips[h];
      if (after > 1) continue; // CloudSim's power model refuses loads above 1
      const table = m.power[m.hostType[h]];
      const diff = powerOf(table, after) - powerOf(table, dc.utilisation(h));
      if (diff < minPower) {
        minPower = diff;
        best = h;
      }
    }
    return best;
  }

  /** VMs sorted by current demand, descending, stable (PowerVmList.sortByCpuUtilization). */
  private byDemand(vms: number[]): number[] {
    const d = this.dc.vmDemand;
    return vms
      .map((v, i) => [v, i])
      .sort((a, b) => d[b[0]] - d[a[0]] || a[1] - b[1])
      .map((x) => x[0]);
  }

  /** One `optimizeAllocation` call: the migrations to start at this tick. */
  optimize(): [number, number][] {
    const dc = this.dc;
    const m = dc.m;
    const n = m.hostCount;
    const over: number[] = [];
    this.overSet.clear();
    for (let h = 0; h < n; h++) {
      if (this.isOverloaded(h)) {
        over.push(h);
        this.overSet.add(h);
      }
    }
    const saved = dc.hostList.map((list, h) => (dc.hostIn[h].length ? list.filter((v) => !dc.hostIn[h].includes(v)) : list.slice()));
    const touched = new Set<number>();
    // VM selection: minimum migration time (smallest RAM, first on ties) until the host is not overloaded.
    const toMigrate: number[] = [];
    for (const h of over) {
      for (;;) {
        const list = dc.hostList[h];
        let pick = -1;
        for (const v of list) if (dc.vmMigrating[v] === 0 && (pick < 0 || m.vmRam[v] < m.vmRam[pick])) pick = v;
        if (pick < 0) break;
        toMigrate.push(pick);
        dc.destroy(pick, h);
        touched.add(h);
        if (!this.isOverloaded(h)) break;
      }
    }
    const moves: [number, number][] = [];
    for (const v of this.byDemand(toMigrate)) {
      const h = this.findHost(v, this.overSet);
      if (h >= 0) {
        dc.create(v, h);
        touched.add(h);
        moves.push([v, h]);
      }
    }
    // Underload phase.
    this.exclUnder.clear();
    this.exclPlace.clear();
    for (const h of over) {
      this.exclUnder.add(h);
      this.exclPlace.add(h);
    }
    for (let h = 0; h < n; h++) {
      if (dc.utilisation(h) === 0) {
        this.exclUnder.add(h);
        this.exclPlace.add(h);
      }
    }
    while (this.exclUnder.size < n) {
      let under = -1;
      let minU = 1;
      for (let h = 0; h < n; h++) {
        if (this.exclUnder.has(h)) continue;
        const u = dc.utilisation(h);
        if (u > 0 && u < minU && !this.allMigratingOrIncomingFirst(h)) {
          minU = u;
          under = h;
        }
      }
      if (under < 0) break;
      this.exclUnder.add(under);
      this.exclPlace.add(under);
      const vms = dc.hostList[under].filter((v) => dc.vmMigrating[v] === 0);
      if (vms.length === 0) continue;
      const placed: [number, number][] = [];
      let ok = true;
      for (const v of this.byDemand(vms)) {
        const h = this.findHost(v, this.exclPlace);
        if (h < 0) {
          ok = false;
          break;
        }
        dc.create(v, h);
        touched.add(h);
        placed.push([v, h]);
      }
      if (!ok) {
        for (const [v, h] of placed) dc.destroy(v, h);
        continue;
      }
      for (const [, h] of placed) this.exclUnder.add(h);
      moves.push(...placed);
    }
    // Undo the tentative moves: incoming VMs first, then the saved lists (restoreAllocation).
    for (const h of touched) {
      const list = dc.hostList[h];
      list.length = 0;
      for (const v of dc.hostIn[h]) list.push(v);
      for (const v of saved[h]) list.push(v);
      let ram = 0;
      for (const v of list) ram += m.vmRam[v];
      dc.hostRamUsed[h] = ram;
      dc.allocate(h);
    }
    for (let h = 0; h < n; h++) for (const v of saved[h]) dc.vmHost[v] = h;
    return moves;
  }

  /** CloudSim `areAllVmsMigratingOutOrAnyVmMigratingIn`: true for an empty list too. */
  private allMigratingOrIncomingFirst(h: number): boolean {
    const dc = this.dc;
    for (const v of dc.hostList[h]) {
      if (dc.vmMigrating[v] === 0) return false;
      if (dc.hostIn[h].includes(v)) return true;
    }
    return true;
  }
}
