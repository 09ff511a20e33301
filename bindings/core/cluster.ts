/**
 * Why this file is long: one typed, validated wrapper per kernel export (hosts, VMs, rules, DRS, HA,
 * maintenance, vMotion), each checking input in the caller's terms before the kernel sees it.
 * `Cluster`: a simulated vSphere cluster whose placement, DRS balancing, rules, maintenance mode,
 * HA and vMotion cost run in the wasm core. This file validates input in the caller's terms,
 * keeps names and rule texts, and turns the kernel's numbers into plain objects; the kernel
 * (`WasmPlacementKernel`, one wasm instance per cluster) does the arithmetic.
 */
import { Scratch } from "./scratch.js";
import { instantiateCore, type CoreExports } from "./wasm.js";
import {
  type Allocation,
  HOST_STATE_CODES,
  MODE_INITIAL,
  PLACE_ADMISSION,
  PRIORITY_CODES,
  RULE_KIND_CODES,
  WHY_AFFINITY,
  WHY_ANTI_AFFINITY,
  WHY_CPU,
  WHY_FAILOVER_HOST,
  WHY_MEMORY,
  WHY_MUST,
  WHY_STATE,
  type Automation,
  type BalanceResult,
  type Blocker,
  type ClusterApi,
  type ClusterOptions,
  type FailoverPlan,
  type HaAdmission,
  type HaPolicy,
  type HostLoad,
  type HostState,
  type MaintenancePlan,
  type MigrationEstimate,
  type MigrationInput,
  type MigrationThreshold,
  type Placement,
  type PlacementKernel,
  type Recommendation,
  type Resource,
  type Rule,
  type VmSpec,
} from "./cluster-types.js";

/** Virtual time before HA declares a silent host dead. */
export const HA_DECLARE_DEAD_MS = 15_000;
const AUTOMATIONS: readonly Automation[] = ["manual", "partiallyAutomated", "fullyAutomated"];
const STOP_REASONS = ["converged", "maxRounds", "maxBytes"] as const;
const WHY_DISABLED = 128;

/** DRS priority of a recommendation made at imbalance `imbalance` on `hosts` hosts (2 … 5). */
export function drsPriority(imbalance: number, hosts: number): number {
  const p = 6 - Math.ceil((imbalance * Math.sqrt(hosts)) / 0.1);
  return p < 2 ? 2 : p > 5 ? 5 : p;
}

/** Target imbalance of migration threshold `t` on `hosts` hosts: 0.1 · (5 − T) / √hosts. */
export function targetImbalanceFor(t: number, hosts: number): number {
  return hosts > 0 ? (0.1 * (5 - t)) / Math.sqrt(hosts) : 0;
}

/** A simulated vSphere cluster over the wasm placement kernel (or any `PlacementKernel`). */
export class Cluster implements ClusterApi {
  readonly hostCount: number;
  private readonly kernel: PlacementKernel;
  private readonly hostNames: string[];
  private readonly vms = new Map<number, { name: string; spec: VmSpec }>();
  private readonly ruleMap = new Map<number, Rule>();
  private threshold: MigrationThreshold = 3;
  private level: Automation = "fullyAutomated";
  private ha: HaPolicy = { kind: "disabled" };
  /** Host states and failover flags, mirrored: every change goes through this front end. */
  private readonly states: number[];
  private readonly failover: boolean[];
  /** Each host's capacity, [MHz, MiB]: what a running VM's new reservation is admitted against. */
  private readonly capacity: [number, number][];

  /** Builds the cluster; `kernel` defaults to a fresh wasm instance. */
  constructor(options: ClusterOptions, kernel?: PlacementKernel) {
    if (!options || !Array.isArray(options.hosts) || options.hosts.length === 0) {
      throw new Error("a cluster needs at least one host");
    }
    if (options.hosts.length > 65535) throw new Error(`a cluster holds at most 65 535 hosts, not ${options.hosts.length}`);
    options.hosts.forEach((h, i) => {
      positive(h.cpuMHz, `host ${i} CPU capacity (MHz)`);
      positive(h.memoryMiB, `host ${i} memory (MiB)`);
    });
    if (options.migrationThreshold !== undefined) checkThreshold(options.migrationThreshold);
    if (options.automation !== undefined) checkAutomation(options.automation);
    this.kernel = kernel ?? new WasmPlacementKernel();
    this.hostCount = options.hosts.length;
    this.hostNames = options.hosts.map((h, i) => h.name ?? `H${i}`);
    this.states = options.hosts.map(() => 0);
    this.failover = options.hosts.map(() => false);
    this.capacity = options.hosts.map((h) => [h.cpuMHz, h.memoryMiB]);
    for (const h of options.hosts) this.kernel.hostAdd(h.cpuMHz, h.memoryMiB);
    this.threshold = options.migrationThreshold ?? 3;
    this.level = options.automation ?? "fullyAutomated";
    if (options.ha) this.setHaPolicy(options.ha);
  }

