/**
 * The shell interpreter: statements, lists, pipelines, redirections, compound commands, functions
 * and command lookup, walking mvdan/sh's tree with busybox ash's semantics and messages.
 *
 * It is the one place that knows the shell's execution model (subshells, control flow, exit
 * statuses); the streams a file descriptor holds and what a redirection opens are fds.ts, a
 * command ended by a signal signals.ts, word expansion expand.ts, the builtins builtins.ts.
 */
import { type ContainerFs, FsError } from "../../fs/index.js";
import type { CommandContext, ShellUser, System, Utility } from "./context.js";
import { arith, type ExpandHost, expandFields, expandPatternWord, expandString, ShellError } from "./expand.js";
import { type Assign, type Command, nodeType, OP, parseScript, type Redirect, ShellSyntaxError, type Stmt } from "./parse.js";
import { matchPattern } from "./pattern.js";
import {
  BrokenPipe, BytesInput, CollectOutput, EMPTY_INPUT, type Input, NULL_OUTPUT, type Output, Pipe, readAll,
} from "./streams.js";
import { devicePath, FileOutput, type Fds, peek, PeekInput, writeFd } from "./fds.js";
import { anySignal, raceSignal } from "./signals.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

export { type Fds, PeekInput, writeFd } from "./fds.js";

/** Control flow carried up the stack. */
class ExitNow { constructor(readonly status: number) {} }
class LoopJump { constructor(readonly kind: "break" | "continue", public levels: number) {} }
class ReturnNow { constructor(readonly status: number) {} }
/** The process was signalled (kill, or the container stopped it). */
export class Killed { constructor(readonly signal: number) {} }

interface Var { value: string; exported: boolean; readonly: boolean }

/** Everything a subshell copies: variables, functions, positional parameters, cwd, options. */
export class ShellState {
  vars = new Map<string, Var>();
  funcs = new Map<string, Stmt>();
  positional: string[] = [];
  arg0 = "sh";
  cwd = "/";
  status = 0;
  lastBg: number | undefined;
  pid = 1;
  errexit = false;
  nounset = false;
  noglob = false;
  xtrace = false;
  jobs = new Map<number, Promise<number>>();

  clone(): ShellState {
    const s = new ShellState();
    for (const [k, v] of this.vars) s.vars.set(k, { ...v });
    s.funcs = new Map(this.funcs);
    s.positional = [...this.positional];
    Object.assign(s, { arg0: this.arg0, cwd: this.cwd, status: this.status, lastBg: this.lastBg, pid: this.pid,
      errexit: this.errexit, nounset: this.nounset, noglob: this.noglob, xtrace: this.xtrace });
    return s;
  }

  exported(): Map<string, string> {
    const m = new Map<string, string>();
    for (const [k, v] of this.vars) if (v.exported) m.set(k, v.value);
    return m;
  }
}

/** What every interpreter of one container shares. */
export interface ShellWorld {
  fs: ContainerFs;
  user: ShellUser;
  system: System;
  utilities: Record<string, Utility>;
  /** Programs without a built-in implementation (services, real runtimes); null when none runs it. */
  external?: (ctx: CommandContext) => Promise<number> | null;
}

export type Builtin = (sh: Interpreter, argv: string[], fds: Fds) => Promise<number>;

export class Interpreter implements ExpandHost {
  /** Depth of conditions (if/while tests, && || operands, `!`): `set -e` does not apply there. */
  private condition = 0;
  private lineOffset = 0;
  /** Loop nesting: `break` and `continue` outside a loop do nothing, as in ash. */
  inLoop = 0;
  /** Set when `exit` ended the shell (a shell reading stdin stops there). */
  exited: number | undefined;
  /** The line of the running statement, as ash numbers it in messages (a `-c` script starts at 0). */
  currentLine = 0;

  constructor(readonly world: ShellWorld, public state: ShellState, readonly signal: AbortSignal,
    readonly builtins: Record<string, Builtin>) {}

