/**
 * Tar streams in and out of container filesystems and layers, with modern-tar (a zero-dependency
 * USTAR/PAX reader and writer over web-standard types, so Node, Deno and browsers share it):
 * `docker cp` both ways and the archive endpoint (a path), `docker export` (the whole merged tree),
 * and layer serialisation in the OCI layer format (whiteouts as `.wh.<name>`, opaque directories as
 * `.wh..wh..opq`), which is also what `docker commit`, `docker save` and a state folder store.
 */
import { packTar, type TarEntry, unpackTar } from "modern-tar";
import type { ContainerFs } from "./container-fs.js";
import { Layer } from "./layer.js";
import { components, type DirNode, FsError, type Node, type Stat } from "./node.js";

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";

function header(name: string, st: Stat): TarEntry["header"] {
  const h = {
    name: st.kind === "dir" ? name.replace(/\/?$/, "/") : name,
    size: st.kind === "file" ? st.size : 0,
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    mtime: new Date(Math.floor(st.mtime / 1000) * 1000),
    type: st.kind === "dir" ? "directory" : st.kind === "symlink" ? "symlink" : "file",
  } as TarEntry["header"];
  if (st.kind === "symlink") h.linkname = st.target;
  return h;
}

/**
 * The tar of `path` as `docker cp CONTAINER:path -` and `GET /containers/{id}/archive` give it: the
 * entry names start with the path's last component (a directory is walked; mounted volumes are
 * included, as Docker does). A final symlink is archived as the link unless the path ends in `/.`.
 */
export async function exportPath(fs: ContainerFs, path: string): Promise<Uint8Array> {
  const st = fs.lstat(path);
  const base = path.endsWith("/.") ? "." : components(path).pop() ?? ".";
  const entries: TarEntry[] = [];
  walk(fs, path, base, st, entries, false);
  return packTar(entries);
}

/** `docker export`: the container's whole merged tree, without its volumes and bind mounts. */
export async function exportContainer(fs: ContainerFs): Promise<Uint8Array> {
  const entries: TarEntry[] = [];
  for (const n of fs.readdir("/")) walk(fs, "/" + n, n, fs.lstat("/" + n), entries, true);
  return packTar(entries);
}

function walk(fs: ContainerFs, path: string, name: string, st: Stat, out: TarEntry[], skipMounts: boolean): void {
  // Paths walked from / are canonical (lstat never follows), so they compare with mount points as they are.
  if (skipMounts && fs.mountPoints().includes(path)) {
    // The mount point alone, empty: a directory, or a file for a file bind mount.
    if (st.kind === "file") out.push({ header: header(name, { ...st, size: 0 }), body: new Uint8Array(0) });
    else out.push({ header: header(name, { ...st, kind: "dir", size: 0 }) });
    return;
  }
  if (st.kind === "file") { out.push({ header: header(name, st), body: fs.readFile(path) }); return; }
  if (st.kind === "symlink") { out.push({ header: header(name, st) }); return; }
  if (name !== ".") out.push({ header: header(name, st) });
  for (const n of fs.readdir(path)) {
    const child = path.replace(/\/$/, "") + "/" + n;
    walk(fs, child, name === "." ? n : `${name}/${n}`, fs.lstat(child), out, skipMounts);
  }
}

/** What `HEAD /containers/{id}/archive` puts in X-Docker-Container-Path-Stat (Go's FileMode bits). */
export function pathStat(fs: ContainerFs, path: string): { name: string; size: number; mode: number; mtime: string; linkTarget: string } {
  const st = fs.lstat(path);
  const typeBits = st.kind === "dir" ? 0x80000000 : st.kind === "symlink" ? 0x08000000 : 0;
  return {
    name: components(path).pop() ?? "/",
    size: st.size,
    mode: (typeBits | st.mode) >>> 0,
    mtime: new Date(st.mtime).toISOString(),
    linkTarget: st.kind === "symlink" ? linkTarget(fs, path, st.target!) : "",
  };
}

/** Where a symlink points, resolved when it can be, else joined textually (a dangling link). */
function linkTarget(fs: ContainerFs, path: string, target: string): string {
  try { return fs.realpath(path); } catch { /* dangling: keep the text */ }
  const parts = target.startsWith("/") ? [] : components(path).slice(0, -1);
  for (const c of components(target)) {
    if (c === "..") parts.pop();
    else if (c !== ".") parts.push(c);
  }
  return "/" + parts.join("/");
}

/**
 * Extracts a tar into the existing directory `dir` (`docker cp - CONTAINER:dir`, archive PUT).
 * Modes, owners, mtimes and symlinks are kept; existing files are replaced. Returns the paths written.
 */
export async function importTar(fs: ContainerFs, dir: string, archive: Uint8Array): Promise<string[]> {
  const st = fs.stat(dir);
  if (st.kind !== "dir") throw new FsError("ENOTDIR", dir);
  const entries = await unpackTar(archive);
  const written: string[] = [];
  const base = fs.realpath(dir).replace(/\/$/, "");
  for (const e of entries) {
    const parts = components(e.header.name).filter((c) => c !== ".");
    if (parts.length === 0 || parts.includes("..")) continue;
    const target = base + "/" + parts.join("/");
    const meta = e.header;
    const mtime = meta.mtime ? meta.mtime.getTime() : 0;
    fs.mkdir(base + "/" + parts.slice(0, -1).join("/"), { parents: true });
    const existing = fs.resolve(target, false).stat;
    if (meta.type === "directory") {
      if (existing && existing.kind !== "dir") fs.removeAll(target);
      if (!existing || existing.kind !== "dir") fs.mkdir(target, { mode: meta.mode ?? 0o755 });
      else fs.chmod(target, meta.mode ?? 0o755);
    } else if (meta.type === "symlink") {
      if (existing) fs.removeAll(target);
      fs.symlink(meta.linkname ?? "", target);
      fs.chown(target, meta.uid ?? 0, meta.gid ?? 0, false);
      written.push(target);
      continue;
    } else if (meta.type === "file" || meta.type === undefined) {
      if (existing && existing.kind !== "file") fs.removeAll(target);
      fs.writeFile(target, e.data ?? new Uint8Array(0), { mode: meta.mode ?? 0o644 });
      fs.chmod(target, meta.mode ?? 0o644);
    } else {
      continue; // devices, fifos and hard links have no place in the model
    }
    fs.chown(target, meta.uid ?? 0, meta.gid ?? 0);
    fs.utimes(target, mtime);
    written.push(target);
  }
  return written;
}

