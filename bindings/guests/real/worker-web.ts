/** A real guest's Web Worker (browsers, Deno): the first message is the start data. */
import type { WorkerStart } from "./protocol.js";
import { runWorker } from "./worker.js";

const scope = globalThis as unknown as {
  postMessage(m: unknown, t?: ArrayBuffer[]): void;
  addEventListener(type: "message", fn: (e: { data: WorkerStart }) => void, o?: { once: boolean }): void;
};
scope.addEventListener("message", (e) => void runWorker({ start: e.data, post: (m, t) => scope.postMessage(m, t ?? []) }), { once: true });
