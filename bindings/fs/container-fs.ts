/**
 * A container's filesystem as its processes see it: the overlay root (image layers + the
 * container's upper layer) with volumes and bind mounts mounted over directories. Resolves paths
 * (symlinks with Linux's loop limit, `.` and `..`, mount points) and then calls the backend that
 * owns the resolved path. Everything is synchronous: the shell's utilities call it directly.
 */
import type { Backend } from "./backend.js";
import { Layer } from "./layer.js";
import { type Change, OverlayBackend } from "./overlay.js";
import { components, FsError, joinParts, MAX_SYMLINKS, type Meta, type Stat, utf8 } from "./node.js";

/** Who is acting: files are created with this owner; permission bits are checked for uid ≠ 0. */
export interface Credentials { uid: number; gid: number; groups?: number[] }
export const ROOT: Credentials = { uid: 0, gid: 0 };

export interface ContainerFsOptions {
  /** The image's layers, top (most recent) first; shared read-only with every container of the image. */
  lowers?: readonly Layer[];
  /** The container's writable layer (a fresh one when absent; pass a restored one to resume). */
  upper?: Layer;
  /** Virtual time in ms since the epoch, for mtimes. */
  now?: () => number;
  /** Called after every write to a file with the resolved path and the byte count (page-cache accounting). */
  onWrite?: (path: string, bytes: number) => void;
}

interface Mount { at: string[]; backend: Backend; readOnly: boolean }

export class ContainerFs {
  readonly upper: Layer;
  readonly lowers: readonly Layer[];
  private readonly overlay: OverlayBackend;
  private mounts: Mount[] = [];
  private readonly now: () => number;
  onWrite?: (path: string, bytes: number) => void;

  constructor(opts: ContainerFsOptions = {}) {
    this.upper = opts.upper ?? new Layer();
    this.lowers = opts.lowers ?? [];
    this.overlay = new OverlayBackend(this.upper, this.lowers);
    this.now = opts.now ?? (() => Date.now());
    this.onWrite = opts.onWrite;
  }

  // ---- mounts -------------------------------------------------------------------------------

  /**
   * Mounts `backend` at the absolute `path` (a volume or a bind mount). The mount point is created
   * in the container's layer when missing, as Docker does. With `copyUp`, an empty backend first
   * receives the image's files at that path (Docker's behaviour for a fresh named volume).
   */
  mount(path: string, backend: Backend, opts: { readOnly?: boolean; copyUp?: boolean } = {}): void {
    if (!path.startsWith("/")) throw new FsError("EINVAL", path);
    if (backend.stat([])?.kind === "file") {
      // A file bind mount (`-v /host/nginx.conf:/etc/nginx/nginx.conf`): the mount point is a file.
      const parent = components(path).slice(0, -1);
      this.mkdir("/" + parent.join("/"), { parents: true });
      const r = this.resolve(path, true);
      if (r.stat?.kind === "dir") throw new FsError("ENOTDIR", path);
      if (!r.stat) this.writeFile(path, new Uint8Array(0));
    } else {
      this.mkdir(path, { parents: true });
    }
    const at = this.resolve(path, true).parts;
    if (opts.copyUp && backend.list([]).length === 0) this.copyTreeInto(at, backend, []);
    this.mounts = this.mounts.filter((m) => joinParts(m.at) !== joinParts(at));
    this.mounts.push({ at, backend, readOnly: !!opts.readOnly });
    this.mounts.sort((a, b) => b.at.length - a.at.length);
  }

  /** Removes the mount at `path`; the directory under it shows again. */
  unmount(path: string): void {
    const p = joinParts(components(path));
    this.mounts = this.mounts.filter((m) => joinParts(m.at) !== p);
  }

  /** The mount points with their mode (read-only or not), as absolute paths, shortest first. */
  mountModes(): { path: string; readOnly: boolean }[] {
    return this.mounts.map((m) => ({ path: joinParts(m.at), readOnly: m.readOnly })).sort((a, b) => a.path.length - b.path.length);
  }

  /** The mount points, as absolute paths. */
  mountPoints(): string[] {
    return this.mounts.map((m) => joinParts(m.at)).sort();
  }

  private owner(parts: readonly string[]): { m: Mount | null; rel: string[]; backend: Backend } {
    for (const m of this.mounts) {
      if (m.at.length <= parts.length && m.at.every((c, i) => parts[i] === c)) {
        return { m, rel: parts.slice(m.at.length), backend: m.backend };
      }
    }
    return { m: null, rel: parts.slice(), backend: this.overlay };
  }