  // ---- ExpandHost ---------------------------------------------------------------------------
  get cwd(): string { return this.state.cwd; }
  get nounset(): boolean { return this.state.nounset; }
  get noglob(): boolean { return this.state.noglob; }
  getVar(name: string): string | undefined { return this.state.vars.get(name)?.value; }
  setVar(name: string, value: string, exported?: boolean): void {
    const v = this.state.vars.get(name);
    if (v?.readonly) throw new ShellError(`${name}: is read only`);
    this.state.vars.set(name, { value, exported: exported ?? v?.exported ?? false, readonly: false });
  }
  special(name: string): string[] | string | undefined {
    switch (name) {
      case "?": return String(this.state.status);
      case "#": return String(this.state.positional.length);
      case "@": case "*": return this.state.positional;
      case "$": return String(this.state.pid);
      case "!": return this.state.lastBg === undefined ? "" : String(this.state.lastBg);
      case "0": return this.state.arg0;
      case "-": return (this.state.errexit ? "e" : "") + (this.state.nounset ? "u" : "") + (this.state.noglob ? "f" : "") + (this.state.xtrace ? "x" : "");
    }
    if (/^\d+$/.test(name)) return this.state.positional[Number(name) - 1] ?? undefined;
    return undefined;
  }
  async substitute(stmts: Stmt[]): Promise<string> {
    const out = new CollectOutput();
    const sub = this.subshell();
    const fds = new Map(this.currentFds);
    fds.set(1, out);
    const status = await sub.runIsolated(() => sub.runStmts(stmts, fds));
    this.substStatus = status;
    return dec.decode(out.bytes());
  }
  list(dir: string): string[] | null {
    try { return this.world.fs.readdir(dir, this.world.user); } catch { return null; }
  }

  private currentFds: Fds = new Map();
  /** Status of the last command substitution (an assignment-only command returns it). */
  private substStatus = 0;

  /** A copy of this interpreter for a subshell, a pipeline element or a command substitution. */
  subshell(): Interpreter {
    const s = new Interpreter(this.world, this.state.clone(), this.signal, this.builtins);
    s.currentFds = this.currentFds;
    s.lineOffset = this.lineOffset;
    return s;
  }

  /** Resolves a path against the working directory. */
  abs(p: string): string {
    if (p.startsWith("/")) return p;
    return (this.state.cwd === "/" ? "" : this.state.cwd) + "/" + p;
  }

  async err(fds: Fds, msg: string): Promise<void> {
    await writeFd(fds, 2, enc.encode(msg.endsWith("\n") ? msg : msg + "\n"));
  }

  // ---- running ------------------------------------------------------------------------------

  /** Parses and runs a script; a syntax error prints `sh: syntax error: …` and gives 2. */
  async runScript(src: string, fds: Fds, lineOffset = 0): Promise<number> {
    let stmts: Stmt[];
    try { stmts = parseScript(src); } catch (e) {
      if (e instanceof ShellSyntaxError) { await this.err(fds, `${this.state.arg0}: ${busyboxSyntax(e.message)}`); return 2; }
      throw e;
    }
    this.lineOffset = lineOffset;
    return this.runIsolated(() => this.runStmts(stmts, fds));
  }

  /** Runs a body as a whole shell process: `exit` and fatal errors end it with their status. */
  async runIsolated(body: () => Promise<number>): Promise<number> {
    try {
      return await body();
    } catch (e) {
      if (e instanceof ExitNow) { this.exited = e.status; return e.status; }
      if (e instanceof ReturnNow) return e.status;
      if (e instanceof LoopJump) return 0;
      if (e instanceof Killed) return 128 + e.signal;
      if (e instanceof BrokenPipe) return 141;
      throw e;
    }
  }

  async runStmts(stmts: readonly Stmt[], fds: Fds): Promise<number> {
    let status = this.state.status;
    for (const s of stmts) status = await this.runStmt(s, fds);
    return status;
  }

  private checkSignal(): void {
    if (this.signal.aborted) throw new Killed(typeof this.signal.reason === "number" ? this.signal.reason : 15);
  }

  async runStmt(s: Stmt, fds: Fds, foreground = false): Promise<number> {
    this.checkSignal();
    this.currentLine = (s as unknown as { Pos(): { Line(): number } }).Pos().Line() + this.lineOffset;
    if (s.Background && !foreground) return this.background(s, fds);
    if (s.Negated) this.condition++;
    let status: number;
    try {
      status = await this.withRedirects(s, fds, (f) => (s.Cmd ? this.runCommand(s.Cmd, f, s) : Promise.resolve(0)));
    } finally {
      if (s.Negated) this.condition--;
    }
    if (s.Negated) status = status === 0 ? 1 : 0;
    this.state.status = status;
    if (status !== 0 && this.state.errexit && this.condition === 0 && !s.Negated) throw new ExitNow(status);
    return status;
  }

