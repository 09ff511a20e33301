/**
 * A container's stdio: output appended to its log ring and handed to attached readers, `docker
 * attach` (the first attach of a run replays what the run wrote before it), `docker logs` (tail
 * counted in lines, since/until, follow), stdin kept until the guest starts, and the bounded queue
 * of each reader (a reader that stops reading loses its oldest chunks, counted).
 */
import { Channel } from "./channel.js";
import { chunkOf, containerAttrs, lastLines, LOG_RING, ownSet, type Container, type LogLine } from "./container.js";
import type { VchContext } from "./context.js";
import { ZERO_TIME } from "./format.js";
import type { AttachOptions, LogsOptions, OutputChunk } from "./types.js";

export class Stdio {
  constructor(private readonly ctx: VchContext) {}

  /** Appends output to the container's log (journaled in a batch) and hands it to attached readers. */
  output(c: Container, stream: "stdout" | "stderr", text: string): void {
    const line: LogLine = { s: stream === "stdout" ? 0 : 1, t: this.ctx.now(), d: text };
    c.logs.push(line);
    if (!c.removed) this.ctx.journal.markLog(c.rec.id, line.t);
    const chunk = chunkOf(line);
    for (const l of c.rt.listeners) l(chunk);
  }

  /** Attaches to a container's output: replays with `logs`, follows with `stream` until it stops. */
  attach(c: Container, options: AttachOptions): Channel<OutputChunk> {
    const wantOut = options.stdout ?? true;
    const wantErr = options.stderr ?? true;
    const stream = options.stream ?? true;
    const ch = this.outputReader(options.signal);
    const push = (l: LogLine) => {
      if ((l.s === 0 && wantOut) || (l.s === 1 && wantErr)) ch.push(chunkOf(l));
    };
    // Output produced before the first attach of a run is kept for it (`docker run` attaches late).
    const replayFrom = options.logs ? 0 : !c.rt.attachedOnce && c.rec.state.StartedAt !== ZERO_TIME ? c.rt.runLogStart : c.logs.next;
    c.rt.attachedOnce = true;
    for (const l of c.logs.from(replayFrom)) push(l);
    this.ctx.emit("container", "attach", c.rec.id, containerAttrs(c));
    const running = c.rec.state.Running || c.rec.state.Restarting || c.rec.state.Status === "created";
    if (!stream || (!running && c.rec.state.Status !== "created")) {
      ch.end();
      return ch;
    }
    this.follow(c, ch, (chunk) => (chunk.stream === "stdout" && wantOut) || (chunk.stream === "stderr" && wantErr));
    (c.rt.attachReaders = ownSet(c.rt.attachReaders)).add(ch);
    void ch.drained.then(() => c.rt.attachReaders.delete(ch));
    return ch;
  }

  /** Sends bytes to the container's stdin (kept until it starts when it has not yet). */
  writeStdin(c: Container, data: Uint8Array): void {
    if (!c.rec.config.OpenStdin) return;
    if (c.rt.process && c.rec.state.Running) c.rt.process.stdin(data);
    else c.rt.stdin.push(data);
  }

  /** Closes the container's stdin. */
  closeStdin(c: Container): void {
    c.rt.stdinClosed = true;
    if (c.rt.process && c.rec.state.Running) c.rt.process.closeStdin();
  }

  /** `docker logs`: stdout/stderr with times (virtual ms), optionally following. */
  logs(c: Container, options: LogsOptions): Channel<OutputChunk> {
    const wantOut = options.stdout ?? true;
    const wantErr = options.stderr ?? true;
    const since = options.since ?? -Infinity;
    const until = options.until ?? Infinity;
    const ch = this.outputReader(options.signal);
    let lines = c.logs.toArray().filter((l) => ((l.s === 0 && wantOut) || (l.s === 1 && wantErr)) && l.t >= since && l.t <= until);
    if (options.tail !== undefined && options.tail !== "all") {
      // Docker's tail counts lines, and a chunk (one write) may hold several: cut the history here,
      // where it is known, so no reader has to guess where history ends and live output begins.
      const n = Math.max(0, Math.floor(options.tail));
      lines = n === 0 ? [] : lastLines(lines, n);
    }
    for (const l of lines) ch.push(chunkOf(l));
    if (!options.follow || !(c.rec.state.Running || c.rec.state.Restarting) || until <= this.ctx.now()) {
      ch.end();
      return ch;
    }
    this.follow(c, ch, (chunk) => chunk.time >= since && ((chunk.stream === "stdout" && wantOut) || (chunk.stream === "stderr" && wantErr)), until);
    return ch;
  }

  /**
   * A logs/attach reader's queue: at most a log ring's worth queued; a reader that stops reading
   * loses its oldest chunks (as a follower behind a rotated log does), counted in `info().faults`.
   */
  private outputReader(signal: AbortSignal | undefined): Channel<OutputChunk> {
    return new Channel<OutputChunk>(signal, { cap: LOG_RING, overflow: "drop-oldest", onDrop: () => this.ctx.faults.outputDropped++ });
  }

  /** Follows the container's live output into `ch` until it stops (or past `until`). */
  private follow(c: Container, ch: Channel<OutputChunk>, pass: (chunk: OutputChunk) => boolean, until = Infinity): void {
    const listener = (chunk: OutputChunk | null) => {
      if (chunk === null || chunk.time > until) ch.end();
      else if (pass(chunk)) ch.push(chunk);
    };
    (c.rt.listeners = ownSet(c.rt.listeners)).add(listener);
    const release = this.ctx.clock.hold(); // a follower keeps the process alive until the output ends
    ch.onClose = () => {
      c.rt.listeners.delete(listener);
      release();
    };
  }
}
