/**
 * Images' root filesystems: a pulled image's layers come from the catalogue (bindings/fs, built
 * once and shared), an image made here (build, load, import, commit) keeps its own layers above a
 * catalogue base as OCI layer tars in its record (so the journal keeps them) and decoded layers
 * in memory. Also the template VM profile of a made image: its base's, with its layers on top.
 */
import { catalogueBase, deserializeLayer, ImageFilesystems, type Layer } from "../fs/index.js";
import { imageFromCatalogue, parseReference } from "./catalogue.js";
import { catalogueRootfsUnder, pulledImageConfig } from "./image-config.js";
import type { AddedImage, ImageConfig, ImageRecord, ImageRootfs, TemplateProfile } from "./types.js";

export const toBase64 = (b: Uint8Array): string => {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
};
export const fromBase64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

export class ImageLayers {
  private readonly catalogue = new ImageFilesystems();
  /** Made images' layers, top first, by image id. */
  private readonly made = new Map<string, Layer[]>();
  /** Which catalogue repository a shared catalogue layer belongs to. */
  private readonly baseOf = new WeakMap<Layer, string>();

  /** The catalogue root filesystem of a pulled image (`busybox` for `busybox@sha256:…`, `alpine:3.10` for alpine:3.10's). */
  private repoOf(img: ImageRecord): string {
    const { repo } = parseReference(img.repoDigests[0] ?? img.repoTags[0] ?? "alpine");
    const tagged = img.repoTags.map((t) => parseReference(t)).find((t) => t.repo === repo);
    return catalogueBase(repo, tagged?.tag ?? "latest");
  }

  private catalogueLayers(repo: string): Layer[] {
    const layers = this.catalogue.layersOf(repo);
    for (const l of layers) this.baseOf.set(l, repo);
    return layers;
  }

  /** The config document a pull of `repo:tag` gets (over the catalogue's layers for it) and its id. */
  pulledConfig(repo: string, tag: string, config: ImageConfig, created: number): Promise<{ id: string; configJson: string }> {
    const base = catalogueBase(repo, tag);
    return pulledImageConfig(base, config, () => this.catalogueLayers(base), created);
  }

  /** The catalogue layers (this VCH's shared objects, bottom first) that the bottom of `diffIds` (bottom first) is, if any; `tags` are the image's. */
  async catalogueBase(diffIds: string[], tags: string[]): Promise<Layer[] | null> {
    const name = await catalogueRootfsUnder(diffIds, tags.map((t) => {
      const { repo, tag } = parseReference(t);
      return catalogueBase(repo, tag);
    }));
    return name ? this.catalogueLayers(name).slice().reverse() : null;
  }

  /** The layers of an image, top first, when they are in memory (always, after `hydrate`). */
  cached(img: ImageRecord): Layer[] | null {
    if (!img.rootfs) return this.catalogueLayers(this.repoOf(img));
    return this.made.get(img.id) ?? null;
  }

  /** The layers of an image, top first, decoding a made image's layers on first use. */
  async of(img: ImageRecord): Promise<Layer[]> {
    const hit = this.cached(img);
    if (hit) return hit;
    const r = img.rootfs!;
    const own: Layer[] = [];
    for (const b64 of r.layers) own.unshift(await deserializeLayer(fromBase64(b64)));
    const layers = [...own, ...(r.base ? this.catalogueLayers(r.base) : [])];
    this.made.set(img.id, layers);
    return layers;
  }

  /** Decodes every made image's layers (at a restore), so `cached` answers for all; returns them, top first. */
  async hydrate(images: Iterable<ImageRecord>): Promise<{ id: string; layers: Layer[] }[]> {
    const out = [];
    for (const img of images) if (img.rootfs) out.push({ id: img.id, layers: await this.of(img) });
    return out;
  }

  forget(id: string): void {
    this.made.delete(id);
  }

  /** The record parts of an added image: its rootfs (own layers above a catalogue base) and profile. */
  describe(image: AddedImage): { rootfs: ImageRootfs; profile: TemplateProfile; size: number } {
    const layers = image.layers;
    // The catalogue base: the bottom layers that are one repository's shared layers, all of them.
    let base: string | null = null;
    let baseCount = 0;
    const first = layers[0] ? this.baseOf.get(layers[0].layer) : undefined;
    if (first) {
      const cat = this.catalogue.layersOf(first).slice().reverse();
      if (cat.every((l, i) => layers[i]?.layer === l)) { base = first; baseCount = cat.length; }
    }
    const own = layers.slice(baseCount);
    const rootfs: ImageRootfs = { base, layers: own.map((l) => toBase64(l.tar)), configJson: image.configJson, parent: image.parent };
    const baseProfile = base ? imageFromCatalogue(parseReference(base).repo, "latest") : null;
    const ownRecords = own.map((l) => ({ digest: l.diffId, size: l.size }));
    const ownSize = own.reduce((s, l) => s + l.size, 0);
    const size = (baseProfile?.size ?? 0) + ownSize;
    const p = baseProfile?.profile;
    const profile: TemplateProfile = {
      memoryMiB: p?.memoryMiB ?? 8,
      // The guest kernel (~24 MiB touched) plus a tenth of the image's files read at boot, as for pulls.
      bootPages: (p ? p.bootPages : 6144) + Math.min(Math.round(ownSize / 10 / 4096), 65_536),
      workingSetPages: p?.workingSetPages ?? 1024,
      dirtyPagesPerSecond: p?.dirtyPagesPerSecond ?? 2,
      duplicateShare: p?.duplicateShare ?? 0.25,
      bootMs: p?.bootMs ?? 350,
      layers: [...(p?.layers ?? []), ...ownRecords],
    };
    this.made.set(image.id, layers.map((l) => l.layer).reverse());
    return { rootfs, profile, size };
  }
}