  private background(s: Stmt, fds: Fds): number {
    const sub = this.subshell();
    const proc = this.world.system.processes.spawn(this.commandLine(s), this.world.user.name ?? String(this.world.user.uid));
    const jobSignal = anySignal(this.signal, proc.controller.signal);
    const job = new Interpreter(this.world, sub.state, jobSignal, this.builtins);
    job.currentFds = this.currentFds;
    // A background job's stdin is /dev/null unless redirected, as in a non-interactive sh.
    const bgFds = new Map(fds);
    bgFds.set(0, EMPTY_INPUT);
    const p = job.runIsolated(() => job.runStmt(s, bgFds, true)).finally(() => this.world.system.processes.exit(proc.pid));
    this.state.jobs.set(proc.pid, p);
    this.state.lastBg = proc.pid;
    return 0;
  }

  private commandLine(s: Stmt): string {
    const c = s.Cmd;
    if (c && nodeType(c) === "CallExpr") return c.Args.map((w) => w.Parts.map((p) => p.Value ?? "").join("")).join(" ");
    return this.state.arg0;
  }

  async withRedirects(s: Stmt, fds: Fds, body: (fds: Fds) => Promise<number>): Promise<number> {
    if (!s.Redirs || s.Redirs.length === 0) return body(fds);
    const f = new Map(fds);
    for (const r of s.Redirs) {
      const ok = await this.redirect(r, f);
      if (!ok) return 1;
    }
    return body(f);
  }

  private async redirect(r: Redirect, f: Fds): Promise<boolean> {
    const op = r.Op;
    const fs = this.world.fs;
    const out = op === OP.out || op === OP.append || op === OP.clobber || op === OP.dupOut;
    const fd = r.N ? Number(r.N.Value) : out ? 1 : 0;
    if (op === OP.heredoc || op === OP.heredocTabs) {
      let body = r.Hdoc ? await expandString(this, r.Hdoc) : "";
      const quoted = r.Word.Parts.some((p) => nodeType(p) !== "Lit" || /\\/.test(p.Value));
      if (quoted && r.Hdoc) body = r.Hdoc.Parts.map((p) => p.Value ?? "").join("");
      if (op === OP.heredocTabs) body = body.replace(/^\t+/gm, "");
      f.set(fd, new PeekInput(new BytesInput(enc.encode(body))));
      return true;
    }
    const target = await expandString(this, r.Word);
    if (op === OP.dupOut || op === OP.dupIn) {
      if (target === "-") { f.delete(fd); return true; }
      const src = f.get(Number(target));
      if (!/^\d+$/.test(target) || !src) { await this.err(f, `${this.state.arg0}: ${target}: Bad file descriptor`); return false; }
      f.set(fd, src);
      return true;
    }
    const special = devicePath(target, f);
    if (special) { f.set(fd, special); return true; }
    const path = this.abs(target);
    try {
      if (op === OP.in || op === OP.rdwr) {
        if (op === OP.rdwr && !fs.exists(path)) fs.writeFile(path, "", { cred: this.world.user });
        if (fs.stat(path).kind === "dir") {
          // open(2) of a directory for reading succeeds; the reader's read(2) then fails.
          f.set(fd, { read: async () => { throw new FsError("EISDIR", path); } });
          return true;
        }
        const data = fs.readFile(path, this.world.user);
        f.set(fd, new PeekInput(new BytesInput(data)));
      } else {
        if (op !== OP.append || !fs.exists(path)) fs.writeFile(path, "", { cred: this.world.user });
        else if (fs.stat(path).kind === "dir") throw new FsError("EISDIR", path);
        // open(2) for appending checks write access (EACCES, EROFS) before any byte is written.
        else fs.writeFile(path, "", { append: true, cred: this.world.user });
        f.set(fd, new FileOutput(fs, path, this.world.user));
      }
      return true;
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      const why = e.code === "ENOENT" ? (out || op === OP.append ? "nonexistent directory" : "no such file") : e.message;
      await this.err(f, `${this.state.arg0}: can't ${op === OP.in ? "open" : "create"} ${target}: ${why}`);
      return false;
    }
  }