/**
 * What `docker cp`'s `noOverwriteDirNonDir` refuses, in moby's words: an entry of the tar that would
 * replace a directory of `dir` with a non-directory or the reverse; null when there is none.
 */
export async function overwriteConflict(fs: ContainerFs, dir: string, archive: Uint8Array): Promise<string | null> {
  const base = fs.realpath(dir).replace(/\/$/, "");
  for (const e of await unpackTar(archive)) {
    const parts = components(e.header.name).filter((c) => c !== ".");
    if (parts.length === 0 || parts.includes("..")) continue;
    const target = base + "/" + parts.join("/");
    let existing: Stat | null;
    try { existing = fs.resolve(target, false).stat; } catch { continue; }
    if (!existing) continue;
    const isDir = e.header.type === "directory";
    if (existing.kind === "dir" && !isDir) return `cannot overwrite directory "${target}" with non-directory "${e.header.name}"`;
    if (existing.kind !== "dir" && isDir) return `cannot overwrite non-directory "${target}" with directory "${e.header.name}"`;
  }
  return null;
}

/** A layer as an OCI layer tar (the bytes a state folder, `docker save` or a registry keeps). */
export async function serializeLayer(layer: Layer): Promise<Uint8Array> {
  const entries: TarEntry[] = [];
  const walkLayer = (d: DirNode, prefix: string): void => {
    if (d.opaque && prefix) entries.push({ header: { name: prefix + OPAQUE, size: 0, mode: 0o644, type: "file", mtime: new Date(0) } });
    for (const [name, n] of [...d.entries].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const p = prefix + name;
      if (n.kind === "whiteout") {
        entries.push({ header: { name: prefix + WHITEOUT + name, size: 0, mode: 0o644, type: "file", mtime: new Date(0) } });
        continue;
      }
      const st: Stat = n.kind === "file"
        ? { kind: "file", size: n.data.length, mode: n.mode, uid: n.uid, gid: n.gid, mtime: n.mtime }
        : n.kind === "symlink"
          ? { kind: "symlink", size: 0, target: n.target, mode: n.mode, uid: n.uid, gid: n.gid, mtime: n.mtime }
          : { kind: "dir", size: 0, mode: n.mode, uid: n.uid, gid: n.gid, mtime: n.mtime };
      entries.push({ header: header(p, st), body: n.kind === "file" ? n.data : undefined });
      if (n.kind === "dir") walkLayer(n, p + "/");
    }
  };
  walkLayer(layer.root, "");
  return packTar(entries);
}

/** The layer an OCI layer tar describes (the inverse of `serializeLayer`). */
export async function deserializeLayer(archive: Uint8Array): Promise<Layer> {
  const layer = new Layer();
  for (const e of await unpackTar(archive)) {
    const parts = components(e.header.name).filter((c) => c !== ".");
    if (parts.length === 0 || parts.includes("..")) continue;
    const name = parts.pop()!;
    const parent = dirAt(layer.root, parts);
    const h = e.header;
    const meta = { mode: (h.mode ?? 0o644) & 0o7777, uid: h.uid ?? 0, gid: h.gid ?? 0, mtime: h.mtime ? h.mtime.getTime() : 0 };
    if (name === OPAQUE) { parent.opaque = true; continue; }
    if (name.startsWith(WHITEOUT)) { parent.entries.set(name.slice(WHITEOUT.length), { kind: "whiteout" }); continue; }
    let node: Node;
    if (h.type === "directory") {
      const existing = parent.entries.get(name);
      if (existing?.kind === "dir") { Object.assign(existing, meta); continue; }
      node = { kind: "dir", entries: new Map(), opaque: false, ...meta };
    } else if (h.type === "symlink") node = { kind: "symlink", target: h.linkname ?? "", ...meta };
    else if (h.type === "file" || h.type === undefined) node = { kind: "file", data: e.data ?? new Uint8Array(0), ...meta };
    else continue;
    parent.entries.set(name, node);
  }
  return layer;
}

function dirAt(root: DirNode, parts: string[]): DirNode {
  let d = root;
  for (const c of parts) {
    let n = d.entries.get(c);
    if (!n || n.kind !== "dir") {
      n = { kind: "dir", entries: new Map(), opaque: false, mode: 0o755, uid: 0, gid: 0, mtime: 0 };
      d.entries.set(c, n);
    }
    d = n;
  }
  return d;
}

/** A structural copy of a layer (bytes shared): `docker commit` turns a container's layer into an image layer. */
export function cloneLayer(layer: Layer): Layer {
  const copy = (d: DirNode): DirNode => ({
    ...d,
    entries: new Map([...d.entries].map(([k, n]) => [k, n.kind === "dir" ? copy(n) : { ...n }])),
  });
  return new Layer(copy(layer.root));
}
