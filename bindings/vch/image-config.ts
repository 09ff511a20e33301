/**
 * A pulled image's config document, as the registry model serves it: the image's container config,
 * its creation time, a history line per layer and the diff ids of its root filesystem's layers (the
 * sha256 of each layer tar). Its sha256 is the image id, as in Docker, so `docker save` writes a
 * config whose digest is the id and `docker load` finds the same image again.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { buildImageLayers, IMAGES_WITH_ROOTFS, type Layer, rootfsOf, serializeLayer } from "../fs/index.js";
import type { ImageConfig } from "./types.js";

/**
 * Diff ids of each catalogue root filesystem, bottom first, computed once per process: its layers'
 * contents are deterministic, the same in every VCH, so a pull need not serialise them again.
 */
const diffIdsByRootfs = new Map<string, Promise<string[]>>();

function diffIdsOf(repo: string, layers: () => Layer[]): Promise<string[]> {
  const key = rootfsOf(repo);
  let ids = diffIdsByRootfs.get(key);
  if (!ids) {
    ids = Promise.all(layers().slice().reverse().map(async (l) => `sha256:${bytesToHex(sha256(await serializeLayer(l)))}`));
    diffIdsByRootfs.set(key, ids);
  }
  return ids;
}

/** Docker's `created`: RFC 3339 with nanoseconds. */
const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");

/**
 * The config document of a pull of `repo` with `config`, created at `created` (Unix seconds), over
 * the catalogue's layers for it (`layers`, top first, built only when their diff ids are not known
 * yet), and its id (`sha256:` of the document's bytes).
 */
export async function pulledImageConfig(repo: string, config: ImageConfig, layers: () => Layer[], created: number): Promise<{ id: string; configJson: string }> {
  const ids = await diffIdsOf(repo, layers);
  const when = rfc3339(created * 1000);
  const history: { created: string; created_by: string; empty_layer?: boolean }[] = ids.map((d, i) => ({
    created: when,
    created_by: i === 0 ? `/bin/sh -c #(nop) ADD file:${d.slice(7)} in / ` : `/bin/sh -c #(nop) COPY dir:${d.slice(7)} in / `,
  }));
  if (config.Cmd) history.push({ created: when, created_by: `/bin/sh -c #(nop)  CMD [${config.Cmd.map((c) => JSON.stringify(c)).join(" ")}]`, empty_layer: true });
  const doc = { architecture: "amd64", config, created: when, history, os: "linux", rootfs: { type: "layers", diff_ids: ids } };
  const configJson = JSON.stringify(doc);
  return { id: `sha256:${bytesToHex(sha256(new TextEncoder().encode(configJson)))}`, configJson };
}

/**
 * The catalogue root filesystem whose layers are the bottom layers of `diffIds` (bottom first), the
 * one with the most layers when several are: a `docker load` of a saved pulled image (or of one built
 * on it) finds its base again. The root filesystems of `names` (the repositories the image is tagged
 * with) are looked at first, and one that is all of `diffIds` ends the search (none can be longer);
 * each root filesystem's diff ids are computed once per process.
 */
export async function catalogueRootfsUnder(diffIds: string[], names: string[] = []): Promise<string | null> {
  let best: { name: string; count: number } | null = null;
  for (const name of new Set([...names.map(rootfsOf), ...IMAGES_WITH_ROOTFS])) {
    const ids = await diffIdsOf(name, () => buildImageLayers(name));
    if (ids.length <= diffIds.length && ids.every((d, i) => d === diffIds[i]) && ids.length > (best?.count ?? 0)) {
      best = { name, count: ids.length };
      if (ids.length === diffIds.length) break;
    }
  }
  return best?.name ?? null;
}
