/**
 * RealGuest: one real guest process (a Python, Ruby, QuickJS or WASI program) running in a worker of
 * its own, seen from its host: output streams, stdin, signals with Docker's stop and kill semantics,
 * pause, a memory limit that ends the guest as the OOM killer does, and copies of its linear memory.
 */
import { createControl, HostControl } from "./control.js";
import type { ContainerFs, Credentials } from "../../fs/index.js";
import { FsBridgeHost } from "./fs-bridge-host.js";
import { createFsChannel } from "./fs-bridge.js";
import type { MemoryReason, WorkerMessage, WorkerStart } from "./protocol.js";
import { RUNTIMES, type RuntimeKind } from "./runtimes.js";
import { spawnWorker, type WorkerHandle } from "./spawn.js";
import type { RuntimeTemplate } from "./templates.js";

/** How a guest's entropy is drawn: the same for every guest of an image, or from the platform. */
export type GuestEntropy = "seeded" | "random";

export interface RealGuestOptions {
  runtime: RuntimeKind;
  /** The container's command, argv[0] included (`["python", "-c", "print(1)"]`). */
  argv: string[];
  env?: Record<string, string>;
  /** Working directory inside the guest (default `/`). */
  workingDir?: string;
  /**
   * The container's filesystem, live: the guest's `/` (WASI) or its top-level folders (Pyodide)
   * are this filesystem through the bridge (fs-bridge.ts), its writes seen at once by everyone else.
   */
  files?: ContainerFs;
  /** `--read-only`: changes outside the volumes and bind mounts answer EROFS. */
  readOnlyRoot?: boolean;
  /** Who the guest's file calls act as (default root): permission bits answer EACCES to others. */
  cred?: Credentials;
  /** Bytes of linear memory the guest may grow to; past it the guest is OOM-killed (exit 137). */
  memoryLimit?: number;
  /**
   * `seeded` (default): entropy from a seed, so guests of one image boot to the same pages and
   * share them; `random`: the platform's entropy, private and unpredictable (see README).
   */
  entropy?: GuestEntropy;
  /** The seed of `seeded` entropy (default 0; one per image). */
  seed?: number;
  /** The program, for `wasi`. */
  module?: Uint8Array;
  /** A booted template to restore from (`python`, seeded): start from its snapshot, not cold. */
  template?: RuntimeTemplate;
  /** Output as it is written. */
  onOutput?(stream: "stdout" | "stderr", chunk: Uint8Array): void;
  /** A copy of the guest's linear memory arrived (at boot, on a scan, at exit). */
  onMemory?(reason: MemoryReason, bytes: Uint8Array): void;
}

/** How a guest ended. */
export interface RealGuestResult {
  /** The program's exit status; 137 when killed (SIGKILL) or OOM-killed. */
  exitCode: number;
  /** The guest grew its memory past `memoryLimit` and was killed for it. */
  oomKilled: boolean;
  /** What ended it from outside: `stop` (grace period ran out), `kill`, or null (it exited itself). */
  killedBy: "stop" | "kill" | null;
  /** The guest could not run (runtime missing, program invalid): what to tell the user. */
  error?: string;
}

export type RealGuestState = "booting" | "running" | "paused" | "exited";

/** What `booted` resolves to. */
export interface BootInfo {
  bootMs: number;
  /** Booted from a template's memory snapshot rather than cold. */
  restored: boolean;
}

const SIGKILL_STATUS = 137;
const SIGTERM = 15;

/** A real guest in its own worker. */
export class RealGuest {
  /** Resolves once the runtime has booted; rejects if the guest cannot run at all. */
  readonly booted: Promise<BootInfo>;
  /** Resolves when the guest has ended, however it ended. */
  readonly exited: Promise<RealGuestResult>;
  private stateNow: RealGuestState = "booting";
  private readonly control: HostControl;
  private worker: WorkerHandle | null = null;
  private killedBy: RealGuestResult["killedBy"] = null;
  private memory: Uint8Array | null = null;
  private scanWaiters: ((bytes: Uint8Array | null) => void)[] = [];
  private resolveBoot!: (b: BootInfo) => void;
  private rejectBoot!: (e: Error) => void;
  private resolveExit!: (r: RealGuestResult) => void;
  private stdinTimer: ReturnType<typeof setInterval> | null = null;
  private readonly files: FsBridgeHost | null;

