/**
 * Public shape of the placement core: the `ClusterApi` that the wasm `Cluster` and the plain
 * TypeScript `ReferenceCluster` both implement, the fleet scheduler's types, and the numeric kernel
 * interface (`PlacementKernel`) that sits under both: the wasm exports on one side, the reference
 * model on the other. Units: CPU in MHz, memory in MiB, pages of 4 KiB where named.
 */

/** ESXi host states: only `connected` hosts run VMs; `standby` is powered off (DPM). */
export type HostState = "connected" | "maintenance" | "failed" | "standby";

/** DRS automation level, in vSphere's words. */
export type Automation = "manual" | "partiallyAutomated" | "fullyAutomated";

/** HA restart priority; `disabled` VMs are never restarted. */
export type RestartPriority = "highest" | "high" | "medium" | "low" | "lowest" | "disabled";

/** One resource of a VM: demand, reservation, limit (default unlimited) and shares (default 1000). */
export interface Resource {
  demand: number;
  reservation?: number;
  limit?: number;
  shares?: number;
}

/** A resource's allocation without its demand: what `setAllocation` changes. */
export type Allocation = Omit<Resource, "demand">;

/** vSphere HA admission-control policy. */
export type HaPolicy =
  | { kind: "disabled" }
  | { kind: "slots"; failuresToTolerate: number }
  | { kind: "percentage"; cpuPercent: number; memoryPercent: number }
  | { kind: "failoverHosts"; hosts: number[] };

/** DRS migration threshold: 1 (conservative, mandatory moves only) … 5 (aggressive). */
export type MigrationThreshold = 1 | 2 | 3 | 4 | 5;

/** A simulated vSphere cluster. */
export interface ClusterOptions {
  hosts: { cpuMHz: number; memoryMiB: number; name?: string }[];
  /** Default 3. */
  migrationThreshold?: MigrationThreshold;
  /** Default `fullyAutomated`. */
  automation?: Automation;
  /** Default `{ kind: "disabled" }`. */
  ha?: HaPolicy;
}

/** What `addVm` takes. Memory demand, reservation and limit include nothing of the overhead. */
export interface VmSpec {
  cpu: Resource;
  memory: Resource;
  /** Per-VM memory overhead in MiB (always reserved while powered on); default 0. */
  overheadMiB?: number;
  /** Template the VM is instant-cloned from: placement prefers hosts that hold it. */
  template?: number;
  /** Default `medium`. */
  restartPriority?: RestartPriority;
  name?: string;
}

/** Where `placeVm` put a VM. */
export interface Placement {
  vm: number;
  host: number;
  /** Cluster imbalance after the placement. */
  imbalance: number;
  /** The host lacked the VM's template, so the template was copied there. */
  templateCopied: boolean;
}

/** One host's DRS load: Σ entitlement / capacity per resource, `load` their mean. */
export interface HostLoad {
  host: number;
  cpu: number;
  memory: number;
  load: number;
  /** Reserved by powered-on VMs (memory includes overhead). */
  reservedCpuMHz: number;
  reservedMemoryMiB: number;
  vms: number;
}

/** One vMotion DRS recommends (or makes). Priority 1 is mandatory. */
export interface Recommendation {
  vm: number;
  from: number;
  to: number;
  priority: number;
  reason: string;
}

/** What a balancing pass produced. */
export interface BalanceResult {
  recommendations: Recommendation[];
  /** True when the moves were made (fully automated), false when only recommended. */
  applied: boolean;
  imbalanceBefore: number;
  /** Imbalance once the recommendations are carried out. */
  imbalanceAfter: number;
  targetImbalance: number;
}

/** VM–VM affinity / anti-affinity and VM–host must / should rules. */
export type Rule =
  | { kind: "vm-affinity" | "vm-anti-affinity"; vms: number[] }
  | { kind: "vm-host-must" | "vm-host-should"; vms: number[]; hosts: number[] };

/** A VM that stops an operation, and why. */
export interface Blocker {
  vm: number;
  reason: string;
}

/** Evacuation plan of a host entering maintenance mode: mandatory moves, or what prevents it. */
export interface MaintenancePlan {
  host: number;
  moves: Recommendation[];
  blockers: Blocker[];
}

/** One VM HA restarted. */
export interface Restart {
  vm: number;
  host: number;
  priority: RestartPriority;
}

