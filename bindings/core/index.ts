// Typed wrappers over the wasm core.
export { initCore, initCoreAsync, coreReady } from "./wasm.js";
export { Cluster, WasmPlacementKernel, drsPriority, targetImbalanceFor, HA_DECLARE_DEAD_MS } from "./cluster.js";
export { FleetScheduler, WasmFleetKernel } from "./fleet.js";
export type {
  Automation,
  BalanceResult,
  Blocker,
  ClusterApi,
  ClusterOptions,
  FailoverPlan,
  FleetHost,
  FleetOptions,
  FleetPlacement,
  FleetRequest,
  FleetSchedulerApi,
  HaAdmission,
  HaPolicy,
  HostLoad,
  HostState as ClusterHostState,
  MaintenancePlan,
  MigrationEstimate,
  MigrationInput,
  MigrationThreshold,
  Placement,
  Recommendation,
  Resource,
  RestartPriority as HaRestartPriority,
  Restart,
  Rule,
  VmSpec,
} from "./cluster-types.js";
export { MemoryEngine } from "./memory.js";
export { minFreePages, memoryState } from "./memory-types.js";
export type {
  MemoryEngineApi,
  MemoryEngineOptions,
  CreateVmOptions,
  WriteFaults,
  VmMemoryStats,
  HostMemoryStats,
  HostMemoryState,
  TpsScanResult,
} from "./memory-types.js";
