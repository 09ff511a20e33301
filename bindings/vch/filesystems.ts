/**
 * The containers' filesystems inside the VCH: each container's ContainerFs (the image's layers,
 * shared per image, under an init layer with its hostname, hosts and resolv.conf, and its own
 * copy-on-write layer), the volumes as shared directories, bind mounts through the runtime's host
 * folders, and the Docker operations on them (archive, export, diff, sizes). A layer that changes
 * is journaled in the same commit as the transaction that changed it (`--state` keeps it).
 */
import {
  BindMountError, catalogueBase, cloneLayer, ContainerFs, exportContainer, exportPath, FsError, ImageFilesystems, importTar, initLayer, Layer,
  layerFromJson, layerToJson, overwriteConflict, pathStat, type StoredNode, Volume,
} from "../fs/index.js";
import type { Container } from "./container.js";
import { invalid, notFound } from "./errors.js";
import { extraHostLines } from "./extra-hosts.js";
import { flat } from "./format.js";
import type { FileChange, FilesystemDeps, LayerKey, PathStat } from "./fs-types.js";
import type { ImageRecord } from "./types.js";

export const RESOLV_CONF = "nameserver 127.0.0.11\noptions ndots:0\n";

/** The catalogue root filesystem of an image record (`busybox:latest` → `busybox`, `alpine:3.10` → `alpine:3.10`; none: an Alpine-like image). */
function repoOf(img: ImageRecord | undefined): string {
  const tag = img?.repoTags[0] ?? "";
  const slash = tag.lastIndexOf("/");
  const colon = tag.lastIndexOf(":");
  return colon > slash ? catalogueBase(tag.slice(0, colon), tag.slice(colon + 1)) : tag;
}

export class VchFilesystems {
  private readonly images = new ImageFilesystems();
  /** Layers of images made here (built, committed, loaded), by image id, top first. */
  private readonly defined = new Map<string, Layer[]>();
  private readonly containers = new Map<string, { fs: ContainerFs; init: Layer }>();
  private readonly volumes = new Map<string, Volume>();
  /** Layers loaded from the journal, waiting for their container or volume to be used. */
  private readonly restored = new Map<LayerKey, Layer>();

  constructor(private readonly deps: FilesystemDeps) {}

  // ───────────── images ─────────────

  /** An image's layers, top first: its own (built, committed) or the catalogue's for its repository. */
  imageLayers(img: ImageRecord | undefined): Layer[] {
    return (img && this.defined.get(img.id)) ?? this.images.layersOf(repoOf(img));
  }

  /** Registers the layers of an image made here (`docker build`, `commit`, `load`), top first. */
  defineImageLayers(imageId: string, layers: Layer[]): void {
    this.defined.set(imageId, layers);
  }

  // ───────────── containers ─────────────

  /**
   * The container's filesystem, made on first use: its layer (restored from the journal when there
   * is one) over the init layer and the image's layers, volumes and bind mounts mounted. A bind
   * source the runtime cannot open is refused with Docker's error, and nothing is kept.
   */
  of(c: Container, img: ImageRecord | undefined, hostsFile: string): ContainerFs {
    const known = this.containers.get(c.rec.id);
    if (known) return known.fs;
    const id = c.rec.id;
    const key: LayerKey = `container/${id}`;
    const init = initLayer({ hostname: c.rec.config.Hostname, hosts: hostsFile, resolvConf: RESOLV_CONF, now: this.deps.now() });
    const fs = new TrackedFs(() => this.touched(c), {
      lowers: [init, ...this.imageLayers(img)],
      upper: this.restored.get(key) ?? new Layer(),
      now: () => this.deps.now(),
      onWrite: (path, bytes) => {
        // A write replaces the file or appends to it: either way it ends at the file's size.
        const size = fs.stat(path).size;
        this.deps.wrote(id, path, size - bytes, size);
      },
    });
    this.restored.delete(key);
    const binds = c.rec.mounts.filter((m) => m.Type === "bind").map((m) => {
      try {
        return { m, backend: this.deps.hostFolders(m.Source) };
      } catch (e) {
        if (e instanceof BindMountError) throw invalid(e.message);
        throw e;
      }
    });
    for (const m of [...c.rec.mounts].sort((a, b) => a.Destination.length - b.Destination.length)) {
      if (m.Type === "volume" && m.Name) {
        // An empty volume first receives what the image has at its mount point, as Docker does.
        fs.mount(m.Destination, this.volume(m.Name).backend, { readOnly: !m.RW, copyUp: true });
      } else {
        fs.mount(m.Destination, binds.find((b) => b.m === m)!.backend, { readOnly: !m.RW });
      }
    }
    this.containers.set(id, { fs, init });
    return fs;
  }