  /** Same as `new Cluster(options)`. */
  static create(options: ClusterOptions): Cluster {
    return new Cluster(options);
  }

  get migrationThreshold(): MigrationThreshold {
    return this.threshold;
  }
  get automation(): Automation {
    return this.level;
  }

  /** Name of a host (`H0`, … unless given). */
  hostName(host: number): string {
    this.checkHost(host);
    return this.hostNames[host];
  }

  addVm(spec: VmSpec): number {
    if (!spec || typeof spec !== "object") throw new Error("a VM needs a spec with cpu and memory");
    const cpu = resource(spec.cpu, "CPU", "MHz");
    const mem = resource(spec.memory, "memory", "MiB");
    const oh = spec.overheadMiB ?? 0;
    nonNegative(oh, "memory overhead (MiB)");
    const template = spec.template ?? -1;
    if (spec.template !== undefined && (!Number.isInteger(template) || template < 0 || template > 0x7fffffff)) {
      throw new Error(`template ${spec.template} is not a template id (a non-negative integer)`);
    }
    const priority = PRIORITY_CODES.indexOf(spec.restartPriority ?? "medium");
    if (priority < 0) throw new Error(`restart priority ${String(spec.restartPriority)} is not one of ${PRIORITY_CODES.join(", ")}`);
    const memK = [mem[0] + oh, mem[1] + oh, mem[2] + oh, mem[3]];
    const vm = this.kernel.vmAdd(cpu, memK, template, priority);
    this.vms.set(vm, { name: spec.name ?? `VM${vm}`, spec });
    return vm;
  }

  placeVm(vm: number): Placement {
    this.checkOff(vm);
    return this.placeChecked(vm);
  }

  placeVms(vms: number[]): Placement[] {
    if (!Array.isArray(vms)) throw new Error("placeVms takes an array of VM ids");
    const seen = new Set<number>();
    for (const vm of vms) {
      this.checkOff(vm);
      if (seen.has(vm)) throw new Error(`VM ${vm} is listed twice`);
      seen.add(vm);
    }
    const raw = this.kernel.placeBatch(vms);
    const placed = raw[0];
    const done: Placement[] = [];
    for (let i = 0; i < placed; i++) {
      const o = 2 + i * 3;
      done.push({ vm: vms[i], host: raw[o], imbalance: raw[o + 2], templateCopied: raw[o + 1] === 1 });
    }
    if (placed < vms.length) {
      const vm = vms[placed];
      const error =
        raw[1] === PLACE_ADMISSION
          ? new Error(`HA admission control refuses to power on VM ${vm}: ${this.admissionText()}`)
          : new Error(`no host can take VM ${vm}: ${this.whyText(vm, this.kernel.lastMask(), this.kernel.lastRule(), "")}`);
      // all or none: take back what this batch placed, templates it copied included
      for (const p of done.reverse()) {
        this.kernel.vmPowerOff(p.vm);
        if (p.templateCopied) this.kernel.templateSet(this.vms.get(p.vm)!.spec.template!, p.host, false);
      }
      throw error;
    }
    return done;
  }

  private placeChecked(vm: number): Placement {
    const host = this.kernel.place(vm, MODE_INITIAL);
    if (host === PLACE_ADMISSION) {
      throw new Error(`HA admission control refuses to power on VM ${vm}: ${this.admissionText()}`);
    }
    if (host < 0) {
      throw new Error(`no host can take VM ${vm}: ${this.whyText(vm, this.kernel.lastMask(), this.kernel.lastRule(), "")}`);
    }
    return { vm, host, imbalance: this.kernel.lastImbalance(), templateCopied: this.kernel.lastCopied() };
  }

  powerOff(vm: number): void {
    this.checkVm(vm);
    this.kernel.vmPowerOff(vm);
  }

