// The default entry: the wasm core is embedded, so any runtime can import it with no loader flag.
import wasm from "../build/vicsim.release.wasm";
import { initCore } from "./core/wasm.js";

initCore(wasm);

export * from "./core/index.js";
export * from "./vch/index.js";
