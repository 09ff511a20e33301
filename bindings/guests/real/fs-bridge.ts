/**
 * The live filesystem bridge, guest side: a real guest's worker makes synchronous file-system calls
 * on the container's filesystem, which lives on its host (the thread that owns the VCH). One
 * SharedArrayBuffer carries one request at a time; the worker writes it, rings the host (a message)
 * and blocks in Atomics.wait until the host has written the answer. Only SharedArrayBuffer and
 * Atomics: it works the same in Node worker threads, Deno and browsers' Web Workers.
 *
 *   ┌──────────── Int32 words ────────────┬──────────────────────────────────────────┐
 *   │ state │ json bytes │ data bytes │ – │ JSON (≤ 64 KiB) │ data (≤ CHUNK_BYTES)       │
 *   └───────┴────────────┴────────────┴───┴──────────────────────────────────────────┘
 *
 * state: 0 idle, 1 a request waits for the host, 2 the answer is there. A request is JSON (the
 * operation and its paths and numbers) plus bytes (what `write` writes); an answer is JSON (the
 * result, or `{ error: "ENOENT" }` with the errno name) plus bytes (what `read` read). Reads and
 * writes larger than CHUNK_BYTES go as several requests; a long directory listing as several pages.
 */

export const IDLE = 0;
export const REQUEST = 1;
export const ANSWER = 2;
const HEADER_WORDS = 4;
/** Bytes of JSON a request or an answer may hold (a directory is listed in pages that fit). */
export const JSON_BYTES = 64 << 10;
/** Bytes of file data one request moves. */
export const CHUNK_BYTES = 256 << 10;

/** A new channel. */
export function createFsChannel(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_WORDS * 4 + JSON_BYTES + CHUNK_BYTES);
}