  removeVm(vm: number): void {
    this.checkVm(vm);
    this.kernel.vmRemove(vm);
    this.vms.delete(vm);
    for (const [id, rule] of this.ruleMap) {
      if (rule.vms.includes(vm)) this.ruleMap.set(id, { ...rule, vms: rule.vms.filter((v) => v !== vm) } as Rule);
    }
  }

  setDemand(vm: number, demand: { cpu?: number; memory?: number }): void {
    this.checkVm(vm);
    if (demand.cpu !== undefined) nonNegative(demand.cpu, `CPU demand of VM ${vm} (MHz)`);
    if (demand.memory !== undefined) nonNegative(demand.memory, `memory demand of VM ${vm} (MiB)`);
    const oh = this.vms.get(vm)!.spec.overheadMiB ?? 0;
    this.kernel.vmSetDemand(vm, demand.cpu ?? NaN, demand.memory === undefined ? NaN : demand.memory + oh);
  }

  setAllocation(vm: number, allocation: { cpu?: Allocation; memory?: Allocation }): void {
    this.checkVm(vm);
    const entry = this.vms.get(vm)!;
    // The new allocation over the old, checked as addVm checks a spec, before anything changes.
    const next: VmSpec = {
      ...entry.spec,
      cpu: { ...entry.spec.cpu, ...definedOf(allocation?.cpu) },
      memory: { ...entry.spec.memory, ...definedOf(allocation?.memory) },
    };
    const cpu = resource(next.cpu, "CPU", "MHz");
    const mem = resource(next.memory, "memory", "MiB");
    const oh = next.overheadMiB ?? 0;
    // A powered-on VM keeps its host: a larger reservation must fit what the host has unreserved, as
    // vSphere's reconfigure refuses one it cannot admit (InsufficientResourcesFault).
    const host = this.kernel.vmHost(vm);
    if (host >= 0) {
      const load = this.hostLoads()[host];
      const oldCpu = entry.spec.cpu.reservation ?? 0;
      const oldMem = (entry.spec.memory.reservation ?? 0) + (entry.spec.overheadMiB ?? 0);
      const [capCpu, capMem] = this.capacity[host];
      if (load.reservedCpuMHz - oldCpu + cpu[1] > capCpu || load.reservedMemoryMiB - oldMem + mem[1] + oh > capMem) {
        throw new Error(`insufficient resources on ${this.hostNames[host]}: the new reservation (${cpu[1]} MHz, ${mem[1] + oh} MiB with overhead) does not fit its unreserved capacity`);
      }
    }
    this.kernel.vmSetAllocation(vm, cpu.slice(1), [mem[1] + oh, mem[2] + oh, mem[3]]);
    entry.spec = next;
  }

  vmHost(vm: number): number {
    this.checkVm(vm);
    return this.kernel.vmHost(vm);
  }
  hasVm(vm: number): boolean {
    return this.vms.has(vm);
  }
  vmCount(): number {
    return this.vms.size;
  }
  entitlement(vm: number): { cpu: number; memory: number } {
    this.checkVm(vm);
    const e = this.kernel.entitlement(vm);
    return { cpu: e[0], memory: e[1] };
  }

  setTemplateOnHost(template: number, host: number, present = true): void {
    if (!Number.isInteger(template) || template < 0 || template > 0x7fffffff) throw new Error(`template ${template} is not a template id (a non-negative integer)`);
    this.checkHost(host);
    this.kernel.templateSet(template, host, present);
  }
  hasTemplateOnHost(template: number, host: number): boolean {
    this.checkHost(host);
    return Number.isInteger(template) && template >= 0 && this.kernel.templateHas(template, host);
  }

  hostState(host: number): HostState {
    this.checkHost(host);
    return HOST_STATE_CODES[this.stateCode(host)];
  }

  hostLoads(): HostLoad[] {
    const raw = this.kernel.hostLoads();
    const out: HostLoad[] = [];
    for (let h = 0; h < this.hostCount; h++) {
      const o = h * 6;
      out.push({ host: h, cpu: raw[o], memory: raw[o + 1], load: raw[o + 2], reservedCpuMHz: raw[o + 3], reservedMemoryMiB: raw[o + 4], vms: raw[o + 5] });
    }
    return out;
  }
  imbalance(): number {
    return this.kernel.imbalance();
  }
  targetImbalance(): number {
    return targetImbalanceFor(this.threshold, this.takingHosts());
  }
  setMigrationThreshold(t: MigrationThreshold): void {
    checkThreshold(t);
    this.threshold = t;
  }
  setAutomation(a: Automation): void {
    checkAutomation(a);
    this.level = a;
  }

