/**
 * Runtime templates: the booted memory of a runtime, from which container VMs are instant-cloned.
 * For Python it is also a Pyodide memory snapshot a guest restores from (0.1–1 s) instead of booting
 * cold (1.6–10 s); the other runtimes boot fast enough cold, so their template is only the memory
 * image the memory engine clones.
 */
import { createControl } from "./control.js";
import { RealGuest } from "./host.js";
import type { WorkerMessage } from "./protocol.js";
import type { RuntimeKind } from "./runtimes.js";
import { spawnWorker } from "./spawn.js";

export interface RuntimeTemplate {
  runtime: RuntimeKind;
  /** Seed the template booted with (templates are always seeded: see README, guest entropy). */
  seed: number;
  /** Pyodide's memory snapshot (Python only), restored by guests started from this template. */
  snapshot: Uint8Array | null;
  /** The booted linear memory: the template VM's pages. */
  image: Uint8Array;
  /** How long the cold boot took. */
  bootMs: number;
}

/** An empty program per runtime: booting it leaves the runtime at rest. */
const IDLE_ARGV: Record<Exclude<RuntimeKind, "python">, string[]> = {
  ruby: ["ruby", "-e", ""],
  quickjs: ["node", "-e", ""],
  wasi: ["program"],
};

/** Boots `runtime` once, cold and seeded, and returns its template. */
export async function bootTemplate(runtime: RuntimeKind, opts: { seed?: number; module?: Uint8Array } = {}): Promise<RuntimeTemplate> {
  const seed = (opts.seed ?? 0) >>> 0;
  if (runtime === "python") return bootPythonTemplate(seed);
  const guest = RealGuest.start({ runtime, argv: IDLE_ARGV[runtime], seed, entropy: "seeded", ...(opts.module ? { module: opts.module } : {}) });
  const boot = await guest.booted;
  await guest.exited;
  const image = guest.lastMemory;
  if (!image) throw new Error(`the ${runtime} template sent no memory`);
  return { runtime, seed, snapshot: null, image, bootMs: boot.bootMs };
}

async function bootPythonTemplate(seed: number): Promise<RuntimeTemplate> {
  const worker = await spawnWorker({
    runtime: "python",
    argv: ["python"],
    env: {},
    workingDir: "/",
    memoryLimit: 0,
    seed,
    makeTemplate: true,
    control: createControl(),
  });
  try {
    return await new Promise<RuntimeTemplate>((resolve, reject) => {
      worker.onMessage((m: WorkerMessage) => {
        if (m.type === "template") {
          resolve({ runtime: "python", seed, snapshot: m.snapshot, image: m.bytes, bootMs: m.bootMs });
        } else if (m.type === "error") reject(new Error(m.message));
      });
      worker.onExit((code, error) => reject(error ?? new Error(`the python template ended (exit ${code}) before it made a snapshot`)));
    });
  } finally {
    await worker.terminate();
  }
}
