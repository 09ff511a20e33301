/**
 * Why this file is long: it mirrors assembly/placement/cluster.ts pass for pass (placement, DRS
 * balancing, rules, maintenance, HA, vMotion cost) over the same flat arrays, so the two read side by
 * side; it splits along those passes together with the kernel, once the arrays have a module of their own.
 * Reference model of the placement kernel in plain TypeScript: the same arrays, the same
 * arithmetic in the same order as assembly/placement, so floats agree bit for bit and ties break
 * identically (lowest index). `ReferenceCluster` is the public `Cluster` front end over it.
 */
import { Cluster } from "../../bindings/core/cluster.js";
import type { ClusterOptions, PlacementKernel } from "../../bindings/core/cluster-types.js";

const TEMPLATE_COPY_LOAD_GAP = 0.1; // copy a template only when the hosts holding it would end up 0.1 more loaded
const MAX_MOVES_PER_HOST = 8;
const DRS_PERIOD_S = 300.0;
const VMOTION_MIB_PER_S = 1192.0928955078125; // 1 250 MB/s
const MIGRATION_COST_RATE = 1e-5;
const HA_MIN_CPU_MHZ = 32.0;
const HA_MIN_MEM_MIB = 1.0;
const PRECOPY_MAX_ROUNDS = 29;
const PRECOPY_MAX_SENT = 3.0;
const PRECOPY_STOP_SECONDS = 0.1;

const AFFINITY = 0;
const ANTI_AFFINITY = 1;
const MUST = 2;
const SHOULD = 3;
const INITIAL = 0;
const HA = 2;
const DISABLED_BIT = 128;
/**
 * Relative width of the candidate filters (HA restart, balancing), as in the wasm: a host whose
 * variance, estimated with products instead of quotients, is above the one to beat by more than
 * this × the mean square load cannot be the one the exact formula picks.
 */
const FILTER_MARGIN = 1e-9;

function sqrtClamp(x: number): number {
  return x > 0 ? Math.sqrt(x) : 0;
}
function want(d: number, r: number, l: number): number {
  return Math.min(Math.max(d, r), l);
}
/** DRS priority of a move made at imbalance `imb` on `n` hosts (2 … 5; 1 is mandatory). */
export function drsPriority(imb: number, n: number): number {
  const p = 6 - Math.ceil((imb * Math.sqrt(n)) / 0.1);
  return p < 2 ? 2 : p > 5 ? 5 : p;
}
/** Target imbalance of migration threshold `t` on `n` hosts. */
export function targetImbalance(t: number, n: number): number {
  return n > 0 ? (0.1 * (5 - t)) / Math.sqrt(n) : 0;
}

/** The plain-TypeScript placement kernel. */
export class ReferencePlacementKernel implements PlacementKernel {
  // hosts
  cpuCap: number[] = [];
  memCap: number[] = [];
  state: number[] = [];
  failover: number[] = [];
  wantCpu: number[] = [];
  wantMem: number[] = [];
  resCpu: number[] = [];
  resMem: number[] = [];
  nvm: number[] = [];
  /** 1 / capacity per host: the candidate filters estimate loads with products, not quotients. */
  invCpuCap: number[] = [];
  invMemCap: number[] = [];
  // VMs
  alive: number[] = [];
  /** Ids of removed VMs, reused last-in first-out. */
  freeVms: number[] = [];
  host: number[] = [];
  cpuD: number[] = [];
  cpuR: number[] = [];
  cpuL: number[] = [];
  cpuS: number[] = [];
  memD: number[] = [];
  memR: number[] = [];
  memL: number[] = [];
  memS: number[] = [];
  template: number[] = [];
  prio: number[] = [];
  vmRules: number[][] = [];
  // rules
  ruleKind: number[] = [];
  /** Ids of removed rules, reused last-in first-out. */
  freeRules: number[] = [];
  ruleVms: number[][] = [];
  ruleHosts: number[][] = [];
  /** Template → hosts that hold it; looked up once per placement. */
  templates = new Map<number, Set<number>>();
  // HA
  haKind = 0;
  haA = 0;
  haB = 0;
  // last placement
  mask = 0;
  firstRule = -1;
  copied = false;
  lastImb = 0;
  whyRule = -1;
  // population sums
  S = 0;
  Q = 0;
  n = 0;

