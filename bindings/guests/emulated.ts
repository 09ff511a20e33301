/**
 * The emulated guest: not a real one. A small documented vocabulary (docs/guest.md) decides
 * output, exit code and duration, deterministically:
 *
 *   sleep N | sleep infinity      wait N virtual seconds (fractions allowed)
 *   top                           runs until stopped (prints nothing)
 *   true | false | exit N         status 0 / 1 / N
 *   echo [-n] [-e] …  printf F …  output (printf knows %s %d %i %x %c %%, \n \t \\)
 *   cat /etc/hostname /etc/hosts  the container's own files; `cat` alone echoes stdin until it closes
 *   hostname  whoami  pwd  env  printenv [VAR]  uname [-a]  date  id
 *   sh -c "a; b && c || d"        sequences, with $VAR / ${VAR} / $? expansion and quotes;
 *                                 redirections >&2, 2>&1, >/dev/null, 2>/dev/null (exec form: no expansion)
 *   sh (no -c)                    reads commands from stdin when it is open, else exits 0
 *   /hello                        hello-world's greeting
 *   a service                     the image's default service command (nginx, redis-server, …), or
 *                                 any command of a container labelled `vicsim.guest.service=true`:
 *                                 prints a start line for well-known servers, runs until stopped;
 *                                 SIGTERM/SIGINT/SIGQUIT end it gracefully (status 0)
 *   anything else                 with the container's filesystem (every container of a VCH): the
 *                                 POSIX shell and busybox's utilities over it (./emulated-shell.ts);
 *                                 without one, `sh: CMD: not found in vicsim's emulated guest
 *                                 (see docs/guest.md)` on stderr, status 127
 */
import type { Cancel } from "../vch/clock.js";
import { spawnShell, userOf } from "./emulated-shell.js";
import type { Guest, GuestContext, GuestIo, GuestProcess } from "./guest.js";
import type { CommandContext } from "./shell/index.js";
import { accountsOf, idCommand, nameOf, resolveUser } from "./identity.js";
import { basename, commandCovered, expand, parseScript, printf, SHELLS, type SimpleCommand, unescape, vocabularyCovers } from "./vocabulary.js";

export { parseScript, vocabularyCovers } from "./vocabulary.js";

/** Start lines of well-known servers (to stderr, as they log). */
const SERVICE_LINES: Record<string, (ctx: GuestContext, t: string) => [("stdout" | "stderr"), string][]> = {
  nginx: (_c, t) => [
    ["stdout", "/docker-entrypoint.sh: Configuration complete; ready for start up\n"],
    ["stderr", `${t} [notice] 1#1: using the "epoll" event method\n`],
    ["stderr", `${t} [notice] 1#1: nginx/1.27.3\n`],
    ["stderr", `${t} [notice] 1#1: start worker processes\n`],
  ],
  "redis-server": () => [
    ["stdout", "1:M * Server initialized\n"],
    ["stdout", "1:M * Ready to accept connections tcp\n"],
  ],
  postgres: () => [
    ["stdout", "LOG:  database system is ready to accept connections\n"],
  ],
  mysqld: () => [
    ["stderr", "[System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.4.3'  port: 3306\n"],
  ],
  "httpd-foreground": () => [
    ["stderr", "AH00094: Command line: 'httpd -D FOREGROUND'\n"],
  ],
  memcached: () => [],
  traefik: () => [["stdout", "level=info msg=\"Configuration loaded from flags.\"\n"]],
};

/** Servers that shut down gracefully (status 0) on these signals. */
const GRACEFUL = new Set([2, 3, 15]);
/** Signals whose default action is to ignore them. */
const IGNORED_BY_DEFAULT = new Set([17, 18, 23, 28]);


/** The emulated guest (deterministic; see the vocabulary above). */
export class EmulatedGuest implements Guest {
  /** Starts `argv` in a container VM. */
  spawn(argv: string[], ctx: GuestContext, io: GuestIo): GuestProcess {
    return new EmulatedProcess(argv, ctx, io);
  }
}

class EmulatedProcess implements GuestProcess {
  private exited = false;
  private status = 0;
  private mode: "script" | "service" | "catStdin" | "sleeping" = "script";
  /** An `sh` without -c reading its commands from stdin. */
  private interactive = false;
  private pending: Cancel | null = null;
  private queue: SimpleCommand[] = [];
  private stdinText = "";
  private stdinClosed = false;
  private serviceName = "";
  private readonly env: Map<string, string>;
  private readonly commandLine: string;
  /** Continuation after a `cat` reading stdin inside a script. */
  private afterCat: (() => void) | null = null;
  /** The shell running what the vocabulary does not cover (the whole command, or a line of an interactive sh). */
  private delegate: GuestProcess | null = null;

