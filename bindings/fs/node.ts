/**
 * The nodes of a layer tree and the errors of the container filesystem.
 *
 * A layer is a tree of directories, files, symlinks and whiteouts. File contents are immutable
 * `Uint8Array`s: a write replaces the array, so a lower layer's bytes can be shared by reference
 * with every container above it until one of them writes (copy-up costs no copy of the bytes).
 */

/** Permission bits plus owner and modification time, as `stat` shows them. */
export interface Meta {
  /** Permission bits only (07777); the file type comes from `kind`. */
  mode: number;
  uid: number;
  gid: number;
  /** Modification time in ms since the epoch (virtual time). */
  mtime: number;
}

export interface FileNode extends Meta { kind: "file"; data: Uint8Array }
export interface DirNode extends Meta {
  kind: "dir";
  entries: Map<string, Node>;
  /** An opaque directory hides every entry of the same directory in the layers below. */
  opaque: boolean;
}
export interface SymlinkNode extends Meta { kind: "symlink"; target: string }
/** Marks a name deleted in an upper layer (OCI `.wh.<name>`). */
export interface WhiteoutNode { kind: "whiteout" }

export type Node = FileNode | DirNode | SymlinkNode | WhiteoutNode;
export type Kind = "file" | "dir" | "symlink";

/** What `stat`/`lstat` report. */
export interface Stat extends Meta {
  kind: Kind;
  size: number;
  /** Symlink target (lstat of a symlink). */
  target?: string;
}

/** The errno names the filesystem raises, with glibc's strerror text (what busybox prints). */
export const ERRNO = {
  ENOENT: "No such file or directory",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EEXIST: "File exists",
  ENOTEMPTY: "Directory not empty",
  ELOOP: "Too many levels of symbolic links",
  EACCES: "Permission denied",
  EROFS: "Read-only file system",
  EINVAL: "Invalid argument",
  EXDEV: "Invalid cross-device link",
  EBUSY: "Device or resource busy",
} as const;
export type Errno = keyof typeof ERRNO;

/** A filesystem error: `code` is the errno name, `message` its strerror text, `path` the caller's path. */
export class FsError extends Error {
  constructor(readonly code: Errno, readonly path: string) {
    super(ERRNO[code]);
    this.name = "FsError";
  }
}

/** Linux allows 40 symlinks in one path resolution before ELOOP. */
export const MAX_SYMLINKS = 40;

export function newDir(meta: Meta, opaque = false): DirNode {
  return { kind: "dir", entries: new Map(), opaque, ...pickMeta(meta) };
}

export function pickMeta(m: Meta): Meta {
  return { mode: m.mode & 0o7777, uid: m.uid, gid: m.gid, mtime: m.mtime };
}

export function statOf(n: FileNode | DirNode | SymlinkNode): Stat {
  const meta = pickMeta(n);
  if (n.kind === "file") return { kind: "file", size: n.data.length, ...meta };
  if (n.kind === "symlink") return { kind: "symlink", size: utf8(n.target).length, target: n.target, ...meta };
  return { kind: "dir", size: 4096, ...meta };
}

const enc = new TextEncoder();
const dec = new TextDecoder();
export const utf8 = (s: string): Uint8Array => enc.encode(s);
export const text = (b: Uint8Array): string => dec.decode(b);

/** Splits an absolute or relative path into its non-empty components (`.` and `..` kept). */
export function components(path: string): string[] {
  return path.split("/").filter((c) => c !== "");
}

/** The canonical absolute path of components. */
export function joinParts(parts: readonly string[]): string {
  return "/" + parts.join("/");
}
