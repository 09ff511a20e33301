/**
 * Images: the records by id, their `repo:tag` names, lookups by name, id, id prefix or digest,
 * pulls from the built-in catalogue, tags moving between images, and removal. The template VMs an
 * image's containers are cloned from belong to the container VM binding; it hears of a deletion.
 */
import { imageFromCatalogue, inCatalogue, parseReference, validReference } from "./catalogue.js";
import type { VchContext } from "./context.js";
import { invalid, notFound, VchError } from "./errors.js";
import { pullAccessDenied, registryHas } from "./official-images.js";
import type { ImageRecord, ImageRemoval, PullProgress } from "./types.js";

export class Images {
  private readonly byId = new Map<string, ImageRecord>();
  /** `repo:tag` → image id. */
  private readonly tags = new Map<string, string>();

  /** `onDelete`: an image goes (its template VMs go with it). */
  constructor(private readonly ctx: VchContext, private readonly onDelete: (id: string) => void) {}

  get size(): number {
    return this.byId.size;
  }

  get(id: string): ImageRecord | undefined {
    return this.byId.get(id);
  }

  all(): IterableIterator<ImageRecord> {
    return this.byId.values();
  }

  /** Puts back a journaled image. */
  restore(id: string, rec: ImageRecord): void {
    this.byId.set(id, rec);
    for (const t of rec.repoTags) this.tags.set(t, id);
  }

  /**
   * The repository and tag a pull of `ref` asks the registry model for, and what it serves; a
   * repository it does not have is refused as dockerd's pull refuses it (bindings/vch/official-images.ts).
   */
  served(ref: string): { repo: string; tag: string; image: ReturnType<typeof imageFromCatalogue> } {
    const { repo, tag } = this.parseRef(ref);
    // dockerd refuses `scratch` before it asks a registry: it is the empty base, not an image.
    if (repo === "scratch") throw invalid("'scratch' is a reserved name");
    if (!registryHas(repo)) throw notFound(pullAccessDenied(repo));
    return { repo, tag, image: imageFromCatalogue(repo, tag) };
  }

  /**
   * Pulls an image from the built-in catalogue (any other name the registry has gets a deterministic profile),
   * reporting Docker's progress messages; returns the record and whether it was already there.
   * `document` is the image's config document and its id (its sha256), made over its layers.
   */
  pull(ref: string, document: { id: string; configJson: string }, progress: (p: PullProgress) => void): { image: ImageRecord; key: string; fresh: boolean } {
    const { repo, tag, image: fromCat } = this.served(ref);
    const key = `${repo}:${tag}`;
    const id = document.id;
    const path = repo.includes("/") ? repo : `library/${repo}`;
    progress({ status: `Pulling from ${path}`, id: tag });
    const existing = this.byId.get(id);
    if (existing && this.tags.get(key) === id) {
      progress({ status: `Digest: sha256:${fromCat.digestHex}` });
      progress({ status: `Status: Image is up to date for ${key}` });
      return { image: existing, key, fresh: false };
    }
    for (const layer of fromCat.profile.layers) progress({ status: "Pulling fs layer", id: layer.digest.slice(7, 19), progressDetail: {} });
    for (const layer of fromCat.profile.layers) {
      const short = layer.digest.slice(7, 19);
      const step = Math.max(1, Math.ceil(layer.size / 3));
      for (let got = Math.min(step, layer.size); ; got = Math.min(got + step, layer.size)) {
        progress({ status: "Downloading", id: short, progressDetail: { current: got, total: layer.size } });
        if (got >= layer.size) break;
      }
      progress({ status: "Verifying Checksum", id: short, progressDetail: {} });
      progress({ status: "Download complete", id: short, progressDetail: {} });
    }
    for (const layer of fromCat.profile.layers) {
      const short = layer.digest.slice(7, 19);
      progress({ status: "Extracting", id: short, progressDetail: { current: layer.size, total: layer.size } });
      progress({ status: "Pull complete", id: short, progressDetail: {} });
    }
    let image = existing;
    if (!image) {
      image = {
        id, repoTags: [], repoDigests: [`${repo}@sha256:${fromCat.digestHex}`], created: fromCat.created, size: fromCat.size,
        architecture: "amd64", os: "linux", config: fromCat.config, profile: fromCat.profile, configJson: document.configJson,
      };
      this.byId.set(id, image);
    }
    this.setTag(key, id);
    this.ctx.journal.mark("image", id);
    this.ctx.emit("image", "pull", key, { name: key });
    progress({ status: `Digest: sha256:${fromCat.digestHex}` });
    progress({ status: `Status: Downloaded newer image for ${key}` });
    return { image, key, fresh: true };
  }

