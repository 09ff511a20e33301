/**
 * A real guest's worker thread in Node: start data from `workerData`, messages through
 * `parentPort`, and node:crypto seeded like Web Crypto (Pyodide draws its entropy from it in Node).
 */
import { createRequire, syncBuiltinESMExports } from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import type { WorkerStart } from "./protocol.js";
import { runWorker, seededEntropy } from "./worker.js";

const start = workerData as WorkerStart;
if (start.seed !== null) {
  const nodeCrypto = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto");
  const random = seededEntropy(start.seed ^ 0x5eed);
  nodeCrypto.randomFillSync = (<T extends ArrayBufferView>(view: T) => {
    random(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    return view;
  }) as typeof nodeCrypto.randomFillSync;
  syncBuiltinESMExports();
}
// node:wasi warns once per thread that it is experimental: a guest's output is no place for it.
const emitWarning = process.emitWarning;
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (!String(warning).includes("WASI is an experimental")) (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
}) as typeof process.emitWarning;
// Held until the guest ends: module loading through tsx's hooks alone does not keep a thread alive.
const alive = setInterval(() => {}, 1 << 30);
void runWorker({ start, post: (m, t) => parentPort!.postMessage(m, t ?? []) }).finally(() => clearInterval(alive));
