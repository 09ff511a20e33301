/**
 * Node's I/O for the Docker Engine API handler: an http (or https, or unix socket) server, and the
 * `upgrade` glue for hijacked attach and exec (`101 UPGRADED`, then the raw socket both ways).
 */
import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { existsSync, statSync, unlinkSync, chmodSync } from "node:fs";
import { isWebSocketUpgrade, serveWebSocket } from "./websocket.js";
import type { Duplex } from "node:stream";
import type { VirtualContainerHostApi } from "../vch/types.js";
import { Channel } from "../vch/channel.js";
import { createDockerHandler, type DockerConnection, type DockerHandler, type DockerHandlerOptions } from "./handler.js";
import { ApiError, baseHeaders, concat, errorResponse, isStreaming, type ApiRequest, type ApiResponse } from "./http.js";

type Dispatch = (request: ApiRequest, connection?: DockerConnection) => Promise<ApiResponse>;

/** TLS as dockerd takes it: PEM contents; with `verify`, clients need a certificate signed by `ca`. */
export interface DockerTlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
  ca?: string | Buffer;
  verify?: boolean;
}

/** Options of `serveDocker`. */
export interface ServeDockerOptions extends DockerHandlerOptions {
  /** `tcp://127.0.0.1:2375` (default), `tcp://host:0` for any free port, or `unix:///path/docker.sock`. */
  listen?: string;
  tls?: DockerTlsOptions;
  /** Called once per request when its answer has gone out; absent = no request log. */
  log?: (entry: RequestLogEntry) => void;
}

/** One request as the server log shows it: `POST /v1.50/containers/create 201 3.1ms`. */
export interface RequestLogEntry {
  method: string;
  url: string;
  status: number;
  ms: number;
  hijacked: boolean;
}

/** A running server. */
export interface DockerServer {
  /** What to put in DOCKER_HOST: `tcp://127.0.0.1:2375` or `unix:///path/docker.sock`. */
  dockerHost: string;
  /** The TCP port (0 for a unix socket). */
  port: number;
  server: Server;
  /** Stops listening and closes every open connection (streams included). */
  close(): Promise<void>;
}

/** Serves the Docker Engine API of a VCH (or of a handler from `createDockerHandler`) over HTTP, HTTPS or a unix socket. */
export async function serveDocker(target: VirtualContainerHostApi | DockerHandler, options: ServeDockerOptions = {}): Promise<DockerServer> {
  // Node's requests go straight to `dispatch`: no web Request/Response objects on the hot path.
  const handler: Dispatch = (typeof target === "function" ? target : createDockerHandler(target, options)).dispatch;
  const log = options.log;
  const listen = parseListen(options.listen ?? "tcp://127.0.0.1:2375");

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    void serveRequest(handler, req, res, log);
  };
  const server: Server = options.tls
    ? (createHttpsServer(
        {
          cert: options.tls.cert,
          key: options.tls.key,
          ca: options.tls.ca,
          requestCert: options.tls.verify === true,
          rejectUnauthorized: options.tls.verify === true,
        },
        onRequest,
      ) as unknown as Server)
    : createHttpServer(onRequest);
  // Attach streams and never-ending stdin bodies outlive any request timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;

  const sockets = new Set<Duplex>();
  server.on("connection", (socket: Duplex) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("secureConnection", (socket: Duplex) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    if (isWebSocketUpgrade(req)) {
      const started = performance.now();
      serveWebSocket(req, socket, head, async (stdin, signal) => {
        let response: ApiResponse;
        try {
          response = await handler(apiRequest(req, () => signal), { hijacked: true, stdin });
        } catch (error) {
          response = errorResponse(error);
        }
        log?.({ method: req.method ?? "?", url: req.url ?? "", status: response.status < 300 ? 101 : response.status, ms: performance.now() - started, hijacked: true });
        return response;
      });
      return;
    }
    void serveHijack(handler, req, socket, head, log);
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const message = status === 431 ? "request headers are too large" : `malformed HTTP request: ${error.code ?? error.message}`;
    socket.end(rawHead(status, "application/json", Buffer.byteLength(JSON.stringify({ message }) + "\n"), true) + JSON.stringify({ message }) + "\n");
  });

  if (listen.kind === "unix") {
    if (existsSync(listen.path) && statSync(listen.path).isSocket()) unlinkSync(listen.path);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(listen.path, () => {
        server.off("error", reject);
        resolve();
      });
    });
    chmodSync(listen.path, 0o660);
  } else {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(listen.port, listen.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  }
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const dockerHost = listen.kind === "unix" ? `unix://${listen.path}` : `tcp://${listen.host.includes(":") ? `[${listen.host}]` : listen.host}:${port}`;

  return {
    dockerHost,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        server.closeAllConnections?.();
      }),
  };
}