  /**
   * What the registry answers for a reference without pulling it (`docker manifest inspect`,
   * GET /distribution): the manifest's digest and size, and the platforms it has.
   */
  distribution(ref: string): { digest: string; mediaType: string; size: number; platforms: { os: string; architecture: string }[] } {
    const { repo, tag } = this.parseRef(ref);
    // The registry model knows the catalogue's repositories and what was pulled here; of any other
    // name it has no manifest to describe (a pull would derive one).
    if (!inCatalogue(repo) && !this.tags.has(`${repo}:${tag}`)) throw notFound(`manifest unknown: ${repo}:${tag}`);
    const fromCat = imageFromCatalogue(repo, tag);
    const mediaType = "application/vnd.docker.distribution.manifest.v2+json";
    // The manifest vicsim's registry model would serve: its size is its JSON's.
    const manifest = {
      schemaVersion: 2, mediaType,
      config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 1500, digest: `sha256:${fromCat.idHex}` },
      layers: fromCat.profile.layers.map((l) => ({ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: l.size, digest: l.digest })),
    };
    return { digest: `sha256:${fromCat.digestHex}`, mediaType, size: JSON.stringify(manifest).length, platforms: [{ os: "linux", architecture: "amd64" }] };
  }

  /** Adds an image made here (build, load, import, commit); an image with the same id stays as it is. */
  add(rec: ImageRecord): ImageRecord {
    const existing = this.byId.get(rec.id);
    if (existing) return existing;
    this.byId.set(rec.id, rec);
    this.ctx.journal.mark("image", rec.id);
    return rec;
  }

  /** An image by `name[:tag]`, `sha256:` id, unique id prefix or digest; throws `No such image`. */
  resolve(ref: string): ImageRecord {
    if (typeof ref !== "string" || !ref) throw notFound(`No such image: ${ref}`);
    const byTag = this.tagKeyOf(ref);
    if (byTag) return this.byId.get(this.tags.get(byTag)!)!;
    const full = ref.startsWith("sha256:") ? ref : `sha256:${ref}`;
    if (this.byId.has(full)) return this.byId.get(full)!;
    const hex = ref.replace(/^sha256:/, "");
    if (/^[0-9a-f]+$/.test(hex) && hex.length >= 1) {
      const m = [...this.byId.keys()].filter((id) => id.slice(7).startsWith(hex));
      if (m.length === 1) return this.byId.get(m[0])!;
    }
    const at = ref.indexOf("@");
    if (at > 0) {
      const img = [...this.byId.values()].find((i) => i.repoDigests.some((d) => d === ref || `${parseReference(ref).repo}@${ref.slice(at + 1)}` === d));
      if (img) return img;
    }
    const { repo, tag } = parseReference(ref);
    throw notFound(`No such image: ${repo}:${tag}`);
  }

  /** The image a create names (`No such image: repo:tag` in Docker's words). */
  forCreate(ref: string): ImageRecord {
    try {
      return this.resolve(ref);
    } catch (e) {
      if (e instanceof VchError && e.kind === "notFound") {
        const { repo, tag } = parseReference(ref);
        throw notFound(`No such image: ${repo}:${tag}`);
      }
      throw e;
    }
  }

  /** The image's id for a filter value, or null when no image answers to it. */
  idOf(ref: string): string | null {
    try {
      return this.resolve(ref).id;
    } catch (e) {
      if (e instanceof VchError) return null; // a filter naming no image matches nothing
      throw e;
    }
  }

  parseRef(ref: string): { repo: string; tag: string } {
    if (typeof ref !== "string" || !ref.trim()) throw invalid("invalid reference format");
    const { repo, tag } = parseReference(ref);
    if (!validReference(repo, tag)) throw invalid(`invalid reference format${/[A-Z]/.test(repo) ? ": repository name (" + repo + ") must be lowercase" : ""}`);
    return { repo, tag };
  }

  /** The `repo:tag` a reference names, when it names a tag (not an id). */
  tagKeyOf(ref: string): string | null {
    if (/^sha256:/.test(ref) || (/^[0-9a-f]{4,64}$/.test(ref) && !this.tags.has(`${ref}:latest`))) return null;
    const { repo, tag } = parseReference(ref);
    const key = `${repo}:${tag}`;
    return this.tags.has(key) ? key : null;
  }

  /** Points `repo:tag` at image `id` (moving it if another image had it). */
  setTag(key: string, id: string): void {
    const prev = this.tags.get(key);
    if (prev === id) return;
    if (prev) {
      const old = this.byId.get(prev);
      if (old) {
        old.repoTags = old.repoTags.filter((t) => t !== key);
        this.ctx.journal.mark("image", prev);
      }
    }
    this.tags.set(key, id);
    const img = this.byId.get(id)!;
    if (!img.repoTags.includes(key)) img.repoTags.push(key);
    this.ctx.journal.mark("image", id);
  }

  dropTag(key: string, result: ImageRemoval): void {
    const id = this.tags.get(key);
    if (!id) return;
    this.tags.delete(key);
    const img = this.byId.get(id)!;
    img.repoTags = img.repoTags.filter((t) => t !== key);
    this.ctx.journal.mark("image", id);
    result.untagged.push(key);
    this.ctx.emit("image", "untag", id, { name: key });
  }

  delete(id: string, result: ImageRemoval): void {
    const img = this.byId.get(id);
    if (!img) return;
    for (const d of img.repoDigests) result.untagged.push(d);
    this.onDelete(id);
    this.byId.delete(id);
    this.ctx.journal.unmark("image", id);
    result.deleted.push(id);
    this.ctx.emit("image", "delete", id, { name: id });
  }
}
