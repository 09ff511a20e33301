/**
 * vicsim's own policy: vSphere DRS balancing through the wasm placement core (bindings/core
 * `Cluster`) plus Distributed Power Management. DPM keeps the cluster's CPU demand inside the target
 * range (63 ± 18 %, vSphere's defaults): above it, standby hosts power on (they boot for
 * `powerOnSeconds`, drawing idle power, before DRS may use them); below it over the look-back window,
 * the least-loaded hosts are evacuated (maintenance mode, mandatory moves) and put in standby, as
 * long as the rest stays under the target and HA admission control stays satisfied. Powered-on
 * hosts draw power even when empty, unlike CloudSim's model.
 */
import { Cluster } from "../core/cluster.js";
import type { Datacenter } from "./datacenter.js";
import { powerOf } from "./datacenter.js";
import type { Scenario } from "./scenario.js";

export class DrsDpm {
  readonly mode = "powered" as const;
  private readonly dc: Datacenter;
  private readonly s: Scenario;
  readonly cluster: Cluster;
  /** Time a booting host becomes usable; 0 when not booting. */
  private readonly bootUntil: Float64Array;
  private readonly failed: Uint8Array;
  /** Cluster demand (MHz) at each recent tick, for the power-off look-back. */
  private readonly demandWindow: number[] = [];
  private readonly memoryDemand: Float64Array;
  private powerOns = 0;
  private powerOffs = 0;
  private haRestarts = 0;
  private haNotRestarted = 0;
  private failuresDone = 0;
  private readonly failures: { host: number; at: number }[];

  constructor(dc: Datacenter, scenario: Scenario) {
    this.dc = dc;
    this.s = scenario;
    const m = dc.m;
    this.cluster = new Cluster({
      hosts: Array.from({ length: m.hostCount }, (_, h) => ({ cpuMHz: m.hostMips[h], memoryMiB: m.hostRam[h], name: `H${h}` })),
      migrationThreshold: scenario.drs.threshold,
      automation: "fullyAutomated",
      ha: scenario.ha ? { kind: "slots", failuresToTolerate: scenario.ha.failuresToTolerate } : { kind: "disabled" },
    });
    this.bootUntil = new Float64Array(m.hostCount);
    this.failed = new Uint8Array(m.hostCount);
    // The trace's active memory where it has one; PlanetLab has none (CloudSim's null RAM model).
    this.memoryDemand = new Float64Array(m.vmCount);
    this.failures = (scenario.ha?.failures ?? []).slice().sort((a, b) => a.at - b.at);
    for (let v = 0; v < m.vmCount; v++) this.cluster.addVm({ cpu: { demand: 0 }, memory: { demand: 0 }, name: m.vmNames[v] });
    dc.hostOn.fill(1);
    dc.onFinished = (v) => this.cluster.powerOff(v);
  }

  /** DRS initial placement of each VM at its full CPU (least resulting imbalance). */
  placeInitial(vms: number[]): number[] {
    return this.placeArrivals(vms);
  }

  placeArrivals(vms: number[]): number[] {
    const dc = this.dc;
    const unplaced: number[] = [];
    for (const v of vms) {
      dc.vmDemand[v] = dc.m.vmMips[v];
      this.cluster.setDemand(v, { cpu: dc.m.vmMips[v], memory: this.memoryDemand[v] });
      try {
        const p = this.cluster.placeVm(v);
        dc.create(v, p.host);
      } catch {
        unplaced.push(v);
      }
    }
    return unplaced;
  }

  departed(v: number): void {
    this.cluster.powerOff(v);
  }

  /** One DRS/DPM pass: migrations to start now. */
  tick(t: number): [number, number][] {
    const dc = this.dc;
    const m = dc.m;
    const cl = this.cluster;
    const moves: [number, number][] = [];
    for (let v = 0; v < m.vmCount; v++) if (dc.vmHost[v] >= 0) cl.setDemand(v, { cpu: dc.vmDemand[v], memory: this.memoryDemand[v] });
    // Hosts that finished booting join the cluster; evacuated hosts whose VMs have left power off.
    for (let h = 0; h < m.hostCount; h++) {
      if (this.bootUntil[h] > 0 && this.bootUntil[h] <= t) {
        this.bootUntil[h] = 0;
        cl.recoverHost(h);
      }
      if (dc.hostOn[h] && cl.hostState(h) === "standby" && this.bootUntil[h] === 0 && dc.hostList[h].length === 0) dc.hostOn[h] = 0;
    }
    this.injectFailures(t);
    let demand = 0;
    for (let v = 0; v < m.vmCount; v++) if (dc.vmHost[v] >= 0) demand += dc.vmDemand[v];
    const windowTicks = Math.max(1, Math.round(this.s.dpm.windowSeconds / this.s.stepSeconds));
    this.demandWindow.push(demand);
    if (this.demandWindow.length > windowTicks) this.demandWindow.shift();
    if (this.s.dpm.enabled) {
      const target = this.s.dpm.targetPercent / 100;
      const high = target + this.s.dpm.tolerancePercent / 100;
      const low = target - this.s.dpm.tolerancePercent / 100;
      let capacity = 0;
      let booting = 0;
      for (let h = 0; h < m.hostCount; h++) {
        if (this.failed[h]) continue;
        const state = cl.hostState(h);
        if (state === "connected") capacity += m.hostMips[h];
        else if (this.bootUntil[h] > 0) booting += m.hostMips[h];
      }
      if (demand > high * capacity && demand > target * (capacity + booting)) this.powerOn(demand / target - capacity - booting, t);
      else {
        const recent = Math.max(...this.demandWindow);
        if (recent < low * capacity) this.powerOff(recent, capacity, target, moves);
      }
    }
    const result = cl.balance();
    if (result.applied) for (const r of result.recommendations) moves.push([r.vm, r.to]);
    return moves.filter(([v, h]) => dc.vmHost[v] >= 0 && dc.vmHost[v] !== h);
  }

