// Typed wrappers over the wasm core.
export { initCore, initCoreAsync, coreReady } from "./wasm.js";
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
