/**
 * The datacenter a policy acts on, with CloudSim 3.0.3's semantics (../shared/capacity/CLOUDSIM-MODEL.md
 * §2–§5): per-host VM lists in order, time-shared CPU with over-subscription scaling, live migration
 * that costs the VM 10 % of its demand for RAM / (BW/2) seconds, an update at every tick and every
 * migration completion (energy by trapezoid, host and VM state entries for SLATAH and PDM).
 *
 * Why this file is long: the update, the allocation and the migration steps share the same state
 * arrays and are only correct together; splitting them would spread one invariant over files.
 */
import type { Model } from "./model.js";
import { vmUtilisation } from "./model.js";
import { powerOf } from "./power.js";

export { powerOf };

/** How a policy's hosts draw power: CloudSim's "empty host is off", all at full load (NPA), or by power state (DPM). */
export type EnergyMode = "active" | "max" | "powered";

/** VM utilisation history kept per VM for the local-regression test: newest first, 30 ticks. */
export const HISTORY = 30;

export interface TickSample {
  time: number;
  energyKWh: number;
  activeHosts: number;
  migrations: number;
  /** Mean CPU utilisation of the active hosts. */
  meanUtilisation: number;
  /** Active hosts whose VMs got less CPU than they asked for. */
  violatingHosts: number;
}

export class Datacenter {
  readonly m: Model;
  readonly mode: EnergyMode;
  /** VM lists in CloudSim's order; incoming (migrating-in) VMs are in the list too. */
  readonly hostList: number[][];
  readonly hostIn: number[][];
  /** MIPS in use at the last update (CloudSim `getUtilizationMips`), and the update before it. */
  readonly hostUtilMips: Float64Array;
  /** Scheduler state: MIPS not reserved, and allocated MIPS with incoming VMs at full demand. */
  readonly hostAvail: Float64Array;
  readonly hostAllocMips: Float64Array;
  readonly hostRamUsed: Float64Array;
  /** Bumped whenever a host's list or shares are recomputed: policies key their caches on it. */
  readonly hostVersion: Uint32Array;
  /** Powered on (only meaningful in `powered` mode; otherwise a host is on while it has load). */
  readonly hostOn: Uint8Array;
  /** The version and power state each host had at its last `updateHost`: unchanged means its entry is current. */
  private readonly updatedVersion: Uint32Array;
  /** The version at the last share computation, and whether the host was over-subscribed then. */
  private readonly sharedVersion: Uint32Array;
  private readonly hostOver: Uint8Array;
  private readonly updatedOn: Uint8Array;
  readonly vmHost: Int32Array;
  readonly vmDemand: Float64Array;
  readonly vmAlloc: Float64Array;
  readonly vmAllocIn: Float64Array;
  readonly vmMigrating: Int32Array;
  /** Utilisation history (fraction of the VM's MIPS), newest first. */
  readonly vmHist: Float64Array;
  readonly vmHistLen: Int32Array;
  /** Mean and OLS slope of the newest 10 history points (x = 1 … 10, oldest first). */
  readonly vmMean: Float64Array;
  readonly vmSlope: Float64Array;
  /** The VM has 10 or more history points and a non-zero one at index ≥ 9 (survives the zero trim). */
  readonly vmLongHistory: Uint8Array;
  /** Non-zero history points at index ≥ 9, kept as the history shifts. */
  private readonly vmLongNonZero: Uint8Array;
  /** `incomingMark[v] === incomingStamp` while allocating a host: v is migrating in (no search of hostIn per VM). */
  private readonly incomingMark: Uint32Array;
  private incomingStamp = 0;

  time = 0;
  lastProcess = 0;
  energyWs = 0;
  migrations = 0;
  /** Extra energy a policy books outside the trapezoid (host power-on), W·s. */
  extraWs = 0;
  // SLA integration (CLOUDSIM-MODEL.md §5): a pending entry per host / VM, integrated when the next arrives.
  private readonly hEntT: Float64Array;
  private readonly hEntAlloc: Float64Array;
  private readonly hEntReq: Float64Array;
  private readonly hEntActive: Uint8Array;
  private readonly vEntT: Float64Array;
  private readonly vEntAlloc: Float64Array;
  private readonly vEntReq: Float64Array;
  private readonly vEntMig: Uint8Array;
  slaTime = 0;
  activeTime = 0;
  vmRequested = 0;
  vmAllocated = 0;
  vmUnderMigration = 0;
  private readonly queue: { time: number; seq: number; vm: number; target: number }[] = [];
  private seq = 0;
  readonly samples: TickSample[] = [];
  /** Histogram of active hosts' utilisation at every tick, ten 10 % bins. */
  readonly utilisationBins = new Float64Array(10);
  private tickMigrations = 0;
  private readonly touched = new Set<number>();

