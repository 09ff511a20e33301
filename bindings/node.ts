// Node: the wasm core ships beside the bundle (build/ next to dist/), read once from disk.
import { readFileSync } from "node:fs";
import { initCore } from "./core/wasm.js";

initCore(readFileSync(new URL("../build/vicsim.release.wasm", import.meta.url)));

export * from "./core/index.js";
export * from "./vch/index.js";
/** Host folders for bind mounts (`VirtualContainerHost.open({ hostFolders: nodeHostFolders })`). */
export { nodeHostFolders, nodeHostFoldersCreating } from "./fs/hostdir.js";
