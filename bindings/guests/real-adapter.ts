/**
 * Real guests behind the Guest interface: `python …` in python images runs on Pyodide, `ruby …` in
 * ruby images on ruby.wasm, `node -e …`/`node file.js` in node images on QuickJS, each in a worker
 * (bindings/guests/real); every other command goes to the guest behind (the emulated one). The
 * container VM becomes an instant clone of the runtime's template VM, and the guest's real pages are
 * written to it at boot, every 20 s of virtual time and at exit.
 */
import type { ContainerFs, Credentials } from "../fs/index.js";
import type { Guest, GuestContext, GuestIo, GuestProcess } from "./guest.js";
import { userOf } from "./emulated-shell.js";
import { RealGuest } from "./real/host.js";
import { workersAvailable } from "./real/spawn.js";
import { RUNTIMES, runtimeForCommand, type RuntimeKind } from "./real/runtimes.js";
import { bootTemplate, type RuntimeTemplate } from "./real/templates.js";

/** The image (repository) each runtime runs in: `python` in busybox stays the emulated `not found`. */
const IMAGE_OF: Record<Exclude<RuntimeKind, "wasi">, string> = { python: "python", ruby: "ruby", quickjs: "node" };
/** Virtual ms between scans of a real guest's memory. */
export const REAL_SCAN_MS = 20_000;
const SIGKILL = 9;
/**
 * Virtual ms of one throttling period: a guest limited to `--cpus` c < 1 runs c of each period and
 * holds the rest, as CFS's quota does (CFS's period is 100 ms; 1 s keeps the VCH's timers few).
 */
export const CPU_PERIOD_MS = 1_000;

/** The runtime and argv a command runs with in `image`, or null when it stays with the emulated guest. */
export function realCommand(argv: string[], image: string | undefined, platform?: string): { kind: RuntimeKind; argv: string[] } | null {
  // A wasi/wasm image's command is a WASI program (its module in the container's filesystem).
  if (platform === "wasi/wasm") return argv.length && argv[0] ? { kind: "wasi", argv } : null;
  // Official images' entrypoint script execs its arguments.
  const args = (argv[0] ?? "").split("/").pop() === "docker-entrypoint.sh" ? argv.slice(1) : argv;
  const kind = runtimeForCommand(args);
  if (!kind || kind === "wasi" || IMAGE_OF[kind] !== image) return null;
  // Without a program (an interactive prompt, the images' default command) the emulated guest answers.
  if (args.length < 2) return null;
  if (kind === "quickjs" && !(args[1] === "-e" || args[1] === "--eval" || !args[1].startsWith("-"))) return null;
  return { kind, argv: args };
}

/** Real runtimes in front of another guest. */
export class RealGuestAdapter implements Guest {
  /** Booted templates by `runtime/seed` (one per runtime and image seed). */
  private readonly templates = new Map<string, Promise<RuntimeTemplate>>();

  constructor(private readonly fallback: Guest) {}

  spawn(argv: string[], ctx: GuestContext, io: GuestIo): GuestProcess {
    // Where no worker can start (a page that is not cross-origin isolated) every command stays emulated.
    const pick = workersAvailable() ? realCommand(argv, ctx.image, ctx.platform) : null;
    if (!pick) return this.fallback.spawn(argv, ctx, io);
    io.runtime?.(`${RUNTIMES[pick.kind].description}; lacks ${RUNTIMES[pick.kind].lacks}`);
    const seed = ctx.entropy?.seed ?? 0;
    // A WASI program has no runtime to boot first: its VM is a clone of an empty template (its pages all its own, merged by TPS).
    const template = pick.kind === "wasi" ? Promise.resolve<RuntimeTemplate>({ runtime: "wasi", seed, snapshot: null, image: new Uint8Array(0), bootMs: 0 }) : this.template(pick.kind, seed);
    return new RealProcess(pick.kind, pick.argv, ctx, io, template);
  }

  /**
   * The runtime's template booted with the image's seed (once per process; a failed boot is tried
   * again next time). A guest with random entropy does not restore it but its VM still clones it.
   */
  private template(kind: RuntimeKind, seed: number): Promise<RuntimeTemplate> {
    const key = `${kind}/${seed >>> 0}`;
    let t = this.templates.get(key);
    if (!t) {
      t = bootTemplate(kind, { seed });
      t.catch(() => this.templates.delete(key));
      this.templates.set(key, t);
    }
    return t;
  }
}

