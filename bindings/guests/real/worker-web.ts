/** A real guest's Web Worker (browsers, Deno): the first message is the start data. */
import type { WorkerStart } from "./protocol.js";
import { runWorker } from "./worker.js";

const scope = globalThis as unknown as {
  postMessage(m: unknown, t?: ArrayBuffer[]): void;
  addEventListener(type: "message", fn: (e: { data: WorkerStart }) => void, o?: { once: boolean }): void;
};
// Deno's node:wasi warns once per worker that it is experimental: a guest's output is no place for it.
const host = globalThis as { process?: { emitWarning?: (w: string | Error, ...rest: unknown[]) => void } };
const emitWarning = host.process?.emitWarning;
if (host.process && emitWarning) {
  host.process.emitWarning = (warning, ...rest) => {
    if (!String(warning).includes("WASI is an experimental")) emitWarning.call(host.process, warning, ...rest);
  };
}
scope.addEventListener("message", (e) => void runWorker({ start: e.data, post: (m, t) => scope.postMessage(m, t ?? []) }), { once: true });