  constructor(
    private readonly argv: string[],
    private readonly ctx: GuestContext,
    private readonly io: GuestIo,
  ) {
    this.env = new Map(ctx.env.map((e) => {
      const eq = e.indexOf("=");
      return eq < 0 ? [e, ""] : [e.slice(0, eq), e.slice(eq + 1)];
    }));
    if (!this.env.has("HOSTNAME")) this.env.set("HOSTNAME", ctx.hostname);
    // Docker sets HOME from the user's passwd entry (the container's own /etc/passwd when it has files).
    if (!this.env.has("HOME")) this.env.set("HOME", ctx.fs ? (userOf(ctx.user, ctx.fs).home ?? "/") : "/root");
    this.commandLine = argv.join(" ");
    // Nothing runs synchronously: the container is running before its first output.
    this.pending = io.after(0, () => this.begin());
  }

  signal(sig: number): void {
    if (this.exited) return;
    if (this.delegate) {
      // A service started from a script (`exec nginx …`) is the container's process: it ends gracefully itself.
      if (this.mode === "service" && GRACEFUL.has(sig)) {
        this.delegate.signal(sig);
        return this.finish(0);
      }
      return this.delegate.signal(sig);
    }
    if (sig === 9) return this.finish(137);
    if (this.mode === "service") {
      if (GRACEFUL.has(sig)) return this.finish(0);
      if (sig === 1 && this.serviceName === "nginx") {
        this.io.write("stderr", `${this.stamp()} [notice] 1#1: signal 1 (SIGHUP) received, reconfiguring\n`);
        return;
      }
      if (sig === 1 || IGNORED_BY_DEFAULT.has(sig) || sig === 10 || sig === 12) return;
      return this.finish(128 + sig);
    }
    if (IGNORED_BY_DEFAULT.has(sig)) return;
    this.finish(128 + sig);
  }

  stdin(data: Uint8Array): void {
    if (this.exited || this.stdinClosed) return;
    if (this.delegate && !this.interactive) return this.delegate.stdin(data);
    this.stdinText += new TextDecoder().decode(data);
    this.drainStdin();
  }

  closeStdin(): void {
    if (this.stdinClosed) return;
    this.stdinClosed = true;
    if (this.delegate && !this.interactive) return this.delegate.closeStdin();
    this.drainStdin();
  }

  activity(): number {
    if (this.exited) return 0;
    if (this.delegate) return this.mode === "service" ? 1 : this.delegate.activity();
    return this.mode === "service" ? 1 : 0.05;
  }

  processes(): [number, string][] {
    if (this.delegate && !this.exited) return this.delegate.processes();
    return this.exited ? [] : [[1, this.commandLine]];
  }

  private stamp(): string {
    return new Date(this.ctx.now()).toISOString().replace("T", " ").slice(0, 19).replace(/-/g, "/");
  }

  private finish(status: number): void {
    if (this.exited) return;
    this.exited = true;
    this.pending?.();
    this.pending = null;
    this.io.exit(status);
  }

  private begin(): void {
    this.pending = null;
    let argv = this.argv;
    // Entrypoint wrappers exec their arguments.
    while (argv.length > 1 && /entrypoint\.sh$/.test(argv[0])) argv = argv.slice(1);
    if (argv.length === 1 && /entrypoint\.sh$/.test(argv[0])) argv = [];
    if (!argv.length) return this.finish(0);
    const cmd = basename(argv[0]);
    if (this.ctx.fs && !this.covers(argv)) return this.handOff(argv);
    if (SHELLS.has(cmd)) {
      const c = argv.indexOf("-c");
      if (c >= 0 && c + 1 < argv.length) {
        this.queue = parseScript(argv[c + 1]);
        return this.runQueue();
      }
      // Commands that arrived (even with stdin already closed) before the process began still run.
      if (this.ctx.openStdin && (!this.stdinClosed || this.stdinText)) {
        this.interactive = true;
        return this.drainStdin();
      }
      return this.finish(0);
    }
    // Exec form: no shell, so no expansion ($HOME stays literal, as with Docker).
    this.queue = [{ words: argv.map((w) => w.replace(/\$/g, "\\$")), after: ";" }];
    this.runQueue();
  }

