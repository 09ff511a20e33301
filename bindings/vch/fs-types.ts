/**
 * What the VCH's filesystems module needs from the rest of the VCH, and what the Docker door gets
 * back from it: the hooks into the journal and the container VM, and the archive endpoint's stat.
 */
import type { HostFolders } from "../fs/index.js";

/** A journaled layer: a container's writable layer (`container/<id>`) or a volume (`volume/<name>`). */
export type LayerKey = `container/${string}` | `volume/${string}`;

export interface FilesystemDeps {
  /** Virtual ms since the epoch (file mtimes). */
  now(): number;
  /** Opens a bind mount's host folder (Node: a real folder; elsewhere Docker's refusal). */
  hostFolders: HostFolders;
  /** A layer changed: journal it with the current transaction. */
  changed(key: LayerKey): void;
  /** A process of the container wrote bytes `[from, to)` of the file `path`: the page cache of its container VM. */
  wrote(containerId: string, path: string, from: number, to: number): void;
}

/** `X-Docker-Container-Path-Stat` of `HEAD/GET /containers/{id}/archive`. */
export interface PathStat {
  name: string;
  size: number;
  /** Go's FileMode bits (directory 1<<31, symlink 1<<27) with the permission bits. */
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** One line of `docker diff`: Kind 0 modified, 1 added, 2 deleted. */
export interface FileChange { Path: string; Kind: 0 | 1 | 2 }
