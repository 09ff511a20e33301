// Real guests: Python, Ruby, QuickJS and WASI programs in workers, their memory in the memory engine.
export { RealGuest } from "./host.js";
export type { BootInfo, GuestEntropy, RealGuestOptions, RealGuestResult, RealGuestState } from "./host.js";
export { RealGuests } from "./guests.js";
export type { GuestOnHost, RealGuestsOptions, TemplateVm } from "./guests.js";
export { GuestMemoryMap, GUEST_VM_MIB } from "./memory-map.js";
export type { GuestScan, GuestVm } from "./memory-map.js";
export { PageHasher, PAGE_BYTES } from "./pages.js";
export type { PageTokens } from "./pages.js";
export { bootTemplate } from "./templates.js";
export type { RuntimeTemplate } from "./templates.js";
export { RUNTIMES, missingRuntime, runtimeForCommand } from "./runtimes.js";
export type { RuntimeInfo, RuntimeKind } from "./runtimes.js";
export { FsBridgeHost } from "./fs-bridge-host.js";
export { createFsChannel, GuestFs, GuestFsError } from "./fs-bridge.js";
export type { MemoryReason } from "./protocol.js";