  balance(): BalanceResult {
    const apply = this.level === "fullyAutomated";
    const target = this.targetImbalance();
    const raw = this.kernel.balance(this.threshold, apply);
    const recommendations: Recommendation[] = [];
    for (let i = 0; i < raw[2]; i++) {
      const o = 3 + i * 4;
      recommendations.push({
        vm: raw[o],
        from: raw[o + 1],
        to: raw[o + 2],
        priority: raw[o + 3],
        reason: `balance load: imbalance above target ${target.toFixed(4)}`,
      });
    }
    return { recommendations, applied: apply, imbalanceBefore: raw[0], imbalanceAfter: raw[1], targetImbalance: target };
  }

  addRule(rule: Rule): number {
    if (!rule || !RULE_KIND_CODES.includes(rule.kind)) {
      throw new Error(`rule kind ${String(rule?.kind)} is not one of ${RULE_KIND_CODES.join(", ")}`);
    }
    if (!Array.isArray(rule.vms) || rule.vms.length === 0) throw new Error(`a ${rule.kind} rule needs VMs`);
    const vmSet = new Set<number>();
    for (const vm of rule.vms) {
      this.checkVm(vm);
      if (vmSet.has(vm)) throw new Error(`VM ${vm} is listed twice in the rule`);
      vmSet.add(vm);
    }
    let hosts: number[] = [];
    if (rule.kind === "vm-host-must" || rule.kind === "vm-host-should") {
      if (!Array.isArray(rule.hosts) || rule.hosts.length === 0) throw new Error(`a ${rule.kind} rule needs hosts`);
      for (const h of rule.hosts) this.checkHost(h);
      hosts = [...new Set(rule.hosts)];
    } else if (rule.vms.length < 2) {
      throw new Error(`a ${rule.kind} rule needs at least two VMs`);
    }
    const kind = RULE_KIND_CODES.indexOf(rule.kind);
    const id = this.kernel.ruleAdd(kind, rule.vms, hosts);
    if (rule.kind !== "vm-host-should") {
      const bad = this.kernel.ruleViolation(id);
      if (bad >= 0) {
        this.kernel.ruleRemove(id);
        throw new Error(`the ${rule.kind} rule would be broken at once: VM ${bad} runs on host ${this.kernel.vmHost(bad)}; move or power off VMs first`);
      }
    }
    this.ruleMap.set(id, structuredClone(rule));
    return id;
  }
  removeRule(id: number): void {
    if (!this.ruleMap.has(id)) throw new Error(`rule ${id} does not exist`);
    this.kernel.ruleRemove(id);
    this.ruleMap.delete(id);
  }
  rules(): { id: number; rule: Rule }[] {
    return [...this.ruleMap].map(([id, rule]) => ({ id, rule: structuredClone(rule) }));
  }

  maintenancePlan(host: number): MaintenancePlan {
    this.checkMaintenanceCandidate(host);
    return this.maintenance(host, false);
  }
  enterMaintenance(host: number): MaintenancePlan {
    this.checkMaintenanceCandidate(host);
    const plan = this.maintenance(host, true);
    if (plan.blockers.length === 0) this.states[host] = 1;
    else {
      throw new Error(
        `host ${host} cannot enter maintenance mode: ` + plan.blockers.map((b) => `VM ${b.vm} (${b.reason})`).join("; "),
      );
    }
    return plan;
  }
  exitMaintenance(host: number): void {
    this.checkHost(host);
    if (this.stateCode(host) !== 1) throw new Error(`host ${host} is not in maintenance mode (it is ${this.hostState(host)})`);
    this.kernel.hostSetState(host, 0);
    this.states[host] = 0;
  }
  private checkMaintenanceCandidate(host: number): void {
    this.checkHost(host);
    const s = this.stateCode(host);
    if (s !== 0) throw new Error(`host ${host} is ${HOST_STATE_CODES[s]}, not connected: only a connected host can enter maintenance mode`);
  }
  private maintenance(host: number, apply: boolean): MaintenancePlan {
    const raw = this.kernel.maintenance(host, apply);
    const nm = raw[0];
    const nb = raw[1];
    const moves: Recommendation[] = [];
    const blockers: Blocker[] = [];
    for (let i = 0; i < nm; i++) {
      moves.push({ vm: raw[2 + i * 2], from: host, to: raw[3 + i * 2], priority: 1, reason: `host ${host} enters maintenance mode` });
    }
    const ob = 2 + nm * 2;
    for (let i = 0; i < nb; i++) {
      const vm = raw[ob + i * 3];
      blockers.push({ vm, reason: `no other host can take it: ${this.whyText(vm, raw[ob + i * 3 + 1], raw[ob + i * 3 + 2], "")}` });
    }
    return { host, moves, blockers };
  }