/** The views both sides use on a channel. */
export function channelViews(buffer: SharedArrayBuffer): { words: Int32Array; json: Uint8Array; data: Uint8Array } {
  return {
    words: new Int32Array(buffer, 0, HEADER_WORDS),
    json: new Uint8Array(buffer, HEADER_WORDS * 4, JSON_BYTES),
    data: new Uint8Array(buffer, HEADER_WORDS * 4 + JSON_BYTES, CHUNK_BYTES),
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Writes `value` as JSON and `bytes` into the channel (throws when the JSON does not fit). */
export function writeMessage(v: ReturnType<typeof channelViews>, value: unknown, bytes?: Uint8Array): void {
  // Encoded off the shared memory, then copied: TextEncoder.encodeInto refuses shared views in browsers.
  const text = encoder.encode(JSON.stringify(value));
  if (text.byteLength > JSON_BYTES) throw new GuestFsError("ENAMETOOLONG", "");
  if (bytes && bytes.byteLength > CHUNK_BYTES) throw new Error(`at most ${CHUNK_BYTES} bytes go in one message`);
  v.json.set(text);
  if (bytes) v.data.set(bytes);
  Atomics.store(v.words, 1, text.byteLength);
  Atomics.store(v.words, 2, bytes?.byteLength ?? 0);
}

/** Reads the JSON and the bytes in the channel (copies: the channel is reused). */
export function readMessage<T>(v: ReturnType<typeof channelViews>): { value: T; bytes: Uint8Array } {
  const json = v.json.slice(0, Atomics.load(v.words, 1));
  return { value: JSON.parse(decoder.decode(json)) as T, bytes: v.data.slice(0, Atomics.load(v.words, 2)) };
}

/** What stat and lstat say of a node (permission bits in `mode`; the type is `kind`). */
export interface BridgeStat {
  kind: "file" | "dir" | "symlink";
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** ms since the epoch (virtual time). */
  mtime: number;
  target?: string;
}

/** The requests, by operation. */
export type FsRequest =
  | { op: "stat" | "lstat" | "readlink" | "unlink" | "rmdir"; path: string }
  | { op: "readdir"; path: string; from: number }
  | { op: "read"; path: string; offset: number; length: number }
  | { op: "write"; path: string; offset: number }
  | { op: "truncate"; path: string; size: number }
  | { op: "create"; path: string; exclusive: boolean; mode: number }
  | { op: "mkdir"; path: string; mode: number }
  | { op: "rename"; from: string; to: string }
  | { op: "symlink"; target: string; path: string }
  | { op: "utimes"; path: string; mtime: number }
  | { op: "chmod"; path: string; mode: number };

/** A failed call: `code` is the errno name (ENOENT, EROFS, …) each runtime turns into its own error. */
export class GuestFsError extends Error {
  constructor(readonly code: string, readonly path: string) {
    super(`${code}: ${path}`);
    this.name = "GuestFsError";
  }
}

/**
 * The guest's end: blocking calls on the container's filesystem. `ring` tells the host a request
 * waits (the worker posts a message; the host calls its FsBridgeHost's serve).
 */
export class GuestFs {
  private readonly v: ReturnType<typeof channelViews>;

  constructor(buffer: SharedArrayBuffer, private readonly ring: () => void) {
    this.v = channelViews(buffer);
  }

  /** One request and its answer; throws GuestFsError when the host answered with an errno. */
  call<T>(request: FsRequest, bytes?: Uint8Array): { value: T; bytes: Uint8Array } {
    writeMessage(this.v, request, bytes);
    Atomics.store(this.v.words, 0, REQUEST);
    this.ring();
    while (Atomics.load(this.v.words, 0) === REQUEST) Atomics.wait(this.v.words, 0, REQUEST, 1_000);
    const answer = readMessage<T & { error?: string }>(this.v);
    Atomics.store(this.v.words, 0, IDLE);
    if (answer.value && typeof answer.value === "object" && "error" in answer.value && answer.value.error) {
      throw new GuestFsError(answer.value.error, "path" in request ? request.path : request.from);
    }
    return answer;
  }

  stat(path: string): BridgeStat {
    return this.call<BridgeStat>({ op: "stat", path }).value;
  }

  lstat(path: string): BridgeStat {
    return this.call<BridgeStat>({ op: "lstat", path }).value;
  }

  /** The names in a directory (without `.` and `..`), page by page. */
  readdir(path: string): string[] {
    const names: string[] = [];
    for (let from = 0; ;) {
      const page = this.call<{ names: string[]; next: number | null }>({ op: "readdir", path, from }).value;
      names.push(...page.names);
      if (page.next === null) return names;
      from = page.next;
    }
  }

  /** Up to `length` bytes from `offset` (fewer at the end of the file). */
  read(path: string, offset: number, length: number): Uint8Array {
    if (length <= CHUNK_BYTES) return this.call({ op: "read", path, offset, length }).bytes;
    const parts: Uint8Array[] = [];
    let total = 0;
    while (total < length) {
      const want = Math.min(CHUNK_BYTES, length - total);
      const part = this.call({ op: "read", path, offset: offset + total, length: want }).bytes;
      parts.push(part);
      total += part.byteLength;
      if (part.byteLength < want) break; // the end of the file
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) (out.set(p, at), (at += p.byteLength));
    return out;
  }

  /** The whole file. */
  readFile(path: string): Uint8Array {
    return this.read(path, 0, this.stat(path).size);
  }

  /** Writes `data` at `offset` (the file grows as needed); returns the file's new size. */
  write(path: string, offset: number, data: Uint8Array): number {
    let size = this.call<{ size: number }>({ op: "write", path, offset }, data.subarray(0, CHUNK_BYTES)).value.size;
    for (let at = CHUNK_BYTES; at < data.byteLength; at += CHUNK_BYTES) {
      size = this.call<{ size: number }>({ op: "write", path, offset: offset + at }, data.subarray(at, at + CHUNK_BYTES)).value.size;
    }
    return size;
  }

  truncate(path: string, size: number): void {
    this.call({ op: "truncate", path, size });
  }

  /** Creates an empty file unless one is there (EEXIST with `exclusive`). */
  create(path: string, exclusive: boolean, mode = 0o644): void {
    this.call({ op: "create", path, exclusive, mode });
  }

  mkdir(path: string, mode = 0o755): void {
    this.call({ op: "mkdir", path, mode });
  }

  unlink(path: string): void {
    this.call({ op: "unlink", path });
  }

  rmdir(path: string): void {
    this.call({ op: "rmdir", path });
  }

  rename(from: string, to: string): void {
    this.call({ op: "rename", from, to });
  }

  symlink(target: string, path: string): void {
    this.call({ op: "symlink", target, path });
  }

  readlink(path: string): string {
    return this.call<{ target: string }>({ op: "readlink", path }).value.target;
  }

  utimes(path: string, mtime: number): void {
    this.call({ op: "utimes", path, mtime });
  }

  chmod(path: string, mode: number): void {
    this.call({ op: "chmod", path, mode });
  }
}
