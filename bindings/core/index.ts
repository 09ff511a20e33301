// Typed wrappers over the wasm core.
export { initCore, initCoreAsync, coreReady } from "./wasm.js";
