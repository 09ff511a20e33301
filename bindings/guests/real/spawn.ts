/**
 * Starting a guest's worker. In Node a worker thread runs worker-node.js beside this file (the built
 * package) or worker-node.ts through tsx (the source tree, tests). Deno and browsers start a module
 * Web Worker on worker-web.js instead (spawn-web.ts).
 */
import { compiledRuntime } from "./compiled.js";
import type { WorkerMessage, WorkerStart } from "./protocol.js";
import { spawnWebWorker, webWorkersAvailable } from "./spawn-web.js";

/** A running worker, as the guest's host sees it. */
export interface WorkerHandle {
  onMessage(fn: (m: WorkerMessage) => void): void;
  /** The thread ended: `code` from the worker, or 1 with `error` when it threw. */
  onExit(fn: (code: number, error?: Error) => void): void;
  /** Ends the thread at once, wherever the guest is. */
  terminate(): Promise<void>;
}

/** Node itself (Deno has a `process` with a Node version too, and Web Workers of its own). */
export const IN_NODE = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string" && !("Deno" in globalThis);

/** True where guests' workers can start: Node, Deno, or a cross-origin isolated page. */
export function workersAvailable(): boolean {
  return IN_NODE || webWorkersAvailable();
}

/** Starts a worker running `start`: a worker thread in Node, a Web Worker elsewhere. */
export function spawnWorker(start: WorkerStart): Promise<WorkerHandle> {
  return IN_NODE ? spawnNodeWorker(start) : spawnWebWorker(start);
}

async function spawnNodeWorker(start: WorkerStart): Promise<WorkerHandle> {
  const compiled = start.compiled === undefined ? await compiledRuntime(start.runtime) : start.compiled;
  if (compiled) start = { ...start, compiled };
  const { Worker } = await import("node:worker_threads");
  const { existsSync } = await import("node:fs");
  const { fileURLToPath, pathToFileURL } = await import("node:url");
  const { createRequire } = await import("node:module");
  const built = new URL("./worker-node.js", import.meta.url);
  let worker: InstanceType<typeof Worker>;
  const options = { workerData: start, transferList: [] as never[], stdout: false, stderr: false };
  if (existsSync(fileURLToPath(built))) {
    worker = new Worker(built, options);
  } else {
    const source = new URL("./worker-node.ts", import.meta.url).href;
    // tsx's ESM API (createRequire resolves the CommonJS one, which cannot tsImport from a worker).
    const tsxDir = createRequire(import.meta.url).resolve("tsx/package.json").replace(/package\.json$/, "");
    const tsx = pathToFileURL(tsxDir + "dist/esm/api/index.mjs").href;
    const boot = `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)}))`;
    worker = new Worker(boot, { ...options, eval: true });
  }
  let errored: Error | undefined;
  worker.on("error", (e) => (errored = e));
  return {
    onMessage: (fn) => void worker.on("message", fn),
    onExit: (fn) => void worker.on("exit", (code) => fn(code, errored)),
    terminate: async () => void (await worker.terminate()),
  };
}