/** One real guest process, started once its runtime's template is ready. */
class RealProcess implements GuestProcess {
  private guest: RealGuest | null = null;
  private ended = false;
  private paused = false;
  private readonly stdinQueue: Uint8Array[] = [];
  private stdinClosed = false;
  private readonly signals: number[] = [];
  private cancelScan: (() => void) | null = null;
  private cancelThrottle: (() => void) | null = null;
  /** Held by the CPU limit for the rest of the period (not Docker's pause). */
  private throttled = false;
  private scanning = false;
  private readonly decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };

  constructor(private readonly kind: RuntimeKind, private readonly argv: string[], private readonly ctx: GuestContext, private readonly io: GuestIo, template: Promise<RuntimeTemplate>) {
    template.then((t) => this.start(t)).catch((e: Error) => {
      this.io.write("stderr", `${e?.message ?? e}\n`);
      this.end(127, false);
    });
  }

  private async start(t: RuntimeTemplate): Promise<void> {
    if (this.ended) return;
    const cwd = this.ctx.workingDir || "/";
    let module: Uint8Array | undefined;
    let program: string | undefined;
    if (this.kind === "wasi") {
      program = this.argv[0].startsWith("/") ? this.argv[0] : `${cwd.replace(/\/+$/, "")}/${this.argv[0]}`;
      if (!this.ctx.fs?.exists(program) || this.ctx.fs.stat(program).kind !== "file") {
        this.io.write("stderr", `exec ${this.argv[0]}: no such file or directory\n`);
        return this.end(127, false);
      }
      module = this.ctx.fs.readFile(program);
    }
    if (this.ended) return;
    this.io.memory?.cloneFrom(`${t.runtime}/${t.seed}`, t.image);
    const limit = this.ctx.memoryLimit ?? 0;
    const random = this.ctx.entropy?.mode === "random";
    const guest = RealGuest.start({
      runtime: this.kind,
      argv: this.argv,
      env: Object.fromEntries(this.ctx.env.map((e) => [e.split("=")[0], e.slice(e.indexOf("=") + 1)])),
      workingDir: cwd,
      ...(module ? { module } : {}),
      // The container's filesystem, live (fs-bridge.ts): no copies, writes seen at once.
      ...(this.ctx.fs ? { files: this.ctx.fs, readOnlyRoot: !!this.ctx.readOnlyRoot, cred: this.credentials(this.ctx.fs) } : {}),
      ...(limit >= 1 << 20 ? { memoryLimit: limit } : {}),
      // Random entropy boots cold: the template's snapshot holds the template's secrets.
      ...(random ? { entropy: "random" as const } : { entropy: "seeded" as const, seed: t.seed, ...(t.snapshot ? { template: t } : {}) }),
      onOutput: (stream, chunk) => {
        this.io.write(stream, this.decoders[stream].decode(chunk, { stream: true }));
        this.io.settle?.();
      },
      onMemory: (_reason, bytes) => {
        if (this.ended) return;
        this.io.memory?.write(bytes);
        this.io.settle?.();
      },
    });
    this.guest = guest;
    for (const d of this.stdinQueue.splice(0)) guest.writeStdin(d);
    if (this.stdinClosed) guest.closeStdin();
    for (const s of this.signals.splice(0)) guest.signal(s);
    if (this.paused) guest.pause();
    this.armScan();
    this.armThrottle();
    void guest.exited.then(async (r) => {
      if (this.ended) return; // released: nothing to report
      for (const stream of ["stdout", "stderr"] as const) {
        const rest = this.decoders[stream].decode();
        if (rest) this.io.write(stream, rest);
      }
      if (r.error) this.io.write("stderr", `${r.error}\n`);
      this.end(r.exitCode, r.oomKilled);
    });
  }

  /** Who the guest's file calls act as: `--user` against the image's /etc/passwd, as the shell does, with `--group-add`. */
  private credentials(fs: ContainerFs): Credentials {
    const { uid, gid } = userOf(this.ctx.user, fs);
    const groups = (this.ctx.groupAdd ?? []).filter((g) => /^\d+$/.test(g)).map(Number);
    return { uid, gid, groups };
  }

  /** Every 20 s of virtual time (deferred while paused), the guest's memory goes to the container VM. */
  private armScan(): void {
    this.cancelScan = this.io.after(REAL_SCAN_MS, () => {
      if (this.ended || !this.guest) return;
      // One scan at a time: on a fast clock the next one would come due before the guest answered.
      if (!this.scanning) {
        this.scanning = true;
        void this.guest.scan().finally(() => (this.scanning = false));
      }
      this.armScan();
    });
  }

  /** `--cpus` under 1: the guest runs its share of every period of virtual time and is held for the rest. */
  private armThrottle(): void {
    const share = this.ctx.cpus ?? 1;
    if (!(share > 0 && share < 1)) return;
    const running = () => {
      this.cancelThrottle = this.io.after(Math.round(share * CPU_PERIOD_MS), () => {
        if (this.ended) return;
        this.throttled = true;
        this.guest?.pause();
        held();
      });
    };
    const held = () => {
      this.cancelThrottle = this.io.after(CPU_PERIOD_MS - Math.round(share * CPU_PERIOD_MS), () => {
        if (this.ended) return;
        this.throttled = false;
        if (!this.paused) this.guest?.unpause();
        running();
      });
    };
    running();
  }

  private end(status: number, oomKilled: boolean): void {
    if (this.ended) return;
    this.ended = true;
    this.cancelScan?.();
    this.cancelThrottle?.();
    this.io.exit(status, { oomKilled });
    this.io.settle?.();
  }

  signal(signal: number): void {
    if (this.ended) return;
    if (signal === SIGKILL) {
      if (this.guest) void this.guest.kill();
      else this.end(137, false);
      return;
    }
    if (this.guest) this.guest.signal(signal);
    else this.signals.push(signal);
  }

  release(): void {
    if (this.ended) return;
    this.ended = true;
    this.cancelScan?.();
    this.cancelThrottle?.();
    if (this.guest) void this.guest.kill();
  }

  stdin(data: Uint8Array): void {
    if (this.guest) this.guest.writeStdin(data);
    else this.stdinQueue.push(data);
  }

  closeStdin(): void {
    if (this.guest) this.guest.closeStdin();
    else this.stdinClosed = true;
  }

  pause(paused: boolean): void {
    this.paused = paused;
    if (paused) this.guest?.pause();
    else if (!this.throttled) this.guest?.unpause();
  }

  activity(): number {
    return !this.ended && !this.paused && this.guest?.state === "running" ? 1 : 0;
  }

  processes(): [number, string][] {
    return this.ended ? [] : [[1, this.argv.join(" ")]];
  }
}