  hostAdd(cpuMHz: number, memoryMiB: number): number {
    this.cpuCap.push(cpuMHz);
    this.memCap.push(memoryMiB);
    this.state.push(0);
    this.failover.push(0);
    this.wantCpu.push(0);
    this.wantMem.push(0);
    this.resCpu.push(0);
    this.resMem.push(0);
    this.nvm.push(0);
    this.invCpuCap.push(1 / cpuMHz);
    this.invMemCap.push(1 / memoryMiB);
    return this.cpuCap.length - 1;
  }
  hostSetState(h: number, s: number): void {
    this.state[h] = s;
  }
  hostSetFailover(h: number, on: boolean): void {
    this.failover[h] = on ? 1 : 0;
  }
  vmAdd(cpu: number[], mem: number[], template: number, priority: number): number {
    const v = this.freeVms.pop();
    if (v !== undefined) {
      this.alive[v] = 1;
      this.host[v] = -1;
      [this.cpuD[v], this.cpuR[v], this.cpuL[v], this.cpuS[v]] = cpu;
      [this.memD[v], this.memR[v], this.memL[v], this.memS[v]] = mem;
      this.template[v] = template;
      this.prio[v] = priority;
      this.vmRules[v] = [];
      return v;
    }
    this.alive.push(1);
    this.host.push(-1);
    this.cpuD.push(cpu[0]);
    this.cpuR.push(cpu[1]);
    this.cpuL.push(cpu[2]);
    this.cpuS.push(cpu[3]);
    this.memD.push(mem[0]);
    this.memR.push(mem[1]);
    this.memL.push(mem[2]);
    this.memS.push(mem[3]);
    this.template.push(template);
    this.prio.push(priority);
    this.vmRules.push([]);
    return this.alive.length - 1;
  }
  private attach(v: number, h: number): void {
    this.host[v] = h;
    this.wantCpu[h] += want(this.cpuD[v], this.cpuR[v], this.cpuL[v]);
    this.wantMem[h] += want(this.memD[v], this.memR[v], this.memL[v]);
    this.resCpu[h] += this.cpuR[v];
    this.resMem[h] += this.memR[v];
    this.nvm[h]++;
  }
  private detach(v: number): void {
    const h = this.host[v];
    this.host[v] = -1;
    this.nvm[h]--;
    if (this.nvm[h] == 0) {
      // An empty host has exactly zero load, whatever rounding the sums gathered.
      this.wantCpu[h] = 0;
      this.wantMem[h] = 0;
      this.resCpu[h] = 0;
      this.resMem[h] = 0;
      return;
    }
    this.wantCpu[h] -= want(this.cpuD[v], this.cpuR[v], this.cpuL[v]);
    this.wantMem[h] -= want(this.memD[v], this.memR[v], this.memL[v]);
    this.resCpu[h] -= this.cpuR[v];
    this.resMem[h] -= this.memR[v];
  }
  vmRemove(v: number): void {
    if (this.host[v] >= 0) this.detach(v);
    this.alive[v] = 0;
    for (const r of this.vmRules[v]) {
      const list = this.ruleVms[r];
      list.splice(list.indexOf(v), 1);
    }
    this.vmRules[v] = [];
    this.freeVms.push(v);
  }
  vmPowerOff(v: number): void {
    if (this.host[v] >= 0) this.detach(v);
  }
  vmSetDemand(v: number, cpu: number, mem: number): void {
    const h = this.host[v];
    if (h >= 0) this.detach(v);
    if (cpu === cpu) this.cpuD[v] = cpu;
    if (mem === mem) this.memD[v] = mem;
    if (h >= 0) this.attach(v, h);
  }
  vmSetAllocation(v: number, cpu: number[], mem: number[]): void {
    const h = this.host[v];
    if (h >= 0) this.detach(v);
    if (cpu[0] === cpu[0]) this.cpuR[v] = cpu[0];
    if (cpu[1] === cpu[1]) this.cpuL[v] = cpu[1];
    if (cpu[2] === cpu[2]) this.cpuS[v] = cpu[2];
    if (mem[0] === mem[0]) this.memR[v] = mem[0];
    if (mem[1] === mem[1]) this.memL[v] = mem[1];
    if (mem[2] === mem[2]) this.memS[v] = mem[2];
    if (h >= 0) this.attach(v, h);
  }
  vmHost(v: number): number {
    return this.host[v];
  }
  templateSet(t: number, h: number, on: boolean): void {
    let hosts = this.templates.get(t);
    if (!hosts) this.templates.set(t, (hosts = new Set()));
    if (on) hosts.add(h);
    else hosts.delete(h);
  }
  templateHas(t: number, h: number): boolean {
    return this.templates.get(t)?.has(h) ?? false;
  }
  ruleAdd(kind: number, vms: number[], hosts: number[]): number {
    let r = this.freeRules.pop();
    if (r !== undefined) {
      this.ruleKind[r] = kind;
      this.ruleVms[r] = vms.slice();
      this.ruleHosts[r] = hosts.slice();
    } else {
      r = this.ruleKind.length;
      this.ruleKind.push(kind);
      this.ruleVms.push(vms.slice());
      this.ruleHosts.push(hosts.slice());
    }
    for (const v of vms) this.vmRules[v].push(r);
    return r;
  }
  ruleRemove(r: number): void {
    for (const v of this.ruleVms[r]) {
      const list = this.vmRules[v];
      list.splice(list.indexOf(r), 1);
    }
    this.ruleVms[r] = [];
    this.ruleHosts[r] = [];
    this.freeRules.push(r);
  }
  ruleSlots(): number {
    return this.ruleKind.length;
  }
  ruleViolation(r: number): number {
    const k = this.ruleKind[r];
    const vms = this.ruleVms[r];
    for (let i = 0; i < vms.length; i++) {
      const v = vms[i];
      const h = this.host[v];
      if (h < 0) continue;
      if (k == MUST) {
        if (!this.ruleHosts[r].includes(h)) return v;
      } else if (k == AFFINITY || k == ANTI_AFFINITY) {
        for (let j = 0; j < i; j++) {
          const hj = this.host[vms[j]];
          if (hj < 0) continue;
          if (k == AFFINITY && hj != h) return v;
          if (k == ANTI_AFFINITY && hj == h) return v;
        }
      }
    }
    return -1;
  }