  async runCommand(c: Command, fds: Fds, stmt: Stmt): Promise<number> {
    this.currentFds = fds;
    switch (nodeType(c)) {
      case "CallExpr": return this.call(c, fds, stmt);
      case "BinaryCmd": return this.binary(c, fds);
      case "Block": return this.runStmts(c.Stmts, fds);
      case "Subshell": { const sub = this.subshell(); return sub.runIsolated(() => sub.runStmts(c.Stmts, fds)); }
      case "IfClause": return this.ifClause(c, fds);
      case "WhileClause": return this.whileClause(c, fds);
      case "ForClause": return this.forClause(c, fds);
      case "CaseClause": return this.caseClause(c, fds);
      case "FuncDecl": this.state.funcs.set(c.Name.Value, c.Body); return 0;
    }
    await this.err(fds, `${this.state.arg0}: syntax error: ${nodeType(c)} is not supported`);
    return 2;
  }

  private async binary(c: Command, fds: Fds): Promise<number> {
    if (c.Op === OP.and || c.Op === OP.or) {
      this.condition++;
      let st: number;
      try { st = await this.runStmt(c.X, fds); } finally { this.condition--; }
      if ((c.Op === OP.and) === (st === 0)) return this.runStmt(c.Y, fds);
      return st;
    }
    // A pipeline: every element runs at once in its own subshell, joined by bounded pipes.
    const elems: Stmt[] = [];
    const flatten = (s: Stmt): void => {
      if (s.Cmd && nodeType(s.Cmd) === "BinaryCmd" && s.Cmd.Op === OP.pipe && !s.Negated && s.Redirs.length === 0) {
        flatten(s.Cmd.X); flatten(s.Cmd.Y);
      } else elems.push(s);
    };
    flatten(c.X); flatten(c.Y);
    const pipes = elems.slice(1).map(() => new Pipe());
    const runs = elems.map(async (s, i) => {
      const f = new Map(fds);
      if (i > 0) f.set(0, new PeekInput(pipes[i - 1]));
      if (i < pipes.length) f.set(1, pipes[i]);
      const sub = this.subshell();
      try {
        return await sub.runIsolated(() => sub.runStmt(s, f));
      } finally {
        if (i < pipes.length) pipes[i].closeWrite();
        if (i > 0) pipes[i - 1].closeRead();
      }
    });
    const statuses = await Promise.all(runs);
    return statuses[statuses.length - 1];
  }

  private async ifClause(c: Command, fds: Fds): Promise<number> {
    this.condition++;
    let st: number;
    try { st = await this.runStmts(c.Cond, fds); } finally { this.condition--; }
    if (st === 0) return this.runStmts(c.Then, fds);
    if (c.Else) {
      if (c.Else.Cond.length === 0) return this.runStmts(c.Else.Then, fds);
      return this.ifClause(c.Else, fds);
    }
    return 0;
  }

  private async loopBody(c: Command, fds: Fds): Promise<"break" | "next"> {
    this.inLoop++;
    try {
      await this.runStmts(c.Do, fds);
    } catch (e) {
      if (!(e instanceof LoopJump)) throw e;
      if (e.levels > 1) { e.levels--; throw e; }
      if (e.kind === "break") return "break";
    } finally {
      this.inLoop--;
    }
    return "next";
  }

  private async whileClause(c: Command, fds: Fds): Promise<number> {
    let status = 0;
    for (;;) {
      this.checkSignal();
      this.condition++;
      let st: number;
      try { st = await this.runStmts(c.Cond, fds); } finally { this.condition--; }
      if ((st === 0) === c.Until) break;
      const r = await this.loopBody(c, fds);
      status = this.state.status;
      if (r === "break") break;
      // Let timers and other jobs run between iterations of a busy loop.
      await Promise.resolve();
    }
    return status;
  }

  private async forClause(c: Command, fds: Fds): Promise<number> {
    const loop = c.Loop;
    if (nodeType(loop) !== "WordIter") { await this.err(fds, `${this.state.arg0}: syntax error: bad for loop`); return 2; }
    const items: string[] = [];
    if (loop.InPos.IsValid()) for (const w of loop.Items) items.push(...(await expandFields(this, w)));
    else items.push(...this.state.positional);
    let status = 0;
    for (const it of items) {
      this.setVar(loop.Name.Value, it);
      const r = await this.loopBody(c, fds);
      status = this.state.status;
      if (r === "break") break;
    }
    return status;
  }

