/**
 * The live filesystem bridge, host side: answers a real guest's file-system requests (fs-bridge.ts)
 * against the container's filesystem, the same ContainerFs `docker cp`, `docker exec … cat` and the
 * other containers on a volume use, so what the guest writes is there for them at once. Runs on the
 * thread that owns the container; `serve` is called when the guest rings (a worker message).
 */
import { type ContainerFs, type Credentials, ROOT } from "../../fs/index.js";
import { ANSWER, type BridgeStat, channelViews, CHUNK_BYTES, type FsRequest, JSON_BYTES, readMessage, REQUEST, writeMessage } from "./fs-bridge.js";

export interface FsBridgeOptions {
  /** `--read-only`: the root answers EROFS to every change; volumes and bind mounts keep their own mode. */
  readOnlyRoot?: boolean;
  /** Who the guest runs as (the container's `User`): permission bits are checked for anyone but root. */
  cred?: Credentials;
}

/** The host's end of one guest's channel. */
export class FsBridgeHost {
  private readonly v: ReturnType<typeof channelViews>;
  private readonly cred: Credentials;

  constructor(readonly buffer: SharedArrayBuffer, private readonly fs: ContainerFs, private readonly opts: FsBridgeOptions = {}) {
    this.v = channelViews(buffer);
    this.cred = opts.cred ?? ROOT;
  }

  /** Answers the waiting request, if there is one, and wakes the guest. */
  serve(): void {
    if (Atomics.load(this.v.words, 0) !== REQUEST) return;
    const { value, bytes } = readMessage<FsRequest>(this.v);
    const answer = this.answer(value, bytes);
    try {
      writeMessage(this.v, answer.value, answer.bytes);
    } catch {
      // An answer too large for the channel (a symlink target over 64 KiB): the guest must not wait forever.
      writeMessage(this.v, { error: "ENAMETOOLONG" });
    }
    Atomics.store(this.v.words, 0, ANSWER);
    Atomics.notify(this.v.words, 0);
  }

  /** One request's answer: its result, or `{ error }` with the errno name. */
  answer(r: FsRequest, bytes: Uint8Array): { value: unknown; bytes?: Uint8Array } {
    try {
      return this.perform(r, bytes);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return { value: { error: typeof code === "string" && /^E[A-Z]+$/.test(code) ? code : "EIO" } };
    }
  }

  private perform(r: FsRequest, bytes: Uint8Array): { value: unknown; bytes?: Uint8Array } {
    const fs = this.fs;
    const cred = this.cred;
    switch (r.op) {
      case "stat":
      case "lstat": {
        const st = r.op === "stat" ? fs.stat(r.path) : fs.lstat(r.path);
        const out: BridgeStat = { kind: st.kind, size: st.size, mode: st.mode, uid: st.uid, gid: st.gid, mtime: st.mtime };
        if (st.target !== undefined) out.target = st.target;
        return { value: out };
      }
      case "readdir": {
        const all = fs.readdir(r.path, cred);
        // As many names as fit in one answer's JSON (with room for the rest of it).
        const names: string[] = [];
        let size = 64;
        let i = Math.max(0, r.from);
        for (; i < all.length; i++) {
          size += new TextEncoder().encode(all[i]).byteLength * 6 + 3;
          if (size > JSON_BYTES && names.length) break;
          names.push(all[i]);
        }
        return { value: { names, next: i < all.length ? i : null } };
      }
      case "read": {
        const data = fs.readFile(r.path, cred);
        const start = Math.min(Math.max(0, r.offset), data.byteLength);
        return { value: { size: data.byteLength }, bytes: data.subarray(start, start + Math.min(r.length, CHUNK_BYTES)) };
      }
      case "write":
        return { value: { size: this.write(r.path, r.offset, bytes) } };
      case "truncate": {
        this.writable(r.path);
        const data = fs.readFile(r.path);
        if (data.byteLength !== r.size) {
          const next = new Uint8Array(r.size);
          next.set(data.subarray(0, r.size));
          fs.writeFile(r.path, next, { cred });
        }
        return { value: {} };
      }
      case "create": {
        const there = fs.resolve(r.path, true).stat;
        if (there) {
          if (r.exclusive) return { value: { error: "EEXIST" } };
          if (there.kind === "dir") return { value: { error: "EISDIR" } };
          return { value: {} };
        }
        this.writable(r.path);
        fs.writeFile(r.path, new Uint8Array(0), { mode: r.mode & 0o7777, cred });
        return { value: {} };
      }
      case "mkdir":
        this.writable(r.path);
        fs.mkdir(r.path, { mode: r.mode & 0o7777, cred });
        return { value: {} };
      case "unlink":
        this.writable(r.path);
        fs.unlink(r.path, cred);
        return { value: {} };
      case "rmdir":
        this.writable(r.path);
        fs.rmdir(r.path, cred);
        return { value: {} };
      case "rename":
        this.writable(r.from);
        this.writable(r.to);
        fs.rename(r.from, r.to, cred);
        return { value: {} };
      case "symlink":
        this.writable(r.path);
        fs.symlink(r.target, r.path, cred);
        return { value: {} };
      case "readlink":
        return { value: { target: fs.readlink(r.path) } };
      case "utimes":
        this.writable(r.path);
        fs.utimes(r.path, r.mtime);
        return { value: {} };
      case "chmod":
        this.writable(r.path);
        fs.chmod(r.path, r.mode & 0o7777);
        return { value: {} };
      default:
        return { value: { error: "ENOSYS" } };
    }
  }

  /** Writes `data` at `offset` of an existing file; returns its new size. */
  private write(path: string, offset: number, data: Uint8Array): number {
    this.writable(path);
    const old = this.fs.readFile(path);
    if (offset === old.byteLength) {
      if (data.byteLength) this.fs.writeFile(path, data, { append: true, cred: this.cred });
      return old.byteLength + data.byteLength;
    }
    // File contents are immutable arrays shared with lower layers: a write makes a new one.
    const next = new Uint8Array(Math.max(old.byteLength, offset + data.byteLength));
    next.set(old);
    next.set(data, offset);
    this.fs.writeFile(path, next, { cred: this.cred });
    return next.byteLength;
  }

  /** Throws EROFS for a change on a read-only root outside every writable mount (the mounts say EROFS themselves). */
  private writable(path: string): void {
    if (!this.opts.readOnlyRoot) return;
    const at = "/" + this.fs.resolve(path, false).parts.join("/");
    const under = this.fs.mountModes().some((m) => at === m.path || at.startsWith(m.path === "/" ? "/" : m.path + "/"));
    if (!under) throw Object.assign(new Error("Read-only file system"), { code: "EROFS" });
  }
}