  /**
   * CloudSim's `getCompletedVms` quirk: a settled VM whose requested MIPS is exactly 0 at an update
   * counts as finished and leaves the datacenter for good (PlanetLab VMs at 0 % for two samples).
   */
  readonly finishIdleVms: boolean;
  /** VMs that left that way. */
  finishedVms = 0;
  /** Told when a VM leaves that way, so a policy with state of its own (DRS) forgets it. */
  onFinished?: (v: number) => void;

  constructor(m: Model, mode: EnergyMode, finishIdleVms = false) {
    this.m = m;
    this.mode = mode;
    this.finishIdleVms = finishIdleVms;
    const H = m.hostCount;
    const V = m.vmCount;
    this.hostList = Array.from({ length: H }, () => []);
    this.hostIn = Array.from({ length: H }, () => []);
    this.hostUtilMips = new Float64Array(H);
    this.hostAvail = Float64Array.from(m.hostMips);
    this.hostAllocMips = new Float64Array(H);
    this.hostRamUsed = new Float64Array(H);
    this.hostVersion = new Uint32Array(H);
    this.hostOn = new Uint8Array(H);
    this.updatedVersion = new Uint32Array(H);
    this.sharedVersion = new Uint32Array(H).fill(0xffffffff);
    this.hostOver = new Uint8Array(H);
    this.updatedOn = new Uint8Array(H);
    this.vmHost = new Int32Array(V).fill(-1);
    this.vmDemand = new Float64Array(V);
    this.vmAlloc = new Float64Array(V);
    this.vmAllocIn = new Float64Array(V);
    this.vmMigrating = new Int32Array(V);
    this.vmHist = new Float64Array(V * HISTORY);
    this.vmHistLen = new Int32Array(V);
    this.vmMean = new Float64Array(V);
    this.vmSlope = new Float64Array(V);
    this.vmLongHistory = new Uint8Array(V);
    this.vmLongNonZero = new Uint8Array(V);
    this.incomingMark = new Uint32Array(V);
    this.hEntT = new Float64Array(H).fill(-1);
    this.hEntAlloc = new Float64Array(H);
    this.hEntReq = new Float64Array(H);
    this.hEntActive = new Uint8Array(H);
    this.vEntT = new Float64Array(V).fill(-1);
    this.vEntAlloc = new Float64Array(V);
    this.vEntReq = new Float64Array(V);
    this.vEntMig = new Uint8Array(V);
  }

  /** Host utilisation at the last update, clamped like CloudSim ((1, 1.01) → 1). */
  utilisation(h: number): number {
    const u = this.hostUtilMips[h] / this.m.hostMips[h];
    return u > 1 && u < 1.01 ? 1 : u;
  }

  /** Marks the host's incoming VMs for `isIncoming`; false when it has none. */
  private markIncoming(h: number): boolean {
    const inc = this.hostIn[h];
    if (inc.length === 0) return false;
    if (this.incomingStamp === 0xffffffff) {
      this.incomingMark.fill(0);
      this.incomingStamp = 0;
    }
    const stamp = ++this.incomingStamp;
    for (let i = 0; i < inc.length; i++) this.incomingMark[inc[i]] = stamp;
    return true;
  }

  /** Recomputes the host's CPU shares from its list (VmSchedulerTimeSharedOverSubscription). */
  allocate(h: number): void {
    this.share(h, this.markIncoming(h), -1);
  }