  private statParts(parts: readonly string[]): Stat | null {
    const o = this.owner(parts);
    return o.backend.stat(o.rel);
  }

  // ---- path resolution ----------------------------------------------------------------------

  /**
   * Resolves an absolute path to its canonical components. Intermediate symlinks are always
   * followed, the last one only when `followLast`; missing intermediate directories raise ENOENT,
   * a file used as a directory ENOTDIR. The last component may be missing (stat is then null).
   */
  resolve(path: string, followLast: boolean): { parts: string[]; stat: Stat | null } {
    const r = this.walk(path, followLast);
    if (typeof r === "string") throw new FsError(r, path);
    return r;
  }

  /** resolve without an exception: the errno instead (PATH lookups miss often, and a throw costs a stack). */
  private walk(path: string, followLast: boolean): { parts: string[]; stat: Stat | null } | "ENOENT" | "ENOTDIR" | "ELOOP" {
    if (path === "") return "ENOENT";
    const queue = components(path);
    const wantsDir = path.endsWith("/") && queue.length > 0;
    let parts: string[] = [];
    let stat: Stat | null = this.statParts([]);
    let links = 0;
    while (queue.length > 0) {
      const c = queue.shift()!;
      if (stat === null) return "ENOENT";
      if (stat.kind !== "dir") return "ENOTDIR";
      if (c === ".") continue;
      if (c === "..") {
        parts.pop();
        stat = this.statParts(parts);
        continue;
      }
      const cand = [...parts, c];
      const st = this.statParts(cand);
      if (st?.kind === "symlink" && (queue.length > 0 || followLast || wantsDir)) {
        if (++links > MAX_SYMLINKS) return "ELOOP";
        const t = st.target!;
        if (t.startsWith("/")) { parts = []; stat = this.statParts([]); }
        queue.unshift(...components(t));
        continue;
      }
      parts = cand;
      stat = st;
    }
    if (wantsDir && stat && stat.kind !== "dir") return "ENOTDIR";
    return { parts, stat };
  }

  /** stat(2) that answers null for a path that does not resolve, instead of raising. */
  statOrNull(path: string): Stat | null {
    const r = this.walk(path, true);
    return typeof r === "string" ? null : r.stat;
  }

  private existing(path: string, follow = true): { parts: string[]; stat: Stat } {
    const r = this.resolve(path, follow);
    if (!r.stat) throw new FsError("ENOENT", path);
    return { parts: r.parts, stat: r.stat };
  }

  // ---- reading ------------------------------------------------------------------------------

  /** stat(2): follows a final symlink. */
  stat(path: string): Stat { return this.existing(path).stat; }
  /** lstat(2): reports a final symlink itself. */
  lstat(path: string): Stat { return this.existing(path, false).stat; }
  /** True when `path` resolves (following symlinks). */
  exists(path: string): boolean {
    return this.statOrNull(path) !== null;
  }
  /** The canonical absolute path. */
  realpath(path: string): string { return joinParts(this.existing(path).parts); }
  readlink(path: string): string {
    const st = this.lstat(path);
    if (st.kind !== "symlink") throw new FsError("EINVAL", path);
    return st.target!;
  }

  readdir(path: string, cred: Credentials = ROOT): string[] {
    const { parts, stat } = this.existing(path);
    if (stat.kind !== "dir") throw new FsError("ENOTDIR", path);
    this.check(stat, 4, cred, path);
    const o = this.owner(parts);
    const names = new Set(o.backend.list(o.rel));
    // Mount points whose parent is this directory show even when the layer lacks them.
    for (const m of this.mounts) {
      if (m.at.length === parts.length + 1 && parts.every((c, i) => m.at[i] === c)) names.add(m.at[parts.length]);
    }
    return [...names].sort();
  }

  readFile(path: string, cred: Credentials = ROOT): Uint8Array {
    const { parts, stat } = this.existing(path);
    if (stat.kind === "dir") throw new FsError("EISDIR", path);
    this.check(stat, 4, cred, path);
    const o = this.owner(parts);
    return o.backend.read(o.rel);
  }

  // ---- writing ------------------------------------------------------------------------------

