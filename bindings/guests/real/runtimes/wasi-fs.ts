/**
 * WASI preview1's file calls (fd_* and path_*) over the live filesystem bridge (../fs-bridge.ts):
 * descriptor 3 is the preopened `/`, the container's root, and every open, read, write, listing and
 * rename is a bridge request, so a WASI program (or ruby.wasm) reads what `docker cp` put in the
 * container and its writes are there at once. Platform-neutral (no node:fs): the same code serves
 * Node, Deno and browsers; stdin, stdout and stderr are the caller's (wasi-imports.ts).
 */
import { type BridgeStat, type GuestFs, GuestFsError } from "../fs-bridge.js";

/** WASI's errno numbers (Emscripten uses the same). */
export const WASI_ERRNO: Record<string, number> = {
  ESUCCESS: 0, E2BIG: 1, EACCES: 2, EBADF: 8, EBUSY: 10, EEXIST: 20, EFBIG: 22, EINVAL: 28, EIO: 29, EISDIR: 31,
  ELOOP: 32, ENAMETOOLONG: 37, ENOENT: 44, ENOSYS: 52, ENOTDIR: 54, ENOTEMPTY: 55, ENOTSUP: 58, EPERM: 63,
  EROFS: 69, ESPIPE: 70, EXDEV: 75, ENOTCAPABLE: 76,
};
const E = WASI_ERRNO;

const FILETYPE = { charDevice: 2, dir: 3, file: 4, symlink: 7 } as const;
const O_CREAT = 1, O_DIRECTORY = 2, O_EXCL = 4, O_TRUNC = 8;
const FDFLAG_APPEND = 1;
const LOOKUP_FOLLOW = 1;
const RIGHT_FD_WRITE = 1n << 6n;
const ALL_RIGHTS = (1n << 29n) - 1n;
const FST_MTIM = 4, FST_MTIM_NOW = 8;
const DIRENT_BYTES = 24;

interface Open {
  kind: BridgeStat["kind"];
  path: string;
  position: number;
  append: boolean;
  /** The guest path of a preopened directory. */
  preopen?: string;
}

type Fn = (...args: (number | bigint)[]) => number;

/** The open descriptors of one guest and the WASI calls that use them. */
export class WasiFiles {
  private readonly fds = new Map<number, Open>();
  private readonly inodes = new Map<string, bigint>();
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  /** `memory` is the guest's (read anew on every call: it may grow). */
  constructor(private readonly files: GuestFs | null, private readonly memory: () => WebAssembly.Memory) {
    if (files) this.fds.set(3, { kind: "dir", path: "/", position: 0, append: false, preopen: "/" });
  }

  /** The fd_… and path_… imports; fd_read and fd_write on 0–2 are left to the caller (stdio). */
  imports(): Record<string, Fn> {
    const calls: Record<string, Fn> = {};
    for (const name of Object.getOwnPropertyNames(WasiFiles.prototype)) {
      if (/^(fd|path)_/.test(name)) {
        const fn = (this as unknown as Record<string, Fn>)[name].bind(this);
        calls[name] = (...args) => {
          try {
            return fn(...args);
          } catch (error) {
            if (error instanceof GuestFsError) return E[error.code] ?? E.EIO;
            throw error;
          }
        };
      }
    }
    return calls;
  }

  private get view(): DataView {
    return new DataView(this.memory().buffer);
  }

