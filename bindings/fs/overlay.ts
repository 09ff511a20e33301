/**
 * The overlay backend: a container's root filesystem as the union of read-only image layers and
 * its own upper layer, with overlayfs semantics (whiteouts for deletions, opaque directories,
 * copy-up on first write). A volume is the same backend with an upper layer and no lowers.
 */
import type { Backend } from "./backend.js";
import type { Layer } from "./layer.js";
import {
  type DirNode, type FileNode, FsError, type Meta, type Node, type SymlinkNode, newDir, pickMeta, statOf, type Stat,
} from "./node.js";

/** One change of the upper layer relative to the image, as `docker diff` and the API report it. */
export interface Change {
  Path: string;
  /** 0 modified, 1 added, 2 deleted (Docker's ChangeType). */
  Kind: 0 | 1 | 2;
}

type Visible = FileNode | DirNode | SymlinkNode;

export class OverlayBackend implements Backend {
  /** `lowers` are ordered top (nearest the upper layer) first. */
  constructor(readonly upper: Layer, readonly lowers: readonly Layer[] = []) {}

  /** The visible node at `parts` and, for a directory, the directories merged into it (top first). */
  private find(parts: readonly string[], layers: readonly Layer[] = this.all()): { node: Visible; dirs: DirNode[] } | null {
    let dirs: DirNode[] = [];
    for (const l of layers) {
      dirs.push(l.root);
      if (l.root.opaque) break;
    }
    let top: Visible = dirs[0];
    for (const c of parts) {
      if (top.kind !== "dir") return null;
      const next: DirNode[] = [];
      let found: Visible | null = null;
      for (const d of dirs) {
        const e = d.entries.get(c);
        if (!e) continue;
        if (e.kind === "whiteout") break;
        if (!found) found = e;
        if (e.kind !== "dir" || found.kind !== "dir") break;
        next.push(e);
        if (e.opaque) break;
      }
      if (!found) return null;
      top = found;
      dirs = next;
    }
    return { node: top, dirs };
  }

  private all(): Layer[] {
    return [this.upper, ...this.lowers];
  }

  stat(parts: readonly string[]): Stat | null {
    const f = this.find(parts);
    return f ? statOf(f.node) : null;
  }

  list(parts: readonly string[]): string[] {
    const f = this.find(parts);
    if (!f) throw new FsError("ENOENT", "/" + parts.join("/"));
    if (f.node.kind !== "dir") throw new FsError("ENOTDIR", "/" + parts.join("/"));
    const seen = new Set<string>();
    const out: string[] = [];
    for (const d of f.dirs) {
      for (const [name, e] of d.entries) {
        if (seen.has(name)) continue;
        seen.add(name);
        if (e.kind !== "whiteout") out.push(name);
      }
    }
    return out.sort();
  }

  read(parts: readonly string[]): Uint8Array {
    const f = this.find(parts);
    if (!f) throw new FsError("ENOENT", "/" + parts.join("/"));
    if (f.node.kind === "dir") throw new FsError("EISDIR", "/" + parts.join("/"));
    if (f.node.kind !== "file") throw new FsError("EINVAL", "/" + parts.join("/"));
    return f.node.data;
  }

  write(parts: readonly string[], data: Uint8Array, append: boolean, meta: Meta): void {
    const existing = this.find(parts)?.node;
    if (existing?.kind === "dir") throw new FsError("EISDIR", "/" + parts.join("/"));
    const parent = this.upperDir(parts.slice(0, -1));
    const name = parts[parts.length - 1];
    let node: FileNode;
    if (existing?.kind === "file") {
      // Writing an existing file keeps its mode and owner; the bytes of the lower copy stay shared.
      const bytes = append ? concat(existing.data, data) : data.slice();
      node = { kind: "file", data: bytes, ...pickMeta(existing), mtime: meta.mtime };
    } else {
      node = { kind: "file", data: data.slice(), ...pickMeta(meta) };
    }
    parent.entries.set(name, node);
    parent.mtime = meta.mtime;
  }

  mkdir(parts: readonly string[], meta: Meta): void {
    if (this.find(parts)) throw new FsError("EEXIST", "/" + parts.join("/"));
    const parent = this.upperDir(parts.slice(0, -1));
    const name = parts[parts.length - 1];
    // A directory made where a lower one was deleted must not show the lower one's entries again.
    const opaque = parent.entries.get(name)?.kind === "whiteout";
    parent.entries.set(name, newDir(meta, opaque));
    parent.mtime = meta.mtime;
  }

