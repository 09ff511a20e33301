/**
 * The builder and image archives over a Virtual Container Host: base images are the VCH's (pulled
 * from its catalogue when missing), what a build, `docker load` or `docker import` makes becomes an
 * image of the VCH (a template VM profile like a pulled image, journaled with its layers), and
 * `docker history` and `docker save` read the VCH's images. One builder (and its step cache, kept
 * in the VCH's journal) per VCH.
 */
import { deserializeLayer, type Layer } from "../fs/index.js";
import { fromBase64, toBase64 } from "../vch/image-layers.js";
import type { ImageRecord, VirtualContainerHostApi } from "../vch/types.js";
import { importImage, loadImages, saveImages } from "./archive.js";
import { type BuildMessage, Builder, type BuildOptions, type ImageStore, type KeptStep } from "./build.js";
import { type BuildImage, type ContainerConfigDoc, digest, type HistoryEntry, type ImageLayer, imageLayer, rfc3339 } from "./image.js";

/** Tars and diff ids of layers, computed once per layer object (catalogue layers are shared). */
const layerInfo = new WeakMap<Layer, ImageLayer>();
async function infoOf(layer: Layer): Promise<ImageLayer> {
  let i = layerInfo.get(layer);
  if (!i) { i = await imageLayer(layer); layerInfo.set(layer, i); }
  return i;
}

/** An image of the VCH as the builder sees it. */
export async function buildImageOf(vch: VirtualContainerHostApi, rec: ImageRecord): Promise<BuildImage> {
  const objects = (await vch.imageLayers(rec.id)).slice().reverse();
  if (rec.rootfs) {
    // A made image's own layers keep the tars they were stored as (a loaded image's tar may hold
    // what a re-serialisation would not reproduce), so their diff ids stay those of its config.
    const own = rec.rootfs.layers;
    objects.slice(objects.length - own.length).forEach((layer, i) => {
      if (layerInfo.has(layer)) return;
      const tar = Uint8Array.from(atob(own[i]), (c) => c.charCodeAt(0));
      layerInfo.set(layer, { layer, tar, diffId: digest(tar), size: layer.size() });
    });
  }
  const layers = await Promise.all(objects.map(infoOf));
  if (rec.rootfs) {
    const doc = JSON.parse(rec.rootfs.configJson) as { config?: ContainerConfigDoc; history?: HistoryEntry[]; created?: string; author?: string; comment?: string };
    return {
      id: rec.id, configJson: rec.rootfs.configJson, config: { ...rec.config, ...(doc.config ?? {}) }, layers, history: doc.history ?? [],
      created: doc.created ?? rfc3339(rec.created * 1000), architecture: rec.architecture, os: rec.os, author: doc.author, comment: doc.comment,
      parent: rec.rootfs.parent,
    };
  }
  if (rec.configJson) {
    // A pulled image: the config document the registry served (its sha256 is the id).
    const doc = JSON.parse(rec.configJson) as { history?: HistoryEntry[]; created: string };
    return {
      id: rec.id, configJson: rec.configJson, config: structuredClone(rec.config), layers, history: doc.history ?? [], created: doc.created,
      architecture: rec.architecture, os: rec.os, parent: null,
    };
  }
  // A pulled image journaled before pulls kept their config document: its history as its root
  // filesystem's layers and its command (this document's digest is not its id).
  const created = rfc3339(rec.created * 1000);
  const history: HistoryEntry[] = layers.map((l, i) => ({ created, created_by: i === 0 ? `/bin/sh -c #(nop) ADD file:${l.diffId.slice(7)} in / ` : `/bin/sh -c #(nop) COPY dir:${l.diffId.slice(7)} in / ` }));
  if (rec.config.Cmd) history.push({ created, created_by: `/bin/sh -c #(nop)  CMD [${rec.config.Cmd.map((c) => JSON.stringify(c)).join(" ")}]`, empty_layer: true });
  const doc = { architecture: rec.architecture, config: rec.config, created, history, os: rec.os, rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) } };
  return { id: rec.id, configJson: JSON.stringify(doc), config: structuredClone(rec.config), layers, history, created, architecture: rec.architecture, os: rec.os, parent: null };
}

