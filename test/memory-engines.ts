// Every implementation of MemoryEngineApi, for tests that run the same rows through each.
import { MemoryEngine } from "../bindings/core/memory.js";
import type { MemoryEngineApi, MemoryEngineOptions } from "../bindings/core/memory-types.js";
import { ReferenceMemoryEngine } from "./reference/memory.js";

export const engines: [string, (o: MemoryEngineOptions) => MemoryEngineApi][] = [
  ["reference", (o) => ReferenceMemoryEngine.create(o)],
  ["wasm", (o) => MemoryEngine.create(o)],
];