  private async caseClause(c: Command, fds: Fds): Promise<number> {
    const w = await expandString(this, c.Word);
    for (const item of c.Items) {
      for (const p of item.Patterns) {
        if (matchPattern(await expandPatternWord(this, p), w)) return this.runStmts(item.Stmts, fds);
      }
    }
    return 0;
  }

  // ---- simple commands ----------------------------------------------------------------------

  private async call(c: Command, fds: Fds, stmt: Stmt): Promise<number> {
    let argv: string[];
    const assigns: [string, string][] = [];
    this.substStatus = 0;
    try {
      for (const a of c.Assigns as Assign[]) {
        const v = await expandString(this, a.Value);
        assigns.push([a.Name.Value, a.Append ? (this.getVar(a.Name.Value) ?? "") + v : v]);
      }
      argv = [];
      for (const w of c.Args) argv.push(...(await expandFields(this, w)));
    } catch (e) {
      if (e instanceof ShellError) {
        await this.err(fds, `${this.state.arg0}: ${e.message}`);
        // A failed expansion ends a non-interactive shell, as in ash.
        throw new ExitNow(e.status === 2 ? 2 : 1);
      }
      throw e;
    }
    if (argv.length === 0) {
      for (const [k, v] of assigns) this.setVar(k, v);
      return this.substStatus;
    }
    if (this.state.xtrace) await this.err(fds, "+ " + argv.join(" "));
    const name = argv[0];
    const fn = this.state.funcs.get(name);
    const builtin = this.builtins[name];
    const special = SPECIAL_BUILTINS.has(name);
    if (special && builtin) {
      for (const [k, v] of assigns) this.setVar(k, v);
      return builtin(this, argv, fds);
    }
    if (fn) {
      const saved = this.state.positional;
      this.state.positional = argv.slice(1);
      const savedVars = assigns.map(([k]) => [k, this.state.vars.get(k)] as const);
      for (const [k, v] of assigns) this.setVar(k, v, true);
      try {
        return await this.withRedirects(fn, fds, (f) => this.runCommand(fn.Cmd!, f, fn));
      } catch (e) {
        if (e instanceof ReturnNow) return e.status;
        throw e;
      } finally {
        this.state.positional = saved;
        for (const [k, v] of savedVars) { if (v) this.state.vars.set(k, v); else this.state.vars.delete(k); }
      }
    }
    if (builtin) return builtin(this, argv, fds);
    const env = this.state.exported();
    for (const [k, v] of assigns) env.set(k, v);
    void stmt;
    return this.exec(argv, fds, env);
  }

  /** Runs a program found through PATH (or a path): a built-in utility or a shell script. */
  /** The executable a command name finds through PATH, or null. */
  lookPath(name: string, env?: Map<string, string>): string | null {
    for (const dir of (env?.get("PATH") ?? this.getVar("PATH") ?? "/usr/local/bin:/usr/bin:/bin").split(":")) {
      const full = this.abs(`${dir || "."}/${name}`);
      try {
        const st = this.world.fs.stat(full);
        if (st.kind === "file" && st.mode & 0o111) return full;
      } catch { /* not in this directory */ }
    }
    return null;
  }

  /** Parses and runs text in this shell (eval, `.`). */
  async evalString(src: string, fds: Fds): Promise<number> {
    let stmts: Stmt[];
    try { stmts = parseScript(src); } catch (e) {
      if (e instanceof ShellSyntaxError) { await this.err(fds, `${this.state.arg0}: ${busyboxSyntax(e.message)}`); return 2; }
      throw e;
    }
    return this.runStmts(stmts, fds);
  }

