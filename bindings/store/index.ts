// Persistence of the VCH: the journal interface, the in-memory store, and (lazily) the SQLite one.
export * from "./types.js";
export { MemoryStore } from "./memory.js";