  private taking(h: number): boolean {
    return this.state[h] == 0 && this.failover[h] == 0;
  }
  private hostLoad(h: number): number {
    const lc = this.wantCpu[h] / this.cpuCap[h];
    const lm = this.wantMem[h] / this.memCap[h];
    return (lc + lm) * 0.5;
  }
  private loadWith(h: number, dc: number, dm: number): number {
    const lc = (this.wantCpu[h] + dc) / this.cpuCap[h];
    const lm = (this.wantMem[h] + dm) / this.memCap[h];
    return (lc + lm) * 0.5;
  }
  private sums(): void {
    let s = 0;
    let q = 0;
    let n = 0;
    for (let h = 0; h < this.cpuCap.length; h++) {
      if (!this.taking(h)) continue;
      const l = this.hostLoad(h);
      s += l;
      q += l * l;
      n++;
    }
    this.S = s;
    this.Q = q;
    this.n = n;
  }
  private sumsImbalance(): number {
    if (this.n == 0) return 0;
    const m = this.S / this.n;
    return sqrtClamp(this.Q / this.n - m * m);
  }
  imbalance(): number {
    let sum = 0;
    let n = 0;
    for (let h = 0; h < this.cpuCap.length; h++) {
      if (!this.taking(h)) continue;
      sum += this.hostLoad(h);
      n++;
    }
    if (n == 0) return 0;
    const mean = sum / n;
    let acc = 0;
    for (let h = 0; h < this.cpuCap.length; h++) {
      if (!this.taking(h)) continue;
      const d = this.hostLoad(h) - mean;
      acc += d * d;
    }
    return Math.sqrt(acc / n);
  }

