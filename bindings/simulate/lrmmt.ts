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
  // Per-host regression terms over its own list, valid while the host's version is unchanged.
  private readonly cacheVersion: Uint32Array;
  private readonly cachePred: Float64Array;
  private readonly cacheHorizon: Float64Array;
  private readonly cacheMaxRam: Float64Array;
  private readonly cacheLong: Uint8Array;
  /** Hosts that are neither empty nor switched off, ascending; empty ones are represented by the first of each type. */
  private active: number[] = [];
  private readonly inActive: Uint8Array;
  /** Each host's power at its last-update utilisation: fixed through one optimisation. */
  private readonly powerNow: Float64Array;
  /** The last VM term of an overload test with a VM added (valid within one `findHost`). */
  private termVm = -1;
  private termAhead = 0;
  private term = 0;

  constructor(dc: Datacenter, settings: LrMmtSettings) {
    this.dc = dc;
    this.s = settings;
    const n = dc.m.hostCount;
    this.overSet = new HostSet(n);
    this.exclUnder = new HostSet(n);
    this.exclPlace = new HostSet(n);
    this.cacheVersion = new Uint32Array(n).fill(0xffffffff);
    this.cachePred = new Float64Array(n);
    this.cacheHorizon = new Float64Array(n);
    this.cacheMaxRam = new Float64Array(n);
    this.cacheLong = new Uint8Array(n);
    this.inActive = new Uint8Array(n);
    this.powerNow = new Float64Array(n);
  }

  /** Rebuilds the active list: hosts with MIPS allocated or load at the last update. */
  private collectActive(): void {
    const dc = this.dc;
    this.active = [];
    this.inActive.fill(0);
    for (let h = 0; h < dc.m.hostCount; h++) {
      this.powerNow[h] = powerOf(dc.m.power[dc.m.hostType[h]], dc.utilisation(h));
      if (dc.hostAllocMips[h] !== 0 || dc.utilisation(h) !== 0) {
        this.active.push(h);
        this.inActive[h] = 1;
      }
    }
  }

  /** Puts a VM on a host, keeping the active list (a host that was empty joins it). */
  private createOn(v: number, h: number): void {
    const dc = this.dc;
    const cached = this.cacheVersion[h] === dc.hostVersion[h];
    dc.create(v, h);
    if (cached) this.appended(h, v);
    if (!this.inActive[h]) {
      this.inActive[h] = 1;
      let i = this.active.length;
      while (i > 0 && this.active[i - 1] > h) i--;
      this.active.splice(i, 0, h);
    }
  }

  /** Initial placement (t = 0): `findHostForVm` per VM in id order, each asking its full MIPS and RAM. */
  placeInitial(vms: number[]): number[] {
    const dc = this.dc;
    const unplaced: number[] = [];
    this.initial = true;
    const none = new HostSet(dc.m.hostCount);
    this.collectActive();
    for (const v of vms) {
      dc.vmDemand[v] = dc.m.vmMips[v];
      const h = this.findHost(v, none);
      if (h < 0) unplaced.push(v);
      else this.createOn(v, h);
    }
    this.initial = false;
    return unplaced;
  }

  /** Places VMs that arrive later (not in CloudSim's scenario): best fit by power, no exclusions. */
  placeArrivals(vms: number[]): number[] {
    const none = new HostSet(this.dc.m.hostCount);
    const unplaced: number[] = [];
    this.collectActive();
    for (const v of vms) {
      const h = this.findHost(v, none);
      if (h < 0) unplaced.push(v);
      else this.createOn(v, h);
    }
    return unplaced;
  }

  /** Local-regression overload test, with `extra` counted on the host (or -1). */
  isOverloaded(h: number, extra = -1): boolean {
    const dc = this.dc;
    const m = dc.m;
    const list = dc.hostList[h];
    const C = m.hostMips[h];
    if (this.cacheVersion[h] !== dc.hostVersion[h]) this.refresh(h);
    const long = this.cacheLong[h] === 1 || (extra >= 0 && dc.vmLongHistory[extra] === 1);
    if (!long) {
      // Static-threshold fallback: requested MIPS / capacity > 0.7.
      let req = extra >= 0 ? dc.vmDemand[extra] : 0;
      if (!this.initial) for (let i = 0; i < list.length; i++) req += dc.vmDemand[list[i]];
      return req / C > this.s.fallbackThreshold;
    }
    if (extra < 0) return this.cachePred[h] * this.s.safety >= 1;
    // A VM no larger than the host's largest leaves the horizon (and the host's prediction) as cached.
    const fits = m.vmRam[extra] <= this.cacheMaxRam[h];
    const horizon = fits ? this.cacheHorizon[h] : Math.ceil(Math.max(this.cacheMaxRam[h], m.vmRam[extra]) / m.hostMigrationMiBps[h] / this.s.stepSeconds);
    const ahead = 4.5 + horizon; // prediction at x = 10 + horizon: mean + (x − 5.5) · slope
    let pred = this.cachePred[h];
    if (horizon !== this.cacheHorizon[h]) pred = this.predict(h, ahead);
    // The VM's term before the division by the host's MIPS is the same on every host with this horizon.
    if (this.termVm !== extra || this.termAhead !== ahead) {
      this.termVm = extra;
      this.termAhead = ahead;
      this.term = (dc.vmMean[extra] + ahead * dc.vmSlope[extra]) * m.vmMips[extra];
    }
    pred += this.term / C;
    return pred * this.s.safety >= 1;
  }

  /** Σ over the host's list of each VM's predicted share (list order, as CloudSim sums the history). */
  private predict(h: number, ahead: number): number {
    const dc = this.dc;
    const m = dc.m;
    const list = dc.hostList[h];
    const C = m.hostMips[h];
    let pred = 0;
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      pred += ((dc.vmMean[v] + ahead * dc.vmSlope[v]) * m.vmMips[v]) / C;
    }
    return pred;
  }

  /**
   * Brings a current cache up to date after `v` was appended to the host's list: the prediction sums
   * the list in order, so adding the last term gives what `refresh` would (unless the horizon moves).
   */
  private appended(h: number, v: number): void {
    const dc = this.dc;
    const m = dc.m;
    const maxRam = Math.max(this.cacheMaxRam[h], m.vmRam[v]);
    const horizon = Math.ceil(maxRam / m.hostMigrationMiBps[h] / this.s.stepSeconds);
    if (horizon !== this.cacheHorizon[h]) return; // left stale: refreshed when next asked
    if (dc.vmLongHistory[v] === 1) this.cacheLong[h] = 1;
    this.cacheMaxRam[h] = maxRam;
    this.cachePred[h] += ((dc.vmMean[v] + (4.5 + horizon) * dc.vmSlope[v]) * m.vmMips[v]) / m.hostMips[h];
    this.cacheVersion[h] = dc.hostVersion[h];
  }

  private refresh(h: number): void {
    const dc = this.dc;
    const m = dc.m;
    const list = dc.hostList[h];
    let long = 0;
    let maxRam = -Infinity;
    for (let i = 0; i < list.length; i++) {
      if (dc.vmLongHistory[list[i]] === 1) long = 1;
      if (m.vmRam[list[i]] > maxRam) maxRam = m.vmRam[list[i]];
    }
    const horizon = Math.ceil(maxRam / m.hostMigrationMiBps[h] / this.s.stepSeconds);
    this.cacheLong[h] = long;
    this.cacheMaxRam[h] = maxRam;
    this.cacheHorizon[h] = horizon;
    this.cachePred[h] = list.length ? this.predict(h, 4.5 + horizon) : 0;
    this.cacheVersion[h] = dc.hostVersion[h];
  }

  /**
   * PABFD `findHostForVm`: the host whose power rises least, first on ties; -1 when none fits.
   * Empty hosts of one type all cost the same, so only the first of each type that is not excluded
   * is weighed beside the active ones, in host order.
   */
  findHost(v: number, excluded: HostSet, emptyEligible = true): number {
    const m = this.dc.m;
    let best = -1;
    let minPower = Number.MAX_VALUE;
    const active = this.active;
    this.termVm = -1; // histories may have moved since the last search
    const allTypes = (1 << m.power.length) - 1;
    let seenTypes = emptyEligible ? 0 : allTypes;
    let nextEmpty = this.firstEmpty(0, seenTypes, excluded);
    if (nextEmpty >= 0) seenTypes |= 1 << m.hostType[nextEmpty];
    let i = 0;
    while (i < active.length || nextEmpty >= 0) {
      let h: number;
      if (nextEmpty >= 0 && (i >= active.length || nextEmpty < active[i])) {
        h = nextEmpty;
        nextEmpty = this.firstEmpty(h + 1, seenTypes, excluded);
        if (nextEmpty >= 0) seenTypes |= 1 << m.hostType[nextEmpty];
      } else h = active[i++];
      if (excluded.has(h)) continue;
      const diff = this.cost(v, h);
      if (diff < minPower) {
        minPower = diff;
        best = h;
      }
    }
    return best;
  }

  /** The first host from `from` on that is empty, not excluded and of a type not in `seenTypes`; -1 if none. */
  private firstEmpty(from: number, seenTypes: number, excluded: HostSet): number {
    const m = this.dc.m;
    if (seenTypes === (1 << m.power.length) - 1) return -1;
    for (let h = from; h < m.hostCount; h++) {
      if (this.inActive[h] || excluded.has(h)) continue;
      if (seenTypes & (1 << m.hostType[h])) continue;
      return h;
    }
    return -1;
  }

  /** Power increase of putting `v` on `h`, or +∞ when it does not fit or would overload the host. */
  private cost(v: number, h: number): number {
    const dc = this.dc;
    const m = dc.m;
    const d = dc.vmDemand[v];
    if (m.hostPe[h] < d || dc.hostAvail[h] < d) return Infinity;
    if (this.initial && dc.hostRamUsed[h] + m.vmRam[v] > m.hostRam[h]) return Infinity;
    const alloc = dc.hostAllocMips[h];
    if (alloc !== 0 && this.isOverloaded(h, v)) return Infinity;
    const after = (alloc + d) / m.hostMips[h];
    if (after > 1) return Infinity; // CloudSim's power model refuses loads above 1
    return powerOf(m.power[m.hostType[h]], after) - this.powerNow[h];
  }

  /** VMs sorted by current demand, descending, stable (PowerVmList.sortByCpuUtilization). */
  private byDemand(vms: number[]): number[] {
    const d = this.dc.vmDemand;
    return vms.slice().sort((a, b) => d[b] - d[a]); // Array.prototype.sort is stable
  }

  /** One `optimizeAllocation` call: the migrations to start at this tick. */
  optimize(): [number, number][] {
    const dc = this.dc;
    const m = dc.m;
    const n = m.hostCount;
    this.collectActive();
    const over: number[] = [];
    this.overSet.clear();
    for (let h = 0; h < n; h++) {
      if (this.isOverloaded(h)) {
        over.push(h);
        this.overSet.add(h);
      }
    }
    // saveAllocation, lazily: a host's list is copied (less its incoming VMs) before its first change.
    const saved = new Map<number, number[]>();
    const touch = (h: number): void => {
      if (!saved.has(h)) saved.set(h, dc.hostIn[h].length ? dc.hostList[h].filter((v) => !dc.hostIn[h].includes(v)) : dc.hostList[h].slice());
    };
    const movedFrom: number[] = []; // VM, host it was on: pairs, flat
    const place = (v: number, h: number): void => {
      touch(h);
      movedFrom.push(v, dc.vmHost[v]);
      this.createOn(v, h);
    };
    // VM selection: minimum migration time (smallest RAM, first on ties) until the host is not overloaded.
    const toMigrate: number[] = [];
    for (const h of over) {
      for (;;) {
        const list = dc.hostList[h];
        let pick = -1;
        for (const v of list) if (dc.vmMigrating[v] === 0 && (pick < 0 || m.vmRam[v] < m.vmRam[pick])) pick = v;
        if (pick < 0) break;
        toMigrate.push(pick);
        touch(h);
        dc.destroy(pick, h);
        if (!this.isOverloaded(h)) break;
      }
    }
    const moves: [number, number][] = [];
    for (const v of this.byDemand(toMigrate)) {
      const h = this.findHost(v, this.overSet);
      if (h >= 0) {
        place(v, h);
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
    // Utilisation is that of the last update, so it stays put through the phase, and a host that is
    // not excluded keeps its lists (a placement onto it excludes it or is undone): the underloaded
    // hosts come out in one ascending sort, lowest index first on ties, instead of a scan per pick.
    const candidates: number[] = [];
    for (let h = 0; h < n; h++) {
      const u = dc.utilisation(h);
      if (u > 0 && u < 1 && !this.exclUnder.has(h)) candidates.push(h);
    }
    const util = (h: number): number => dc.utilisation(h);
    candidates.sort((a, b) => util(a) - util(b) || a - b);
    for (let next = 0; next < candidates.length; next++) {
      const under = candidates[next];
      if (this.exclUnder.has(under) || this.allMigratingOrIncomingFirst(under)) continue;
      this.exclUnder.add(under);
      this.exclPlace.add(under);
      const vms = dc.hostList[under].filter((v) => dc.vmMigrating[v] === 0);
      if (vms.length === 0) continue;
      const placed: [number, number][] = [];
      let ok = true;
      for (const v of this.byDemand(vms)) {
        // Every host off at the last update is excluded here, so no empty host can take it.
        const h = this.findHost(v, this.exclPlace, false);
        if (h < 0) {
          ok = false;
          break;
        }
        place(v, h);
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
    for (const [h, own] of saved) {
      const list = dc.hostList[h];
      list.length = 0;
      for (const v of dc.hostIn[h]) list.push(v);
      for (const v of own) list.push(v);
      let ram = 0;
      for (const v of list) ram += m.vmRam[v];
      dc.hostRamUsed[h] = ram;
      dc.allocate(h);
    }
    for (let i = movedFrom.length - 2; i >= 0; i -= 2) dc.vmHost[movedFrom[i]] = movedFrom[i + 1];
    for (const [h, own] of saved) for (const v of own) dc.vmHost[v] = h;
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
