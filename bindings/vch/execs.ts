/**
 * Exec instances (`docker exec`): created in a running container, started once as a guest process
 * of the container VM (its output on a channel of its own, its exit code kept for inspection),
 * killed with the container. At most `EXEC_RECORDS` ended records are kept per container, and a
 * container's removal drops its own (no scan of the others).
 */
import { Channel, untilGone } from "./channel.js";
import type { Container } from "./container.js";
import { containerAttrs, ownSet } from "./container.js";
import type { VchContext } from "./context.js";
import { conflict, invalid, notFound } from "./errors.js";
import { refusalError, refusalExitCode } from "./exec-check.js";
import type { Guest, GuestProcess } from "./guest.js";
import type { ContainerLifecycle } from "./lifecycle.js";
import type { ContainerRegistry } from "./registry.js";
import { hash32 } from "./rng.js";
import { ttyOutput } from "./tty.js";
import type { ExecConfig, ExecRecord, ExecRun, OutputChunk } from "./types.js";

/**
 * Ended exec records kept per container (the oldest go first). A count, not a time: at a sped-up
 * clock a virtual retention would forget an exec before its client inspects its exit code.
 */
const EXEC_RECORDS = 256;

interface Exec {
  rec: ExecRecord;
  config: ExecConfig;
  container: string;
  process: GuestProcess | null;
  channel: Channel<OutputChunk> | null;
  /** Resolves `done` of a started exec. */
  finish: ((code: number) => void) | null;
}

const encoder = new TextEncoder();


export class Execs {
  private readonly byId = new Map<string, Exec>();

  constructor(
    private readonly ctx: VchContext,
    private readonly registry: ContainerRegistry,
    private readonly lifecycle: ContainerLifecycle,
    private readonly guest: Guest,
  ) {}

  /** Creates an exec instance in a running container; returns its id. */
  create(c: Container, config: ExecConfig): string {
    if (!c.rec.state.Running) throw conflict(`Container ${c.rec.id} is not running`);
    if (c.rec.state.Paused) throw conflict(`Container ${c.rec.id} is paused, unpause the container before exec`);
    const argv = typeof config.Cmd === "string" ? ["/bin/sh", "-c", config.Cmd] : config.Cmd;
    if (!Array.isArray(argv) || !argv.length) throw invalid("No exec command specified");
    const id = this.ctx.rng.hex(64);
    (c.rt.execRecords = ownSet(c.rt.execRecords)).add(id);
    this.byId.set(id, {
      config: { ...config, Cmd: argv },
      container: c.rec.id,
      process: null,
      channel: null,
      finish: null,
      rec: {
        ID: id, Running: false, ExitCode: null,
        ProcessConfig: { tty: !!config.Tty, entrypoint: argv[0], arguments: argv.slice(1), privileged: !!config.Privileged, user: config.User ?? "" },
        OpenStdin: !!config.AttachStdin, OpenStderr: !!config.AttachStderr, OpenStdout: !!config.AttachStdout,
        CanRemove: false, ContainerID: c.rec.id, DetachKeys: config.DetachKeys ?? "", Pid: 0,
      },
    });
    this.ctx.emit("container", `exec_create: ${argv.join(" ")}`, c.rec.id, { ...containerAttrs(c), execID: id });
    return id;
  }