  /** First reason (1 … 7) host `h` cannot take VM `v` in `mode`, 0 when it can. */
  private why(v: number, h: number, mode: number): number {
    if (this.state[h] != 0) return 1;
    if (mode != HA && this.failover[h] != 0) return 2;
    if (this.resCpu[h] + this.cpuR[v] > this.cpuCap[h]) return 3;
    if (this.resMem[h] + this.memR[v] > this.memCap[h]) return 4;
    const rules = this.vmRules[v];
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i];
      const k = this.ruleKind[r];
      if (k == MUST) {
        if (!this.ruleHosts[r].includes(h)) {
          this.whyRule = r;
          return 5;
        }
      } else if (mode != HA && k != SHOULD) {
        const vms = this.ruleVms[r];
        for (let j = 0; j < vms.length; j++) {
          const m = vms[j];
          if (m == v) continue;
          const hm = this.host[m];
          if (k == AFFINITY && hm >= 0 && hm != h) {
            this.whyRule = r;
            return 6;
          }
          if (k == ANTI_AFFINITY && hm == h) {
            this.whyRule = r;
            return 7;
          }
        }
      }
    }
    return 0;
  }
  private shouldOk(v: number, h: number): boolean {
    const rules = this.vmRules[v];
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i];
      if (this.ruleKind[r] == SHOULD && !this.ruleHosts[r].includes(h)) return false;
    }
    return true;
  }

  place(v: number, mode: number): number {
    this.mask = 0;
    this.firstRule = -1;
    this.copied = false;
    if (mode == INITIAL && this.haKind != 0 && this.admission(v)[0] == 0) return -2;
    this.sums();
    const n = this.n;
    const wc = want(this.cpuD[v], this.cpuR[v], this.cpuL[v]);
    const wm = want(this.memD[v], this.memR[v], this.memL[v]);
    const t = this.template[v];
    const preferTemplate = mode == INITIAL && t >= 0;
    const holders = (preferTemplate && this.templates.get(t)) || null;
    let best = -1;
    let bestTier = 2;
    let bestScore = Infinity;
    let bestVar = Infinity;
    let bestT = -1; // the best among hosts that hold the template
    let bestTierT = 2;
    let bestScoreT = Infinity;
    let bestVarT = Infinity;
    const m0 = n > 0 ? this.S / n : 0;
    const curVar = n > 0 ? this.Q / n - m0 * m0 : 0; // cur = sqrtClamp(curVar)
    for (let h = 0; h < this.cpuCap.length; h++) {
      const code = this.why(v, h, mode);
      if (code != 0) {
        this.mask |= 1 << (code - 1);
        if (code >= 5 && this.firstRule < 0) this.firstRule = this.whyRule;
        continue;
      }
      const tier = mode == HA ? (this.failover[h] != 0 ? 0 : 1) : this.shouldOk(v, h) ? 0 : 1;
      // score = sqrtClamp(var); sqrt is monotone, so it is taken only for a variance that could win
      let nv = curVar;
      if (this.taking(h)) {
        const l = this.hostLoad(h);
        const l2 = this.loadWith(h, wc, wm);
        const s = this.S - l + l2;
        const q = this.Q - l * l + l2 * l2;
        const m = s / n;
        nv = q / n - m * m;
      }
      let score = -1;
      if (tier < bestTier || (tier == bestTier && nv < bestVar && (score = sqrtClamp(nv)) < bestScore)) {
        if (score < 0) score = sqrtClamp(nv);
        best = h;
        bestTier = tier;
        bestScore = score;
        bestVar = nv;
      }
      if (holders && holders.has(h)) {
        if (tier < bestTierT || (tier == bestTierT && nv < bestVarT && (score < 0 ? sqrtClamp(nv) : score) < bestScoreT)) {
          bestT = h;
          bestTierT = tier;
          bestScoreT = score < 0 ? sqrtClamp(nv) : score;
          bestVarT = nv;
        }
      }
    }
    if (best < 0) return -1;
    if (bestT >= 0 && bestT != best && bestTierT == bestTier && !(this.loadWith(bestT, wc, wm) - this.loadWith(best, wc, wm) > TEMPLATE_COPY_LOAD_GAP)) {
      best = bestT;
    }
    if (preferTemplate && !this.templateHas(t, best)) {
      this.templateSet(t, best, true);
      this.copied = true;
    }
    this.attach(v, best);
    // only an initial placement reports the imbalance it leaves
    this.lastImb = mode == INITIAL ? this.imbalance() : 0;
    return best;
  }
  placeBatch(vms: number[]): number[] {
    const res: number[] = [];
    let status = 0;
    for (const v of vms) {
      const h = this.place(v, INITIAL);
      if (h < 0) {
        status = h;
        break;
      }
      res.push(h, this.copied ? 1 : 0, this.lastImb);
    }
    return [res.length / 3, status, ...res];
  }
  lastMask(): number {
    return this.mask;
  }
  lastRule(): number {
    return this.firstRule;
  }
  lastCopied(): boolean {
    return this.copied;
  }
  lastImbalance(): number {
    return this.lastImb;
  }

  hostLoads(): number[] {
    const out: number[] = [];
    for (let h = 0; h < this.cpuCap.length; h++) {
      const lc = this.wantCpu[h] / this.cpuCap[h];
      const lm = this.wantMem[h] / this.memCap[h];
      out.push(lc, lm, (lc + lm) * 0.5, this.resCpu[h], this.resMem[h], this.nvm[h]);
    }
    return out;
  }

  /** Water-filling on one host: reservations first, the rest by shares, never above want. */
  private entitle(v: number, d: number[], r: number[], l: number[], s: number[], cap: number): number {
    const h = this.host[v];
    if (h < 0) return 0;
    const on: number[] = [];
    let sumWant = 0;
    let sumRes = 0;
    for (let i = 0; i < this.alive.length; i++) {
      if (this.host[i] != h) continue;
      on.push(i);
      sumWant += want(d[i], r[i], l[i]);
      sumRes += r[i];
    }
    if (sumWant <= cap) return want(d[v], r[v], l[v]);
    let remaining = cap - sumRes;
    const active: number[] = [];
    for (const i of on) if (want(d[i], r[i], l[i]) > r[i]) active.push(i);
    let ent = r[v];
    while (active.length > 0 && remaining > 0) {
      let total = 0;
      for (const i of active) total += s[i];
      let capped = false;
      let next = remaining;
      for (let k = 0; k < active.length; k++) {
        const i = active[k];
        const w = want(d[i], r[i], l[i]);
        if (r[i] + (remaining * s[i]) / total >= w) {
          capped = true;
          next -= w - r[i];
          if (i == v) ent = w;
          active.splice(k, 1);
          k--;
        }
      }
      if (!capped) {
        for (const i of active) if (i == v) ent = r[i] + (remaining * s[i]) / total;
        break;
      }
      remaining = next;
    }
    return ent;
  }
  entitlement(v: number): number[] {
    const h = this.host[v];
    if (h < 0) return [0, 0];
    return [
      this.entitle(v, this.cpuD, this.cpuR, this.cpuL, this.cpuS, this.cpuCap[h]),
      this.entitle(v, this.memD, this.memR, this.memL, this.memS, this.memCap[h]),
    ];
  }

  private snapshot(): number[][] {
    return [this.wantCpu.slice(), this.wantMem.slice(), this.resCpu.slice(), this.resMem.slice(), this.nvm.slice()];
  }
  private restore(snap: number[][]): void {
    this.wantCpu = snap[0];
    this.wantMem = snap[1];
    this.resCpu = snap[2];
    this.resMem = snap[3];
    this.nvm = snap[4];
  }

  balance(threshold: number, apply: boolean): number[] {
    const H = this.cpuCap.length;
    const V = this.alive.length;
    const before = this.imbalance();
    const recs: number[] = [];
    const snap = apply ? null : this.snapshot();
    const moves = new Array<number>(H).fill(0);
    const loads = new Array<number>(H).fill(0);
    const order: number[] = [];
    // VMs grouped by their host at the start of the pass (counting sort keeps index order inside a
    // host); later moves are tracked by `arrivals` and checked against `host` when a host is scanned
    const passHost = this.host.slice();
    const start = new Array<number>(H + 1).fill(0);
    const byHost = new Array<number>(V).fill(0);
    for (let v = 0; v < V; v++) if (passHost[v] >= 0) start[passHost[v] + 1]++;
    for (let h = 0; h < H; h++) start[h + 1] += start[h];
    const fill = start.slice(0, H);
    for (let v = 0; v < V; v++) if (passHost[v] >= 0) byHost[fill[passHost[v]]++] = v;
    const arrivals: number[] = [];
    const dst: number[] = [];
    for (;;) {
      this.sums();
      const n = this.n;
      if (n < 2) break;
      const cur = this.sumsImbalance();
      const pri = drsPriority(cur, n);
      if (pri > threshold || cur <= targetImbalance(threshold, n)) break;
      // sources from the most loaded down (ties: lowest index)
      order.length = 0;
      for (let h = 0; h < H; h++) {
        loads[h] = this.hostLoad(h);
        if (this.taking(h) && moves[h] < MAX_MOVES_PER_HOST) order.push(h);
      }
      for (let i = 1; i < order.length; i++) {
        const x = order[i];
        let j = i - 1;
        while (j >= 0 && loads[order[j]] < loads[x]) {
          order[j + 1] = order[j];
          j--;
        }
        order[j + 1] = x;
      }
      let bestVm = -1;
      let bestTo = -1;
      let from = -1;
      const m0 = this.S / n;
      const curVar = this.Q / n - m0 * m0; // cur = sqrtClamp(curVar): a move whose variance is not lower gains nothing
      const inv = 1 / n;
      for (let oi = 0; oi < order.length; oi++) {
        const s = order[oi];
        const ls = loads[s];
        // destinations for this source, in index order: take VMs, have moves left, less loaded
        dst.length = 0;
        for (let d = 0; d < H; d++) {
          if (d == s || !this.taking(d) || moves[d] >= MAX_MOVES_PER_HOST || !(loads[d] < ls)) continue;
          dst.push(d);
        }
        if (dst.length == 0) continue;
        const s0 = this.S - ls;
        const q0 = this.Q - ls * ls;
        let bestNet = 0;
        // the VMs on s now, in index order: its pass-start VMs still there, merged with those that arrived
        const incoming = [...new Set(arrivals.filter((v) => this.host[v] == s && passHost[v] != s))].sort((a, b) => a - b);
        const srcVms: number[] = [];
        let ai = 0;
        for (let k = start[s]; k < start[s + 1]; k++) {
          const v = byHost[k];
          if (this.host[v] != s) continue;
          while (ai < incoming.length && incoming[ai] < v) srcVms.push(incoming[ai++]);
          srcVms.push(v);
        }
        while (ai < incoming.length) srcVms.push(incoming[ai++]);
        for (const v of srcVms) {
          const wc = want(this.cpuD[v], this.cpuR[v], this.cpuL[v]);
          const wm = want(this.memD[v], this.memR[v], this.memL[v]);
          const ls2 = this.loadWith(s, -wc, -wm);
          const ls2sq = ls2 * ls2;
          const t = wm / VMOTION_MIB_PER_S;
          const keep = DRS_PERIOD_S - t;
          const cost = MIGRATION_COST_RATE * t;
          const plain = this.vmRules[v].length == 0; // no rules: capacity is the only test
          const keepShould = plain || this.shouldOk(v, s);
          const crv = this.cpuR[v];
          const mrv = this.memR[v];
          let vmBestVar = Infinity;
          for (const d of dst) {
            if (this.resCpu[d] + crv > this.cpuCap[d] || this.resMem[d] + mrv > this.memCap[d]) continue;
            if (!plain) {
              if (this.why(v, d, INITIAL) != 0) continue;
              if (keepShould && !this.shouldOk(v, d)) continue;
            }
            const ld = loads[d];
            // estimate with products first: a destination whose estimate is above the variance to
            // beat by more than the filter margin has an exact variance above it too
            const e2 = ((this.wantCpu[d] + wc) * this.invCpuCap[d] + (this.wantMem[d] + wm) * this.invMemCap[d]) * 0.5;
            const eq = (q0 - ld * ld + ls2sq + e2 * e2) * inv;
            const em = (s0 - ld + ls2 + e2) * inv;
            if (eq - em * em - FILTER_MARGIN * eq > Math.min(curVar, vmBestVar)) continue;
            const ld2 = this.loadWith(d, wc, wm);
            const sum = s0 - ld + ls2 + ld2;
            const q = q0 - ld * ld + ls2sq + ld2 * ld2;
            const m = sum / n;
            const nv = q / n - m * m;
            // net falls as the variance rises (same VM: same keep and cost), so a variance above this
            // VM's best so far cannot beat bestNet: skip its sqrt
            if (!(nv < curVar) || nv > vmBestVar) continue;
            vmBestVar = nv;
            const gain = cur - sqrtClamp(nv);
            if (!(gain > 0)) continue;
            const net = gain * keep - cost;
            if (net > bestNet) {
              bestNet = net;
              bestVm = v;
              bestTo = d;
            }
          }
        }
        if (bestVm >= 0) {
          from = s;
          break;
        }
      }
      if (bestVm < 0) break;
      recs.push(bestVm, from, bestTo, pri);
      this.detach(bestVm);
      this.attach(bestVm, bestTo);
      arrivals.push(bestVm);
      moves[from]++;
      moves[bestTo]++;
    }
    const after = this.imbalance();
    if (snap) {
      for (let i = 0; i < recs.length; i += 4) this.host[recs[i]] = recs[i + 1];
      this.restore(snap);
    }
    return [before, after, recs.length / 4, ...recs];
  }

  maintenance(h: number, apply: boolean): number[] {
    const snap = this.snapshot();
    const old = this.state[h];
    this.state[h] = 1;
    const victims: number[] = [];
    for (let v = 0; v < this.alive.length; v++) if (this.host[v] == h) victims.push(v);
    for (const v of victims) this.detach(v);
    const moves: number[] = [];
    const blockers: number[] = [];
    for (const v of victims) {
      const d = this.place(v, 1);
      if (d >= 0) moves.push(v, d);
      else blockers.push(v, this.mask, this.firstRule);
    }
    if (!apply || blockers.length > 0) {
      for (const v of victims) this.host[v] = h;
      this.restore(snap);
      this.state[h] = old;
    }
    return [moves.length / 2, blockers.length / 3, ...moves, ...blockers];
  }

  /**
   * HA restart of VM `v` without rules: the same choice as place(v, HA) — the first feasible
   * failover host, else the feasible host whose exact variance (then index) is least — in two
   * passes: estimate every feasible host's resulting variance with products, then evaluate the
   * exact formula, in host order, only for the hosts within the filter margin of the least.
   */
  private haRestartPlain(v: number): number {
    this.mask = 0;
    this.firstRule = -1;
    this.copied = false;
    this.sums();
    const H = this.cpuCap.length;
    const crv = this.cpuR[v];
    const mrv = this.memR[v];
    const wc = want(this.cpuD[v], this.cpuR[v], this.cpuL[v]);
    const wm = want(this.memD[v], this.memR[v], this.memL[v]);
    const S = this.S;
    const Q = this.Q;
    const n = this.n;
    const inv = 1 / n;
    const candHost: number[] = [];
    const candVar: number[] = [];
    let mask = 0;
    let firstFailover = -1;
    let least = Infinity;
    let scale = 0;
    for (let h = 0; h < H; h++) {
      if (this.state[h] != 0) {
        mask |= 1;
        continue;
      }
      if (this.resCpu[h] + crv > this.cpuCap[h]) {
        mask |= 4;
        continue;
      }
      if (this.resMem[h] + mrv > this.memCap[h]) {
        mask |= 8;
        continue;
      }
      if (this.failover[h] != 0) {
        // tier 0, not taking: every failover host scores the current imbalance, so the first wins
        if (firstFailover < 0) firstFailover = h;
        continue;
      }
      const l = this.hostLoad(h);
      const l2 = ((this.wantCpu[h] + wc) * this.invCpuCap[h] + (this.wantMem[h] + wm) * this.invMemCap[h]) * 0.5;
      const q = (Q - l * l + l2 * l2) * inv;
      const m = (S - l + l2) * inv;
      const est = q - m * m;
      candHost.push(h);
      candVar.push(est);
      if (est < least) least = est;
      if (q > scale) scale = q;
    }
    this.mask = mask;
    let best = firstFailover;
    if (best < 0) {
      const bound = least + FILTER_MARGIN * scale;
      let bestScore = Infinity;
      let bestVar = Infinity;
      for (let i = 0; i < candHost.length; i++) {
        if (candVar[i] > bound) continue;
        const h = candHost[i];
        // the formula of place(), operation for operation
        const l = this.hostLoad(h);
        const l2 = this.loadWith(h, wc, wm);
        const s = this.S - l + l2;
        const q = this.Q - l * l + l2 * l2;
        const m = s / n;
        const nv = q / n - m * m;
        let score = -1;
        if (nv < bestVar && (score = sqrtClamp(nv)) < bestScore) {
          best = h;
          bestScore = score;
          bestVar = nv;
        }
      }
    }
    if (best < 0) return -1;
    this.attach(v, best);
    this.lastImb = 0;
    return best;
  }

  failHosts(hosts: number[]): number[] {
    for (const h of hosts) this.state[h] = 2;
    const victims: number[] = [];
    for (let v = 0; v < this.alive.length; v++) {
      const h = this.host[v];
      if (h >= 0 && this.state[h] == 2) victims.push(v);
    }
    for (const v of victims) this.detach(v);
    // restart order: priority, then VM id — a counting sort over the 6 priorities (stable)
    const counts = new Array<number>(7).fill(0);
    for (const v of victims) counts[this.prio[v] + 1]++;
    for (let k = 0; k < 6; k++) counts[k + 1] += counts[k];
    const ordered = new Array<number>(victims.length);
    for (const v of victims) ordered[counts[this.prio[v]]++] = v;
    const restarts: number[] = [];
    const failed: number[] = [];
    for (const v of ordered) {
      if (this.prio[v] == 5) {
        failed.push(v, DISABLED_BIT, -1);
        continue;
      }
      const d = this.vmRules[v].length == 0 ? this.haRestartPlain(v) : this.place(v, HA);
      if (d >= 0) restarts.push(v, d, this.prio[v]);
      else failed.push(v, this.mask, this.firstRule);
    }
    return [restarts.length / 3, failed.length / 3, ...restarts, ...failed];
  }

  haSetPolicy(kind: number, a: number, b: number): void {
    this.haKind = kind;
    this.haA = a;
    this.haB = b;
  }
  haAdmission(): number[] {
    return this.admission(-1);
  }
  /** Admission figures, counting VM `extra` (not yet powered on) when ≥ 0. */
  private admission(extra: number): number[] {
    const H = this.cpuCap.length;
    const out = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const per: number[] = new Array<number>(H).fill(0);
    const kind = this.haKind;
    if (kind == 1) {
      let cpuSlot = 0;
      let memSlot = 0;
      let used = 0;
      for (let v = 0; v < this.alive.length; v++) {
        if (this.host[v] < 0 && v != extra) continue;
        cpuSlot = Math.max(cpuSlot, this.cpuR[v]);
        memSlot = Math.max(memSlot, this.memR[v]);
        used++;
      }
      cpuSlot = Math.max(cpuSlot, HA_MIN_CPU_MHZ);
      memSlot = Math.max(memSlot, HA_MIN_MEM_MIB);
      let total = 0;
      const sorted: number[] = [];
      for (let h = 0; h < H; h++) {
        if (this.state[h] != 0) continue;
        per[h] = Math.min(Math.floor(this.cpuCap[h] / cpuSlot), Math.floor(this.memCap[h] / memSlot));
        total += per[h];
        // descending insertion
        let j = sorted.length;
        sorted.push(per[h]);
        while (j > 0 && sorted[j - 1] < per[h]) {
          sorted[j] = sorted[j - 1];
          j--;
        }
        sorted[j] = per[h];
      }
      let k = 0;
      let rem = total;
      while (k < sorted.length - 1 && rem - sorted[k] >= used) {
        rem -= sorted[k];
        k++;
      }
      let reserve = 0;
      for (let i = 0; i < this.haA && i < sorted.length; i++) reserve += sorted[i];
      const avail = total - used - reserve;
      out[0] = k >= this.haA ? 1 : 0;
      out[1] = k;
      out[2] = cpuSlot;
      out[3] = memSlot;
      out[4] = total;
      out[5] = used;
      out[6] = avail > 0 ? avail : 0;
    } else if (kind == 2) {
      let totalCpu = 0;
      let totalMem = 0;
      for (let h = 0; h < H; h++) {
        if (this.state[h] != 0) continue;
        totalCpu += this.cpuCap[h];
        totalMem += this.memCap[h];
      }
      let rc = 0;
      let rm = 0;
      for (let v = 0; v < this.alive.length; v++) {
        if (this.host[v] < 0 && v != extra) continue;
        rc += Math.max(this.cpuR[v], HA_MIN_CPU_MHZ);
        rm += this.memR[v];
      }
      const cpuPct = totalCpu > 0 ? ((totalCpu - rc) / totalCpu) * 100 : 0;
      const memPct = totalMem > 0 ? ((totalMem - rm) / totalMem) * 100 : 0;
      out[0] = cpuPct >= this.haA && memPct >= this.haB ? 1 : 0;
      out[1] = Math.min(cpuPct, memPct);
      out[7] = cpuPct;
      out[8] = memPct;
    } else if (kind == 3) {
      let healthy = 0;
      for (let h = 0; h < H; h++) if (this.failover[h] != 0 && this.state[h] == 0) healthy++;
      out[0] = healthy >= 1 ? 1 : 0;
      out[1] = healthy;
      out[9] = healthy;
    }
    return out.concat(per);
  }

  migration(memoryPages: number, dirty: number, ws: number, mbps: number, atDest: number, switchMs: number): number[] {
    return precopy(memoryPages, dirty, ws, mbps, atDest, switchMs);
  }
}