  /** True when the vocabulary covers `argv` (an interactive sh is decided line by line). */
  private covers(argv: string[]): boolean {
    const mayServe = (cmd: string) => this.mayServe(cmd);
    if (SHELLS.has(basename(argv[0]))) {
      const c = argv.indexOf("-c");
      // An interactive sh over a filesystem is one shell session: variables and `cd` carry from line to line.
      if (c < 0) return argv.length === 1 && !(this.ctx.fs && this.ctx.openStdin);
      return c + 1 < argv.length && vocabularyCovers(argv[c + 1], mayServe);
    }
    return commandCovered(argv, mayServe);
  }

  /** The whole command runs in the shell; this process forwards signals and stdin to it. */
  private handOff(argv: string[]): void {
    const early = this.stdinText ? [new TextEncoder().encode(this.stdinText)] : [];
    this.stdinText = "";
    this.delegate = spawnShell(argv, this.ctx, { ...this.io, exit: (status) => this.finish(status) }, this.shellSpawn(), early, this.stdinClosed);
  }

  /** A line of an interactive sh the vocabulary does not cover: the shell runs it, then the session goes on. */
  private runLine(line: string): void {
    const env = [...this.env].map(([k, v]) => `${k}=${v}`);
    this.delegate = spawnShell(["sh", "-c", line], { ...this.ctx, env, openStdin: false }, {
      ...this.io,
      exit: (status) => {
        this.delegate = null;
        this.status = status;
        this.runQueue();
      },
    }, this.shellSpawn());
  }

  private shellSpawn() {
    return {
      fs: this.ctx.fs!, net: this.ctx.net,
      external: (c: CommandContext) => (this.mayServe(basename(c.argv[0])) ? this.serveInShell(c) : null),
    };
  }

  /** The image's service command started from a shell (`exec nginx -g 'daemon off;'`): serves until a signal. */
  private async serveInShell(c: CommandContext): Promise<number> {
    const cmd = basename(c.argv[0]);
    this.mode = "service";
    this.serviceName = cmd;
    const enc = new TextEncoder();
    for (const [stream, text] of SERVICE_LINES[cmd]?.(this.ctx, this.stamp()) ?? []) await (stream === "stdout" ? c.stdout : c.stderr).write(enc.encode(text));
    const sig = await new Promise<number>((resolve) => {
      if (c.signal.aborted) resolve(Number(c.signal.reason) || 15);
      c.signal.addEventListener("abort", () => resolve(Number(c.signal.reason) || 15), { once: true });
    });
    return GRACEFUL.has(sig) ? 0 : 128 + sig;
  }

  /** Runs queued commands until one waits or the list ends. */
  private runQueue(): void {
    while (!this.exited) {
      const next = this.queue.shift();
      if (!next) {
        if (this.interactive) {
          if (this.pullLines()) continue;
          if (!this.stdinClosed) return; // wait for more stdin
        }
        return this.finish(this.status);
      }
      if (next.after === "&&" && this.status !== 0) continue;
      if (next.after === "||" && this.status === 0) continue;
      if (next.shell !== undefined) return this.runLine(next.shell);
      const words = next.words.map((w) => expand(w, this.env, this.status));
      if (this.runCommand(words) === "wait") return;
    }
  }