/** `tcp://host:port`, `host:port`, `:port` or `unix:///path`. */
export function parseListen(listen: string): { kind: "tcp"; host: string; port: number } | { kind: "unix"; path: string } {
  if (listen.startsWith("unix://")) {
    const path = listen.slice("unix://".length);
    if (!path.startsWith("/")) throw new Error(`--listen ${listen}: a unix socket needs an absolute path, e.g. unix:///tmp/vicsim.sock`);
    return { kind: "unix", path };
  }
  const rest = listen.replace(/^(tcp|http|https):\/\//, "");
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(rest);
  if (!m) throw new Error(`--listen ${listen}: expected tcp://HOST:PORT or unix:///path/docker.sock`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`--listen ${listen}: port ${port} is out of range`);
  return { kind: "tcp", host: m[1] ?? (m[2] || "127.0.0.1"), port };
}

/** The API's view of a Node request; `signal` fires when the client goes away. */
function apiRequest(req: IncomingMessage, signal: () => AbortSignal, body?: Uint8Array): ApiRequest {
  const raw = req.url ?? "/";
  // Concatenation (not `new URL(raw, base)`) so that `//x` stays a path and never becomes a host.
  const url = "http://localhost" + (raw.startsWith("/") ? raw : "/" + raw);
  const hasBody = body !== undefined ? body.length > 0 : req.headers["content-length"] !== undefined ? req.headers["content-length"] !== "0" : req.headers["transfer-encoding"] !== undefined;
  let consumed = false;
  return {
    method: req.method ?? "GET",
    url,
    get signal() {
      return signal();
    },
    bodyStream() {
      if (!hasBody || consumed) return null;
      consumed = true;
      if (body !== undefined) return (async function* () { yield body; })();
      // Events, not `for await` over the request: Node destroys a readable (and so the socket,
      // with the answer still streaming) when its async iterator finishes.
      const queue = new Channel<Uint8Array>();
      req.on("data", (chunk: Buffer) => queue.push(chunk));
      req.on("end", () => queue.end());
      req.on("error", () => queue.end());
      return queue;
    },
    async readBody(limit) {
      if (body !== undefined) {
        if (body.length > limit) throw new ApiError(413, `request body is over the limit of ${limit} bytes`);
        return body;
      }
      if (!hasBody || consumed) return new Uint8Array(0);
      consumed = true;
      const declared = Number(req.headers["content-length"] ?? "0");
      if (declared > limit) throw new ApiError(413, `request body of ${declared} bytes is over the limit of ${limit}`);
      // Events rather than an async iterator: this is on every create's path.
      return new Promise<Uint8Array>((resolve, reject) => {
        const chunks: Uint8Array[] = [];
        let size = 0;
        const onData = (chunk: Buffer): void => {
          size += chunk.length;
          if (size > limit) {
            cleanup();
            req.pause();
            reject(new ApiError(413, `request body is over the limit of ${limit} bytes`));
          } else chunks.push(chunk);
        };
        const onEnd = (): void => {
          cleanup();
          resolve(concat(chunks, size));
        };
        const onError = (error: Error): void => {
          cleanup();
          reject(new ApiError(400, `reading the request body: ${error.message}`));
        };
        const cleanup = (): void => {
          req.off("data", onData);
          req.off("end", onEnd);
          req.off("error", onError);
        };
        req.on("data", onData);
        req.on("end", onEnd);
        req.on("error", onError);
      });
    },
  };
}

async function serveRequest(handler: Dispatch, req: IncomingMessage, res: ServerResponse, log?: (entry: RequestLogEntry) => void): Promise<void> {
  const started = log ? performance.now() : 0;
  // The signal is made only when an endpoint asks for it (streams): an AbortController per request
  // is a measurable share of a create + start + remove cycle.
  let abort: AbortController | undefined;
  let gone = false;
  res.on("close", () => {
    if (res.writableFinished) return;
    gone = true;
    abort?.abort();
  });
  const signal = (): AbortSignal => {
    if (!abort) {
      abort = new AbortController();
      if (gone) abort.abort();
    }
    return abort.signal;
  };
  let response: ApiResponse;
  try {
    response = await handler(apiRequest(req, signal));
  } catch (error) {
    response = errorResponse(error);
  }
  try {
    if (isStreaming(response)) {
      res.writeHead(response.status, response.headers);
      res.flushHeaders();
      await pump(response.body, res, response.abort);
      res.end();
    } else if (response.body === null) {
      res.writeHead(response.status, response.headers);
      res.end();
    } else if (typeof response.body === "string") {
      // A string goes out in the same write as the head (Node joins them); bytes would take a writev.
      response.headers["Content-Length"] = String(Buffer.byteLength(response.body));
      res.writeHead(response.status, response.headers);
      res.end(response.body);
    } else {
      const bytes = response.body as Uint8Array;
      response.headers["Content-Length"] = String(bytes.length);
      res.writeHead(response.status, response.headers);
      res.end(bytes);
    }
  } catch {
    res.destroy();
  }
  log?.({ method: req.method ?? "?", url: req.url ?? "", status: response.status, ms: performance.now() - started, hijacked: false });
  // A request body nobody read (errors before the body, plain attach stdin) must not stall the socket.
  if (!req.complete) req.resume();
}

/** Milliseconds between a hijacked response's head and its stream's first bytes off loopback (see serveHijack). */
const HIJACK_GAP_MS = 50;
/** A hijacked response's head is this long: Python's io.DEFAULT_BUFFER_SIZE (see serveHijack). */
const HIJACK_HEAD_BYTES = 8192;

/** Header lines padded (with a filler header) so that they and the blank line after them are `size` bytes. */
function padHead(lines: string, size: number): string {
  const filler = "X-Vicsim-Padding: ";
  const room = size - Buffer.byteLength(lines) - filler.length - 4; // its CRLF, then the blank line's
  return room < 0 ? lines : `${lines}${filler}${"0".repeat(room)}\r\n`;
}

/** Writes a stream to a Node writable, honouring backpressure (its first bytes not before `notBefore`); lets the stream go when the writable closes. */
async function pump(body: AsyncIterable<Uint8Array>, out: NodeJS.WritableStream & { destroyed: boolean }, abort?: AbortController, notBefore?: Promise<void>): Promise<void> {
  const it = body[Symbol.asyncIterator]();
  const e = out as unknown as NodeJS.EventEmitter;
  const onClose = (): void => {
    abort?.abort();
    void it.return?.();
  };
  e.once("close", onClose);
  try {
    for (;;) {
      const { done, value } = await it.next();
      if (done || out.destroyed) break;
      if (notBefore) {
        await notBefore;
        notBefore = undefined;
        if (out.destroyed) break;
      }
      if (!out.write(value))
        await new Promise<void>((resolve) => {
          const go = (): void => {
            e.off("drain", go);
            e.off("close", go);
            resolve();
          };
          e.once("drain", go);
          e.once("close", go);
        });
    }
  } finally {
    e.off("close", onClose);
    if (out.destroyed) onClose();
  }
}

/**
 * A hijacked attach or exec start. The request body (exec's `{"Detach":false,"Tty":false}`) comes
 * first on the socket: Content-Length bytes are the body, everything after is stdin. The answer is
 * `101 UPGRADED` and the raw stream; the socket is closed when the stream ends, or `docker run` hangs.
 */
async function serveHijack(handler: Dispatch, req: IncomingMessage, socket: Duplex, head: Buffer, log?: (entry: RequestLogEntry) => void): Promise<void> {
  const started = performance.now();
  socket.on("error", () => {});
  const abort = new AbortController();
  socket.on("close", () => abort.abort());
  const bodyLength = Math.max(0, Number(req.headers["content-length"] ?? 0) || 0);
  const stdin = new Channel<Uint8Array>();
  let bodyResolve!: (b: Buffer) => void;
  const bodyReady = new Promise<Buffer>((r) => (bodyResolve = r));
  let pending: Buffer[] = [];
  let have = 0;
  let bodyDone = bodyLength === 0;
  if (bodyDone) bodyResolve(Buffer.alloc(0));
  const onData = (chunk: Buffer): void => {
    if (bodyDone) {
      stdin.push(chunk);
      return;
    }
    pending.push(chunk);
    have += chunk.length;
    if (have >= bodyLength) {
      const all = Buffer.concat(pending);
      pending = [];
      bodyDone = true;
      bodyResolve(all.subarray(0, bodyLength));
      if (all.length > bodyLength) stdin.push(all.subarray(bodyLength));
    }
  };
  if (head.length) onData(head);
  socket.on("data", onData);
  socket.on("end", () => {
    if (!bodyDone) {
      bodyDone = true;
      bodyResolve(Buffer.concat(pending));
    }
    stdin.end(); // the client half-closed: stdin is over, output keeps flowing
  });
  const body = await bodyReady;
  let response: ApiResponse;
  try {
    response = await handler(apiRequest(req, () => abort.signal, new Uint8Array(body)), { hijacked: true, stdin });
  } catch (error) {
    response = errorResponse(error);
  }
  const ok = response.status >= 200 && response.status < 300;
  log?.({ method: req.method ?? "?", url: req.url ?? "", status: ok ? 101 : response.status, ms: performance.now() - started, hijacked: true });
  if (!socket.writable) {
    response.abort?.abort();
    return;
  }
  if (!ok || !isStreaming(response)) {
    const bytes = response.body === null ? new Uint8Array(0) : typeof response.body === "string" ? Buffer.from(response.body) : (response.body as Uint8Array);
    socket.end(Buffer.concat([Buffer.from(rawHead(response.status, response.headers["Content-Type"] ?? null, bytes.length, true, response.headers)), bytes]));
    return;
  }
  let headLines = "HTTP/1.1 101 UPGRADED\r\n";
  headLines += `Content-Type: ${response.headers["Content-Type"]}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n`;
  for (const [k, v] of Object.entries(response.headers)) if (k !== "Content-Type") headLines += `${k}: ${v}\r\n`;
  // docker-py reads the head through Python's buffered reader (8 KiB reads) and then reads the raw
  // socket: stream bytes taken into that buffer with the head are lost (an exec's or a replayed log's
  // whole output: 4 in 100 execs; 6 in 300 under CPU load with a 50 ms gap alone). A head of exactly
  // one buffer ends where the reader's first read ends, so however late the client reads, its buffer
  // never holds stream bytes. Loopback and unix sockets deliver the head whole; a network may split
  // it into several reads, so off loopback the stream also waits a gap after the head.
  headLines = padHead(headLines, HIJACK_HEAD_BYTES);
  const headSent = new Promise<void>((resolve) => socket.write(headLines + "\r\n", () => resolve()));
  const remote = (socket as Duplex & { remoteAddress?: string }).remoteAddress;
  const local = remote === undefined || remote.startsWith("127.") || remote === "::1" || remote.startsWith("::ffff:127.");
  const streamFrom = local ? headSent : headSent.then(() => new Promise<void>((resolve) => setTimeout(resolve, HIJACK_GAP_MS)));
  try {
    await pump(response.body, socket as unknown as NodeJS.WritableStream & { destroyed: boolean }, response.abort, streamFrom);
  } catch {
    // client gone
  }
  socket.end();
}

/** An HTTP/1.1 response head written by hand (hijack errors, malformed requests). */
function rawHead(status: number, contentType: string | null, length: number, close: boolean, extra?: Record<string, string>): string {
  let s = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n`;
  for (const [k, v] of Object.entries(extra ?? baseHeaders())) if (k !== "Content-Type" && k !== "Content-Length") s += `${k}: ${v}\r\n`;
  if (contentType) s += `Content-Type: ${contentType}\r\n`;
  s += `Content-Length: ${length}\r\n`;
  if (close) s += "Connection: close\r\n";
  return s + "\r\n";
}