  /** The container VM boots: its init layer gets the hostname and hosts file of this run (its IP). */
  booted(c: Container, img: ImageRecord | undefined, hostsFile: string): void {
    const known = this.containers.get(c.rec.id);
    if (!known) return void this.of(c, img, hostsFile);
    const fresh = initLayer({ hostname: c.rec.config.Hostname, hosts: hostsFile, resolvConf: RESOLV_CONF, now: this.deps.now() });
    known.init.root.entries.clear();
    for (const [k, v] of fresh.root.entries) known.init.root.entries.set(k, v);
  }

  /** The container is gone: its layer with it. */
  dropContainer(id: string): void {
    this.containers.delete(id);
    this.restored.delete(`container/${id}`);
  }

  /**
   * The container's writable layer as an image layer (`docker commit`): a copy, so the container
   * writing on does not change the image. Undefined files of a never-used container: an empty layer.
   */
  layerForCommit(c: Container, img: ImageRecord | undefined, hostsFile: string): Layer {
    return cloneLayer(this.of(c, img, hostsFile).upper);
  }

  // ───────────── volumes ─────────────

  /** A volume's tree (made empty, or restored from the journal, on first use). */
  volume(name: string): Volume {
    let v = this.volumes.get(name);
    if (!v) {
      const key: LayerKey = `volume/${name}`;
      v = new Volume(name, this.restored.get(key) ?? new Layer());
      this.restored.delete(key);
      this.volumes.set(name, v);
    }
    return v;
  }

  dropVolume(name: string): void {
    this.volumes.delete(name);
    this.restored.delete(`volume/${name}`);
  }

  /** Bytes a volume holds (`docker system df -v`); a volume never used holds what the journal had. */
  volumeSize(name: string): number {
    return this.volumes.get(name)?.size() ?? this.restored.get(`volume/${name}`)?.size() ?? 0;
  }

  // ───────────── Docker's operations on a container's files ─────────────

  /** `HEAD /containers/{id}/archive`: the path's stat, or Docker's not-found error. */
  stat(fs: ContainerFs, ref: string, path: string): PathStat {
    return this.translate(ref, path, () => pathStat(fs, absolute(path)));
  }

  /** `GET /containers/{id}/archive`: the stat and the tar of the path. */
  async archive(fs: ContainerFs, ref: string, path: string): Promise<{ stat: PathStat; tar: Uint8Array }> {
    const stat = this.stat(fs, ref, path);
    return { stat, tar: await this.translateAsync(ref, path, () => exportPath(fs, absolute(path))) };
  }

  /**
   * `PUT /containers/{id}/archive`: extracts the tar into the directory `path`. Without
   * `copyUIDGID` the files belong to the container's root, as Docker does.
   */
  async extract(c: Container, fs: ContainerFs, ref: string, path: string, tar: Uint8Array, copyUIDGID: boolean, noOverwriteDirNonDir = false): Promise<void> {
    const dir = absolute(path);
    const st = this.translate(ref, path, () => fs.stat(dir));
    if (st.kind !== "dir") throw invalid("extraction point is not a directory");
    if (c.rec.hostConfig.ReadonlyRootfs && !fs.mountPoints().some((m) => (fs.realpath(dir) + "/").startsWith(m + "/"))) {
      throw invalid("container rootfs is marked read-only");
    }
    const bad = tarProblem(tar);
    if (bad) throw invalid(`Error processing tar file(exit status 1): ${bad}`);
    const conflict = noOverwriteDirNonDir ? await overwriteConflict(fs, dir, tar) : null;
    if (conflict) throw invalid(`Error processing tar file(exit status 1): ${conflict}`);
    let written: string[];
    try {
      written = await importTar(fs, dir, tar);
    } catch (e) {
      if (e instanceof FsError && e.code === "EROFS") throw invalid("mounted volume is marked read-only");
      if (e instanceof FsError) throw invalid(`${e.message}: ${e.path}`);
      throw invalid(`Error processing tar file: ${(e as Error).message}`);
    }
    if (!copyUIDGID) for (const p of written) fs.chown(p, 0, 0, false);
    this.touched(c);
  }

  /** `docker export`: the merged tree without volumes and bind mounts. */
  exportTar(fs: ContainerFs): Promise<Uint8Array> {
    return exportContainer(fs);
  }

  /** `docker diff`: the container layer's changes against its image. */
  changes(fs: ContainerFs): FileChange[] {
    return fs.diff();
  }

  /** Bytes of the container's layer (SizeRw), without making its filesystem. */
  sizeRw(c: Container): number {
    const fs = this.containers.get(c.rec.id)?.fs;
    return fs ? fs.sizeRw() : (this.restored.get(`container/${c.rec.id}`)?.size() ?? 0);
  }