  symlink(parts: readonly string[], target: string, meta: Meta): void {
    if (this.find(parts)) throw new FsError("EEXIST", "/" + parts.join("/"));
    const parent = this.upperDir(parts.slice(0, -1));
    parent.entries.set(parts[parts.length - 1], { kind: "symlink", target, ...pickMeta(meta), mode: 0o777 });
    parent.mtime = meta.mtime;
  }

  remove(parts: readonly string[]): void {
    const f = this.find(parts);
    if (!f) throw new FsError("ENOENT", "/" + parts.join("/"));
    if (parts.length === 0) throw new FsError("EBUSY", "/");
    if (f.node.kind === "dir" && this.list(parts).length > 0) throw new FsError("ENOTEMPTY", "/" + parts.join("/"));
    const parent = this.upperDir(parts.slice(0, -1));
    const name = parts[parts.length - 1];
    parent.entries.delete(name);
    if (this.find(parts)) parent.entries.set(name, { kind: "whiteout" });
    parent.mtime = Math.max(parent.mtime, f.node.mtime);
  }

  setMeta(parts: readonly string[], patch: Partial<Meta>): void {
    const f = this.find(parts);
    if (!f) throw new FsError("ENOENT", "/" + parts.join("/"));
    const node = parts.length === 0 ? this.upper.root : this.copyUp(parts, f.node);
    if (patch.mode !== undefined) node.mode = patch.mode & 0o7777;
    if (patch.uid !== undefined) node.uid = patch.uid;
    if (patch.gid !== undefined) node.gid = patch.gid;
    if (patch.mtime !== undefined) node.mtime = patch.mtime;
  }

  /** The upper layer's own copy of a visible node (copy-up; bytes stay shared until written). */
  private copyUp(parts: readonly string[], node: Visible): Visible {
    const parent = this.upperDir(parts.slice(0, -1));
    const name = parts[parts.length - 1];
    const own = parent.entries.get(name);
    if (own && own.kind !== "whiteout") return own;
    const copy: Visible = node.kind === "dir" ? newDir(node) : { ...node };
    parent.entries.set(name, copy);
    return copy;
  }

  /** The upper layer's directory at `parts`, created by copying up the visible directories. */
  private upperDir(parts: readonly string[]): DirNode {
    let d = this.upper.root;
    for (let i = 0; i < parts.length; i++) {
      const e = d.entries.get(parts[i]);
      if (e?.kind === "dir") { d = e; continue; }
      const visible = this.find(parts.slice(0, i + 1));
      if (!visible) throw new FsError("ENOENT", "/" + parts.slice(0, i + 1).join("/"));
      if (visible.node.kind !== "dir") throw new FsError("ENOTDIR", "/" + parts.slice(0, i + 1).join("/"));
      const copy = newDir(visible.node);
      d.entries.set(parts[i], copy);
      d = copy;
    }
    return d;
  }

  /** The upper layer's changes relative to the lowers, sorted by path (`docker diff`). */
  diff(): Change[] {
    const out: Change[] = [];
    const walk = (d: DirNode, parts: string[]): void => {
      for (const [name, e] of d.entries) {
        const p = [...parts, name];
        const path = "/" + p.join("/");
        if (e.kind === "whiteout") { out.push({ Path: path, Kind: 2 }); continue; }
        const below = this.lowers.length ? this.find(p, this.lowers) : null;
        out.push({ Path: path, Kind: below ? 0 : 1 });
        // Everything under an added directory is added; Docker lists it too.
        if (e.kind === "dir") walk(e, p);
      }
    };
    walk(this.upper.root, []);
    return out.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
  }
}

/**
 * Bytes in use of each buffer an append made: appends leave spare room after a file's bytes, so a
 * file grown by many small appends (a log, a real guest's buffered writes) costs O(bytes) in all,
 * not O(bytes²). Contents stay immutable: an append writes only past the end of every view of its
 * buffer (the one it extends ends where the buffer's use does), never under an existing view.
 */
const inUse = new WeakMap<ArrayBufferLike, number>();

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const end = a.byteOffset + a.byteLength;
  if (inUse.get(a.buffer) === end && end + b.length <= a.buffer.byteLength) {
    new Uint8Array(a.buffer, end, b.length).set(b);
    inUse.set(a.buffer, end + b.length);
    return new Uint8Array(a.buffer, a.byteOffset, a.length + b.length);
  }
  const length = a.length + b.length;
  // Room to double; small files get none (most are written once).
  const out = new Uint8Array(new ArrayBuffer(length < 4096 ? length : length * 2), 0, length);
  out.set(a, 0);
  out.set(b, a.length);
  inUse.set(out.buffer, length);
  return out;
}

export type { Node };