/** Adds a made image to the VCH. */
function addToVch(vch: VirtualContainerHostApi, image: BuildImage, tags: string[], action: "build" | "load" | "import" | "commit"): ImageRecord {
  for (const l of image.layers) if (!layerInfo.has(l.layer)) layerInfo.set(l.layer, l);
  return vch.addImage({
    id: image.id, configJson: image.configJson, config: image.config, created: Math.floor(Date.parse(image.created) / 1000),
    architecture: image.architecture, os: image.os, layers: image.layers, parent: image.parent,
  }, { tags, action });
}

class VchImageStore implements ImageStore {
  constructor(private readonly vch: VirtualContainerHostApi) {}

  async image(ref: string, progress: (m: Record<string, unknown>) => void): Promise<BuildImage> {
    let rec: ImageRecord;
    try {
      rec = this.vch.getImage(ref);
    } catch {
      rec = await this.vch.pullImage(ref, (p) => progress({ ...p }));
    }
    return buildImageOf(this.vch, rec);
  }

  async add(image: BuildImage, tags: string[]): Promise<void> {
    addToVch(this.vch, image, tags, "build");
  }

  async local(ref: string): Promise<BuildImage | undefined> {
    let rec: ImageRecord;
    try { rec = this.vch.getImage(ref); } catch { return undefined; }
    return buildImageOf(this.vch, rec);
  }

  keptSteps(): Map<string, KeptStep> {
    return this.vch.keptBuildSteps();
  }

  keepStep(key: string, step: BuildImage | null, made: ImageLayer | null): void {
    this.vch.keepBuildStep(key, step && { configJson: step.configJson, parent: step.parent, layer: made ? { diffId: made.diffId, tar: toBase64(made.tar) } : undefined });
  }

  /**
   * A kept step's layers are found by diff id among the VCH's images (its base's) and the layers
   * the kept steps added (as dockerd's classic builder keeps each step's layer in an intermediate image).
   */
  async loadStep(step: KeptStep): Promise<BuildImage | undefined> {
    const doc = JSON.parse(step.configJson) as {
      config: ContainerConfigDoc; history?: HistoryEntry[]; created: string; architecture: string; os: string; author?: string; comment?: string; rootfs: { diff_ids: string[] };
    };
    const layers: ImageLayer[] = [];
    for (const diffId of doc.rootfs.diff_ids) {
      let layer = this.layersByDiffId?.get(diffId);
      if (!layer) {
        this.layersByDiffId = await this.localLayers();
        layer = this.layersByDiffId.get(diffId);
      }
      if (!layer) return undefined;
      layers.push(layer);
    }
    return {
      id: digest(step.configJson), configJson: step.configJson, config: doc.config, layers, history: doc.history ?? [], created: doc.created,
      architecture: doc.architecture, os: doc.os, author: doc.author, comment: doc.comment, parent: step.parent,
    };
  }

  /**
   * Every layer of the VCH's images and of its kept build steps by diff id (read again when a kept
   * step names one not seen yet); a kept step's layer is decoded once.
   */
  private layersByDiffId: Map<string, ImageLayer> | null = null;
  private async localLayers(): Promise<Map<string, ImageLayer>> {
    const byDiffId = new Map<string, ImageLayer>();
    for (const rec of this.vch.listImages()) for (const l of (await buildImageOf(this.vch, rec)).layers) byDiffId.set(l.diffId, l);
    for (const step of this.vch.keptBuildSteps().values()) {
      if (!step.layer || byDiffId.has(step.layer.diffId)) continue;
      const known = this.layersByDiffId?.get(step.layer.diffId);
      if (known) { byDiffId.set(known.diffId, known); continue; }
      // Keyed by the digest of the tar as read back: a layer that does not match its diff id is not found.
      const tar = fromBase64(step.layer.tar);
      const layer = await deserializeLayer(tar);
      byDiffId.set(digest(tar), { layer, tar, diffId: digest(tar), size: layer.size() });
    }
    return byDiffId;
  }
}

