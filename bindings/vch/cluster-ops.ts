/**
 * Cluster operations: a host failing and HA declaring it dead (restarts by priority on the
 * survivors, the failover placements reserved meanwhile, resumed after a reopen), a host coming
 * back, maintenance mode (evacuation by vMotion), a vMotion a client asks for, DRS and TPS
 * settings, and the periodic DRS and TPS passes. Calls into the cores go through the container VM
 * binding; container state changes go through the state machine.
 */
import type { FailoverPlan } from "../core/cluster-types.js";
import type { Cancel } from "./clock.js";
import type { Container } from "./container.js";
import type { ContainerVms } from "./container-vm.js";
import type { VchContext } from "./context.js";
import { conflict, invalid, notFound } from "./errors.js";
import type { Images } from "./images.js";
import type { ContainerLifecycle } from "./lifecycle.js";
import type { ContainerRegistry } from "./registry.js";
import type { DrsAutomation, DrsPassResult, HaPolicyModel, HostFailureResult, HostRef, TpsSalting } from "./types.js";

/** A failed host's HA declaration as journaled. */
export interface PendingDeclaration {
  host: number;
  victims: string[];
  declaredDeadAt: number;
}

export class ClusterOps {
  /** Failed hosts HA has not declared dead yet: the failover plan, the container VMs lost, the declaration timer. */
  private readonly haPending = new Map<number, { plan: FailoverPlan; victims: string[]; declaredDeadAt: number; cancel: Cancel; lost?: Map<string, string> }>();
  drsLast: number | null = null;
  private periodicArmed = false;

  constructor(
    private readonly ctx: VchContext,
    private readonly registry: ContainerRegistry,
    private readonly images: Images,
    private readonly vms: ContainerVms,
    private readonly lifecycle: ContainerLifecycle,
    readonly haPolicy: HaPolicyModel,
    private readonly drsInterval: number,
    private readonly tpsInterval: number,
  ) {}

  hostIndex(ref: HostRef): number {
    const names = this.vms.hostNames;
    if (typeof ref === "number") {
      if (Number.isInteger(ref) && ref >= 0 && ref < names.length) return ref;
    } else {
      const i = names.indexOf(ref);
      if (i >= 0) return i;
      if (/^\d+$/.test(ref) && Number(ref) < names.length) return Number(ref);
    }
    throw notFound(`No such host: ${ref} (the cluster has ${names.join(", ")})`);
  }

  /** Due time of the earliest HA declaration, or Infinity (what `runUntilIdle` waits for). */
  nextDeclaration(): number {
    let next = Infinity;
    for (const p of this.haPending.values()) next = Math.min(next, p.declaredDeadAt);
    return next;
  }

  /** Failed hosts waiting for HA's declaration, as journaled. */
  pendingDeclarations(): PendingDeclaration[] {
    return [...this.haPending].map(([host, p]) => ({ host, victims: p.victims, declaredDeadAt: p.declaredDeadAt }));
  }

  close(): void {
    this.haPending.clear();
  }

  /** A host fails: its container VMs stop at once; HA declares it dead after `declaredDeadAfterMs`. */
  failHost(host: HostRef): HostFailureResult {
    const h = this.hostIndex(host);
    const name = this.vms.hostNames[h];
    if (this.vms.hostState(h) === "failed") throw conflict(`host ${name} has already failed`);
    const victims = [...this.lifecycle.running].filter((c) => c.vm.host === h && c.vm.mem !== null).sort((a, b) => a.seq - b.seq);
    const plan = this.vms.failHosts([h]);
    this.ctx.journal.mark("meta", "settings");
    this.ctx.emit("cluster", "host-failed", name, { host: name, containers: String(victims.length) });
    // The host's memory is gone: its container VMs and template VMs with it.
    for (const c of victims) this.vms.lost(c);
    this.vms.dropTemplatesOn(h);
    for (const c of victims) this.lifecycle.abandonRun(c, 255, `host ${name} failed`);
    const cancel = this.ctx.clock.after(plan.declaredDeadAfterMs, () => this.declareDead(h));
    const stopped = victims.map((c) => c.rec.id);
    const declaredDeadAt = this.ctx.now() + plan.declaredDeadAfterMs;
    this.haPending.set(h, { plan, victims: stopped, declaredDeadAt, cancel });
    return { host: name, stopped, declaredDeadAt };
  }

