/**
 * The emulated guest's shell: `runShell` runs a command line or a script over a container
 * filesystem with busybox's utilities, and resolves with the exit status.
 *
 *   runShell({ argv: ["sh", "-c", "echo x > /data/f && cat /data/f"], fs, stdout, stderr, clock })
 */
import type { ContainerFs } from "../../fs/index.js";
import { BUILTINS } from "./builtins.js";
import type { CommandContext, Network, ShellClock, ShellUser, System, SystemInfo, Utility } from "./context.js";
import { type Fds, Interpreter, ShellState, type ShellWorld } from "./interp.js";
import { IsIncompleteSyntax } from "./incomplete.js";
import { ProcessTable } from "./processes.js";
import { BytesInput, CallbackOutput, type Input, IterableInput, lines } from "./streams.js";
import { FILE_UTILITIES } from "./utilities/files.js";
import { SYSTEM_UTILITIES } from "./utilities/system.js";
import { TEXT_UTILITIES } from "./utilities/text.js";
import { nslookup } from "./utilities/nslookup.js";
import { redisCli } from "./utilities/redis-cli.js";
import { ping } from "./utilities/ping.js";

export type { CommandContext, NameServer, Network, NetRequest, NetResponse, ShellClock, ShellUser, System, SystemInfo, Utility } from "./context.js";
export { ProcessTable } from "./processes.js";
export { parseScript, ShellSyntaxError } from "./parse.js";

