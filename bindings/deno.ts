// Deno: the wasm core is embedded, so a script needs no --allow-read to load vicsim.
import wasm from "../build/vicsim.release.wasm";
import { initCore } from "./core/wasm.js";

initCore(wasm);

export * from "./core/index.js";
export * from "./vch/index.js";