  /** HA declares a failed host dead: it restarts the host's container VMs where the failover plan put them. */
  private declareDead(h: number): void {
    const pending = this.haPending.get(h);
    if (!pending) return;
    this.haPending.delete(h);
    this.ctx.journal.mark("meta", "settings");
    const from = this.vms.hostNames[h];
    const reasons = new Map(pending.plan.notRestarted.map((b) => [b.vm, b.reason]));
    const restarted = new Set<string>();
    const victims = new Set(pending.victims);
    for (const r of pending.plan.restarts) {
      const c = this.registry.ofClusterVm(r.vm);
      // Removed (its cluster VM id may since belong to a new container), or started again by a
      // client in the meantime (on its reserved host): nothing to do.
      if (!c || c.removed || !victims.has(c.rec.id) || c.rec.state.Running || c.rec.state.Restarting) continue;
      const to = this.vms.vmHost(r.vm);
      if (to < 0) continue;
      restarted.add(c.rec.id);
      c.rec.restartCount++;
      this.ctx.emit("cluster", "ha-restart", c.rec.id, { name: c.rec.name.slice(1), from, to: this.vms.hostNames[to], priority: r.priority });
      this.haBoot(c, to, from);
    }
    for (const id of pending.victims) {
      const c = this.registry.get(id);
      if (!c || restarted.has(id) || c.rec.state.Running || c.rec.state.Restarting) continue;
      const reason = reasons.get(c.vm.cluster) ?? pending.lost?.get(id) ?? "not restarted";
      this.ctx.emit("cluster", "ha-restart-failed", c.rec.id, { name: c.rec.name.slice(1), from, reason });
    }
  }

  private haBoot(c: Container, host: number, from: string): void {
    try {
      this.lifecycle.bootContainer(c, host);
    } catch (e) {
      c.rec.state.Error = (e as Error).message;
      this.ctx.markContainer(c);
      this.ctx.emit("cluster", "ha-restart-failed", c.rec.id, { name: c.rec.name.slice(1), from, reason: (e as Error).message });
    }
  }

  /** A failed host comes back, empty; before HA declared it dead its container VMs restart on it. */
  recoverHost(host: HostRef): void {
    const h = this.hostIndex(host);
    const name = this.vms.hostNames[h];
    const state = this.vms.hostState(h);
    if (state !== "failed" && state !== "standby") throw conflict(`host ${name} is ${state}, not failed`);
    this.vms.recoverHost(h);
    this.ctx.journal.mark("meta", "settings");
    this.ctx.emit("cluster", "host-recovered", name, { host: name });
    const pending = this.haPending.get(h);
    if (!pending) return;
    pending.cancel();
    this.haPending.delete(h);
    const priority = new Map(pending.plan.restarts.map((r) => [r.vm, r.priority]));
    for (const id of pending.victims) {
      const c = this.registry.get(id);
      if (!c || c.removed || c.rec.state.Running || c.rec.state.Restarting || !priority.has(c.vm.cluster)) continue;
      // Give back the failover placement and power on again on the recovered host.
      this.vms.unplace(c.vm.cluster);
      try {
        this.vms.placeOnHost(c.vm.cluster, h);
      } catch (e) {
        this.ctx.emit("cluster", "ha-restart-failed", c.rec.id, { name: c.rec.name.slice(1), from: name, reason: (e as Error).message });
        continue;
      }
      c.rec.restartCount++;
      this.ctx.emit("cluster", "ha-restart", c.rec.id, { name: c.rec.name.slice(1), from: name, to: name, priority: priority.get(c.vm.cluster)! });
      this.haBoot(c, h, name);
    }
  }

  /**
   * A host failed and the VCH closed before HA declared it dead: its container VMs (less those a
   * client started again meanwhile, which the caller leaves out) go back on it in the placement core
   * only, the host fails again (HA reserves their failover placements as it did then, no
   * `host-failed` a second time), and the declaration comes when it was due, or at once.
   */
  resumeDeclaration(p: PendingDeclaration): void {
    const h = p.host;
    /** Victims with no room on the host any more (admission control, reservations): HA reports them, with this reason. */
    const lost = new Map<string, string>();
    for (const id of p.victims) {
      const c = this.registry.get(id);
      if (!c) continue;
      try {
        this.vms.placeOnHost(c.vm.cluster, h);
      } catch (e) {
        lost.set(id, `not placed again after the reopen: ${(e as Error).message}`);
      }
    }
    const plan = this.vms.failHosts([h]);
    // A manual clock reopens at its start time: never wait more than a whole declaration.
    const wait = Math.min(plan.declaredDeadAfterMs, Math.max(0, p.declaredDeadAt - this.ctx.now()));
    const cancel = this.ctx.clock.after(wait, () => this.declareDead(h));
    this.haPending.set(h, { plan, victims: p.victims, declaredDeadAt: this.ctx.now() + wait, cancel, lost });
  }

  /** Evacuates a host by vMotion (pre-copy cost per move) and puts it in maintenance mode. */
  enterMaintenance(host: HostRef): { moved: { container: string; to: string }[] } {
    const h = this.hostIndex(host);
    const name = this.vms.hostNames[h];
    const state = this.vms.hostState(h);
    if (state !== "connected") throw conflict(`host ${name} is ${state}: only a connected host can enter maintenance mode`);
    const plan = this.vms.maintenancePlan(h);
    if (plan.blockers.length) {
      const b = plan.blockers[0];
      const who = this.registry.ofClusterVm(b.vm)?.rec.name ?? `VM ${b.vm}`;
      throw conflict(`host ${name} cannot enter maintenance mode: container ${who} ${b.reason}`);
    }
    const applied = this.vms.enterMaintenance(h);
    const moved: { container: string; to: string }[] = [];
    for (const m of applied.moves) {
      const c = this.registry.ofClusterVm(m.vm);
      // A failover placement HA holds for a container VM not yet restarted moves with no vMotion.
      if (!c || c.vm.mem === null) continue;
      this.migrate(c, m.to, "maintenance", m.priority);
      moved.push({ container: c.rec.id, to: this.vms.hostNames[m.to] });
    }
    this.vms.dropTemplatesOn(h);
    this.ctx.journal.mark("meta", "settings");
    this.ctx.emit("cluster", "host-maintenance-enter", name, { host: name, moved: String(moved.length) });
    return { moved };
  }

