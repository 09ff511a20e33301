/**
 * The emulated guest's shell process: a command outside the fixed vocabulary (a pipe, a
 * redirection to a file, `ls`, `tr`, …) runs in the POSIX shell of ./shell over the container's
 * filesystem. The shell (and mvdan-sh, its parser) loads on first use, so an entry that never runs
 * one never loads it. Output, exit and sleeps go through the container VM's side (`GuestIo`).
 */
import type { ContainerFs } from "../fs/index.js";
import type { GuestContext, GuestIo, GuestProcess } from "./guest.js";
import { accountsOf, nameOf, resolveUser } from "./identity.js";
import type { CommandContext, Network, ShellUser } from "./shell/index.js";

/** The shell once loaded: a dynamic import of a loaded module still waits on the module loader. */
let shellModule: typeof import("./shell/index.js") | null = null;

/**
 * Loads the shell now rather than at the first command it runs: a server loads it before it
 * answers, so its first `docker start` runs the command at once, not after the parser has loaded.
 */
export async function loadShell(): Promise<typeof import("./shell/index.js")> {
  return (shellModule ??= await import("./shell/index.js"));
}

/** Signals whose default action is to ignore them (the shell goes on). */
const IGNORED_BY_DEFAULT = new Set([17, 18, 23, 28]);

/** What the emulated guest adds: the container's files, its network, and its services. */
export interface ShellSpawn {
  fs: ContainerFs;
  net?: Network;
  /** Runs a program the shell has no utility for (a service's binary); null when none. */
  external?: (ctx: CommandContext) => Promise<number> | null;
}

/** Starts `argv` (exec form, or `sh -c …`) in the shell; `stdin` is what arrived before it began. */
export function spawnShell(argv: string[], ctx: GuestContext, io: GuestIo, spawn: ShellSpawn, stdin: Uint8Array[] = [], stdinClosed = false): GuestProcess {
  return new ShellProcess(argv, ctx, io, spawn, stdin, stdinClosed);
}

class ShellProcess implements GuestProcess {
  private exited = false;
  private readonly controller = new AbortController();
  private readonly queued: Uint8Array[];
  private stdinClosed: boolean;
  private wake: (() => void) | null = null;
  private readonly decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  private settleQueued = false;

  constructor(private readonly argv: string[], private readonly ctx: GuestContext, private readonly io: GuestIo, spawn: ShellSpawn, stdin: Uint8Array[], stdinClosed: boolean) {
    this.queued = [...stdin];
    this.stdinClosed = stdinClosed || !ctx.openStdin;
    void this.run(spawn);
  }

  private async run(spawn: ShellSpawn): Promise<void> {
    let status: number;
    try {
      const { runShell } = shellModule ?? (await loadShell());
      const env = [...this.ctx.env];
      const user = userOf(this.ctx.user, spawn.fs, this.ctx.groupAdd);
      if (!env.some((e) => e.startsWith("HOSTNAME="))) env.push(`HOSTNAME=${this.ctx.hostname}`);
      // Docker sets HOME from the user's passwd entry (`/` when it has none).
      if (!env.some((e) => e.startsWith("HOME="))) env.push(`HOME=${user.home ?? "/"}`);
      status = await runShell({
        argv: this.argv, fs: spawn.fs, cwd: this.ctx.workingDir || "/", env, user,
        stdin: this.ctx.openStdin ? this.stdinStream() : null,
        stdout: (c) => this.out("stdout", c), stderr: (c) => this.out("stderr", c),
        clock: { now: () => this.ctx.now(), sleep: (ms, signal) => this.sleep(ms, signal) },
        net: spawn.net, signal: this.controller.signal, info: { hostname: this.ctx.hostname }, external: spawn.external,
      });
    } catch (e) {
      this.out("stderr", new TextEncoder().encode(`sh: ${(e as Error).message}\n`));
      status = 2;
    }
    this.finish(status);
  }

  private async *stdinStream(): AsyncIterable<Uint8Array> {
    for (;;) {
      while (this.queued.length) yield this.queued.shift()!;
      if (this.stdinClosed || this.exited) return;
      await new Promise<void>((r) => { this.wake = r; });
    }
  }

  private sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.io.after(ms, () => resolve());
      signal?.addEventListener("abort", () => { cancel(); resolve(); }, { once: true });
    });
  }

  private out(stream: "stdout" | "stderr", chunk: Uint8Array): void {
    if (this.exited) return;
    const text = this.decoders[stream].decode(chunk, { stream: true });
    if (text) this.io.write(stream, text);
    this.settleSoon();
  }

  /** Output written outside a timer is journaled and published once this turn of the event loop ends. */
  private settleSoon(): void {
    if (this.settleQueued || !this.io.settle) return;
    this.settleQueued = true;
    queueMicrotask(() => {
      this.settleQueued = false;
      this.io.settle?.();
    });
  }

  private finish(status: number): void {
    if (this.exited) return;
    this.exited = true;
    this.wake?.();
    this.io.exit(status);
    this.io.settle?.();
  }

  signal(sig: number): void {
    if (this.exited || IGNORED_BY_DEFAULT.has(sig)) return;
    if (sig === 9) {
      this.controller.abort(9);
      return this.finish(137);
    }
    this.controller.abort(sig);
  }

  stdin(data: Uint8Array): void {
    if (this.exited || this.stdinClosed) return;
    this.queued.push(data);
    this.wake?.();
    this.wake = null;
  }

  closeStdin(): void {
    this.stdinClosed = true;
    this.wake?.();
    this.wake = null;
  }

  activity(): number {
    return this.exited ? 0 : 0.05;
  }

  processes(): [number, string][] {
    return this.exited ? [] : [[1, this.argv.join(" ")]];
  }
}

/**
 * `--user` (`name`, `uid`, `uid:gid`, `name:group`) and `--group-add` as the shell's credentials, from
 * the container's /etc/passwd and /etc/group (a user dockerd would not start, unknown: nobody's ids, no name).
 */
export function userOf(spec: string, fs: ContainerFs, groupAdd: readonly string[] = []): ShellUser & { home?: string } {
  const accounts = accountsOf(fs);
  const who = resolveUser(spec, accounts, groupAdd);
  if ("error" in who) return { uid: 65534, gid: 65534, groups: [65534] };
  return { uid: who.uid, gid: who.gid, groups: who.groups, name: who.name, group: nameOf(accounts.group, who.gid), home: who.home };
}
