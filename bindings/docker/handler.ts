/**
 * The Docker Engine API as a web-standard handler: `(Request) => Promise<Response>`. It parses a
 * request into a typed action (routes.ts), runs the action on the Virtual Container Host and shapes
 * the answer (shape.ts). Runtimes add only I/O: the Node server (node.ts) adds sockets and the
 * `upgrade` glue for hijacked attach and exec.
 */
import type { VirtualContainerHostApi, OutputChunk, ImageRecord } from "../vch/types.js";
import { Channel } from "../vch/channel.js";
import type { Action, ActionOf, Filters } from "./actions.js";
import {
  ApiError,
  STDERR,
  STDOUT,
  baseHeaders,
  emptyResponse,
  errorResponse,
  frame,
  fromWebRequest,
  jsonResponse,
  rfc3339Nano,
  streamResponse,
  toWebResponse,
  utf8,
  type ApiRequest,
  type ApiResponse,
} from "./http.js";
import { parseRequest } from "./routes.js";
import * as shape from "./shape.js";

/**
 * What a runtime knows about the connection beside the request. A hijacked request (attach and exec
 * start with `Upgrade: tcp`) hands over the rest of the socket as `stdin`; the runtime answers
 * `101 UPGRADED` when the response is a 200 and writes its body as the raw stream.
 */
export interface DockerConnection {
  hijacked?: boolean;
  stdin?: AsyncIterable<Uint8Array>;
}

/**
 * A Docker Engine API handler: web-standard `(Request) => Promise<Response>`, with `dispatch`, the
 * same API over the runtime-neutral request and answer types that the Node server calls directly.
 */
export interface DockerHandler {
  (request: Request, connection?: DockerConnection): Promise<Response>;
  dispatch(request: ApiRequest, connection?: DockerConnection): Promise<ApiResponse>;
}

/** Options of `createDockerHandler`. */
export interface DockerHandlerOptions {
  /** Interval of streamed stats in real ms (dockerd: one object a second). */
  statsIntervalMs?: number;
  /** Called once per request with the action kind and the status (for request logs). */
  onRequest?: (entry: { method: string; path: string; action: string; status: number }) => void;
}

const MULTIPLEXED = "application/vnd.docker.multiplexed-stream";
const RAW = "application/vnd.docker.raw-stream";

