/**
 * An Emscripten filesystem over the live filesystem bridge (../fs-bridge.ts), for Pyodide: each
 * mount shows one folder of the container's filesystem (`{ root: "/app" }`), every node and stream
 * operation a bridge request, so the guest reads what `docker cp` put there a moment ago and what it
 * writes is in the container at once. Node and stream operations follow Emscripten's NODEFS, with
 * the bridge where NODEFS has node:fs; errors become Emscripten's errno numbers (ENOENT, EROFS, …).
 */
import { type BridgeStat, type GuestFs, GuestFsError } from "../fs-bridge.js";

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const SEEK_CUR = 1;
const SEEK_END = 2;

/** The parts of Emscripten's FS object this filesystem uses. */
export interface EmscriptenFS {
  createNode(parent: EmNode | null, name: string, mode: number, dev?: number): EmNode;
  ErrnoError: new (errno: number) => Error;
  isDir(mode: number): boolean;
  isFile(mode: number): boolean;
  getPath(node: EmNode): string;
  unlink(path: string): void;
}

export interface EmNode {
  id: number;
  name: string;
  mode: number;
  parent: EmNode;
  mount: { opts: { root: string } };
  node_ops: unknown;
  stream_ops: unknown;
}

interface EmStream {
  node: EmNode;
  position: number;
}

/** Runs a bridge call, its GuestFsError as Emscripten's ErrnoError (any other error as it is). */
export function withErrno<T>(FS: EmscriptenFS, errnos: Record<string, number>, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof GuestFsError) throw new FS.ErrnoError(errnos[error.code] ?? errnos.EIO);
    throw error;
  }
}

/** The filesystem type to pass to `FS.mount(type, { root: "/app" }, "/app")`. */
export function bridgeFilesystem(FS: EmscriptenFS, errnos: Record<string, number>, files: GuestFs): { mount(m: { opts: { root: string } }): EmNode } {
  const attempt = <T>(f: () => T): T => withErrno(FS, errnos, f);
  const modeOf = (st: BridgeStat) => (st.kind === "dir" ? S_IFDIR : st.kind === "symlink" ? S_IFLNK : S_IFREG) | (st.mode & 0o7777);
  /** The node's path in the container: its mount's root, then the names down to it. */
  const realPath = (node: EmNode): string => {
    const names: string[] = [];
    while (node.parent !== node) {
      names.push(node.name);
      node = node.parent;
    }
    const root = node.mount.opts.root.replace(/\/+$/, "");
    return names.length ? `${root}/${names.reverse().join("/")}` : root || "/";
  };
  const child = (parent: EmNode, name: string) => `${realPath(parent).replace(/\/$/, "")}/${name}`;
  const create = (parent: EmNode | null, name: string, mode: number): EmNode => {
    const node = FS.createNode(parent, name, mode);
    node.node_ops = nodeOps;
    node.stream_ops = streamOps;
    return node;
  };

  const nodeOps = {
    getattr(node: EmNode) {
      // A mount's root is the folder its path leads to (`/bin` may be a symlink to `usr/bin`).
      const path = realPath(node);
      const st = attempt(() => (node.parent === node ? files.stat(path) : files.lstat(path)));
      // Another container may have replaced the file since Emscripten cached this node.
      if (node.parent !== node) node.mode = modeOf(st);
      const time = new Date(st.mtime);
      return {
        dev: 1, ino: node.id, mode: modeOf(st), nlink: st.kind === "dir" ? 2 : 1, uid: st.uid, gid: st.gid, rdev: 0,
        size: st.size, atime: time, mtime: time, ctime: time, blksize: 4096, blocks: Math.ceil(st.size / 512),
      };
    },
    setattr(node: EmNode, attr: { mode?: number; size?: number; atime?: number; mtime?: number; timestamp?: number }) {
      const path = realPath(node);
      attempt(() => {
        if (attr.mode !== undefined) {
          files.chmod(path, attr.mode & 0o7777);
          node.mode = attr.mode;
        }
        const time = attr.mtime ?? attr.timestamp;
        if (typeof time === "number") files.utimes(path, time);
        if (attr.size !== undefined) files.truncate(path, attr.size);
      });
    },
    lookup(parent: EmNode, name: string) {
      const st = attempt(() => files.lstat(child(parent, name)));
      return create(parent, name, modeOf(st));
    },
    mknod(parent: EmNode, name: string, mode: number) {
      const path = child(parent, name);
      if (FS.isDir(mode)) attempt(() => files.mkdir(path, mode & 0o7777));
      else if (FS.isFile(mode)) attempt(() => files.create(path, true, mode & 0o7777));
      else throw new FS.ErrnoError(errnos.EINVAL);
      return create(parent, name, mode);
    },
    rename(old: EmNode, newDir: EmNode, newName: string) {
      // The node a replaced name had leaves Emscripten's name cache (as NODEFS does).
      try {
        FS.unlink(`${FS.getPath(newDir).replace(/\/$/, "")}/${newName}`);
      } catch {
        // nothing there, or a directory: rename itself decides
      }
      attempt(() => files.rename(realPath(old), child(newDir, newName)));
      old.name = newName;
    },
    unlink(parent: EmNode, name: string) {
      attempt(() => files.unlink(child(parent, name)));
    },
    rmdir(parent: EmNode, name: string) {
      attempt(() => files.rmdir(child(parent, name)));
    },
    readdir(node: EmNode) {
      return attempt(() => files.readdir(realPath(node)));
    },
    symlink(parent: EmNode, name: string, target: string) {
      attempt(() => files.symlink(target, child(parent, name)));
    },
    readlink(node: EmNode) {
      return attempt(() => files.readlink(realPath(node)));
    },
  };

  const streamOps = {
    open() {},
    close() {},
    dup() {},
    read(stream: EmStream, buffer: Uint8Array, offset: number, length: number, position: number) {
      const bytes = attempt(() => files.read(realPath(stream.node), position, length));
      new Uint8Array(buffer.buffer, buffer.byteOffset + offset, bytes.byteLength).set(bytes);
      return bytes.byteLength;
    },
    write(stream: EmStream, buffer: Uint8Array, offset: number, length: number, position: number) {
      const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length).slice();
      attempt(() => files.write(realPath(stream.node), position, bytes));
      return length;
    },
    llseek(stream: EmStream, offset: number, whence: number) {
      let position = offset;
      if (whence === SEEK_CUR) position += stream.position;
      else if (whence === SEEK_END && FS.isFile(stream.node.mode)) position += attempt(() => files.stat(realPath(stream.node)).size);
      if (position < 0) throw new FS.ErrnoError(errnos.EINVAL);
      return position;
    },
  };

  return {
    mount(m) {
      const st = attempt(() => files.stat(m.opts.root));
      return create(null, "/", modeOf(st));
    },
  };
}
