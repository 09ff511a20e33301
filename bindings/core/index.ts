// Typed wrappers over the wasm core.
export { initCore, initCoreAsync, coreReady } from "./wasm.js";
export { Cluster, WasmPlacementKernel, drsPriority, targetImbalanceFor, HA_DECLARE_DEAD_MS } from "./cluster.js";
export { FleetScheduler, WasmFleetKernel } from "./fleet.js";
export type * from "./cluster-types.js";
