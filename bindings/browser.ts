// Browsers: the wasm core is embedded and compiled asynchronously (pages may refuse large sync compiles).
import wasm from "../build/vicsim.release.wasm";
import { initCoreAsync } from "./core/wasm.js";

await initCoreAsync(wasm);

export * from "./core/index.js";
export * from "./vch/index.js";
// Real guests in Web Workers: where the page serves the guest worker and Pyodide's files.
export { configureWebGuests } from "./guests/real/spawn-web.js";
export type { WebGuestAssets } from "./guests/real/spawn-web.js";