/** `sh -c SCRIPT [NAME [ARGS…]]`, `sh FILE [ARGS…]`, or `sh` reading commands from stdin. */
const sh: Utility = async (ctx) => {
  const args = ctx.argv.slice(1);
  const state = new ShellState();
  for (const [k, v] of ctx.env) state.vars.set(k, { value: v, exported: true, readonly: false });
  state.cwd = ctx.cwd;
  while (args.length && /^[-+][eux]+$/.test(args[0])) {
    const a = args.shift()!;
    for (const f of a.slice(1)) { if (f === "e") state.errexit = true; if (f === "u") state.nounset = true; if (f === "x") state.xtrace = true; }
  }
  const world = worlds.get(ctx.system) ?? { fs: ctx.fs, user: ctx.user, system: ctx.system, utilities: UTILITIES };
  const self = ctx.system.processes.list().at(-1);
  state.pid = self?.pid ?? 1;
  const interp = new Interpreter(world, state, ctx.signal, BUILTINS);
  const fds: Fds = new Map<number, Input | CommandContext["stdout"]>([[0, ctx.stdin], [1, ctx.stdout], [2, ctx.stderr]]);
  if (args[0] === "-c") {
    if (args.length < 2) { await ctx.stderr.write(new TextEncoder().encode("sh: -c requires an argument\n")); return 2; }
    state.arg0 = args[2] ?? "sh";
    state.positional = args.slice(3);
    return interp.runScript(args[1], fds, -1);
  }
  if (args.length > 0) {
    const file = args[0];
    state.arg0 = file;
    state.positional = args.slice(1);
    let src: string;
    try { src = new TextDecoder().decode(ctx.fs.readFile(file.startsWith("/") ? file : `${ctx.cwd === "/" ? "" : ctx.cwd}/${file}`, ctx.user)); } catch (e) {
      await ctx.stderr.write(new TextEncoder().encode(`sh: can't open '${file}': ${(e as Error).message}\n`));
      return 2;
    }
    return interp.runScript(src.replace(/^#![^\n]*/, ""), fds, 0);
  }
  // Commands from stdin, run as soon as each is complete (an attached `docker run -i busybox sh`).
  let pending = "";
  let status = 0;
  const stdin = interp.peekStdin(fds);
  for await (const line of lines(stdin)) {
    pending += line;
    if (IsIncompleteSyntax(pending)) continue;
    status = await interp.runScript(pending, fds, 0);
    pending = "";
    if (interp.exited !== undefined) return interp.exited;
  }
  if (pending.trim()) status = await interp.runScript(pending, fds, 0);
  return status;
};

/** Every utility the emulated guest implements, by command name. */
export const UTILITIES: Record<string, Utility> = { ...FILE_UTILITIES, ...TEXT_UTILITIES, ...SYSTEM_UTILITIES, "redis-cli": redisCli, nslookup, ping, sh, ash: sh, bash: sh, dash: sh };

/** The worlds of running shells, so a nested `sh` sees the same external hook. */
const worlds = new WeakMap<System, ShellWorld>();

export interface RunShellOptions {
  /** A command line, exec form (`["sh", "-c", "…"]`, `["ls", "-l"]`); or give `script`. */
  argv?: string[];
  /** A script for `sh -c` (argv then defaults to `["sh", "-c", script]`). */
  script?: string;
  fs: ContainerFs;
  cwd?: string;
  /** Environment, as Docker's `KEY=value` list or a record. PATH defaults to Docker's. */
  env?: string[] | Record<string, string>;
  user?: ShellUser;
  stdin?: Uint8Array | string | AsyncIterable<Uint8Array> | null;
  stdout: (chunk: Uint8Array) => void | Promise<void>;
  stderr: (chunk: Uint8Array) => void | Promise<void>;
  clock: ShellClock;
  net?: Network;
  /** Aborting ends the shell with 128 + the reason (a signal number; 15 when not a number). */
  signal?: AbortSignal;
  /** The container's process table (shared by every exec of one container); a fresh one otherwise. */
  processes?: ProcessTable;
  info?: Partial<SystemInfo>;
  /** Programs without a built-in implementation (a service's binary, a real runtime). */
  external?: (ctx: CommandContext) => Promise<number> | null;
}

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Runs a command or a script in the emulated guest and resolves with its exit status (0–255). */
export async function runShell(o: RunShellOptions): Promise<number> {
  const argv = o.argv ?? ["sh", "-c", o.script ?? ""];
  if (argv.length === 0) throw new Error("runShell: argv is empty");
  const env = new Map<string, string>();
  const list = Array.isArray(o.env) ? o.env.map((e) => [e.slice(0, e.indexOf("=") < 0 ? e.length : e.indexOf("=")), e.includes("=") ? e.slice(e.indexOf("=") + 1) : ""] as [string, string]) : Object.entries(o.env ?? {});
  for (const [k, v] of list) env.set(k, v);
  if (!env.has("PATH")) env.set("PATH", DEFAULT_PATH);
  const user: ShellUser = o.user ?? { uid: 0, gid: 0, name: "root", group: "root" };
  if (!env.has("HOME")) env.set("HOME", user.uid === 0 ? "/root" : "/");
  const info: SystemInfo = {
    hostname: o.info?.hostname ?? "localhost", kernelRelease: o.info?.kernelRelease ?? "6.1.0-vicsim", machine: o.info?.machine ?? "x86_64",
    memTotalKiB: o.info?.memTotalKiB ?? 2_097_152, memFreeKiB: o.info?.memFreeKiB ?? 1_835_008, diskKiB: o.info?.diskKiB ?? 8_388_608,
  };
  const processes = o.processes ?? new ProcessTable(1);
  const system: System = { clock: o.clock, net: o.net, processes, info };
  const world: ShellWorld = { fs: o.fs, user, system, utilities: UTILITIES, external: o.external };
  worlds.set(system, world);
  const state = new ShellState();
  for (const [k, v] of env) state.vars.set(k, { value: v, exported: true, readonly: false });
  state.cwd = o.cwd ?? "/";
  const stdin: Input = o.stdin == null ? new BytesInput(new Uint8Array(0))
    : typeof o.stdin === "string" ? new BytesInput(new TextEncoder().encode(o.stdin))
      : o.stdin instanceof Uint8Array ? new BytesInput(o.stdin) : new IterableInput(o.stdin);
  const fds: Fds = new Map<number, Input | CallbackOutput>([[0, stdin], [1, new CallbackOutput(o.stdout)], [2, new CallbackOutput(o.stderr)]]);
  const interp = new Interpreter(world, state, o.signal ?? new AbortController().signal, BUILTINS);
  return (await interp.runIsolated(() => interp.exec(argv, fds, env))) & 255;
}