  failHosts(hosts: number[]): FailoverPlan {
    if (!Array.isArray(hosts) || hosts.length === 0) throw new Error("failHosts takes a non-empty array of hosts");
    const seen = new Set<number>();
    for (const h of hosts) {
      this.checkHost(h);
      if (seen.has(h)) throw new Error(`host ${h} is listed twice`);
      if (this.stateCode(h) === 2) throw new Error(`host ${h} has already failed`);
      seen.add(h);
    }
    const raw = this.kernel.failHosts(hosts);
    for (const h of hosts) this.states[h] = 2;
    const nr = raw[0];
    const nf = raw[1];
    const restarts = [];
    for (let i = 0; i < nr; i++) {
      const o = 2 + i * 3;
      restarts.push({ vm: raw[o], host: raw[o + 1], priority: PRIORITY_CODES[raw[o + 2]] });
    }
    const notRestarted: Blocker[] = [];
    const of = 2 + nr * 3;
    for (let i = 0; i < nf; i++) {
      const o = of + i * 3;
      const vm = raw[o];
      const mask = raw[o + 1];
      notRestarted.push({
        vm,
        reason: mask === WHY_DISABLED ? "its HA restart priority is disabled" : `no surviving host can take it: ${this.whyText(vm, mask, raw[o + 2], "HA ")}`,
      });
    }
    return { failedHosts: hosts.slice(), restarts, notRestarted, declaredDeadAfterMs: HA_DECLARE_DEAD_MS };
  }

  enterStandby(host: number): void {
    this.checkHost(host);
    const s = this.stateCode(host);
    if (s !== 0 && s !== 1) throw new Error(`host ${host} is ${HOST_STATE_CODES[s]}: only a connected or maintenance host can go to standby`);
    const vms = this.hostLoads()[host].vms;
    if (vms > 0) throw new Error(`host ${host} runs ${vms} VM(s): evacuate it first (enterMaintenance)`);
    this.kernel.hostSetState(host, 3);
    this.states[host] = 3;
  }

  recoverHost(host: number): void {
    this.checkHost(host);
    const s = this.stateCode(host);
    if (s !== 2 && s !== 3) throw new Error(`host ${host} is ${HOST_STATE_CODES[s]}: only a failed or standby host can recover`);
    this.kernel.hostSetState(host, 0);
    this.states[host] = 0;
  }

  setHaPolicy(policy: HaPolicy): void {
    let kind = 0;
    let a = 0;
    let b = 0;
    let failover: number[] = [];
    switch (policy?.kind) {
      case "disabled":
        break;
      case "slots":
        if (!Number.isInteger(policy.failuresToTolerate) || policy.failuresToTolerate < 1 || policy.failuresToTolerate >= this.hostCount) {
          throw new Error(`host failures to tolerate must be an integer from 1 to ${this.hostCount - 1}, not ${policy.failuresToTolerate}`);
        }
        kind = 1;
        a = policy.failuresToTolerate;
        break;
      case "percentage":
        for (const [what, v] of [["CPU", policy.cpuPercent], ["memory", policy.memoryPercent]] as const) {
          if (typeof v !== "number" || !(v >= 0 && v <= 100)) throw new Error(`${what} failover capacity must be a percentage from 0 to 100, not ${v}`);
        }
        kind = 2;
        a = policy.cpuPercent;
        b = policy.memoryPercent;
        break;
      case "failoverHosts":
        if (!Array.isArray(policy.hosts) || policy.hosts.length === 0) throw new Error("the failover-hosts policy needs at least one host");
        for (const h of policy.hosts) {
          this.checkHost(h);
          if (this.hostLoads()[h].vms > 0) throw new Error(`host ${h} runs VMs: evacuate it before dedicating it to HA failover`);
        }
        if (new Set(policy.hosts).size >= this.hostCount) throw new Error("at least one host must remain for VMs besides the failover hosts");
        kind = 3;
        failover = [...new Set(policy.hosts)];
        break;
      default:
        throw new Error(`HA policy ${String((policy as { kind?: unknown })?.kind)} is not one of disabled, slots, percentage, failoverHosts`);
    }
    for (let h = 0; h < this.hostCount; h++) {
      this.failover[h] = failover.includes(h);
      this.kernel.hostSetFailover(h, this.failover[h]);
    }
    this.kernel.haSetPolicy(kind, a, b);
    this.ha = structuredClone(policy);
  }