  private bytes(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory().buffer, ptr, len);
  }

  private string(ptr: number, len: number): string {
    return this.decoder.decode(this.bytes(ptr, len).slice());
  }

  private open(fd: number): Open | null {
    return this.fds.get(fd) ?? null;
  }

  /** The container path `ptr`/`len` names relative to the directory `fd`. */
  private pathAt(fd: number, ptr: number, len: number): string | number {
    const dir = this.open(fd);
    if (!dir) return E.EBADF;
    if (dir.kind !== "dir") return E.ENOTDIR;
    const rel = this.string(ptr, len);
    if (rel.startsWith("/")) return rel;
    return dir.path === "/" ? `/${rel}` : `${dir.path}/${rel}`;
  }

  private ino(path: string): bigint {
    let n = this.inodes.get(path);
    if (n === undefined) this.inodes.set(path, (n = BigInt(this.inodes.size + 2)));
    return n;
  }

  private writeFilestat(buf: number, st: BridgeStat | null, path: string): void {
    const v = this.view;
    const ns = BigInt(Math.round(st?.mtime ?? 0)) * 1_000_000n;
    v.setBigUint64(buf, 1n, true);
    v.setBigUint64(buf + 8, this.ino(path), true);
    v.setUint8(buf + 16, st ? FILETYPE[st.kind] : FILETYPE.charDevice);
    v.setBigUint64(buf + 24, 1n, true);
    v.setBigUint64(buf + 32, BigInt(st?.size ?? 0), true);
    v.setBigUint64(buf + 40, ns, true);
    v.setBigUint64(buf + 48, ns, true);
    v.setBigUint64(buf + 56, ns, true);
  }

  private iovecs(iovs: number, count: number): { ptr: number; len: number }[] {
    const v = this.view;
    const out = [];
    for (let i = 0; i < count; i++) out.push({ ptr: v.getUint32(iovs + i * 8, true), len: v.getUint32(iovs + i * 8 + 4, true) });
    return out;
  }

  // ---- descriptors ----------------------------------------------------------------------------

  fd_prestat_get(fd: number, buf: number): number {
    const o = this.open(fd);
    if (!o?.preopen) return E.EBADF;
    this.view.setUint8(buf, 0);
    this.view.setUint32(buf + 4, this.encoder.encode(o.preopen).byteLength, true);
    return 0;
  }

  fd_prestat_dir_name(fd: number, ptr: number, len: number): number {
    const o = this.open(fd);
    if (!o?.preopen) return E.EBADF;
    this.bytes(ptr, len).set(this.encoder.encode(o.preopen).subarray(0, len));
    return 0;
  }

  fd_fdstat_get(fd: number, buf: number): number {
    const o = this.open(fd);
    if (!o && fd > 2) return E.EBADF;
    const v = this.view;
    v.setUint8(buf, o ? FILETYPE[o.kind] : FILETYPE.charDevice);
    v.setUint16(buf + 2, o?.append ? FDFLAG_APPEND : 0, true);
    v.setBigUint64(buf + 8, ALL_RIGHTS, true);
    v.setBigUint64(buf + 16, ALL_RIGHTS, true);
    return 0;
  }

  fd_fdstat_set_flags(fd: number, flags: number): number {
    const o = this.open(fd);
    if (!o) return fd <= 2 ? 0 : E.EBADF;
    o.append = (flags & FDFLAG_APPEND) !== 0;
    return 0;
  }

  fd_fdstat_set_rights(fd: number): number {
    return this.open(fd) || fd <= 2 ? 0 : E.EBADF;
  }

  fd_filestat_get(fd: number, buf: number): number {
    const o = this.open(fd);
    if (!o) {
      if (fd > 2) return E.EBADF;
      this.writeFilestat(buf, null, `<stdio ${fd}>`);
      return 0;
    }
    this.writeFilestat(buf, this.files!.stat(o.path), o.path);
    return 0;
  }

  fd_filestat_set_size(fd: number, size: bigint): number {
    const o = this.open(fd);
    if (!o) return E.EBADF;
    if (o.kind !== "file") return E.EINVAL;
    this.files!.truncate(o.path, Number(size));
    return 0;
  }

  fd_filestat_set_times(fd: number, _atim: bigint, mtim: bigint, flags: number): number {
    const o = this.open(fd);
    if (!o) return E.EBADF;
    return this.setTimes(o.path, mtim, flags);
  }

  private setTimes(path: string, mtim: bigint, flags: number): number {
    if (flags & FST_MTIM) this.files!.utimes(path, Number(BigInt(mtim) / 1_000_000n));
    else if (flags & FST_MTIM_NOW) this.files!.utimes(path, Date.now());
    return 0;
  }

  fd_read(fd: number, iovs: number, count: number, nread: number): number {
    const o = this.open(fd);
    if (!o) return E.EBADF;
    const n = this.readAt(o, iovs, count, o.position);
    if (n < 0) return -n;
    o.position += n;
    this.view.setUint32(nread, n, true);
    return 0;
  }

  fd_pread(fd: number, iovs: number, count: number, offset: bigint, nread: number): number {
    const o = this.open(fd);
    if (!o) return E.EBADF;
    const n = this.readAt(o, iovs, count, Number(offset));
    if (n < 0) return -n;
    this.view.setUint32(nread, n, true);
    return 0;
  }

  /** Reads into the iovecs from `at`; the byte count, or a negated errno. */
  private readAt(o: Open, iovs: number, count: number, at: number): number {
    if (o.kind === "dir") return -E.EISDIR;
    let total = 0;
    for (const { ptr, len } of this.iovecs(iovs, count)) {
      if (!len) continue;
      const got = this.files!.read(o.path, at + total, len);
      this.bytes(ptr, got.byteLength).set(got);
      total += got.byteLength;
      if (got.byteLength < len) break;
    }
    return total;
  }

  fd_write(fd: number, iovs: number, count: number, nwritten: number): number {
    const o = this.open(fd);
    if (!o) return E.EBADF;
    if (o.append) o.position = this.files!.stat(o.path).size;
    const n = this.writeAt(o, iovs, count, o.position);
    if (n < 0) return -n;
    o.position += n;
    this.view.setUint32(nwritten, n, true);
    return 0;
  }

  fd_pwrite(fd: number, iovs: number, count: number, offset: bigint, nwritten: number): number {
    const o = this.open(fd);
    if (!o) return E.EBADF;
    const n = this.writeAt(o, iovs, count, Number(offset));
    if (n < 0) return -n;
    this.view.setUint32(nwritten, n, true);
    return 0;
  }

  private writeAt(o: Open, iovs: number, count: number, at: number): number {
    if (o.kind === "dir") return -E.EISDIR;
    const parts = this.iovecs(iovs, count).map(({ ptr, len }) => this.bytes(ptr, len).slice());
    const total = parts.reduce((s, p) => s + p.byteLength, 0);
    const joined = new Uint8Array(total);
    let off = 0;
    for (const p of parts) (joined.set(p, off), (off += p.byteLength));
    this.files!.write(o.path, at, joined);
    return total;
  }

  fd_seek(fd: number, offset: bigint, whence: number, newOffset: number): number {
    const o = this.open(fd);
    if (!o) return fd <= 2 ? E.ESPIPE : E.EBADF;
    if (o.kind === "dir") return E.EISDIR;
    const base = whence === 0 ? 0 : whence === 1 ? o.position : whence === 2 ? this.files!.stat(o.path).size : NaN;
    const position = base + Number(offset);
    if (!(position >= 0)) return E.EINVAL;
    o.position = position;
    this.view.setBigUint64(newOffset, BigInt(position), true);
    return 0;
  }

  fd_tell(fd: number, out: number): number {
    const o = this.open(fd);
    if (!o) return fd <= 2 ? E.ESPIPE : E.EBADF;
    this.view.setBigUint64(out, BigInt(o.position), true);
    return 0;
  }

  fd_close(fd: number): number {
    if (fd <= 2) return 0;
    return this.fds.delete(fd) ? 0 : E.EBADF;
  }

  fd_sync(fd: number): number {
    return this.open(fd) || fd <= 2 ? 0 : E.EBADF;
  }

  fd_datasync(fd: number): number {
    return this.fd_sync(fd);
  }

  fd_advise(fd: number): number {
    return this.fd_sync(fd);
  }

  fd_allocate(fd: number, offset: bigint, len: bigint): number {
    const o = this.open(fd);
    if (!o) return E.EBADF;
    const end = Number(offset) + Number(len);
    if (this.files!.stat(o.path).size < end) this.files!.truncate(o.path, end);
    return 0;
  }

  fd_renumber(from: number, to: number): number {
    const o = this.open(from);
    if (!o) return E.EBADF;
    this.fds.set(to, o);
    this.fds.delete(from);
    return 0;
  }

  fd_readdir(fd: number, buf: number, bufLen: number, cookie: bigint, used: number): number {
    const o = this.open(fd);
    if (!o) return E.EBADF;
    if (o.kind !== "dir") return E.ENOTDIR;
    const names = [".", "..", ...this.files!.readdir(o.path)];
    const out = this.bytes(buf, bufLen);
    let at = 0;
    for (let i = Number(cookie); i < names.length && at < bufLen; i++) {
      const name = this.encoder.encode(names[i]);
      const path = names[i] === "." || names[i] === ".." ? o.path : o.path === "/" ? `/${names[i]}` : `${o.path}/${names[i]}`;
      let type = 0;
      try {
        type = FILETYPE[this.files!.lstat(path).kind];
      } catch {
        // gone since the listing: unknown type
      }
      const entry = new Uint8Array(DIRENT_BYTES + name.byteLength);
      const v = new DataView(entry.buffer);
      v.setBigUint64(0, BigInt(i + 1), true);
      v.setBigUint64(8, this.ino(path), true);
      v.setUint32(16, name.byteLength, true);
      v.setUint8(20, type);
      entry.set(name, DIRENT_BYTES);
      // The last entry may be cut off: a full buffer tells libc to ask again with a larger one.
      const n = Math.min(entry.byteLength, bufLen - at);
      out.set(entry.subarray(0, n), at);
      at += n;
    }
    this.view.setUint32(used, at, true);
    return 0;
  }

  // ---- paths ----------------------------------------------------------------------------------

  path_open(fd: number, dirflags: number, ptr: number, len: number, oflags: number, rights: bigint, _inheriting: bigint, fdflags: number, out: number): number {
    const path = this.pathAt(fd, ptr, len);
    if (typeof path === "number") return path;
    const files = this.files!;
    if (oflags & O_CREAT) files.create(path, (oflags & O_EXCL) !== 0);
    const st = dirflags & LOOKUP_FOLLOW ? files.stat(path) : files.lstat(path);
    if (st.kind === "symlink") return E.ELOOP;
    if (oflags & O_DIRECTORY && st.kind !== "dir") return E.ENOTDIR;
    if (st.kind === "dir" && (oflags & O_TRUNC || BigInt(rights) & RIGHT_FD_WRITE)) return E.EISDIR;
    if (oflags & O_TRUNC) files.truncate(path, 0);
    let next = 4;
    while (this.fds.has(next)) next++;
    this.fds.set(next, { kind: st.kind, path, position: 0, append: (fdflags & FDFLAG_APPEND) !== 0 });
    this.view.setUint32(out, next, true);
    return 0;
  }

  path_filestat_get(fd: number, flags: number, ptr: number, len: number, buf: number): number {
    const path = this.pathAt(fd, ptr, len);
    if (typeof path === "number") return path;
    this.writeFilestat(buf, flags & LOOKUP_FOLLOW ? this.files!.stat(path) : this.files!.lstat(path), path);
    return 0;
  }

  path_filestat_set_times(fd: number, _flags: number, ptr: number, len: number, _atim: bigint, mtim: bigint, fstflags: number): number {
    const path = this.pathAt(fd, ptr, len);
    if (typeof path === "number") return path;
    return this.setTimes(path, mtim, fstflags);
  }

  path_create_directory(fd: number, ptr: number, len: number): number {
    const path = this.pathAt(fd, ptr, len);
    if (typeof path === "number") return path;
    this.files!.mkdir(path);
    return 0;
  }

  path_remove_directory(fd: number, ptr: number, len: number): number {
    const path = this.pathAt(fd, ptr, len);
    if (typeof path === "number") return path;
    this.files!.rmdir(path);
    return 0;
  }

  path_unlink_file(fd: number, ptr: number, len: number): number {
    const path = this.pathAt(fd, ptr, len);
    if (typeof path === "number") return path;
    this.files!.unlink(path);
    return 0;
  }

  path_rename(fd: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number): number {
    const from = this.pathAt(fd, oldPtr, oldLen);
    if (typeof from === "number") return from;
    const to = this.pathAt(newFd, newPtr, newLen);
    if (typeof to === "number") return to;
    this.files!.rename(from, to);
    return 0;
  }

  path_symlink(targetPtr: number, targetLen: number, fd: number, ptr: number, len: number): number {
    const path = this.pathAt(fd, ptr, len);
    if (typeof path === "number") return path;
    this.files!.symlink(this.string(targetPtr, targetLen), path);
    return 0;
  }

  path_readlink(fd: number, ptr: number, len: number, buf: number, bufLen: number, used: number): number {
    const path = this.pathAt(fd, ptr, len);
    if (typeof path === "number") return path;
    const target = this.encoder.encode(this.files!.readlink(path)).subarray(0, bufLen);
    this.bytes(buf, target.byteLength).set(target);
    this.view.setUint32(used, target.byteLength, true);
    return 0;
  }

  /** Hard links: the container filesystem has none. */
  path_link(): number {
    return E.ENOTSUP;
  }
}