/** What HA does after hosts fail. */
export interface FailoverPlan {
  failedHosts: number[];
  /** In the order HA restarts them: priority, then VM id. */
  restarts: Restart[];
  notRestarted: Blocker[];
  /** Virtual time before HA declares a silent host dead (15 s). */
  declaredDeadAfterMs: number;
}

/** HA admission control: the policy's figures and the current failover capacity. */
export interface HaAdmission {
  policy: HaPolicy;
  /** Whether the configured policy is met now. */
  satisfied: boolean;
  /**
   * Slots: host failures tolerated. Percentage: the smaller of the CPU and memory percentages.
   * Failover hosts: healthy dedicated failover hosts. Disabled: 0.
   */
  failoverCapacity: number;
  slots?: {
    cpuMHz: number;
    memoryMiB: number;
    perHost: number[];
    total: number;
    used: number;
    /** Slots left for power-ons once the failover reserve is set aside. */
    available: number;
  };
  percentage?: { cpuPercent: number; memoryPercent: number };
  failoverHosts?: { hosts: number[]; healthy: number };
}

/** Input of the vMotion pre-copy model. */
export interface MigrationInput {
  memoryPages: number;
  dirtyPagesPerSecond: number;
  /** Pages the guest keeps writing: dirtied pages come from this set. */
  workingSetPages: number;
  /** Default 1 250 MB/s (10 GbE). */
  bandwidthMBps?: number;
  /** Pages the destination already holds (the same template): never sent. */
  pagesAtDestination?: number;
  /** Switch-over time added to the downtime; default 20 ms. */
  switchTimeMs?: number;
}

/** Outcome of the pre-copy model. */
export interface MigrationEstimate {
  /** Pre-copy rounds before the stop-and-copy. */
  rounds: number;
  pagesSent: number;
  bytesSent: number;
  /** Pages sent while the VM was stunned. */
  finalPages: number;
  downtimeMs: number;
  durationMs: number;
  stopReason: "converged" | "maxRounds" | "maxBytes";
}

/** What the wasm `Cluster` and the `ReferenceCluster` both offer. */
export interface ClusterApi {
  readonly hostCount: number;
  /** Registers a VM, unplaced and powered off; returns its id. */
  addVm(spec: VmSpec): number;
  /** Powers on and places one VM; throws with the reason when no host can take it. */
  placeVm(vm: number): Placement;
  /** Places several VMs in order, all or none. */
  placeVms(vms: number[]): Placement[];
  /** Powers a VM off: it leaves its host but stays registered. */
  powerOff(vm: number): void;
  /** Powers off and unregisters a VM (it also leaves its rules). */
  removeVm(vm: number): void;
  /** Updates demand (CPU MHz, memory MiB without overhead). */
  setDemand(vm: number, demand: { cpu?: number; memory?: number }): void;
  /**
   * Changes a VM's reservations, limits and shares (vSphere's reconfigure of a VM's allocation);
   * a powered-on VM stays where it is and its host's entitlements follow. What is not given stays.
   */
  setAllocation(vm: number, allocation: { cpu?: Allocation; memory?: Allocation }): void;
  /** Host of a VM, or -1 when it is powered off. */
  vmHost(vm: number): number;
  hasVm(vm: number): boolean;
  vmCount(): number;
  /** Entitlement of a powered-on VM (0 when off). */
  entitlement(vm: number): { cpu: number; memory: number };
  /** Records that the host holds (or no longer holds) the template. */
  setTemplateOnHost(template: number, host: number, present?: boolean): void;
  hasTemplateOnHost(template: number, host: number): boolean;
  hostState(host: number): HostState;
  hostLoads(): HostLoad[];
  imbalance(): number;
  targetImbalance(): number;
  readonly migrationThreshold: MigrationThreshold;
  readonly automation: Automation;
  setMigrationThreshold(t: MigrationThreshold): void;
  setAutomation(a: Automation): void;
  /** One DRS balancing pass: made in fully automated mode, only recommended otherwise. */
  balance(): BalanceResult;
  addRule(rule: Rule): number;
  removeRule(id: number): void;
  rules(): { id: number; rule: Rule }[];
  maintenancePlan(host: number): MaintenancePlan;
  /** Evacuates the host (throws, changing nothing, when a VM blocks it) and puts it in maintenance. */
  enterMaintenance(host: number): MaintenancePlan;
  exitMaintenance(host: number): void;
  /** Marks hosts failed and restarts their VMs on the survivors. */
  failHosts(hosts: number[]): FailoverPlan;
  /** Powers an empty host down (DPM standby): it takes nothing until `recoverHost`. */
  enterStandby(host: number): void;
  /** A failed or standby host comes back connected (empty). */
  recoverHost(host: number): void;
  setHaPolicy(policy: HaPolicy): void;
  haAdmission(): HaAdmission;
  migrationEstimate(input: MigrationInput): MigrationEstimate;
}