  /** Starts a guest; watch `booted` and `exited`. Bad options throw here and start nothing. */
  static start(opts: RealGuestOptions): RealGuest {
    return new RealGuest(opts);
  }

  private constructor(private readonly opts: RealGuestOptions) {
    const start = startData(opts);
    this.control = new HostControl(start.control);
    this.files = start.files && opts.files ? new FsBridgeHost(start.files, opts.files, { readOnlyRoot: !!opts.readOnlyRoot, ...(opts.cred ? { cred: opts.cred } : {}) }) : null;
    this.booted = new Promise((res, rej) => ((this.resolveBoot = res), (this.rejectBoot = rej)));
    this.booted.catch(() => {});
    this.exited = new Promise((res) => (this.resolveExit = res));
    void spawnWorker(start).then(
      (w) => this.attach(w),
      (e) => this.finish({ exitCode: 127, oomKilled: false, killedBy: null, error: String(e?.message ?? e) }),
    );
  }

  get state(): RealGuestState {
    return this.stateNow;
  }

  /** The newest copy of the guest's memory (null before boot). */
  get lastMemory(): Uint8Array | null {
    return this.memory;
  }

  /** Lets go of the last memory copy (tens of MiB) once its pages are in the memory engine. */
  dropMemory(): void {
    this.memory = null;
  }

  writeStdin(data: Uint8Array | string): void {
    this.control.writeStdin(typeof data === "string" ? new TextEncoder().encode(data) : data);
    this.pumpStdin();
  }

  closeStdin(): void {
    this.control.closeStdin();
    this.pumpStdin();
  }

  /** Leaves a signal for the guest (Python runs its handler; see runtimes for what each does). */
  signal(signal: number): void {
    if (this.stateNow !== "exited") this.control.signal(signal);
  }

  /**
   * Docker's stop: SIGTERM, then the end of the worker once `graceMs` has passed (exit 137). A
   * paused guest is resumed first so it can handle the signal.
   */
  async stop(graceMs = 10_000): Promise<RealGuestResult> {
    if (this.stateNow === "exited") return this.exited;
    if (this.stateNow === "paused") this.unpause();
    this.signal(SIGTERM);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<"grace">((res) => (timer = setTimeout(() => res("grace"), graceMs)));
    const first = await Promise.race([this.exited, graceOver]);
    clearTimeout(timer);
    if (first === "grace") await this.terminate("stop");
    return this.exited;
  }

  /** Docker's kill (SIGKILL): ends the worker at once; exit 137. */
  async kill(): Promise<RealGuestResult> {
    if (this.stateNow !== "exited") await this.terminate("kill");
    return this.exited;
  }

  /** Docker's pause: the guest stops at its next checkpoint and waits there. */
  pause(): void {
    if (this.stateNow === "running" || this.stateNow === "booting") {
      this.control.pause(true);
      this.stateNow = "paused";
    }
  }

  unpause(): void {
    if (this.stateNow === "paused") {
      this.control.pause(false);
      this.stateNow = "running";
    }
  }

  /**
   * A fresh copy of the guest's memory, taken at its next checkpoint. A guest that reaches none
   * within `timeoutMs` (a pure computation on a runtime without a periodic check) yields its last
   * copy; an exited guest yields the copy taken at exit.
   */
  async scan(timeoutMs = 2_000): Promise<Uint8Array | null> {
    if (this.stateNow === "exited") return this.memory;
    const fresh = new Promise<Uint8Array | null>((res) => this.scanWaiters.push(res));
    this.control.requestScan();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<Uint8Array | null>((res) => (timer = setTimeout(() => res(this.memory), timeoutMs)));
    const bytes = await Promise.race([fresh, late]);
    clearTimeout(timer);
    return bytes;
  }

  private attach(w: WorkerHandle): void {
    this.worker = w;
    w.onMessage((m) => this.receive(m));
    w.onExit((code, error) => {
      // Ended without saying how: its own process.exit, or a crash in the runtime.
      this.finish({ exitCode: error ? 1 : code, oomKilled: false, killedBy: this.killedBy, ...(error ? { error: error.message } : {}) });
    });
    if (this.stateNow === "exited") void w.terminate();
  }

