/**
 * The cores a VCH runs on, taken by injection: the memory engine and the placement cluster. The
 * defaults are the wasm ones; the benchmark and tests hand in the plain-TypeScript reference models
 * to run the same operations on them.
 */
import type { ClusterApi, ClusterOptions } from "../core/cluster-types.js";
import type { MemoryEngineApi, MemoryEngineOptions } from "../core/memory-types.js";

/** Factories of the two cores. */
export interface VchEngines {
  memory: (opts: MemoryEngineOptions) => MemoryEngineApi;
  cluster: (opts: ClusterOptions) => ClusterApi;
}

/** The wasm cores (loaded on first use, so a VCH given other engines never touches the wasm). */
export async function wasmEngines(): Promise<VchEngines> {
  const [{ MemoryEngine }, { Cluster }] = await Promise.all([import("../core/memory.js"), import("../core/cluster.js")]);
  return {
    memory: (opts) => MemoryEngine.create(opts),
    cluster: (opts) => Cluster.create(opts),
  };
}
