/**
 * A mountable directory tree: the container's overlay root, a volume, or a host folder. Paths are
 * component arrays relative to the backend's root, already free of symlinks, `.` and `..`: the
 * container filesystem resolves them before it calls a backend.
 */
import type { Meta, Stat } from "./node.js";

export interface Backend {
  /** The node at `parts`, not following a final symlink; null when absent. */
  stat(parts: readonly string[]): Stat | null;
  /** The names in the directory at `parts`, sorted. */
  list(parts: readonly string[]): string[];
  /** The bytes of the file at `parts`. */
  read(parts: readonly string[]): Uint8Array;
  /** Creates or replaces (or appends to) the file at `parts`; its parent directory exists. */
  write(parts: readonly string[], data: Uint8Array, append: boolean, meta: Meta): void;
  mkdir(parts: readonly string[], meta: Meta): void;
  symlink(parts: readonly string[], target: string, meta: Meta): void;
  /** Removes a file, a symlink or an empty directory. */
  remove(parts: readonly string[]): void;
  /** Changes permission bits, owner or mtime. */
  setMeta(parts: readonly string[], patch: Partial<Meta>): void;
}