  /** Starts an exec: output until the process exits, and its exit code (set before the output ends). */
  start(id: string, options: { detach?: boolean; stdin?: AsyncIterable<Uint8Array> }): ExecRun {
    const e = this.byId.get(id);
    if (!e) throw notFound(`No such exec instance: ${id}`);
    if (e.rec.Running || e.rec.ExitCode !== null) throw conflict(`Error: Exec command ${id} has already run`);
    const c = this.registry.get(e.container);
    if (!c || c.removed || !c.rec.state.Running) throw conflict(`Container ${e.container} is not running`);
    if (c.rec.state.Paused) throw conflict(`Container ${e.container} is paused, unpause the container before exec`);
    const argv = e.config.Cmd as string[];
    const ch = new Channel<OutputChunk>();
    e.channel = ch;
    e.rec.Running = true;
    e.rec.Pid = c.rec.state.Pid + 1 + (hash32(id) % 5000);
    (c.rt.execs = ownSet(c.rt.execs)).add(id);
    let resolveDone!: (code: number) => void;
    const done = new Promise<number>((r) => (resolveDone = r));
    const release = this.ctx.clock.hold(); // an exec being run keeps the process alive until it ends
    void done.then(release);
    e.finish = (code) => resolveDone(code);
    const run = c.rt.run;
    const attachOut = !options.detach && e.config.AttachStdout !== false;
    const attachErr = !options.detach && e.config.AttachStderr !== false;
    this.ctx.emit("container", `exec_start: ${argv.join(" ")}`, c.rec.id, { ...containerAttrs(c), execID: id });
    const gctx = this.lifecycle.guestContext(c, e.config.Env ?? [], !!e.config.Tty, !!e.config.AttachStdin && !options.detach, e.config.WorkingDir, e.config.User, "exec");
    const refusal = this.lifecycle.refusal(c, argv[0], gctx.env, gctx.workingDir, "exec", e.config.User ?? "");
    if (refusal) {
      this.refused(c, e, refusal, !!options.detach, ch);
      return { output: ch, done };
    }
    e.process = this.guest.spawn(argv, gctx, {
      after: (ms, fn) => this.lifecycle.containerTimer(c, run, ms, fn),
      write: (stream, text) => {
        if ((stream === "stdout" && attachOut) || (stream === "stderr" && attachErr)) {
          ch.push({ stream: e.config.Tty ? "stdout" : stream, data: encoder.encode(e.config.Tty ? ttyOutput(text) : text), time: this.ctx.now() });
        }
      },
      exit: (status) => {
        if (!e.rec.Running) return;
        e.rec.Running = false;
        e.rec.ExitCode = status;
        e.process = null;
        c.rt.execs.delete(id);
        this.ended(c, id);
        this.ctx.emit("container", "exec_die", c.rec.id, { ...containerAttrs(c), execID: id, exitCode: String(status) });
        ch.end();
        resolveDone(status);
      },
      settle: () => this.lifecycle.settleOutside(),
    });
    if (options.stdin) {
      const proc = e.process;
      void (async () => {
        for await (const chunk of untilGone(options.stdin!)) {
          if (!e.rec.Running) break;
          proc.stdin(chunk);
          this.ctx.settle();
        }
        if (e.rec.Running) {
          proc.closeStdin();
          this.ctx.settle();
        }
      })();
    } else if (!e.config.AttachStdin || options.detach) {
      e.process.closeStdin();
    }
    return { output: ch, done };
  }

  /**
   * runc refused the exec's program (not in the container's filesystem, or not executable): nothing
   * runs and no exec_die follows. dockerd keeps 127 or 126 as the exec's exit code; a detached start
   * answers with the error, an attached one has already hijacked the stream and writes the error on
   * its stdout with "\r\n", and the CLI then exits with the exec's code.
   */
  private refused(c: Container, e: Exec, refusal: string, detach: boolean, ch: Channel<OutputChunk>): void {
    const code = refusalExitCode(refusal, "exec");
    e.rec.Running = false;
    e.rec.ExitCode = code;
    e.rec.Pid = 0;
    c.rt.execs.delete(e.rec.ID);
    this.ended(c, e.rec.ID);
    e.finish?.(code);
    if (detach) throw refusalError(refusal);
    ch.push({ stream: "stdout", data: encoder.encode(`${refusal}\r\n`), time: this.ctx.now() });
    ch.end();
  }

  inspect(id: string): ExecRecord {
    const e = this.byId.get(id);
    if (!e) throw notFound(`No such exec instance: ${id}`);
    return structuredClone(e.rec);
  }

  resize(id: string, height: number, width: number): void {
    if (!this.byId.has(id)) throw notFound(`No such exec instance: ${id}`);
    if (!(height >= 0 && width >= 0)) throw invalid(`invalid TTY size ${height}x${width}`);
  }

  /** The process table rows of the container's running execs (`docker top`). */
  topRows(c: Container, started: string): string[][] {
    const rows: string[][] = [];
    for (const execId of c.rt.execs) {
      const e = this.byId.get(execId);
      for (const [, cmd] of e?.process?.processes() ?? []) rows.push(["root", String(e!.rec.Pid), String(c.rec.state.Pid), "0", started, "?", "00:00:00", cmd]);
    }
    return rows;
  }

  /** The container stopped under the exec: its process died with the container VM. */
  kill(id: string): void {
    const e = this.byId.get(id);
    if (!e || !e.rec.Running) return;
    e.rec.Running = false;
    e.rec.ExitCode = 137;
    e.process = null;
    const c = this.registry.get(e.container);
    if (c) this.ended(c, id);
    e.channel?.end();
    e.finish?.(137);
  }

  /** The container goes: its exec records with it. */
  forgetAll(c: Container): void {
    for (const id of c.rt.execRecords) this.byId.delete(id);
    c.rt.execRecords.clear();
    c.rt.endedExecs = [];
  }

  /**
   * An exec ended: its record stays for inspection (`docker exec` reads its exit code), and at most
   * `EXEC_RECORDS` ended ones per container are kept.
   */
  private ended(c: Container, id: string): void {
    c.rt.endedExecs.push(id);
    if (c.rt.endedExecs.length > EXEC_RECORDS) this.forget(c, c.rt.endedExecs[0]);
  }

  private forget(c: Container, id: string): void {
    if (!c.rt.execRecords.delete(id)) return;
    this.byId.delete(id);
    const i = c.rt.endedExecs.indexOf(id);
    if (i >= 0) c.rt.endedExecs.splice(i, 1);
  }
}