const builders = new WeakMap<VirtualContainerHostApi, Builder>();

/** The VCH's builder (its step cache lives as long as the VCH, and in its state folder). */
export function builderOf(vch: VirtualContainerHostApi): Builder {
  let b = builders.get(vch);
  if (!b) {
    b = new Builder(new VchImageStore(vch), {
      now: () => vch.now(),
      sleep: (ms, signal) => new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        signal?.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
      }),
    }, (o) => vch.buildSandbox(o));
    builders.set(vch, b);
  }
  return b;
}

/** `docker build` on the VCH. */
export function buildOnVch(vch: VirtualContainerHostApi, options: BuildOptions, out: (m: BuildMessage) => void): Promise<BuildImage> {
  return builderOf(vch).build(options, out);
}

/** `docker history`: newest first, as `GET /images/{name}/history` answers. */
export async function historyOf(vch: VirtualContainerHostApi, ref: string): Promise<{ Id: string; Created: number; CreatedBy: string; Tags: string[] | null; Size: number; Comment: string }[]> {
  const rec = vch.getImage(ref);
  const img = await buildImageOf(vch, rec);
  const out = [];
  let layer = img.layers.length - 1;
  for (let i = img.history.length - 1; i >= 0; i--) {
    const h = img.history[i];
    const size = h.empty_layer ? 0 : img.layers[layer--]?.size ?? 0;
    out.push({
      Id: i === img.history.length - 1 ? rec.id : "<missing>",
      Created: Math.floor(Date.parse(h.created) / 1000),
      CreatedBy: h.created_by ?? "",
      Tags: i === img.history.length - 1 && rec.repoTags.length ? rec.repoTags : null,
      Size: size,
      Comment: h.comment ?? "",
    });
  }
  return out;
}

/** `docker save`: the named images (a name keeps its tag in the archive; an id keeps none). */
export async function saveFromVch(vch: VirtualContainerHostApi, refs: string[]): Promise<Uint8Array> {
  const items: { image: BuildImage; tags: string[] }[] = [];
  for (const ref of refs) {
    const rec = vch.getImage(ref);
    const byId = ref.startsWith("sha256:") || rec.id.slice(7).startsWith(ref);
    const tags = byId ? [] : rec.repoTags.filter((t) => t === ref || t === `${ref}:latest` || t === ref.replace(/^(docker\.io\/)?(library\/)?/, "") || t === `${ref.replace(/^(docker\.io\/)?(library\/)?/, "")}:latest`);
    const existing = items.find((i) => i.image.id === rec.id);
    if (existing) { existing.tags.push(...tags.filter((t) => !existing.tags.includes(t))); continue; }
    items.push({ image: await buildImageOf(vch, rec), tags });
  }
  return saveImages(items);
}

/** `docker load`: the lines it prints (`Loaded image: app:1`, or `Loaded image ID: sha256:…`). */
export async function loadIntoVch(vch: VirtualContainerHostApi, archive: Uint8Array): Promise<string[]> {
  const lines: string[] = [];
  for (const { image, tags } of await loadImages(archive)) {
    // Layers that are a catalogue image's (a saved pulled image, or one built on it) become the
    // catalogue's shared ones again: the image keeps its base's size and template profile.
    const base = await vch.catalogueBase(image.layers.map((l) => l.diffId), tags);
    base?.forEach((layer, i) => (image.layers[i] = { ...image.layers[i], layer }));
    addToVch(vch, image, tags, "load");
    if (tags.length) for (const t of tags) lines.push(`Loaded image: ${t}`);
    else lines.push(`Loaded image ID: ${image.id}`);
  }
  return lines;
}

/** `docker import`: a filesystem tar as an image; returns its id. */
export async function importIntoVch(vch: VirtualContainerHostApi, archive: Uint8Array, o: { tag?: string; changes?: string[]; message?: string }): Promise<string> {
  const image = await importImage(archive, { changes: o.changes, message: o.message, now: vch.now() });
  addToVch(vch, image, o.tag ? [o.tag] : [], "import");
  return image.id;
}