// ───────────────────────────── fleet scheduler ─────────────────────────────

/** One host of the fleet scheduler: physical cores, memory, labels (a bit mask). */
export interface FleetHost {
  cores: number;
  memoryMiB: number;
  labels?: number;
}

/** Photon Controller's scheduler: defaults CPU overcommit 16, memory 1.0, seed 1. */
export interface FleetOptions {
  hosts: FleetHost[];
  seed?: number;
  cpuOvercommit?: number;
  memoryOvercommit?: number;
}

/** A VM to place on the fleet. */
export interface FleetRequest {
  vcpus: number;
  memoryMiB: number;
  /** Image the VM boots from; hosts without it must copy `imageSizeMiB`. */
  image?: number;
  imageSizeMiB?: number;
  /** Labels the host must carry (all bits): availability zone, usage and datastore tags. */
  labels?: number;
  /** The only host the VM may go to (a host affinity). */
  host?: number;
}

/** Where the fleet scheduler put a VM (`host` -1 with a reason when refused, in `placeMany`). */
export interface FleetPlacement {
  host: number;
  score: number;
  imageCopied: boolean;
  reason?: string;
  /** Photon scheduler's failure code when refused: NoSuchResource, NotEnoughCpuResource, NotEnoughMemoryResource. */
  code?: FleetFailure;
}

/** One host a placement sampled: its score, or null when it was above 0.95 of CPU or memory. */
export interface FleetSample {
  host: number;
  score: number | null;
}

/** Failure codes of Photon Controller's scheduler, as the RESERVE_RESOURCE step reports them. */
export type FleetFailure = "NoSuchResource" | "NotEnoughCpuResource" | "NotEnoughMemoryResource";

/** What the wasm `FleetScheduler` and the `ReferenceFleetScheduler` offer. */
export interface FleetSchedulerApi {
  readonly hostCount: number;
  place(request: FleetRequest): FleetPlacement;
  placeMany(requests: FleetRequest[]): FleetPlacement[];
  /** (vcpus, memoryMiB, image or -1, imageSizeMiB, labels) × n in; (host, score, copied) × n out. */
  placeBatch(requests: Float64Array): Float64Array;
  release(host: number, vcpus: number, memoryMiB: number): void;
  setHostUp(host: number, up: boolean): void;
  addImage(host: number, image: number): void;
  hostUsage(host: number): { vcpus: number; memoryMiB: number; up: boolean };
  /** Takes a VM's resources on `host` without placing it (restoring a fleet's VMs). */
  reserve(host: number, vcpus: number, memoryMiB: number): void;
  setHostLabels(host: number, labels: number): void;
}

// ───────────────────────────── kernel (numbers only) ─────────────────────────────

/** Host state codes of the kernel. */
export const HOST_STATE_CODES: readonly HostState[] = ["connected", "maintenance", "failed", "standby"];
/** Restart priority codes: 0 highest … 4 lowest, 5 disabled. */
export const PRIORITY_CODES: readonly RestartPriority[] = ["highest", "high", "medium", "low", "lowest", "disabled"];
/** Rule kind codes. */
export const RULE_KIND_CODES = ["vm-affinity", "vm-anti-affinity", "vm-host-must", "vm-host-should"] as const;

/** Placement modes: initial (all rules, template, admission), evacuation (all rules), HA (must rules, failover hosts). */
export const MODE_INITIAL = 0;
export const MODE_EVACUATE = 1;
export const MODE_HA = 2;

/** Bits of a placement-failure mask: why hosts were ruled out. */
export const WHY_STATE = 1;
export const WHY_FAILOVER_HOST = 2;
export const WHY_CPU = 4;
export const WHY_MEMORY = 8;
export const WHY_MUST = 16;
export const WHY_AFFINITY = 32;
export const WHY_ANTI_AFFINITY = 64;
/** `place` result when HA admission control refuses the power-on. */
export const PLACE_ADMISSION = -2;

