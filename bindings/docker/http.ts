/**
 * HTTP primitives of the Docker Engine API in web-standard terms: the headers every response
 * carries, Docker's error shape, query parsing the way dockerd parses it, and stream framing.
 */
import { VchError } from "../vch/errors.js";

/** The API version vicsim speaks, and the oldest it accepts in a path prefix. */
export const API_VERSION = "1.50";
export const MIN_API_VERSION = "1.24";
/** The product name and version in `Server` and `/version`. */
export const SERVER_NAME = "vicsim";
export const SERVER_VERSION = "0.1.0";

/** Headers dockerd sends on every response; without `Api-Version` the CLI falls back to 1.24. */
export function baseHeaders(): Record<string, string> {
  return {
    "Api-Version": API_VERSION,
    Ostype: "linux",
    Server: SERVER_HEADER,
    "Docker-Experimental": "false",
  };
}
const SERVER_HEADER = `${SERVER_NAME}/${SERVER_VERSION} (linux)`;

/**
 * A request as the API reads it. Runtimes build it from their own request type: the web-standard
 * `Request` (`fromWebRequest`), or Node's IncomingMessage without any web-stream detour (node.ts).
 */
export interface ApiRequest {
  method: string;
  /** The absolute URL (`http://localhost/v1.50/containers/json?all=1`). */
  url: string;
  /** Reads the whole body; more than `limit` bytes is a 413. */
  readBody(limit: number): Promise<Uint8Array>;
  /** The body as it arrives (stdin of a plain attach), or null when there is none. */
  bodyStream(): AsyncIterable<Uint8Array> | null;
  /** Fires when the client goes away. */
  signal: AbortSignal;
}

/**
 * An answer: status, headers and a body that is complete (string, bytes), absent, or a stream
 * whose headers must go out at once (waits, follows, events, attach). `abort` lets a stream go
 * when its client does.
 */
export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array | AsyncIterable<Uint8Array> | null;
  abort?: AbortController;
}

/** True for answers whose headers must be flushed before the body is complete. */
export function isStreaming(r: ApiResponse): r is ApiResponse & { body: AsyncIterable<Uint8Array> } {
  return r.body !== null && typeof r.body === "object" && !(r.body instanceof Uint8Array);
}

/** The web-standard view of a `Request`. */
export function fromWebRequest(request: Request): ApiRequest {
  return {
    method: request.method,
    url: request.url,
    signal: request.signal,
    bodyStream: () => (request.body ? iterateStream(request.body) : null),
    async readBody(limit) {
      if (!request.body) return new Uint8Array(0);
      const declared = Number(request.headers.get("content-length") ?? "0");
      if (declared > limit) throw new ApiError(413, `request body of ${declared} bytes is over the limit of ${limit}`);
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const value of iterateStream(request.body)) {
        size += value.length;
        if (size > limit) throw new ApiError(413, `request body is over the limit of ${limit} bytes`);
        chunks.push(value);
      }
      return concat(chunks, size);
    },
  };
}

/** The web-standard `Response` of an answer. */
export function toWebResponse(r: ApiResponse): Response {
  const headers = new Headers(r.headers);
  if (isStreaming(r)) return new Response(readableOf(r.body, r.abort), { status: r.status, headers });
  return new Response(r.status === 304 || r.status === 204 ? null : (r.body as BodyInit | null), { status: r.status, headers });
}

/** Reads a web stream as an async iterable; leaving the loop cancels the stream. */
export async function* iterateStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Joins byte chunks. */
export function concat(chunks: Uint8Array[], size = chunks.reduce((s, c) => s + c.length, 0)): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

/** An error to answer in Docker's shape: `{"message": …}` with the given status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** 400 with a message in the caller's terms. */
export const badRequest = (message: string): ApiError => new ApiError(400, message);

/** The status code of a VCH error kind, as dockerd's errdefs map them. */
export function statusOfKind(kind: VchError["kind"]): number {
  switch (kind) {
    case "invalid":
      return 400;
    case "notFound":
      return 404;
    case "conflict":
      return 409;
    case "notModified":
      return 304;
    case "unavailable":
      return 503;
    default:
      return 500;
  }
}

/** Maps anything thrown while serving to a status and a message a user can act on. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof VchError) return new ApiError(statusOfKind(error.kind), error.message);
  if (error && typeof error === "object" && "kind" in error && "message" in error && typeof (error as VchError).kind === "string") {
    // A VchError from another copy of the module (bundled entry beside the sources).
    return new ApiError(statusOfKind((error as VchError).kind), String((error as VchError).message));
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(500, message || "internal error");
}

/**
 * The error response: `Content-Type` exactly `application/json` (with a charset the CLI prints the
 * raw JSON). 304 has no body, as HTTP requires.
 */
export function errorResponse(error: unknown): ApiResponse {
  const e = toApiError(error);
  const headers = baseHeaders();
  if (e.status === 304) return { status: 304, headers, body: null };
  headers["Content-Type"] = "application/json";
  return { status: e.status, headers, body: JSON.stringify({ message: e.message }) + "\n" };
}

/** A JSON response with the base headers. */
export function jsonResponse(body: unknown, status = 200): ApiResponse {
  const headers = baseHeaders();
  headers["Content-Type"] = "application/json";
  return { status, headers, body: JSON.stringify(body) + "\n" };
}

/** An empty response (204 for start/stop/kill…). */
export function emptyResponse(status = 204): ApiResponse {
  return { status, headers: baseHeaders(), body: null };
}

/** A streaming response: headers go out at once, the body follows as `body` produces it. */
export function streamResponse(body: AsyncIterable<Uint8Array>, contentType: string, abort?: AbortController, status = 200): ApiResponse {
  const headers = baseHeaders();
  headers["Content-Type"] = contentType;
  return { status, headers, body, abort };
}

