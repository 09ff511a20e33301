/**
 * The Docker door's streams: events, pull progress, logs, attach, exec start, stats and wait, as
 * byte streams over the VCH's async iterables. Each is the executor of one action kind; nothing
 * here keeps state beyond one stream.
 */
import type { OutputChunk, VirtualContainerHostApi } from "../vch/types.js";
import { Channel, untilGone } from "../vch/channel.js";
import { soon } from "../vch/clock.js";
import { VchError } from "../vch/errors.js";
import type { ActionOf } from "./actions.js";
import type { DockerConnection } from "./handler.js";
import { STDERR, STDOUT, emptyResponse, frame, jsonResponse, rfc3339Nano, streamResponse, utf8, type ApiRequest, type ApiResponse } from "./http.js";
import { detachSequence, untilDetached } from "./detach.js";
import { pullMessage } from "./progress.js";
import * as shape from "./shape.js";
import { dockerStats } from "./stats.js";

const MULTIPLEXED = "application/vnd.docker.multiplexed-stream";
const RAW = "application/vnd.docker.raw-stream";

/**
 * Settles after the event loop has polled its sockets once more. A run's last output goes out on
 * its attach connection in the turn its exit is told; its status must reach the wait connection
 * a poll later, or a client in this process (dockerode's `run` resolving on the status) can read
 * the status first: its wait socket was already readable with the status's head.
 */
function afterNextPoll(): Promise<void> {
  return new Promise((resolve) => soon(() => soon(resolve)));
}