  /** Creates or replaces a file (or appends with `append`); the parent directory must exist. */
  writeFile(path: string, data: Uint8Array | string, opts: { append?: boolean; mode?: number; cred?: Credentials } = {}): void {
    const cred = opts.cred ?? ROOT;
    const bytes = typeof data === "string" ? utf8(data) : data;
    const r = this.resolve(path, true);
    if (r.stat?.kind === "dir" || r.parts.length === 0) throw new FsError("EISDIR", path);
    if (r.stat) this.check(r.stat, 2, cred, path);
    else this.checkParent(r.parts, cred, path);
    const o = this.writable(r.parts, path);
    o.backend.write(o.rel, bytes, !!opts.append, this.meta(opts.mode ?? 0o644, cred));
    this.onWrite?.(joinParts(r.parts), bytes.length);
  }

  /** mkdir(2), or `mkdir -p` with `parents` (existing directories are then fine). */
  mkdir(path: string, opts: { parents?: boolean; mode?: number; cred?: Credentials } = {}): void {
    const cred = opts.cred ?? ROOT;
    if (opts.parents) {
      let prefix = path.startsWith("/") ? "" : ".";
      for (const c of components(path)) {
        prefix += "/" + c;
        const r = this.resolve(prefix, true);
        if (r.stat) {
          if (r.stat.kind !== "dir") throw new FsError("ENOTDIR", prefix);
          continue;
        }
        this.mkdirOne(r.parts, opts.mode ?? 0o755, cred, prefix);
      }
      return;
    }
    const r = this.resolve(path, false);
    if (r.stat) throw new FsError("EEXIST", path);
    this.mkdirOne(r.parts, opts.mode ?? 0o755, cred, path);
  }

  private mkdirOne(parts: string[], mode: number, cred: Credentials, path: string): void {
    this.checkParent(parts, cred, path);
    const o = this.writable(parts, path);
    o.backend.mkdir(o.rel, this.meta(mode, cred));
  }

  symlink(target: string, path: string, cred: Credentials = ROOT): void {
    const r = this.resolve(path, false);
    if (r.stat) throw new FsError("EEXIST", path);
    this.checkParent(r.parts, cred, path);
    const o = this.writable(r.parts, path);
    o.backend.symlink(o.rel, target, this.meta(0o777, cred));
  }

  /** unlink(2): a file or symlink. */
  unlink(path: string, cred: Credentials = ROOT): void {
    const { parts, stat } = this.existing(path, false);
    if (stat.kind === "dir") throw new FsError("EISDIR", path);
    this.checkParent(parts, cred, path);
    const o = this.writable(parts, path);
    o.backend.remove(o.rel);
  }

  /** rmdir(2): an empty directory that is not a mount point. */
  rmdir(path: string, cred: Credentials = ROOT): void {
    const { parts, stat } = this.existing(path, false);
    if (stat.kind !== "dir") throw new FsError("ENOTDIR", path);
    if (this.mounts.some((m) => joinParts(m.at) === joinParts(parts))) throw new FsError("EBUSY", path);
    if (this.readdir(path).length > 0) throw new FsError("ENOTEMPTY", path);
    this.checkParent(parts, cred, path);
    const o = this.writable(parts, path);
    o.backend.remove(o.rel);
  }

  /** rename(2); moving between mounts raises EXDEV (mv then copies), as on Linux. */
  rename(from: string, to: string, cred: Credentials = ROOT): void {
    const src = this.existing(from, false);
    const dst = this.resolve(to, false);
    const so = this.owner(src.parts), dOwner = this.owner(dst.parts);
    if (so.backend !== dOwner.backend) throw new FsError("EXDEV", to);
    if (joinParts(src.parts) === joinParts(dst.parts)) return;
    if (joinParts(dst.parts).startsWith(joinParts(src.parts) + "/")) throw new FsError("EINVAL", to);
    if (dst.stat) {
      if (dst.stat.kind === "dir" && src.stat.kind !== "dir") throw new FsError("EISDIR", to);
      if (dst.stat.kind !== "dir" && src.stat.kind === "dir") throw new FsError("ENOTDIR", to);
      if (dst.stat.kind === "dir") {
        if (this.readdir(to).length > 0) throw new FsError("ENOTEMPTY", to);
      }
    }
    this.checkParent(src.parts, cred, from);
    this.checkParent(dst.parts, cred, to);
    this.writable(dst.parts, to);
    if (dst.stat) this.removeTree(dst.parts);
    this.copyTree(src.parts, dst.parts);
    this.removeTree(src.parts);
  }

  chmod(path: string, mode: number): void {
    const { parts } = this.existing(path);
    const o = this.writable(parts, path);
    o.backend.setMeta(o.rel, { mode });
  }