  haAdmission(): HaAdmission {
    const raw = this.kernel.haAdmission();
    const out: HaAdmission = { policy: structuredClone(this.ha), satisfied: raw[0] === 1, failoverCapacity: raw[1] };
    if (this.ha.kind === "slots") {
      const perHost: number[] = [];
      for (let h = 0; h < this.hostCount; h++) perHost.push(raw[10 + h]);
      out.slots = { cpuMHz: raw[2], memoryMiB: raw[3], perHost, total: raw[4], used: raw[5], available: raw[6] };
    } else if (this.ha.kind === "percentage") {
      out.percentage = { cpuPercent: raw[7], memoryPercent: raw[8] };
    } else if (this.ha.kind === "failoverHosts") {
      out.failoverHosts = { hosts: this.ha.hosts.slice(), healthy: raw[9] };
    }
    return out;
  }

  migrationEstimate(input: MigrationInput): MigrationEstimate {
    if (!input || typeof input !== "object") throw new Error("migrationEstimate needs memoryPages, dirtyPagesPerSecond and workingSetPages");
    nonNegative(input.memoryPages, "memoryPages");
    nonNegative(input.dirtyPagesPerSecond, "dirtyPagesPerSecond");
    nonNegative(input.workingSetPages, "workingSetPages");
    const mbps = input.bandwidthMBps ?? 1250;
    positive(mbps, "bandwidthMBps");
    const atDest = input.pagesAtDestination ?? 0;
    nonNegative(atDest, "pagesAtDestination");
    const sw = input.switchTimeMs ?? 20;
    nonNegative(sw, "switchTimeMs");
    const r = this.kernel.migration(input.memoryPages, input.dirtyPagesPerSecond, input.workingSetPages, mbps, atDest, sw);
    return {
      rounds: r[0],
      pagesSent: r[1],
      bytesSent: r[1] * 4096,
      finalPages: r[2],
      downtimeMs: r[3],
      durationMs: r[4],
      stopReason: STOP_REASONS[r[5]],
    };
  }

  // ── helpers ──

  private stateCode(host: number): number {
    return this.states[host];
  }

  private takingHosts(): number {
    let n = 0;
    for (let h = 0; h < this.hostCount; h++) if (this.states[h] === 0 && !this.failover[h]) n++;
    return n;
  }

  private admissionText(): string {
    const a = this.haAdmission();
    if (a.slots) return `a slot of ${a.slots.cpuMHz} MHz / ${a.slots.memoryMiB} MiB leaves capacity for ${a.failoverCapacity} host failure(s), the policy needs ${(this.ha as { failuresToTolerate: number }).failuresToTolerate}`;
    if (a.percentage) {
      const p = this.ha as { cpuPercent: number; memoryPercent: number };
      return `unreserved capacity would fall below ${p.cpuPercent}% CPU / ${p.memoryPercent}% memory (now ${a.percentage.cpuPercent.toFixed(1)}% / ${a.percentage.memoryPercent.toFixed(1)}%)`;
    }
    return "the policy is not met";
  }

  /** Reasons a placement failed, from the kernel's mask of what ruled hosts out. */
  private whyText(vm: number, mask: number, rule: number, prefix: string): string {
    const spec = this.vms.get(vm)!.spec;
    const parts: string[] = [];
    const ruleKind = rule >= 0 && this.ruleMap.has(rule) ? this.ruleMap.get(rule)!.kind : null;
    const named = (kind: string) => (ruleKind === kind ? `${kind} rule ${rule}` : `a ${kind} rule`);
    if (mask & WHY_STATE) parts.push("hosts not connected (maintenance, failed or standby)");
    if (mask & WHY_FAILOVER_HOST) parts.push("HA failover hosts take no VMs");
    if (mask & WHY_CPU) parts.push(`not enough unreserved CPU for its ${spec.cpu.reservation ?? 0} MHz reservation`);
    if (mask & WHY_MEMORY) parts.push(`not enough unreserved memory for its ${(spec.memory.reservation ?? 0) + (spec.overheadMiB ?? 0)} MiB reservation`);
    if (mask & WHY_MUST) parts.push(`${prefix}${named("vm-host-must")} allows none of the others`);
    if (mask & WHY_AFFINITY) parts.push(`${named("vm-affinity")} ties it to a host that cannot take it`);
    if (mask & WHY_ANTI_AFFINITY) parts.push(`${named("vm-anti-affinity")} keeps it apart from VMs on the rest`);
    return parts.length ? parts.join("; ") : "the cluster has no host";
  }