/** Fleet refusal codes. */
export const FLEET_NO_MATCH = -1;
export const FLEET_FULL = -2;
export const FLEET_FULL_MEMORY = -3;

/**
 * The numeric kernel under a cluster: the wasm exports (through scratch) or the reference model.
 * Ids are dense integers; a NaN demand means "unchanged". Arrays come back flattened.
 */
export interface PlacementKernel {
  hostAdd(cpuMHz: number, memoryMiB: number): number;
  hostSetState(host: number, state: number): void;
  hostSetFailover(host: number, on: boolean): void;
  vmAdd(cpu: number[], mem: number[], template: number, priority: number): number;
  vmRemove(vm: number): void;
  vmPowerOff(vm: number): void;
  vmSetDemand(vm: number, cpu: number, mem: number): void;
  /** [reservation, limit, shares] of CPU and of memory; NaN leaves a value unchanged. */
  vmSetAllocation(vm: number, cpu: number[], mem: number[]): void;
  vmHost(vm: number): number;
  templateSet(template: number, host: number, on: boolean): void;
  templateHas(template: number, host: number): boolean;
  /** Adds a rule; its id is the most recently removed rule's, else the next new one. */
  ruleAdd(kind: number, vms: number[], hosts: number[]): number;
  /** Removes a rule; its id goes to the next rule added. */
  ruleRemove(rule: number): void;
  /** Rule slots held: the most rules ever present at once. */
  ruleSlots(): number;
  /** First VM that breaks the rule as placed now, or -1. */
  ruleViolation(rule: number): number;
  /** Host chosen (and taken), -1 none (see `lastMask`), -2 admission refused. */
  place(vm: number, mode: number): number;
  /** Initial placement of `vms` in order until one fails: [placed, status, (host, copied, imbalance) × placed]. */
  placeBatch(vms: number[]): ArrayLike<number>;
  lastMask(): number;
  lastRule(): number;
  lastCopied(): boolean;
  lastImbalance(): number;
  /** Per host: cpu, mem, load, reservedCpu, reservedMem, vms. */
  hostLoads(): ArrayLike<number>;
  imbalance(): number;
  entitlement(vm: number): ArrayLike<number>;
  /** [before, after, n, (vm, from, to, priority) × n]. */
  balance(threshold: number, apply: boolean): ArrayLike<number>;
  /** [moves, blockers, (vm, to) × moves, (vm, mask, rule) × blockers]. */
  maintenance(host: number, apply: boolean): ArrayLike<number>;
  /** [restarts, notRestarted, (vm, host, priority) × restarts, (vm, mask, rule) × notRestarted]. */
  failHosts(hosts: number[]): ArrayLike<number>;
  haSetPolicy(kind: number, a: number, b: number): void;
  /** [satisfied, capacity, cpuSlot, memSlot, total, used, available, cpuPct, memPct, healthy, perHost…]. */
  haAdmission(): ArrayLike<number>;
  /** [rounds, pagesSent, finalPages, downtimeMs, durationMs, reason]. */
  migration(memoryPages: number, dirty: number, ws: number, mbps: number, atDest: number, switchMs: number): ArrayLike<number>;
}

/** The numeric kernel under a fleet scheduler. */
export interface FleetKernel {
  init(cores: ArrayLike<number>, memoryMiB: ArrayLike<number>, labels: ArrayLike<number>, seed: number, cpuOver: number, memOver: number): void;
  /** Requests as (vcpus, memoryMiB, image, imageSizeMiB, labels[, pinned host or -1]) × n (`stride` 5 or 6);
   * results as (host, score, copied) × n. */
  placeBatch(requests: Float64Array, n: number, stride?: number): Float64Array;
  reserve(host: number, vcpus: number, memoryMiB: number): void;
  setLabels(host: number, labels: number): void;
  release(host: number, vcpus: number, memoryMiB: number): void;
  setUp(host: number, up: boolean): void;
  addImage(host: number, image: number): void;
  usage(host: number): ArrayLike<number>;
  /** Placements made since `init`. */
  traceSeq(): number;
  /** Placement `seq`'s sampled hosts and scores (-1: rejected above 0.95) as (host, score) pairs; empty once older than the last 8. */
  trace(seq: number): number[];
}