  chown(path: string, uid: number, gid: number, follow = true): void {
    const { parts } = this.existing(path, follow);
    const o = this.writable(parts, path);
    o.backend.setMeta(o.rel, { uid, gid });
  }

  /** Sets the mtime (ms); creates nothing. */
  utimes(path: string, mtime: number): void {
    const { parts } = this.existing(path);
    const o = this.writable(parts, path);
    o.backend.setMeta(o.rel, { mtime });
  }

  /** Removes `path` and everything under it (no error when absent with `force`). */
  removeAll(path: string, force = false): void {
    const r = this.resolve(path, false);
    if (!r.stat) { if (force) return; throw new FsError("ENOENT", path); }
    this.writable(r.parts, path);
    this.removeTree(r.parts);
  }

  // ---- the container's layer ------------------------------------------------------------------

  /** The container layer's changes against its image (`docker diff`). */
  diff(): Change[] { return this.overlay.diff(); }
  /** Bytes in the container's layer (SizeRw). */
  sizeRw(): number { return this.upper.size(); }
  /** Bytes of the image's layers plus the container's (SizeRootFs). */
  sizeRootFs(): number { return this.lowers.reduce((s, l) => s + l.size(), 0) + this.upper.size(); }

  /** Bytes under `path` (files and symlink targets), not crossing into other mounts unless asked. */
  usage(path: string): number {
    const { parts, stat } = this.existing(path, false);
    if (stat.kind !== "dir") return stat.size;
    let total = 0;
    for (const n of this.readdir(path)) total += this.usage(joinParts([...parts, n]));
    return total;
  }

  // ---- helpers ------------------------------------------------------------------------------

  private meta(mode: number, cred: Credentials): Meta {
    return { mode, uid: cred.uid, gid: cred.gid, mtime: this.now() };
  }

  private writable(parts: readonly string[], path: string): { backend: Backend; rel: string[] } {
    const o = this.owner(parts);
    if (o.m?.readOnly) throw new FsError("EROFS", path);
    return o;
  }

  private check(st: Stat, bit: 4 | 2 | 1, cred: Credentials, path: string): void {
    if (cred.uid === 0) return;
    const shift = st.uid === cred.uid ? 6 : st.gid === cred.gid || cred.groups?.includes(st.gid) ? 3 : 0;
    if (((st.mode >> shift) & bit) === 0) throw new FsError("EACCES", path);
  }

  private checkParent(parts: readonly string[], cred: Credentials, path: string): void {
    if (cred.uid === 0) return;
    const st = this.statParts(parts.slice(0, -1));
    if (st) this.check(st, 2, cred, path);
  }

  private removeTree(parts: string[]): void {
    const o = this.owner(parts);
    const st = o.backend.stat(o.rel);
    if (!st) return;
    if (st.kind === "dir") {
      for (const n of this.readdir(joinParts(parts))) this.removeTree([...parts, n]);
      if (this.mounts.some((m) => joinParts(m.at) === joinParts(parts))) return;
    }
    o.backend.remove(o.rel);
  }

  private copyTree(from: string[], to: string[]): void {
    const so = this.owner(from);
    const st = so.backend.stat(so.rel)!;
    const d = this.owner(to);
    const meta = { mode: st.mode, uid: st.uid, gid: st.gid, mtime: st.mtime };
    if (st.kind === "dir") {
      if (!d.backend.stat(d.rel)) d.backend.mkdir(d.rel, meta);
      for (const n of this.readdir(joinParts(from))) this.copyTree([...from, n], [...to, n]);
      d.backend.setMeta(d.rel, { mtime: st.mtime });
    } else if (st.kind === "symlink") {
      d.backend.symlink(d.rel, st.target!, meta);
    } else {
      d.backend.write(d.rel, so.backend.read(so.rel), false, meta);
      d.backend.setMeta(d.rel, { mode: st.mode, uid: st.uid, gid: st.gid, mtime: st.mtime });
    }
  }

  private copyTreeInto(from: string[], backend: Backend, rel: string[]): void {
    for (const n of this.readdir(joinParts(from))) {
      const p = [...from, n];
      const st = this.statParts(p)!;
      const meta = { mode: st.mode, uid: st.uid, gid: st.gid, mtime: st.mtime };
      const r = [...rel, n];
      if (st.kind === "dir") { backend.mkdir(r, meta); this.copyTreeInto(p, backend, r); }
      else if (st.kind === "symlink") backend.symlink(r, st.target!, meta);
      else backend.write(r, this.readFile(joinParts(p)), false, meta);
    }
  }
}