  /** Runs one simple command; "wait" when it continues later (sleep, stdin, service). */
  private runCommand(words: string[]): "done" | "wait" {
    // Leading VAR=value assignments.
    while (words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
      const w = words.shift()!;
      const eq = w.indexOf("=");
      this.env.set(w.slice(0, eq), w.slice(eq + 1));
    }
    if (!words.length) return "done";
    if (words[0] === "exec") words = words.slice(1);
    // Redirections the vocabulary knows: >&2 / 1>&2 (stdout to stderr), 2>&1, >/dev/null, 2>/dev/null.
    let outTo: "stdout" | "stderr" | null = "stdout";
    let errTo: "stdout" | "stderr" | null = "stderr";
    words = words.filter((w) => {
      if (w === ">&2" || w === "1>&2") outTo = "stderr";
      else if (w === "2>&1") errTo = outTo;
      else if (w === ">/dev/null" || w === "1>/dev/null") outTo = null;
      else if (w === "2>/dev/null") errTo = null;
      else return true;
      return false;
    });
    if (!words.length) return "done";
    const [cmd0, ...args] = words;
    const cmd = basename(cmd0);
    const out = (text: string) => outTo && this.io.write(outTo, text);
    const err = (text: string) => errTo && this.io.write(errTo, text);
    switch (cmd) {
      case "true":
      case ":":
        this.status = 0;
        return "done";
      case "false":
        this.status = 1;
        return "done";
      case "exit": {
        const n = args.length ? Number(args[0]) : this.status;
        this.finish(Number.isFinite(n) ? ((n % 256) + 256) % 256 : 2);
        return "wait";
      }
      case "top":
        // Without a terminal busybox's top redraws into the log; what clients rely on is that it
        // runs until stopped (docker-py's suite uses it as its long-running process).
        this.mode = "sleeping";
        return "wait";
      case "sleep": {
        const spec = args[0] ?? "";
        const seconds = spec === "infinity" ? Infinity : parseDuration(spec);
        if (seconds === null) {
          err(`sleep: invalid number '${spec}'\n`);
          this.status = 1;
          return "done";
        }
        this.mode = "sleeping";
        if (seconds === Infinity) return "wait";
        this.pending = this.io.after(seconds * 1000, () => {
          this.pending = null;
          this.mode = "script";
          this.status = 0;
          this.runQueue();
        });
        return "wait";
      }
      case "echo": {
        let newline = true;
        let escapes = false;
        while (args.length && /^-[neE]+$/.test(args[0])) {
          const f = args.shift()!;
          if (f.includes("n")) newline = false;
          if (f.includes("e")) escapes = true;
        }
        const text = args.join(" ");
        out((escapes ? unescape(text) : text) + (newline ? "\n" : ""));
        this.status = 0;
        return "done";
      }
      case "printf":
        if (!args.length) {
          err("printf: usage: printf FORMAT [ARGUMENT...]\n");
          this.status = 1;
          return "done";
        }
        out(printf(args[0], args.slice(1)));
        this.status = 0;
        return "done";
      case "cat": {
        if (!args.length || (args.length === 1 && args[0] === "-")) {
          if (!this.ctx.openStdin || this.stdinClosed) {
            // Stdin that arrived (and closed) before the process began is still read.
            if (this.stdinText) out(this.stdinText);
            this.stdinText = "";
            this.status = 0;
            return "done";
          }
          this.mode = "catStdin";
          this.afterCat = () => {
            this.mode = "script";
            this.status = 0;
            this.runQueue();
          };
          this.drainStdin();
          return "wait";
        }
        this.status = 0;
        for (const f of args) {
          const content = this.file(f);
          if (typeof content !== "string") {
            err(content === null ? `cat: can't open '${f}': No such file or directory\n` : `cat: ${content.error}\n`);
            this.status = 1;
          } else out(content);
        }
        return "done";
      }
      case "hostname":
        out(`${this.ctx.hostname}\n`);
        this.status = 0;
        return "done";
      case "whoami":
      case "id": {
        // Who the process is, from the container's /etc/passwd and /etc/group (busybox's own without files).
        const accounts = accountsOf(this.ctx.fs);
        const who = resolveUser(this.ctx.user, accounts, this.ctx.groupAdd);
        const name = "error" in who ? undefined : nameOf(accounts.passwd, who.uid);
        const r = "error" in who ? { err: `${cmd}: unknown user ${this.ctx.user}\n` }
          : cmd === "id" ? idCommand(who, args, accounts)
          : name === undefined ? { err: `whoami: unknown uid ${who.uid}\n` } : { out: `${name}\n` };
        if ("out" in r) out(r.out);
        else err(r.err);
        this.status = "out" in r ? 0 : 1;
        return "done";
      }
      case "pwd":
        out(`${this.ctx.workingDir || "/"}\n`);
        this.status = 0;
        return "done";
      case "env":
      case "printenv":
        if (cmd === "printenv" && args.length) {
          const v = this.env.get(args[0]);
          if (v === undefined) this.status = 1;
          else {
            out(`${v}\n`);
            this.status = 0;
          }
          return "done";
        }
        out([...this.env].map(([k, v]) => `${k}=${v}\n`).join(""));
        this.status = 0;
        return "done";
      case "uname":
        out(args.includes("-a") ? `Linux ${this.ctx.hostname} 4.19.0-vicsim #1 SMP x86_64 GNU/Linux\n` : "Linux\n");
        this.status = 0;
        return "done";
      case "date":
        out(`${new Date(this.ctx.now()).toUTCString().replace("GMT", "UTC")}\n`);
        this.status = 0;
        return "done";
      case "hello":
        out(HELLO);
        this.status = 0;
        return "done";
      default:
        if (SHELLS.has(cmd) && args[0] === "-c" && args.length > 1) {
          this.queue = [...parseScript(args[1]), ...this.queue];
          return "done";
        }
        if (!this.mayServe(cmd)) {
          // Not in the vocabulary and not a service: what a shell says of a missing command.
          err(`sh: ${cmd}: not found in vicsim's emulated guest (see docs/guest.md)\n`);
          this.status = 127;
          return "done";
        }
        this.mode = "service";
        this.serviceName = cmd;
        for (const [stream, text] of SERVICE_LINES[cmd]?.(this.ctx, this.stamp()) ?? []) this.io.write(stream, text);
        return "wait";
    }
  }

