// Tests run on the debug build: asserts on, so a broken invariant fails loudly.
import { readFileSync } from "node:fs";
import { initCore } from "../bindings/core/wasm.js";

const wasm = new URL("../build/vicsim.debug.wasm", import.meta.url);
try {
  initCore(readFileSync(wasm));
} catch (error) {
  throw new Error(`cannot load ${wasm.pathname}: run \`npm run build\` first (${(error as Error).message})`);
}