  exitMaintenance(host: HostRef): void {
    const h = this.hostIndex(host);
    const name = this.vms.hostNames[h];
    if (this.vms.hostState(h) !== "maintenance") throw conflict(`host ${name} is not in maintenance mode`);
    this.vms.exitMaintenance(h);
    this.ctx.journal.mark("meta", "settings");
    this.ctx.emit("cluster", "host-maintenance-exit", name, { host: name });
  }

  /** Checks and applies DRS settings. */
  setDrs(options: { threshold?: 1 | 2 | 3 | 4 | 5; automation?: DrsAutomation }): void {
    if (options.threshold !== undefined && ![1, 2, 3, 4, 5].includes(options.threshold)) throw invalid(`DRS migration threshold must be 1 to 5, got ${options.threshold}`);
    if (options.automation !== undefined && !["manual", "partiallyAutomated", "fullyAutomated"].includes(options.automation)) {
      throw invalid(`DRS automation must be manual, partiallyAutomated or fullyAutomated, got ${options.automation}`);
    }
    if (options.threshold !== undefined) this.vms.setMigrationThreshold(options.threshold);
    if (options.automation !== undefined) this.vms.setAutomation(options.automation);
    this.ctx.journal.mark("meta", "settings");
  }

  /** Checks and applies a TPS salting policy; false when it is the one in force. */
  setSalting(policy: TpsSalting): boolean {
    if (!["vm", "image", "global"].includes(policy)) throw invalid(`TPS salting must be vm, image or global, got ${policy}`);
    if (policy === this.vms.tpsSalting) return false;
    this.vms.setSalting(policy);
    this.ctx.journal.mark("meta", "settings");
    return true;
  }

  /** vMotion of a powered-on container VM to `host`, as vCenter's MigrateVM does (reason `user`). */
  migrateContainer(c: Container, host: HostRef): { from: string; to: string } {
    const h = this.hostIndex(host);
    const names = this.vms.hostNames;
    if (c.vm.mem === null || c.vm.host === null) throw conflict(`container ${c.rec.name.slice(1)} is not running: only a powered-on container VM moves by vMotion`);
    const from = c.vm.host;
    if (from === h) return { from: names[from], to: names[h] };
    const state = this.vms.hostState(h);
    if (state !== "connected") throw conflict(`host ${names[h]} is ${state}: only a connected host takes a migrating VM`);
    this.vms.unplace(c.vm.cluster);
    try {
      this.vms.placeOnHost(c.vm.cluster, h);
    } catch (e) {
      this.vms.placeOnHost(c.vm.cluster, from);
      throw conflict(`container ${c.rec.name.slice(1)} cannot move to ${names[h]}: ${(e as Error).message}`);
    }
    this.migrate(c, h, "user", 0);
    return { from: names[from], to: names[h] };
  }

  private migrate(c: Container, to: number, reason: string, priority: number): void {
    const img = this.images.get(c.rec.imageId)!;
    this.vms.migrate(c, img, to, reason, priority, c.rt.process?.activity() ?? 0);
  }

  /** One DRS pass (memory demand from the memory engine first); applied moves become vMotions. */
  drsPass(): DrsPassResult {
    this.drsLast = this.ctx.now();
    this.vms.refreshMemoryDemand(this.lifecycle.running);
    const r = this.vms.balance();
    const recs = r.recommendations.map((m) => ({
      container: this.registry.ofClusterVm(m.vm)?.rec.id ?? String(m.vm),
      from: this.vms.hostNames[m.from], to: this.vms.hostNames[m.to], priority: m.priority, reason: m.reason,
    }));
    if (r.applied) {
      for (const m of r.recommendations) {
        const c = this.registry.ofClusterVm(m.vm);
        if (c) this.migrate(c, m.to, m.reason, m.priority);
      }
    }
    return { recommendations: recs, applied: r.applied, imbalanceBefore: r.imbalanceBefore, imbalanceAfter: r.imbalanceAfter };
  }

  /** DRS and TPS timers (armed once the first container VM runs). */
  armPeriodic(): void {
    if (this.periodicArmed) return;
    this.periodicArmed = true;
    const drs = () => {
      if (this.ctx.closed) return;
      this.drsPass();
      this.ctx.clock.after(this.drsInterval, drs);
    };
    const tps = () => {
      if (this.ctx.closed) return;
      this.vms.tpsPass();
      this.ctx.clock.after(this.tpsInterval, tps);
    };
    this.ctx.clock.after(this.drsInterval, drs);
    this.ctx.clock.after(this.tpsInterval, tps);
  }
}