  /**
   * The scheduler's shares; with `t` ≥ 0 also `updateHost`'s MIPS in use, request and state entries,
   * in the same pass over the list (each sum still runs in list order, so the figures are the same).
   */
  private share(h: number, anyIn: boolean, t: number): void {
    this.hostVersion[h]++;
    const list = this.hostList[h];
    const mark = this.incomingMark;
    const stamp = this.incomingStamp;
    const C = this.m.hostMips[h];
    const pe = this.m.hostPe[h];
    const d = this.vmDemand;
    const migrating = this.vmMigrating;
    const n = list.length;
    let avail = C;
    let over = false;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const v = list[i];
      let r = d[v] > pe ? pe : d[v];
      if (anyIn && mark[v] === stamp) r *= 0.1;
      total += r;
      if (!over && avail >= r) avail -= r;
      else over = true;
    }
    const update = t >= 0;
    let sum = 0;
    let used = 0;
    let req = 0;
    const s = over ? C / total : 0;
    for (let i = 0; i < n; i++) {
      const v = list[i];
      const r = d[v] > pe ? pe : d[v];
      if (anyIn && mark[v] === stamp) {
        let a: number;
        if (!over) {
          a = r * 0.1;
          sum += r * 0.1 + (r * 0.1 * 0.9) / 0.1;
        } else {
          a = Math.floor(r * 0.1 * s);
          sum += a + (a * 0.9) / 0.1;
        }
        this.vmAllocIn[v] = a;
        if (update) {
          req += d[v];
          used += a;
        }
      } else {
        const mig = migrating[v] > 0;
        const a = !over ? (mig ? r * 0.9 : r) : mig ? Math.floor(r * s * 0.9) : Math.floor(r * s);
        this.vmAlloc[v] = a;
        sum += a;
        if (update) {
          req += d[v];
          this.vmEntry(v, t, a, d[v], mig);
          used += mig ? a / 0.9 : a;
        }
      }
    }
    this.hostAvail[h] = over ? 0 : avail;
    this.hostAllocMips[h] = sum;
    this.hostOver[h] = over ? 1 : 0;
    this.sharedVersion[h] = this.hostVersion[h];
    if (!update) return;
    this.hostUtilMips[h] = used;
    const active = this.mode === "powered" ? this.hostOn[h] === 1 : used > 0;
    this.hostEntry(h, t, used, req, active);
    this.updatedVersion[h] = this.hostVersion[h];
    this.updatedOn[h] = this.hostOn[h];
  }

  /** CloudSim `updateVmsProcessing`: shares, MIPS in use, and the host's and its VMs' state entries at `t`. */
  updateHost(h: number, t: number): void {
    this.share(h, this.markIncoming(h), t);
  }

  private hostEntry(h: number, t: number, alloc: number, req: number, active: boolean): void {
    const pt = this.hEntT[h];
    if (pt >= 0 && pt !== t && this.hEntActive[h]) {
      const dt = t - pt;
      this.activeTime += dt;
      if (this.hEntAlloc[h] < this.hEntReq[h]) this.slaTime += dt;
    }
    this.hEntT[h] = t;
    this.hEntAlloc[h] = alloc;
    this.hEntReq[h] = req;
    this.hEntActive[h] = active ? 1 : 0;
  }

  private vmEntry(v: number, t: number, alloc: number, req: number, mig: boolean): void {
    const pt = this.vEntT[v];
    if (pt >= 0 && pt !== t) {
      const dt = t - pt;
      const pa = this.vEntAlloc[v];
      const pr = this.vEntReq[v];
      this.vmAllocated += pa * dt;
      this.vmRequested += pr * dt;
      if (pa < pr && this.vEntMig[v]) this.vmUnderMigration += (pr - pa) * dt;
    }
    this.vEntT[v] = t;
    this.vEntAlloc[v] = alloc;
    this.vEntReq[v] = req;
    this.vEntMig[v] = mig ? 1 : 0;
  }

  /** Puts a VM on a host (CloudSim `vmCreate`): appended to the list, its share taken. */
  create(v: number, h: number): void {
    const list = this.hostList[h];
    list.push(v);
    this.vmHost[v] = h;
    this.hostRamUsed[h] += this.m.vmRam[v];
    // A VM appended to a host whose shares are current and not over-subscribed takes its share from
    // what is left: the same sums, in the same order, as recomputing the list.
    const d = this.vmDemand[v];
    const pe = this.m.hostPe[h];
    const r = d > pe ? pe : d;
    if (this.sharedVersion[h] === this.hostVersion[h] && this.hostOver[h] === 0 && this.hostAvail[h] >= r && !this.hostIn[h].includes(v)) {
      this.hostAvail[h] -= r;
      const a = this.vmMigrating[v] > 0 ? r * 0.9 : r;
      this.vmAlloc[v] = a;
      this.hostAllocMips[h] += a;
      this.sharedVersion[h] = ++this.hostVersion[h];
    } else this.allocate(h);
  }

  /** Takes a VM off a host's list (CloudSim `vmDestroy`); the others' shares are recomputed. */
  destroy(v: number, h: number): void {
    const list = this.hostList[h];
    const i = list.indexOf(v);
    if (i < 0) return;
    list.splice(i, 1);
    this.hostRamUsed[h] -= this.m.vmRam[v];
    this.allocate(h);
  }

  /** Pushes the VM's utilisation at a tick onto its history and refreshes the regression terms. */
  private pushHistory(v: number, u: number): void {
    const base = v * HISTORY;
    const hist = this.vmHist;
    const before = this.vmHistLen[v];
    // Index 8 moves to 9 and joins the long part; index 29 falls off the end.
    let nonZero = this.vmLongNonZero[v];
    if (before > 8 && hist[base + 8] !== 0) nonZero++;
    if (before === HISTORY && hist[base + HISTORY - 1] !== 0) nonZero--;
    this.vmLongNonZero[v] = nonZero;
    hist.copyWithin(base + 1, base, base + HISTORY - 1);
    hist[base] = u;
    this.vmHistLen[v] = Math.min(HISTORY, before + 1);
    this.vmLongHistory[v] = nonZero > 0 ? 1 : 0;
    // x = 1 … 10 oldest first: x = 10 − k for history index k.
    let sy = 0;
    for (let k = 0; k < 10; k++) sy += hist[base + k];
    const mean = sy / 10;
    let sxy = 0;
    for (let k = 0; k < 10; k++) sxy += (4.5 - k) * (hist[base + k] - mean);
    this.vmMean[v] = mean;
    this.vmSlope[v] = sxy / 82.5;
  }

  /** A full datacenter update at `t`: demands from the trace, every host's shares, energy since the last one. */
  update(t: number, tick: boolean): void {
    const m = this.m;
    // The trace position of t, for the VMs that start at 0 (utilisationAt's arithmetic, done once).
    const step = m.traceStep;
    const exact = t % step === 0;
    const i0 = t / step;
    const t1 = Math.floor(t / step);
    const t2 = Math.ceil(t / step);
    const span = (t2 - t1) * step;
    const into = t - t1 * step;
    for (let v = 0; v < m.vmCount; v++) {
      if (this.vmHost[v] < 0) {
        this.vmDemand[v] = 0;
        continue;
      }
      let u: number;
      if (m.vmStart[v] !== 0 || t >= m.vmEnd[v]) u = vmUtilisation(m, v, t);
      else {
        const cpu = m.vmCpu[v];
        const last = cpu.length - 1;
        if (last < 0) u = 0;
        else if (exact) u = cpu[i0 > last ? last : i0];
        else {
          const u1 = cpu[t1 > last ? last : t1];
          u = u1 + ((cpu[t2 > last ? last : t2] - u1) / span) * into;
        }
      }
      this.vmDemand[v] = u * m.vmMips[v];
      if (tick) this.pushHistory(v, u);
    }
    const dt = t - this.lastProcess;
    let w = 0;
    for (let h = 0; h < m.hostCount; h++) {
      const prev = this.utilisation(h);
      const wasOn = this.hostOn[h];
      this.updateHost(h, t);
      if (dt > 0) w += this.hostEnergy(h, prev, wasOn === 1, dt);
    }
    this.energyWs += w;
    if (this.finishIdleVms) {
      for (let h = 0; h < m.hostCount; h++) {
        const list = this.hostList[h];
        for (let i = list.length - 1; i >= 0; i--) {
          const v = list[i];
          if (this.vmMigrating[v] === 0 && this.vmDemand[v] === 0) {
            this.destroy(v, h);
            this.vmHost[v] = -1;
            this.finishedVms++;
            this.onFinished?.(v);
          }
        }
      }
    }
    this.lastProcess = t;
    this.time = t;
  }

  private hostEnergy(h: number, from: number, wasOn: boolean, dt: number): number {
    const m = this.m;
    if (this.mode === "max") return m.hostMaxWatts[h] * dt;
    if (this.mode === "active" ? from === 0 : !wasOn) return 0;
    const table = m.power[m.hostType[h]];
    const to = this.utilisation(h);
    const pf = powerOf(table, from);
    const pt = powerOf(table, to);
    return (pf + (pt - pf) / 2) * dt;
  }

  /** Starts a live migration (CloudSim `addMigratingInVm` + the VM_MIGRATE event). */
  startMigration(v: number, target: number, t: number): void {
    this.startMigrations([[v, target]], t);
  }

  /**
   * Starts the migrations a policy decided at `t`, in order. Each source and target is updated once
   * after all of them start: every update at `t` replaces the entries the one before wrote at `t`,
   * so only the last counts, and it sees the same lists either way.
   */
  startMigrations(moves: readonly (readonly [number, number])[], t: number): void {
    const touched = this.touched;
    touched.clear();
    for (const [v, target] of moves) {
      this.hostIn[target].push(v);
      this.hostList[target].push(v);
      this.vmMigrating[v]++;
      this.migrations++;
      this.tickMigrations++;
      const done = t + this.m.vmRam[v] / this.m.hostMigrationMiBps[target];
      const e = { time: done, seq: this.seq++, vm: v, target };
      let i = this.queue.length;
      while (i > 0 && this.queue[i - 1].time > done) i--;
      this.queue.splice(i, 0, e);
      touched.add(target);
      touched.add(this.vmHost[v]);
    }
    for (const h of touched) this.updateHost(h, t);
  }

  /** Time of the next migration completion, or Infinity. */
  nextCompletion(): number {
    return this.queue.length ? this.queue[0].time : Infinity;
  }

  /** Completes every migration due at the earliest completion time (CloudSim `processVmMigrate`). */
  completeMigrations(): number {
    const t = this.queue[0].time;
    const updated = t > this.lastProcess;
    if (updated) this.update(t, false);
    // The lists change as destroy and create would change them; the shares are recomputed once
    // per host below instead of after every move (nothing reads them in between).
    while (this.queue.length && this.queue[0].time === t) {
      const { vm, target } = this.queue.shift()!;
      const src = this.vmHost[vm];
      const from = this.hostList[src];
      const i = from.indexOf(vm);
      if (i >= 0) {
        from.splice(i, 1);
        this.hostRamUsed[src] -= this.m.vmRam[vm];
        this.hostVersion[src]++;
      }
      const inc = this.hostIn[target];
      inc.splice(inc.indexOf(vm), 1);
      const list = this.hostList[target];
      list.splice(list.indexOf(vm), 1);
      this.vmMigrating[vm]--;
      list.push(vm);
      this.vmHost[vm] = target;
      this.hostRamUsed[target] += this.m.vmRam[vm];
      this.hostVersion[target]++;
    }
    // Every host was just updated at t; only those changed since (lists, shares or power) need it
    // again: for the others it would write the same entries.
    for (let h = 0; h < this.m.hostCount; h++) {
      if (!updated || this.updatedVersion[h] !== this.hostVersion[h] || this.updatedOn[h] !== this.hostOn[h]) this.updateHost(h, t);
    }
    return t;
  }

  /** Records the time series and the utilisation histogram once a tick's decisions are made. */
  sample(t: number): void {
    let active = 0;
    let sumU = 0;
    let violating = 0;
    for (let h = 0; h < this.m.hostCount; h++) {
      const on = this.mode === "powered" ? this.hostOn[h] === 1 : this.hostUtilMips[h] > 0;
      if (!on) continue;
      active++;
      const u = Math.min(1, this.utilisation(h));
      sumU += u;
      this.utilisationBins[Math.min(9, Math.floor(u * 10))]++;
      if (this.hEntAlloc[h] < this.hEntReq[h]) violating++;
    }
    this.samples.push({
      time: t,
      energyKWh: (this.energyWs + this.extraWs) / 3.6e6,
      activeHosts: active,
      migrations: this.tickMigrations,
      meanUtilisation: active ? sumU / active : 0,
      violatingHosts: violating,
    });
    this.tickMigrations = 0;
  }
}
