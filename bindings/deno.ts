// Deno: the wasm core is embedded, so a script needs no --allow-read to load vicsim.
import wasm from "../build/vicsim.release.wasm";
import { initCore } from "./core/wasm.js";

initCore(wasm);

export * from "./core/index.js";
export * from "./vch/index.js";
// Real guests in Web Workers: where the page serves the guest worker and Pyodide's files.
export { configureWebGuests } from "./guests/real/spawn-web.js";
export type { WebGuestAssets } from "./guests/real/spawn-web.js";