  private checkHost(host: number): void {
    if (!Number.isInteger(host) || host < 0 || host >= this.hostCount) {
      throw new Error(`host ${host} does not exist (the cluster has ${this.hostCount} hosts)`);
    }
  }
  private checkVm(vm: number): void {
    if (!this.vms.has(vm)) throw new Error(`VM ${vm} does not exist`);
  }
  private checkOff(vm: number): void {
    this.checkVm(vm);
    const h = this.kernel.vmHost(vm);
    if (h >= 0) throw new Error(`VM ${vm} is already powered on, on host ${h}`);
  }
}

function positive(x: number, what: string): void {
  if (typeof x !== "number" || !Number.isFinite(x) || x <= 0) throw new Error(`${what} must be a positive number, not ${x}`);
}
function nonNegative(x: number, what: string): void {
  if (typeof x !== "number" || !Number.isFinite(x) || x < 0) throw new Error(`${what} must be a non-negative number, not ${x}`);
}
function checkThreshold(t: number): void {
  if (!Number.isInteger(t) || t < 1 || t > 5) throw new Error(`migration threshold ${t} is outside 1..5`);
}
function checkAutomation(a: string): void {
  if (!AUTOMATIONS.includes(a as Automation)) throw new Error(`automation level ${a} is not one of ${AUTOMATIONS.join(", ")}`);
}
/** The fields of an allocation that are given (undefined ones leave the old value). */
function definedOf(a: Allocation | undefined): Allocation {
  return Object.fromEntries(Object.entries(a ?? {}).filter(([, v]) => v !== undefined)) as Allocation;
}

/** [demand, reservation, limit, shares] of a validated resource. */
function resource(r: Resource, what: string, unit: string): number[] {
  if (!r || typeof r !== "object") throw new Error(`a VM needs a ${what} resource ({ demand, reservation?, limit?, shares? })`);
  nonNegative(r.demand, `${what} demand (${unit})`);
  const res = r.reservation ?? 0;
  nonNegative(res, `${what} reservation (${unit})`);
  const limit = r.limit ?? Infinity;
  if (typeof limit !== "number" || Number.isNaN(limit) || limit < res) {
    throw new Error(`${what} limit (${limit} ${unit}) must be at least the reservation (${res} ${unit})`);
  }
  const shares = r.shares ?? 1000;
  positive(shares, `${what} shares`);
  return [r.demand, res, limit, shares];
}

/** Exports of the placement kernel (assembly/placement). */
interface PlacementExports extends CoreExports {
  place_host_add(cpu: number, mem: number): number;
  place_host_set_state(h: number, s: number): void;
  place_host_set_failover(h: number, on: number): void;
  place_vm_add(cd: number, cr: number, cl: number, cs: number, md: number, mr: number, ml: number, ms: number, t: number, p: number): number;
  place_vm_remove(v: number): void;
  place_vm_power_off(v: number): void;
  place_vm_set_demand(v: number, cpu: number, mem: number): void;
  place_vm_set_allocation(v: number, cr: number, cl: number, cs: number, mr: number, ml: number, ms: number): void;
  place_vm_host(v: number): number;
  place_template_set(t: number, h: number, on: number): void;
  place_template_has(t: number, h: number): number;
  place_rule_add(kind: number, nvms: number, nhosts: number): number;
  place_rule_remove(r: number): void;
  place_rule_violation(r: number): number;
  place_rule_slots(): number;
  place_vm_place(v: number, mode: number): number;
  place_vms(n: number): number;
  place_last_mask(): number;
  place_last_rule(): number;
  place_last_copied(): number;
  place_last_imbalance(): number;
  place_host_loads(): number;
  place_imbalance(): number;
  place_entitlement(v: number): number;
  place_balance(t: number, apply: number): number;
  place_maintenance(h: number, apply: number): number;
  ha_fail_hosts(n: number): number;
  ha_set_policy(kind: number, a: number, b: number): void;
  ha_admission(): number;
  place_migration(mp: number, dirty: number, ws: number, mbps: number, atDest: number, sw: number): number;
}