  /** Powers on standby hosts with the least power per MHz at the target load until `needMHz` is covered. */
  private powerOn(needMHz: number, t: number): void {
    const dc = this.dc;
    const m = dc.m;
    const target = this.s.dpm.targetPercent / 100;
    const candidates: number[] = [];
    for (let h = 0; h < m.hostCount; h++) if (!this.failed[h] && this.bootUntil[h] === 0 && this.cluster.hostState(h) === "standby" && !dc.hostOn[h]) candidates.push(h);
    const cost = (h: number): number => powerOf(m.power[m.hostType[h]], target) / m.hostMips[h];
    candidates.sort((a, b) => cost(a) - cost(b) || a - b);
    for (const h of candidates) {
      if (needMHz <= 0) break;
      dc.hostOn[h] = 1;
      this.powerOns++;
      needMHz -= m.hostMips[h];
      if (this.s.dpm.powerOnSeconds > 0) this.bootUntil[h] = t + this.s.dpm.powerOnSeconds;
      else this.cluster.recoverHost(h);
    }
  }

  /** Evacuates and puts in standby the least-loaded hosts while the rest stays under the target. */
  private powerOff(demand: number, capacity: number, target: number, moves: [number, number][]): void {
    const dc = this.dc;
    const m = dc.m;
    const cl = this.cluster;
    const loads = cl.hostLoads();
    const order = loads
      .filter((l) => !this.failed[l.host] && cl.hostState(l.host) === "connected")
      .sort((a, b) => a.cpu - b.cpu || m.hostMips[a.host] - m.hostMips[b.host] || a.host - b.host)
      .map((l) => l.host);
    for (const h of order) {
      if (demand > target * (capacity - m.hostMips[h])) break;
      if (!this.haAllowsStandby(h)) continue;
      const plan = cl.maintenancePlan(h);
      if (plan.blockers.length) continue;
      cl.enterMaintenance(h);
      cl.enterStandby(h);
      for (const mv of plan.moves) moves.push([mv.vm, mv.to]);
      capacity -= m.hostMips[h];
      this.powerOffs++;
      if (dc.hostList[h].length === 0 && plan.moves.length === 0) dc.hostOn[h] = 0;
    }
  }

  /** HA slot admission with `h` gone: the slots of the others, less the largest failures to tolerate, still cover the VMs. */
  private haAllowsStandby(h: number): boolean {
    const ha = this.s.ha;
    if (!ha) return true;
    const adm = this.cluster.haAdmission();
    if (!adm.slots) return adm.satisfied;
    const rest = adm.slots.perHost.filter((_, i) => i !== h && this.cluster.hostState(i) === "connected").sort((a, b) => b - a);
    const kept = rest.slice(ha.failuresToTolerate).reduce((s, x) => s + x, 0);
    return kept >= adm.slots.used;
  }

  /** HA: failed hosts' VMs restart on the survivors (no vMotion; they lose their CPU until then). */
  private injectFailures(t: number): void {
    const dc = this.dc;
    while (this.failuresDone < this.failures.length && this.failures[this.failuresDone].at <= t) {
      const { host } = this.failures[this.failuresDone++];
      if (this.failed[host]) continue;
      const state = this.cluster.hostState(host);
      if (state === "standby") {
        this.failed[host] = 1;
        continue;
      }
      const plan = this.cluster.failHosts([host]);
      this.failed[host] = 1;
      for (const r of plan.restarts) {
        dc.destroy(r.vm, host);
        dc.create(r.vm, r.host);
        this.haRestarts++;
      }
      for (const b of plan.notRestarted) {
        dc.destroy(b.vm, host);
        dc.vmHost[b.vm] = -1;
        this.haNotRestarted++;
      }
      dc.hostOn[host] = 0;
    }
  }

  stats(): { powerOns: number; powerOffs: number; haRestarts: number; haNotRestarted: number } {
    return { powerOns: this.powerOns, powerOffs: this.powerOffs, haRestarts: this.haRestarts, haNotRestarted: this.haNotRestarted };
  }
}
