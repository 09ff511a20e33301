// Browsers: the wasm core is embedded and compiled asynchronously (pages may refuse large sync compiles).
import wasm from "../build/vicsim.release.wasm";
import { initCoreAsync } from "./core/wasm.js";

await initCoreAsync(wasm);

export * from "./core/index.js";
export * from "./vch/index.js";