/** The placement kernel in its own wasm instance; arrays cross through the scratch region. */
export class WasmPlacementKernel implements PlacementKernel {
  private readonly core = instantiateCore<PlacementExports>();
  private readonly scratch = new Scratch(this.core);

  private put(values: number[]): void {
    this.scratch.reserve(values.length * 8);
    this.scratch.f64(values.length).set(values);
  }
  private take(n: number): Float64Array {
    return this.scratch.f64(n).slice();
  }

  hostAdd(cpuMHz: number, memoryMiB: number): number {
    return this.core.place_host_add(cpuMHz, memoryMiB);
  }
  hostSetState(host: number, state: number): void {
    this.core.place_host_set_state(host, state);
  }
  hostSetFailover(host: number, on: boolean): void {
    this.core.place_host_set_failover(host, on ? 1 : 0);
  }
  vmAdd(cpu: number[], mem: number[], template: number, priority: number): number {
    return this.core.place_vm_add(cpu[0], cpu[1], cpu[2], cpu[3], mem[0], mem[1], mem[2], mem[3], template, priority);
  }
  vmRemove(vm: number): void {
    this.core.place_vm_remove(vm);
  }
  vmPowerOff(vm: number): void {
    this.core.place_vm_power_off(vm);
  }
  vmSetDemand(vm: number, cpu: number, mem: number): void {
    this.core.place_vm_set_demand(vm, cpu, mem);
  }
  vmSetAllocation(vm: number, cpu: number[], mem: number[]): void {
    this.core.place_vm_set_allocation(vm, cpu[0], cpu[1], cpu[2], mem[0], mem[1], mem[2]);
  }
  vmHost(vm: number): number {
    return this.core.place_vm_host(vm);
  }
  templateSet(template: number, host: number, on: boolean): void {
    this.core.place_template_set(template, host, on ? 1 : 0);
  }
  templateHas(template: number, host: number): boolean {
    return this.core.place_template_has(template, host) === 1;
  }
  ruleAdd(kind: number, vms: number[], hosts: number[]): number {
    this.put([...vms, ...hosts]);
    return this.core.place_rule_add(kind, vms.length, hosts.length);
  }
  ruleRemove(rule: number): void {
    this.core.place_rule_remove(rule);
  }
  ruleViolation(rule: number): number {
    return this.core.place_rule_violation(rule);
  }
  ruleSlots(): number {
    return this.core.place_rule_slots();
  }
  place(vm: number, mode: number): number {
    return this.core.place_vm_place(vm, mode);
  }
  placeBatch(vms: number[]): Float64Array {
    this.put(vms);
    return this.take(this.core.place_vms(vms.length));
  }
  lastMask(): number {
    return this.core.place_last_mask();
  }
  lastRule(): number {
    return this.core.place_last_rule();
  }
  lastCopied(): boolean {
    return this.core.place_last_copied() === 1;
  }
  lastImbalance(): number {
    return this.core.place_last_imbalance();
  }
  hostLoads(): Float64Array {
    return this.take(this.core.place_host_loads());
  }
  imbalance(): number {
    return this.core.place_imbalance();
  }
  entitlement(vm: number): Float64Array {
    return this.take(this.core.place_entitlement(vm));
  }
  balance(threshold: number, apply: boolean): Float64Array {
    return this.take(this.core.place_balance(threshold, apply ? 1 : 0));
  }
  maintenance(host: number, apply: boolean): Float64Array {
    return this.take(this.core.place_maintenance(host, apply ? 1 : 0));
  }
  failHosts(hosts: number[]): Float64Array {
    this.put(hosts);
    return this.take(this.core.ha_fail_hosts(hosts.length));
  }
  haSetPolicy(kind: number, a: number, b: number): void {
    this.core.ha_set_policy(kind, a, b);
  }
  haAdmission(): Float64Array {
    return this.take(this.core.ha_admission());
  }
  migration(memoryPages: number, dirty: number, ws: number, mbps: number, atDest: number, switchMs: number): Float64Array {
    return this.take(this.core.place_migration(memoryPages, dirty, ws, mbps, atDest, switchMs));
  }
}