/**
 * A byte stream pulled from an async iterable; cancelling it (client gone) aborts `abort` (so a
 * pending wait or follow lets go) and returns the iterator.
 */
export function readableOf(source: AsyncIterable<Uint8Array>, abort?: AbortController): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await it.next();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        abort?.abort();
        void it.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/** dockerd's BoolValue: empty, `0`, `no`, `false`, `none` (any case) are false; anything else true. */
export function parseBool(value: string | null | undefined): boolean {
  if (value == null) return false;
  const s = value.trim().toLowerCase();
  return !(s === "" || s === "0" || s === "no" || s === "false" || s === "none");
}

/** A query boolean with a default when the parameter is absent (`stats?stream` defaults to true). */
export function queryBool(q: URLSearchParams, key: string, otherwise = false): boolean {
  return q.has(key) ? parseBool(q.get(key)) : otherwise;
}

/** A query integer; absent or empty gives `otherwise`, anything not an integer is a 400. */
export function queryInt(q: URLSearchParams, key: string, otherwise: number | undefined): number | undefined {
  const raw = q.get(key);
  if (raw == null || raw === "") return otherwise;
  if (!/^[-+]?\d{1,15}$/.test(raw.trim())) throw badRequest(`invalid value for ${key}: ${JSON.stringify(raw)} is not an integer`);
  return Number(raw.trim());
}

/**
 * Parses `filters` as dockerd does: JSON, either a map of booleans (`{"status":{"exited":true}}`)
 * or, from older clients, a map of arrays (`{"status":["exited"]}`). Empty means no filter.
 */
export function parseFilters(raw: string | null, allowed?: readonly string[]): Record<string, string[]> {
  if (raw == null || raw.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badRequest(`invalid filter: ${JSON.stringify(raw.length > 200 ? raw.slice(0, 200) + "…" : raw)} is not JSON`);
  }
  if (parsed === null) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) throw badRequest("invalid filter: expected a JSON object of filter names");
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (allowed && !allowed.includes(key)) throw badRequest(`invalid filter '${key}'`);
    if (Array.isArray(value)) {
      if (!value.every((v) => typeof v === "string")) throw badRequest(`invalid filter '${key}': values must be strings`);
      out[key] = value as string[];
    } else if (value && typeof value === "object") {
      const vals: string[] = [];
      for (const [v, on] of Object.entries(value as Record<string, unknown>)) {
        if (typeof on !== "boolean") throw badRequest(`invalid filter '${key}': expected {"value": true}`);
        if (on) vals.push(v);
      }
      out[key] = vals;
    } else {
      throw badRequest(`invalid filter '${key}': expected {"value": true} or ["value"]`);
    }
  }
  return out;
}

/** Stream ids of Docker's multiplexed stream (stdcopy). */
export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;

/**
 * One stdcopy frame: `[stream, 0, 0, 0, size uint32 big-endian] payload`.
 *
 *   ┌────────┬─────────┬──────────────────┬─────────────┐
 *   │ stream │ 0 0 0   │ size (u32, BE)   │ payload     │
 *   └────────┴─────────┴──────────────────┴─────────────┘
 */
export function frame(stream: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  out[0] = stream;
  new DataView(out.buffer).setUint32(4, payload.length, false);
  out.set(payload, 8);
  return out;
}

/** Splits a multiplexed stream back into frames (tests and clients of the in-process handler). */
export function demultiplex(bytes: Uint8Array): { stream: number; data: Uint8Array }[] {
  const out: { stream: number; data: Uint8Array }[] = [];
  let at = 0;
  while (at + 8 <= bytes.length) {
    const size = new DataView(bytes.buffer, bytes.byteOffset + at + 4, 4).getUint32(0, false);
    if (at + 8 + size > bytes.length) break;
    out.push({ stream: bytes[at], data: bytes.subarray(at + 8, at + 8 + size) });
    at += 8 + size;
  }
  return out;
}

const encoder = new TextEncoder();
/** UTF-8 bytes of a string. */
export const utf8 = (s: string): Uint8Array => encoder.encode(s);

/** One decoder for every body: a whole-buffer `decode` keeps no state between calls. */
const bodyDecoder = new TextDecoder("utf-8", { fatal: false });

/** Reads a request body as JSON with a size cap; empty body gives `otherwise`. */
export async function readJson(request: ApiRequest, limit = 4 << 20, otherwise: unknown = undefined): Promise<unknown> {
  const text = bodyDecoder.decode(await request.readBody(limit));
  if (text.trim() === "") return otherwise;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`invalid JSON body: ${(error as Error).message}`);
  }
}

/** RFC 3339 with nanoseconds, as Go prints `time.RFC3339Nano` (trailing zeros dropped). */
export function rfc3339Nano(ms: number): string {
  const iso = new Date(Math.floor(ms)).toISOString(); // 2026-01-01T00:00:00.123Z
  const frac = Math.round((ms - Math.floor(ms / 1000) * 1000) * 1e6)
    .toString()
    .padStart(9, "0")
    .replace(/0+$/, "");
  return iso.slice(0, 19) + (frac ? "." + frac : "") + "Z";
}

/** Parses a Docker time argument (`since`, `until`): unix seconds, possibly fractional, or RFC 3339. Returns ms. */
export function parseTimeArg(raw: string | null, key: string): number | undefined {
  if (raw == null || raw === "") return undefined;
  const s = raw.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    return Number(s) * 1000;
  }
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw badRequest(`invalid value for ${key}: ${JSON.stringify(raw)} is not a unix timestamp or RFC 3339 time`);
  return t;
}
