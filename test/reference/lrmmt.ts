/**
 * Reference model of the LR-MMT policy, written the way CloudSim 3.0.3 computes it and nothing
 * cleverer: every overload test builds the host's 30-entry utilisation history from its VMs' histories,
 * trims the zero tail and fits the newest ten points by ordinary least squares; PABFD weighs every
 * host in id order; the whole allocation is saved and restored around each optimisation. It drives
 * the same Datacenter as bindings/simulate/lrmmt.ts, so the two must agree on every figure.
 */
import { Datacenter, HISTORY, powerOf } from "../../bindings/simulate/datacenter.js";

export interface ReferenceLrMmtSettings {
  safety: number;
  fallbackThreshold: number;
  stepSeconds: number;
}

export class ReferenceLrMmt {
  private initial = false;

  constructor(
    private readonly dc: Datacenter,
    private readonly s: ReferenceLrMmtSettings,
  ) {}

  /** CloudSim `PowerHostUtilizationHistory.getUtilizationHistory`: Σ VM history · MIPS / host MIPS, zero tail trimmed. */
  private hostHistory(list: number[], C: number): number[] {
    const dc = this.dc;
    const hist = new Array<number>(HISTORY).fill(0);
    for (const v of list) for (let i = 0; i < dc.vmHistLen[v]; i++) hist[i] += (dc.vmHist[v * HISTORY + i] * dc.m.vmMips[v]) / C;
    let n = HISTORY;
    while (n > 0 && hist[n - 1] === 0) n--;
    return hist.slice(0, n);
  }

  isOverloaded(h: number, extra = -1): boolean {
    const dc = this.dc;
    const m = dc.m;
    const list = extra >= 0 ? [...dc.hostList[h], extra] : dc.hostList[h];
    const C = m.hostMips[h];
    const hist = this.hostHistory(list, C);
    if (hist.length < 10) {
      let req = 0;
      for (const v of list) if (!this.initial || v === extra) req += dc.vmDemand[v];
      return req / C > this.s.fallbackThreshold;
    }
    const y = Array.from({ length: 10 }, (_, i) => hist[9 - i]);
    let my = 0;
    for (const v of y) my += v;
    my /= 10;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < 10; i++) {
      sxy += (i + 1 - 5.5) * (y[i] - my);
      sxx += (i + 1 - 5.5) ** 2;
    }
    const b = sxy / sxx;
    const a = my - 5.5 * b;
    let maxRam = -Infinity;
    for (const v of list) maxRam = Math.max(maxRam, m.vmRam[v]);
    const horizon = Math.ceil(maxRam / m.hostMigrationMiBps[h] / this.s.stepSeconds);
    return (a + b * (10 + horizon)) * this.s.safety >= 1;
  }

  findHost(v: number, excluded: Set<number>): number {
    const dc = this.dc;
    const m = dc.m;
    const d = dc.vmDemand[v];
    let best = -1;
    let min = Number.MAX_VALUE;
    for (let h = 0; h < m.hostCount; h++) {
      if (excluded.has(h)) continue;
      if (m.hostPe[h] < d || dc.hostAvail[h] < d) continue;
      if (this.initial && dc.hostRamUsed[h] + m.vmRam[v] > m.hostRam[h]) continue;
      let alloc = 0;
      for (const w of dc.hostList[h]) alloc += dc.hostIn[h].includes(w) ? dc.vmAllocIn[w] * 10 : dc.vmAlloc[w];
      if (alloc !== 0 && this.isOverloaded(h, v)) continue;
      const after = (alloc + d) / m.hostMips[h];
      if (after > 1) continue;
      const t = m.power[m.hostType[h]];
      const diff = powerOf(t, after) - powerOf(t, dc.utilisation(h));
      if (diff < min) {
        min = diff;
        best = h;
      }
    }
    return best;
  }

  placeInitial(vms: number[]): number[] {
    const out: number[] = [];
    this.initial = true;
    for (const v of vms) {
      this.dc.vmDemand[v] = this.dc.m.vmMips[v];
      const h = this.findHost(v, new Set());
      if (h < 0) out.push(v);
      else this.dc.create(v, h);
    }
    this.initial = false;
    return out;
  }

  placeArrivals(vms: number[]): number[] {
    const out: number[] = [];
    for (const v of vms) {
      const h = this.findHost(v, new Set());
      if (h < 0) out.push(v);
      else this.dc.create(v, h);
    }
    return out;
  }

  optimize(): [number, number][] {
    const dc = this.dc;
    const m = dc.m;
    const n = m.hostCount;
    const sortByDemand = (vms: number[]): number[] => vms.slice().sort((a, b) => dc.vmDemand[b] - dc.vmDemand[a]); // Array.prototype.sort is stable
    const over: number[] = [];
    for (let h = 0; h < n; h++) if (this.isOverloaded(h)) over.push(h);
    const saved = dc.hostList.map((l, h) => l.filter((v) => !dc.hostIn[h].includes(v)));
    const savedHost = Array.from(dc.vmHost);
    const toMigrate: number[] = [];
    for (const h of over) {
      for (;;) {
        const candidates = dc.hostList[h].filter((v) => dc.vmMigrating[v] === 0);
        if (!candidates.length) break;
        const pick = candidates.reduce((a, b) => (m.vmRam[b] < m.vmRam[a] ? b : a));
        toMigrate.push(pick);
        dc.destroy(pick, h);
        if (!this.isOverloaded(h)) break;
      }
    }
    const moves: [number, number][] = [];
    const overSet = new Set(over);
    for (const v of sortByDemand(toMigrate)) {
      const h = this.findHost(v, overSet);
      if (h >= 0) {
        dc.create(v, h);
        moves.push([v, h]);
      }
    }
    const off = [];
    for (let h = 0; h < n; h++) if (dc.utilisation(h) === 0) off.push(h);
    const exclUnder = new Set([...over, ...off]);
    const exclPlace = new Set([...over, ...off]);
    while (exclUnder.size < n) {
      let under = -1;
      let minU = 1;
      for (let h = 0; h < n; h++) {
        if (exclUnder.has(h)) continue;
        const u = dc.utilisation(h);
        const list = dc.hostList[h];
        let blocked = true;
        for (const v of list) {
          if (dc.vmMigrating[v] === 0) {
            blocked = false;
            break;
          }
          if (dc.hostIn[h].includes(v)) break;
        }
        if (u > 0 && u < minU && !blocked) {
          minU = u;
          under = h;
        }
      }
      if (under < 0) break;
      exclUnder.add(under);
      exclPlace.add(under);
      const vms = dc.hostList[under].filter((v) => dc.vmMigrating[v] === 0);
      if (!vms.length) continue;
      const placed: [number, number][] = [];
      for (const v of sortByDemand(vms)) {
        const h = this.findHost(v, exclPlace);
        if (h < 0) {
          for (const [w, t] of placed) dc.destroy(w, t);
          placed.length = 0;
          break;
        }
        dc.create(v, h);
        placed.push([v, h]);
      }
      for (const [, h] of placed) exclUnder.add(h);
      moves.push(...placed);
    }
    for (let h = 0; h < n; h++) {
      const list = dc.hostList[h];
      list.length = 0;
      list.push(...dc.hostIn[h], ...saved[h]);
      dc.hostRamUsed[h] = list.reduce((s, v) => s + m.vmRam[v], 0);
      dc.allocate(h);
    }
    for (let v = 0; v < m.vmCount; v++) dc.vmHost[v] = savedHost[v];
    return moves;
  }
}
