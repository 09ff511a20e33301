/**
 * The host-folder backend for bind mounts, in Node only (it imports node:fs). Paths reaching it are
 * already resolved by the container filesystem, so symlinks inside the folder resolve in the
 * container's namespace as they do in a real container, and nothing escapes the folder.
 */
import * as fs from "node:fs";
import * as nodePath from "node:path";
import type { Backend } from "./backend.js";
import { BindMountError, type HostFolders } from "./host.js";
import { ERRNO, FsError, type Meta, type Stat } from "./node.js";

export class HostDirBackend implements Backend {
  constructor(readonly root: string) {}

  private p(parts: readonly string[]): string {
    return nodePath.join(this.root, ...parts);
  }

  private wrap<T>(parts: readonly string[], fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code && code in ERRNO) throw new FsError(code as keyof typeof ERRNO, "/" + parts.join("/"));
      throw e;
    }
  }

  stat(parts: readonly string[]): Stat | null {
    let s: fs.Stats;
    try { s = fs.lstatSync(this.p(parts)); } catch { return null; }
    const meta = { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, mtime: s.mtimeMs };
    if (s.isSymbolicLink()) {
      const target = fs.readlinkSync(this.p(parts));
      return { kind: "symlink", size: s.size, target, ...meta };
    }
    if (s.isDirectory()) return { kind: "dir", size: 4096, ...meta };
    return { kind: "file", size: s.size, ...meta };
  }
  list(parts: readonly string[]): string[] {
    return this.wrap(parts, () => fs.readdirSync(this.p(parts)).sort());
  }
  read(parts: readonly string[]): Uint8Array {
    return this.wrap(parts, () => new Uint8Array(fs.readFileSync(this.p(parts))));
  }
  write(parts: readonly string[], data: Uint8Array, append: boolean, meta: Meta): void {
    this.wrap(parts, () => {
      if (append) fs.appendFileSync(this.p(parts), data, { mode: meta.mode });
      else fs.writeFileSync(this.p(parts), data, { mode: meta.mode });
    });
  }
  mkdir(parts: readonly string[], meta: Meta): void {
    this.wrap(parts, () => fs.mkdirSync(this.p(parts), { mode: meta.mode }));
  }
  symlink(parts: readonly string[], target: string): void {
    this.wrap(parts, () => fs.symlinkSync(target, this.p(parts)));
  }
  remove(parts: readonly string[]): void {
    this.wrap(parts, () => {
      const s = fs.lstatSync(this.p(parts));
      if (s.isDirectory()) fs.rmdirSync(this.p(parts));
      else fs.unlinkSync(this.p(parts));
    });
  }
  setMeta(parts: readonly string[], patch: Partial<Meta>): void {
    this.wrap(parts, () => {
      const p = this.p(parts);
      if (patch.mode !== undefined) fs.chmodSync(p, patch.mode);
      if (patch.uid !== undefined || patch.gid !== undefined) {
        const s = fs.lstatSync(p);
        try { fs.lchownSync(p, patch.uid ?? s.uid, patch.gid ?? s.gid); } catch { /* not root on the host: keep the owner */ }
      }
      if (patch.mtime !== undefined) fs.lutimesSync(p, patch.mtime / 1000, patch.mtime / 1000);
    });
  }
}

/**
 * Node's host folders: an existing absolute directory or file, as Docker requires for
 * `-v /src:/dst` (a file is mounted over a file: the backend's root is that file).
 */
export const nodeHostFolders: HostFolders = (hostPath) => {
  if (!nodePath.isAbsolute(hostPath)) throw new BindMountError(hostPath);
  let st: fs.Stats;
  try { st = fs.statSync(hostPath); } catch { throw new BindMountError(hostPath); }
  if (!st.isDirectory() && !st.isFile()) throw new BindMountError(hostPath);
  return new HostDirBackend(fs.realpathSync(hostPath));
};

/**
 * `-v /host/path:/path` as dockerd handles it: a missing absolute host path is created (a
 * directory, root's 0755 here the caller's) before it is opened; a relative one is refused.
 */
export const nodeHostFoldersCreating: HostFolders = (hostPath) => {
  if (nodePath.isAbsolute(hostPath) && !fs.existsSync(hostPath)) {
    try { fs.mkdirSync(hostPath, { recursive: true, mode: 0o755 }); } catch { throw new BindMountError(hostPath); }
  }
  return nodeHostFolders(hostPath);
};
