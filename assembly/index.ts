// The one export surface of the wasm core: integers and floats only, grouped by prefix.
// Each kernel family owns its own export file; this file only gathers them.
import "./util/abort";
export { scratch_ensure, scratch_ptr } from "./util/scratch";
export * from "./memory/exports";
export * from "./placement/exports";
// Real guests: page tokens of a guest runtime's linear memory.
export * from "./guest/exports";
