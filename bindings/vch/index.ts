// The Virtual Container Host: the class, its public types and errors, the guest interface.
export * from "./types.js";
export * from "./errors.js";
export { VirtualContainerHost, type VchOpenOptions } from "./vch.js";
export type { VchEngines } from "./engines.js";
export { EmulatedGuest, parseSignal, type Guest, type GuestContext, type GuestIo, type GuestProcess } from "./guest.js";
export { MemoryStore } from "../store/memory.js";
export type { VchStore, StoreBatch, StoreSnapshot } from "../store/types.js";