  private receive(m: WorkerMessage): void {
    switch (m.type) {
      case "output":
        this.opts.onOutput?.(m.stream, m.data);
        break;
      case "memory":
        this.memory = m.bytes;
        this.opts.onMemory?.(m.reason, m.bytes);
        for (const w of this.scanWaiters.splice(0)) w(m.bytes);
        break;
      case "booted":
        if (this.stateNow === "booting") this.stateNow = "running";
        this.resolveBoot({ bootMs: m.bootMs, restored: m.restored });
        break;
      case "exit":
        this.finish({ exitCode: m.code & 255, oomKilled: false, killedBy: null });
        break;
      case "oom":
        this.finish({ exitCode: SIGKILL_STATUS, oomKilled: true, killedBy: null });
        break;
      case "error":
        this.finish({ exitCode: 127, oomKilled: false, killedBy: null, error: m.message });
        break;
      case "fs":
        this.files?.serve();
        break;
      case "template":
        break;
    }
  }

  private async terminate(by: "stop" | "kill"): Promise<void> {
    this.killedBy = by;
    this.finish({ exitCode: SIGKILL_STATUS, oomKilled: false, killedBy: by });
  }

  /** Records the end once (the first cause wins) and ends the worker. */
  private finish(result: RealGuestResult): void {
    if (this.stateNow === "exited") return;
    this.stateNow = "exited";
    if (this.stdinTimer) clearInterval(this.stdinTimer);
    for (const w of this.scanWaiters.splice(0)) w(this.memory);
    this.rejectBoot(new Error(result.error ?? `the ${this.opts.runtime} guest ended before it booted (exit ${result.exitCode})`));
    this.resolveExit(result);
    void this.worker?.terminate();
  }

  /** Keeps moving queued stdin into the pipe while the guest has not read it all. */
  private pumpStdin(): void {
    if (!this.control.stdinBacklog || this.stdinTimer) return;
    this.stdinTimer = setInterval(() => {
      this.control.flush();
      if (!this.control.stdinBacklog && this.stdinTimer) {
        clearInterval(this.stdinTimer);
        this.stdinTimer = null;
      }
    }, 5);
  }
}

/** Validates options and builds the worker's start data (throws in the caller's terms). */
function startData(opts: RealGuestOptions): WorkerStart {
  if (!opts || !(opts.runtime in RUNTIMES)) {
    throw new Error(`unknown guest runtime ${JSON.stringify(opts?.runtime)}: use one of ${Object.keys(RUNTIMES).join(", ")}`);
  }
  if (!Array.isArray(opts.argv) || opts.argv.length === 0 || !opts.argv.every((a) => typeof a === "string")) {
    throw new Error("argv must be a non-empty list of strings (the command, then its arguments)");
  }
  const limit = opts.memoryLimit ?? 0;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`memoryLimit must be a whole number of bytes, got ${opts.memoryLimit}`);
  if (limit > 0 && limit < 1 << 20) throw new Error(`memoryLimit of ${limit} bytes is below the 1 MiB minimum`);
  const entropy = opts.entropy ?? "seeded";
  if (entropy !== "seeded" && entropy !== "random") throw new Error(`entropy must be "seeded" or "random", got ${JSON.stringify(entropy)}`);
  if (opts.runtime === "wasi" && !(opts.module instanceof Uint8Array)) throw new Error("a wasi guest needs its program: module must be the .wasm bytes");
  if (opts.template && opts.template.runtime !== opts.runtime) {
    throw new Error(`a ${opts.template.runtime} template cannot start a ${opts.runtime} guest`);
  }
  if (opts.template && entropy === "random") {
    throw new Error("a guest with random entropy boots cold: its template's snapshot holds the template's secrets (hash seed, random state)");
  }
  return {
    runtime: opts.runtime,
    argv: [...opts.argv],
    env: { ...(opts.env ?? {}) },
    workingDir: opts.workingDir ?? "/",
    ...(opts.files ? { files: createFsChannel() } : {}),
    memoryLimit: limit,
    seed: entropy === "seeded" ? (opts.seed ?? 0) >>> 0 : null,
    ...(opts.module ? { module: opts.module } : {}),
    ...(opts.template?.snapshot ? { snapshot: opts.template.snapshot } : {}),
    control: createControl(),
  };
}