  // ───────────── the journal ─────────────

  /** A journaled layer's value (undefined: gone). */
  serialise(key: string): StoredNode | undefined {
    const [kind, name] = [key.slice(0, key.indexOf("/")), key.slice(key.indexOf("/") + 1)];
    const layer = kind === "container" ? this.containers.get(name)?.fs.upper : this.volumes.get(name)?.layer;
    return layer ? layerToJson(layer) : this.restored.has(key as LayerKey) ? layerToJson(this.restored.get(key as LayerKey)!) : undefined;
  }

  /** A layer back from the journal (used when its container or volume is). */
  restore(key: string, value: unknown): void {
    this.restored.set(key as LayerKey, layerFromJson(value as StoredNode));
  }

  /** Something in the container's files changed: its layer and the volumes it mounts are journaled. */
  private touched(c: Container): void {
    this.deps.changed(`container/${c.rec.id}`);
    for (const m of c.rec.mounts) if (m.Type === "volume" && m.Name) this.deps.changed(`volume/${m.Name}`);
  }

  private translate<T>(ref: string, path: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw this.dockerError(e, ref, path);
    }
  }

  private async translateAsync<T>(ref: string, path: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.dockerError(e, ref, path);
    }
  }

  private dockerError(e: unknown, ref: string, path: string): unknown {
    if (e instanceof FsError && (e.code === "ENOENT" || e.code === "ENOTDIR")) return notFound(`Could not find the file ${path} in container ${ref}`);
    if (e instanceof FsError) return invalid(`${e.message}: ${path}`);
    return e;
  }
}

/**
 * What Go's archive/tar says of bytes that are no tar stream (the tar library reads them as an empty
 * archive): a length that is not whole 512-byte blocks, or a first header whose checksum is wrong.
 */
function tarProblem(tar: Uint8Array): string | null {
  if (tar.length === 0) return null;
  if (tar.length % 512 !== 0) return "unexpected EOF";
  const head = tar.subarray(0, 512);
  if (head.every((b) => b === 0)) return null;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : head[i];
  const stored = parseInt(new TextDecoder().decode(head.subarray(148, 156)).replace(/[\0 ]+/g, " ").trim(), 8);
  return stored === sum ? null : "archive/tar: invalid tar header";
}

/** Docker resolves an archive path relative to the container's root. */
function absolute(path: string): string {
  return path.startsWith("/") ? path : "/" + path;
}

/** A container filesystem that reports every change (so the journal keeps the layer and its volumes). */
class TrackedFs extends ContainerFs {
  constructor(private readonly onChange: () => void, opts: ConstructorParameters<typeof ContainerFs>[0]) {
    super(opts);
  }
  override writeFile(...a: Parameters<ContainerFs["writeFile"]>): void { super.writeFile(...a); this.onChange?.(); }
  override mkdir(...a: Parameters<ContainerFs["mkdir"]>): void { super.mkdir(...a); this.onChange?.(); }
  override symlink(...a: Parameters<ContainerFs["symlink"]>): void { super.symlink(...a); this.onChange?.(); }
  override unlink(...a: Parameters<ContainerFs["unlink"]>): void { super.unlink(...a); this.onChange?.(); }
  override rmdir(...a: Parameters<ContainerFs["rmdir"]>): void { super.rmdir(...a); this.onChange?.(); }
  override rename(...a: Parameters<ContainerFs["rename"]>): void { super.rename(...a); this.onChange?.(); }
  override chmod(...a: Parameters<ContainerFs["chmod"]>): void { super.chmod(...a); this.onChange?.(); }
  override chown(...a: Parameters<ContainerFs["chown"]>): void { super.chown(...a); this.onChange?.(); }
  override utimes(...a: Parameters<ContainerFs["utimes"]>): void { super.utimes(...a); this.onChange?.(); }
  override removeAll(...a: Parameters<ContainerFs["removeAll"]>): void { super.removeAll(...a); this.onChange?.(); }
}

/** The lines every /etc/hosts Docker writes starts with. */
export const LOOPBACK_HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";

/** The container's /etc/hosts: loopback names, its `--add-host` entries, and its own address under its hostname. */
export function hostsFileOf(c: Container): string {
  const ip = Object.values(c.rec.networks).find((n) => n.IPAddress)?.IPAddress;
  let s = LOOPBACK_HOSTS + extraHostLines(c.rec.hostConfig.ExtraHosts as string[] | null | undefined);
  if (ip) s += `${ip}\t${c.rec.config.Hostname}\n`;
  return flat(s);
}