/** The stream executors of a VCH (`statsIntervalMs`: real ms between streamed stats objects). */
export function streamExecutors(vch: VirtualContainerHostApi, statsIntervalMs: number) {

  /** Headers at once (the CLI sends start only after the wait's headers), the result when it comes. */
  function wait(action: ActionOf<"containerWait">, request: ApiRequest): ApiResponse {
    const c = vch.getContainer(action.id);
    const abort = linkedAbort(request);
    const result = vch.wait(c.id, action.condition, abort.signal);
    result.catch(() => {}); // a client gone before the result is not an error
    async function* body(): AsyncGenerator<Uint8Array> {
      try {
        const r = await result;
        await afterNextPoll();
        yield utf8(JSON.stringify({ StatusCode: r.StatusCode }) + "\n");
      } catch (error) {
        if (abort.signal.aborted) return;
        const message = error instanceof Error ? error.message : String(error);
        yield utf8(JSON.stringify({ StatusCode: -1, Error: { Message: message } }) + "\n");
      }
    }
    return streamResponse(body(), "application/json", abort);
  }

  function events(action: ActionOf<"events">, request: ApiRequest): ApiResponse {
    const abort = linkedAbort(request);
    // Cluster events are the daemon's events in Docker's model (see shape.event).
    const filters = { ...action.filters };
    if (filters.type?.includes("daemon")) filters.type = [...filters.type, "cluster"];
    const source = vch.events({ since: action.since, until: action.until, filters, signal: abort.signal });
    async function* body(): AsyncGenerator<Uint8Array> {
      for await (const e of source) yield utf8(JSON.stringify(shape.event(e)) + "\n");
    }
    return streamResponse(body(), "application/json", abort);
  }

  async function pull(action: ActionOf<"imagePull">): Promise<ApiResponse> {
    const ref = familiar(action.tag.startsWith("sha256:") ? `${action.fromImage}@${action.tag}` : `${action.fromImage}:${action.tag}`);
    const queue = new Channel<Uint8Array>();
    let first: () => void = () => {};
    const started = new Promise<void>((resolve) => (first = resolve));
    const done = vch
      .pullImage(ref, (p) => {
        queue.push(utf8(JSON.stringify(pullMessage(p)) + "\n"));
        first();
      })
      .then(
        (image) => queue.end(),
        (error: unknown) => {
          queue.push(utf8(JSON.stringify({ errorDetail: { message: errorMessage(error) }, error: errorMessage(error) }) + "\n"));
          queue.end();
          throw error;
        },
      );
    // An error before any progress (no such image, bad reference) is an HTTP error, as dockerd answers.
    const outcome = await Promise.race([started.then(() => "streaming" as const), done.then(() => "done" as const)]).catch((error: unknown) => error);
    if (outcome !== "streaming" && outcome !== "done") throw outcome;
    done.catch(() => {});
    return streamResponse(queue, "application/json");
  }

  async function logs(action: ActionOf<"containerLogs">, request: ApiRequest): Promise<ApiResponse> {
    const c = vch.getContainer(action.id);
    const tty = c.config.Tty === true;
    const abort = linkedAbort(request);
    const source = vch.logs(c.id, {
      stdout: action.stdout,
      stderr: action.stderr,
      since: action.since,
      until: action.until,
      tail: action.tail,
      follow: action.follow,
      signal: abort.signal,
    });
    const body = outputStream(source, tty, action.timestamps);
    return streamResponse(body, tty ? RAW : MULTIPLEXED, abort);
  }

  async function attach(action: ActionOf<"containerAttach">, request: ApiRequest, connection: DockerConnection): Promise<ApiResponse> {
    const c = vch.getContainer(action.id);
    const tty = c.config.Tty === true;
    const abort = linkedAbort(request);
    // Stdin may arrive before start; a plain (non-hijacked) attach may stream it in a request body
    // that never ends, so it is pumped in the background and never awaited.
    const stdin = connection.hijacked ? connection.stdin : (request.bodyStream() ?? undefined);
    const keys = detachSequence(action.detachKeys);
    // The detach keys end this attach (its output stops, the connection closes); the container runs on.
    if (action.stdin && stdin) void pumpStdin(c.id, untilDetached(stdin, keys, () => abort.abort()), c.config.StdinOnce === true);
    let source: AsyncIterable<OutputChunk> = empty();
    if (action.stream || action.logs)
      source = vch.attach(c.id, { stdout: action.stdout, stderr: action.stderr, stream: action.stream, logs: action.logs, signal: abort.signal });
    // Over a WebSocket (raw) the output is never multiplexed, as dockerd sends it.
    const raw = tty || action.raw === true;
    return streamResponse(outputStream(source, raw, false), raw ? RAW : MULTIPLEXED, abort);
  }

  async function pumpStdin(id: string, stdin: AsyncIterable<Uint8Array>, closeAtEnd: boolean): Promise<void> {
    try {
      // A client that hangs up ends its input (untilGone); the container going away (removed, or
      // the VCH closing: a VchError) ends the pump. Anything else is a fault and is not hidden.
      for await (const data of untilGone(stdin)) if (data.length) vch.writeStdin(id, data);
      if (closeAtEnd) vch.closeStdin(id);
    } catch (error) {
      if (!(error instanceof VchError)) throw error;
    }
  }

  async function execStart(action: ActionOf<"execStart">, request: ApiRequest, connection: DockerConnection): Promise<ApiResponse> {
    const x = vch.inspectExec(action.id);
    if (action.detach) {
      vch.startExec(action.id, { detach: true });
      return emptyResponse(200);
    }
    // Framed by the start request's Tty, as dockerd frames it (the exec's own Tty gave it a pty):
    // docker-py starts a TTY exec with Tty false and reads multiplexed frames.
    const tty = action.tty;
    const keys = detachSequence(x.DetachKeys);
    let detach!: () => void;
    const detached = new Promise<"detached">((resolve) => (detach = () => resolve("detached")));
    const hijackedStdin = x.OpenStdin ? (connection.hijacked ? connection.stdin : undefined) : undefined;
    const stdin = hijackedStdin && untilDetached(hijackedStdin, keys, detach);
    const run = vch.startExec(action.id, { stdin });
    run.done.catch(() => {});
    const abort = linkedAbort(request);
    async function* body(): AsyncGenerator<Uint8Array> {
      // The detach keys end the stream and leave the exec running, as dockerd does.
      const output = outputStream(run.output, tty, false);
      for (;;) {
        const next = await Promise.race([output.next(), detached]);
        if (next === "detached") {
          void output.return(undefined);
          return;
        }
        if (next.done) break;
        yield next.value;
      }
      // The CLI reads ExitCode as soon as the stream closes: it must be set by then.
      await run.done.catch(() => {});
    }
    return streamResponse(body(), tty ? RAW : MULTIPLEXED, abort);
  }

  function stats(action: ActionOf<"containerStats">, request: ApiRequest): ApiResponse {
    const c = vch.getContainer(action.id);
    let previous = dockerStats(vch.statsSample(c.id));
    const first = shape.stats(previous);
    if (!action.stream) return jsonResponse(first);
    const abort = linkedAbort(request);
    async function* body(): AsyncGenerator<Uint8Array> {
      yield utf8(JSON.stringify(first) + "\n");
      while (!abort.signal.aborted) {
        await sleep(statsIntervalMs, abort.signal);
        if (abort.signal.aborted) return;
        let s;
        try {
          s = dockerStats(vch.statsSample(c.id));
        } catch (error) {
          if (error instanceof VchError && error.kind === "notFound") return; // removed: the stream ends as dockerd's does
          throw error;
        }
        // dockerd's precpu in a stream is the previous object it sent.
        const next = { ...s, precpu_stats: previous.cpu_stats, preread: previous.read };
        previous = s;
        yield utf8(JSON.stringify(shape.stats(next)) + "\n");
      }
    }
    return streamResponse(body(), "application/json", abort);
  }

  return { wait, events, pull, logs, attach, execStart, stats };
}

/** Frames output for the wire: multiplexed frames, or the raw bytes with a TTY. */
export async function* outputStream(source: AsyncIterable<OutputChunk>, tty: boolean, timestamps: boolean): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    let data = chunk.data;
    if (timestamps) {
      const stamp = utf8(rfc3339Nano(chunk.time) + " ");
      const joined = new Uint8Array(stamp.length + data.length);
      joined.set(stamp);
      joined.set(data, stamp.length);
      data = joined;
    }
    yield tty ? data : frame(chunk.stream === "stderr" ? STDERR : STDOUT, data);
  }
}

async function* empty(): AsyncGenerator<OutputChunk> {}

/** An abort controller that fires when the request's client goes away. */
export function linkedAbort(request: ApiRequest): AbortController {
  const abort = new AbortController();
  if (request.signal.aborted) abort.abort();
  else request.signal.addEventListener("abort", () => abort.abort(), { once: true });
  return abort;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Docker's familiar form of a reference: `docker.io/library/busybox` is `busybox`. */
export function familiar(ref: string): string {
  return ref.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\/library\//, "").replace(/^(docker\.io|index\.docker\.io)\//, "");
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