  async exec(argv: string[], fds: Fds, env: Map<string, string>): Promise<number> {
    const name = argv[0];
    const fs = this.world.fs;
    let path: string | null = null;
    if (name.includes("/")) {
      const p = this.abs(name);
      if (!fs.exists(p) || fs.stat(p).kind === "dir") {
        if (fs.exists(p)) { await this.err(fds, `${this.state.arg0}: ${name}: Permission denied`); return 126; }
        await this.err(fds, `${this.state.arg0}: ${name}: not found`);
        return 127;
      }
      path = p;
    } else {
      path = this.lookPath(name, env);
      if (!path) { await this.err(fds, `${this.state.arg0}: ${name}: not found`); return 127; }
    }
    const st = fs.stat(path);
    if (!(st.mode & 0o111)) { await this.err(fds, `${this.state.arg0}: ${name}: Permission denied`); return 126; }
    const base = name.split("/").pop()!;
    const proc = this.world.system.processes.spawn(argv.join(" "), this.world.user.name ?? String(this.world.user.uid));
    const signal = anySignal(this.signal, proc.controller.signal);
    const ctx = this.context(argv, fds, env, signal);
    try {
      const utility = this.world.utilities[base];
      const head = dec.decode(fs.readFile(path).subarray(0, 128));
      if (head.startsWith("#!") && !head.startsWith("#!/usr/bin/env node")) {
        const [interp] = head.slice(2).split("\n")[0].trim().split(/\s+/);
        if (/(^|\/)(sh|ash|bash|dash)$/.test(interp)) return await this.world.utilities.sh({ ...ctx, argv: ["sh", path, ...argv.slice(1)] });
      }
      if (utility) return await raceSignal(utility(ctx), signal, (utility as { trapsInterrupt?: boolean }).trapsInterrupt);
      const ext = this.world.external?.(ctx);
      if (ext) return await raceSignal(ext, signal);
      await this.err(fds, `${this.state.arg0}: ${name}: not supported by the emulated guest`);
      return 126;
    } catch (e) {
      if (e instanceof BrokenPipe) return 141;
      if (e instanceof Killed) return 128 + e.signal;
      // Reading a redirected directory: read(2) fails with EISDIR, and the applet says so.
      if (e instanceof FsError) { await writeFd(fds, 2, enc.encode(`${base}: read error: ${e.message}\n`)); return 1; }
      throw e;
    } finally {
      this.world.system.processes.exit(proc.pid);
    }
  }

  /** The context a utility runs in. */
  context(argv: string[], fds: Fds, env: Map<string, string>, signal: AbortSignal): CommandContext {
    const stdin = fds.get(0) as Input | undefined;
    return {
      argv,
      stdin: stdin ?? EMPTY_INPUT,
      stdout: (fds.get(1) as Output | undefined) ?? NULL_OUTPUT,
      stderr: (fds.get(2) as Output | undefined) ?? NULL_OUTPUT,
      env,
      cwd: this.state.cwd,
      fs: this.world.fs,
      user: this.world.user,
      system: this.world.system,
      signal,
      run: (av, io) => {
        const f = new Map(fds);
        if (io?.stdin) f.set(0, io.stdin);
        if (io?.stdout) f.set(1, io.stdout);
        return this.exec(av, f, env);
      },
    };
  }

  // ---- control flow for builtins --------------------------------------------------------------
  exit(status: number): never { throw new ExitNow(status & 255); }
  jump(kind: "break" | "continue", levels: number): never { throw new LoopJump(kind, levels); }
  return(status: number): never { throw new ReturnNow(status & 255); }
  async readAllStdin(fds: Fds): Promise<Uint8Array> { return readAll((fds.get(0) as Input) ?? EMPTY_INPUT); }
  peekStdin(fds: Fds): PeekInput {
    const i = peek((fds.get(0) as Input) ?? EMPTY_INPUT);
    fds.set(0, i);
    return i;
  }
  arith = arith;
}

/** POSIX special builtins: assignments before them persist, and they run before functions. */
const SPECIAL_BUILTINS = new Set([":", ".", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift", "trap", "unset"]);

/** Busybox ash words its syntax errors differently from mvdan/sh: the common ones, translated. */
function busyboxSyntax(msg: string): string {
  const m = /"(\w+|[;&|)(}]+)" can only be used|"(\w+)" must be followed|unexpected (?:token )?"?([^"\s]+)"?/.exec(msg);
  if (/reached EOF without closing quote|not terminated/.test(msg)) return "syntax error: unterminated quoted string";
  if (/must be followed by a statement list/.test(msg)) {
    const next = /"(\w+)" must be followed/.exec(msg);
    return next ? `syntax error: unexpected "${next[1] === "if" ? "then" : next[1]}"` : msg;
  }
  if (m && m[1]) return `syntax error: unexpected "${m[1]}"`;
  if (/reached EOF|must end with|unclosed/.test(msg)) return "syntax error: unexpected end of file";
  return msg;
}