  /** May `cmd` run as a long-lived service here (the image's service command, or a declared service)? */
  private mayServe(cmd: string): boolean {
    const services = this.ctx.services ?? [];
    return services.includes("*") || services.includes(cmd);
  }

  /** A file's text: from the container's filesystem when it has one (`error`: busybox's message), else the few the guest knows. */
  private file(path: string): string | null | { error: string } {
    const fs = this.ctx.fs;
    if (fs) {
      const abs = path.startsWith("/") ? path : `${(this.ctx.workingDir || "/").replace(/\/$/, "")}/${path}`;
      try {
        return new TextDecoder().decode(fs.readFile(abs));
      } catch (e) {
        const code = (e as { code?: string }).code;
        return code === "EISDIR" ? { error: "read error: Is a directory" } : { error: `can't open '${path}': ${(e as Error).message}` };
      }
    }
    if (path === "/etc/hostname") return `${this.ctx.hostname}\n`;
    if (path === "/etc/hosts") return this.ctx.hostsFile;
    if (path === "/etc/os-release") return 'NAME="vicsim guest"\nID=vicsim\n';
    return null;
  }

  /** Feeds buffered stdin to whoever reads it (cat echoes, an interactive sh runs lines). */
  private drainStdin(): void {
    if (this.exited) return;
    if (this.mode === "catStdin") {
      if (this.stdinText) {
        this.io.write("stdout", this.stdinText);
        this.stdinText = "";
      }
      if (this.stdinClosed) {
        const k = this.afterCat;
        this.afterCat = null;
        k?.();
      }
    } else if (this.interactive && this.mode === "script") {
      this.runQueue();
    }
  }

  /** The commands of one line of an interactive sh: the vocabulary's, or the line for the shell. */
  private lineCommands(line: string): SimpleCommand[] {
    if (!this.ctx.fs || vocabularyCovers(line, (cmd) => this.mayServe(cmd))) return parseScript(line);
    return line.trim() ? [{ words: [], after: ";", shell: line }] : [];
  }

  /** Moves complete stdin lines (all of it once stdin closed) into the queue; true if any. */
  private pullLines(): boolean {
    let pulled = false;
    let nl: number;
    while ((nl = this.stdinText.indexOf("\n")) >= 0) {
      this.queue.push(...this.lineCommands(this.stdinText.slice(0, nl)));
      this.stdinText = this.stdinText.slice(nl + 1);
      pulled = true;
    }
    if (this.stdinClosed && this.stdinText) {
      this.queue.push(...this.lineCommands(this.stdinText));
      this.stdinText = "";
      pulled = true;
    }
    return pulled;
  }
}

/** `5`, `0.5`, `2s`, `1m`, `1h` → seconds; null when invalid. */
function parseDuration(spec: string): number | null {
  const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(spec);
  if (!m) return null;
  return Number(m[1]) * ({ "": 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2]];
}

const HELLO = `
Hello from Docker!
This message shows that your installation appears to be working correctly.

To generate this message, Docker took the following steps:
 1. The Docker client contacted the Docker daemon.
 2. The Docker daemon pulled the "hello-world" image from the Docker Hub.
    (amd64)
 3. The Docker daemon created a new container from that image which runs the
    executable that produces the output you are currently reading.
 4. The Docker daemon streamed that output to the Docker client, which sent it
    to your terminal.

`;