/** Creates the Docker Engine API handler of a Virtual Container Host. */
export function createDockerHandler(vch: VirtualContainerHostApi, options: DockerHandlerOptions = {}): DockerHandler {
  const statsIntervalMs = options.statsIntervalMs ?? 1000;
  const daemonId = daemonIdOf(vch.info().name);

  async function dispatch(request: ApiRequest, connection: DockerConnection = {}): Promise<ApiResponse> {
    let action: Action | undefined;
    let response: ApiResponse;
    try {
      action = await parseRequest(request);
      response = await execute(action, request, connection);
    } catch (error) {
      response = errorResponse(error);
    }
    if (options.onRequest) {
      const url = new URL(request.url);
      options.onRequest({ method: request.method, path: url.pathname + url.search, action: action?.kind ?? "-", status: response.status });
    }
    return response;
  }

  async function execute(action: Action, request: ApiRequest, connection: DockerConnection): Promise<ApiResponse> {
    switch (action.kind) {
      // ── system ──
      case "ping": {
        const headers = baseHeaders();
        headers["Content-Type"] = "text/plain; charset=utf-8";
        headers["Cache-Control"] = "no-cache, no-store, must-revalidate";
        headers.Pragma = "no-cache";
        headers["Builder-Version"] = "1";
        headers.Swarm = "inactive";
        return { status: 200, headers, body: action.head ? null : "OK" };
      }
      case "version":
        return jsonResponse(shape.version(vch.info().name));
      case "info":
        return jsonResponse(shape.info(vch.info(), daemonId));
      case "systemDf":
        return jsonResponse(shape.diskUsage(vch.diskUsage(), vch.listImages(), vch.listContainers({ all: true }), vch.listVolumes()));
      case "events":
        return events(action, request);

      // ── images ──
      case "imagePull":
        return pull(action);
      case "imageList":
        return jsonResponse(filterImages(vch.listImages(), action.filters, action.all).map((i) => shape.imageSummary(i)));
      case "imageInspect":
        return jsonResponse(shape.imageInspect(vch.getImage(action.name)));
      case "imageRemove": {
        const r = vch.removeImage(action.name, { force: action.force, noprune: action.noprune });
        return jsonResponse([...r.untagged.map((u) => ({ Untagged: u })), ...r.deleted.map((d) => ({ Deleted: d }))]);
      }
      case "imageTag":
        vch.tagImage(action.name, action.repo, action.tag);
        return emptyResponse(201);
      case "imagePrune": {
        const r = vch.pruneImages({ filters: action.filters });
        return jsonResponse({ ImagesDeleted: r.deleted.map((d) => ({ Deleted: d })), SpaceReclaimed: r.spaceReclaimed });
      }

      // ── containers ──
      case "containerCreate": {
        const c = vch.createContainer(action.config, action.name);
        return jsonResponse({ Id: c.id, Warnings: [] }, 201);
      }
      case "containerList": {
        const list = vch.listContainers({ all: action.all, limit: action.limit, filters: action.filters });
        return jsonResponse(
          list.map((c) => {
            const row = shape.containerSummary(c);
            if (action.size) Object.assign(row, { SizeRw: c.sizeRw, SizeRootFs: safe(() => vch.getImage(c.imageId).size, 0) });
            return row;
          }),
        );
      }
      case "containerInspect": {
        const c = vch.getContainer(action.id);
        const out = shape.containerInspect(c, c.execIds);
        if (action.size) Object.assign(out, { SizeRw: c.sizeRw, SizeRootFs: safe(() => vch.getImage(c.imageId).size, 0) });
        return jsonResponse(out);
      }
      case "containerStart":
        await vch.start(action.id);
        return emptyResponse(204);
      case "containerStop":
        await vch.stop(action.id, { timeout: action.timeout, signal: action.signal });
        return emptyResponse(204);
      case "containerRestart":
        await vch.restart(action.id, { timeout: action.timeout, signal: action.signal });
        return emptyResponse(204);
      case "containerKill":
        vch.kill(action.id, action.signal);
        return emptyResponse(204);
      case "containerPause":
        vch.pause(action.id);
        return emptyResponse(204);
      case "containerUnpause":
        vch.unpause(action.id);
        return emptyResponse(204);
      case "containerWait":
        return wait(action, request);
      case "containerRemove":
        vch.remove(action.id, { force: action.force, volumes: action.volumes });
        return emptyResponse(204);
      case "containerLogs":
        return logs(action, request);
      case "containerAttach":
        return attach(action, request, connection);
      case "containerStats":
        return stats(action, request);
      case "containerRename":
        vch.rename(action.id, action.name);
        return emptyResponse(204);
      case "containerTop":
        return jsonResponse(vch.top(action.id, action.psArgs));
      case "containerResize":
        vch.resize(action.id, action.h, action.w);
        return emptyResponse(200);
      case "containerPrune": {
        const r = vch.pruneContainers({ filters: action.filters });
        return jsonResponse({ ContainersDeleted: r.deleted, SpaceReclaimed: r.spaceReclaimed });
      }

      // ── exec ──
      case "execCreate":
        return jsonResponse({ Id: vch.createExec(action.id, action.config) }, 201);
      case "execStart":
        return execStart(action, request, connection);
      case "execInspect":
        return jsonResponse(shape.execInspect(vch.inspectExec(action.id)));
      case "execResize":
        vch.resizeExec(action.id, action.h, action.w);
        return emptyResponse(200);

      // ── networks ──
      case "networkList":
        return jsonResponse(vch.listNetworks(action.filters).map(shape.network));
      case "networkCreate": {
        const n = vch.createNetwork(action.config as unknown as Parameters<VirtualContainerHostApi["createNetwork"]>[0]);
        return jsonResponse({ Id: n.Id, Warning: "" }, 201);
      }
      case "networkInspect":
        return jsonResponse(shape.network(vch.getNetwork(action.id)));
      case "networkRemove":
        vch.removeNetwork(action.id);
        return emptyResponse(204);
      case "networkConnect":
        vch.connectNetwork(action.id, action.container, action.endpoint);
        return emptyResponse(200);
      case "networkDisconnect":
        vch.disconnectNetwork(action.id, action.container, action.force);
        return emptyResponse(200);
      case "networkPrune":
        return jsonResponse({ NetworksDeleted: vch.pruneNetworks({ filters: action.filters }).deleted });

      // ── volumes ──
      case "volumeList":
        return jsonResponse({ Volumes: vch.listVolumes(action.filters).map((v) => shape.volume(v)), Warnings: [] });
      case "volumeCreate":
        return jsonResponse(shape.volume(vch.createVolume(action.config)), 201);
      case "volumeInspect":
        return jsonResponse(shape.volume(vch.getVolume(action.name)));
      case "volumeRemove":
        vch.removeVolume(action.name, action.force);
        return emptyResponse(204);
      case "volumePrune": {
        const r = vch.pruneVolumes({ filters: action.filters });
        return jsonResponse({ VolumesDeleted: r.deleted, SpaceReclaimed: r.spaceReclaimed });
      }

      case "unimplemented":
        throw new ApiError(501, `vicsim does not implement ${action.what}`);
    }
  }

  // ── streams ──────────────────────────────────────────────────────────────────────────────────

  /** Headers at once (the CLI sends start only after the wait's headers), the result when it comes. */
  function wait(action: ActionOf<"containerWait">, request: ApiRequest): ApiResponse {
    const c = vch.getContainer(action.id);
    const abort = linkedAbort(request);
    const result = vch.wait(c.id, action.condition, abort.signal);
    result.catch(() => {}); // a client gone before the result is not an error
    async function* body(): AsyncGenerator<Uint8Array> {
      try {
        const r = await result;
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
        queue.push(utf8(JSON.stringify(p) + "\n"));
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
    if (action.stdin && stdin) void pumpStdin(c.id, stdin, c.config.StdinOnce === true);
    let source: AsyncIterable<OutputChunk> = empty();
    if (action.stream || action.logs)
      source = vch.attach(c.id, { stdout: action.stdout, stderr: action.stderr, stream: action.stream, logs: action.logs, signal: abort.signal });
    return streamResponse(outputStream(source, tty, false), tty ? RAW : MULTIPLEXED, abort);
  }

  async function pumpStdin(id: string, stdin: AsyncIterable<Uint8Array>, closeAtEnd: boolean): Promise<void> {
    try {
      for await (const data of stdin) if (data.length) vch.writeStdin(id, data);
      if (closeAtEnd) vch.closeStdin(id);
    } catch {
      // The container went away or the client hung up: nothing more to deliver.
    }
  }

  async function execStart(action: ActionOf<"execStart">, request: ApiRequest, connection: DockerConnection): Promise<ApiResponse> {
    const x = vch.inspectExec(action.id);
    if (action.detach) {
      vch.startExec(action.id, { detach: true });
      return emptyResponse(200);
    }
    const tty = x.ProcessConfig.tty || action.tty;
    const stdin = x.OpenStdin ? (connection.hijacked ? connection.stdin : undefined) : undefined;
    const run = vch.startExec(action.id, { stdin });
    run.done.catch(() => {});
    const abort = linkedAbort(request);
    async function* body(): AsyncGenerator<Uint8Array> {
      yield* outputStream(run.output, tty, false);
      // The CLI reads ExitCode as soon as the stream closes: it must be set by then.
      await run.done.catch(() => {});
    }
    return streamResponse(body(), tty ? RAW : MULTIPLEXED, abort);
  }

  function stats(action: ActionOf<"containerStats">, request: ApiRequest): ApiResponse {
    const c = vch.getContainer(action.id);
    let previous = vch.stats(c.id);
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
          s = vch.stats(c.id);
        } catch {
          return; // removed: the stream ends as dockerd's does
        }
        // dockerd's precpu in a stream is the previous object it sent.
        const next = { ...s, precpu_stats: previous.cpu_stats, preread: previous.read };
        previous = s;
        yield utf8(JSON.stringify(shape.stats(next)) + "\n");
      }
    }
    return streamResponse(body(), "application/json", abort);
  }

  function filterImages(images: ImageRecord[], filters: Filters, all: boolean): ImageRecord[] {
    void all;
    let out = images;
    if (filters.dangling?.length) {
      const want = !/^(0|false)$/i.test(filters.dangling[0]);
      out = out.filter((i) => (i.repoTags.length === 0) === want);
    }
    if (filters.reference?.length) out = out.filter((i) => filters.reference.some((r) => i.repoTags.some((t) => referenceMatches(r, t))));
    if (filters.label?.length)
      out = out.filter((i) =>
        filters.label.every((l) => {
          const [k, v] = splitOnce(l, "=");
          const labels = i.config.Labels ?? {};
          return v === undefined ? k in labels : labels[k] === v;
        }),
      );
    for (const key of ["before", "since"] as const) {
      if (!filters[key]?.length) continue;
      const pivot = vch.getImage(filters[key][0]).created;
      out = out.filter((i) => (key === "before" ? i.created < pivot : i.created > pivot));
    }
    return out;
  }

  const web = async (request: Request, connection?: DockerConnection): Promise<Response> => toWebResponse(await dispatch(fromWebRequest(request), connection));
  return Object.assign(web, { dispatch });
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────────

/** Frames output for the wire: multiplexed frames, or the raw bytes with a TTY. */
async function* outputStream(source: AsyncIterable<OutputChunk>, tty: boolean, timestamps: boolean): AsyncGenerator<Uint8Array> {
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
function linkedAbort(request: ApiRequest): AbortController {
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

function referenceMatches(pattern: string, tag: string): boolean {
  const withTag = pattern.includes(":") ? pattern : `${pattern}:*`;
  const re = new RegExp("^" + withTag.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join("[^/]*") + "$");
  return re.test(tag);
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function safe<T>(f: () => T, otherwise: T): T {
  try {
    return f();
  } catch {
    return otherwise;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A stable 64-hex-ish daemon id from the VCH name (Docker's `ID`). */
function daemonIdOf(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  const hex = h.toString(16).toUpperCase().padStart(8, "0");
  return `VCH:${hex.slice(0, 4)}:${hex.slice(4)}:${name}`;
}