/** vMotion pre-copy model: [rounds, pagesSent, finalPages, downtimeMs, durationMs, reason]. */
export function precopy(memoryPages: number, dirty: number, ws: number, mbps: number, atDest: number, switchMs: number): number[] {
  const pps = (mbps * 1e6) / 4096;
  const threshold = pps * PRECOPY_STOP_SECONDS;
  let toSend = memoryPages - atDest;
  if (toSend < 0) toSend = 0;
  let sent = 0;
  let time = 0;
  let rounds = 0;
  let reason = 0;
  for (;;) {
    if (toSend <= threshold) {
      reason = 0;
      break;
    }
    if (rounds >= PRECOPY_MAX_ROUNDS) {
      reason = 1;
      break;
    }
    if (sent >= PRECOPY_MAX_SENT * memoryPages) {
      reason = 2;
      break;
    }
    const t = toSend / pps;
    sent += toSend;
    time += t;
    rounds++;
    toSend = Math.min(ws, Math.min(memoryPages, Math.ceil(dirty * t)));
  }
  const last = toSend / pps;
  return [rounds, sent + toSend, toSend, last * 1000 + switchMs, (time + last) * 1000 + switchMs, reason];
}

/** The public cluster over the reference kernel. */
export class ReferenceCluster extends Cluster {
  constructor(options: ClusterOptions) {
    super(options, new ReferencePlacementKernel());
  }
  /** Same as `new ReferenceCluster(options)`. */
  static override create(options: ClusterOptions): ReferenceCluster {
    return new ReferenceCluster(options);
  }
}
