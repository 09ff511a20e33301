/**
 * A pulled image's config document, as the registry model serves it: the image's container config,
 * its creation time, a history line per layer and the diff ids of its root filesystem's layers (the
 * sha256 of each layer tar). Its sha256 is the image id, as in Docker, so `docker save` writes a
 * config whose digest is the id and `docker load` finds the same image again.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { type Layer, serializeLayer } from "../fs/index.js";
import type { ImageConfig } from "./types.js";

/** Diff ids of catalogue layers (deterministic contents, shared by every VCH of the process). */
const diffIds = new WeakMap<Layer, Promise<string>>();

function diffIdOf(layer: Layer): Promise<string> {
  let d = diffIds.get(layer);
  if (!d) {
    d = serializeLayer(layer).then((tar) => `sha256:${bytesToHex(sha256(tar))}`);
    diffIds.set(layer, d);
  }
  return d;
}

/** Docker's `created`: RFC 3339 with nanoseconds. */
const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");

/**
 * The config document of an image with `layers` (top first) and `config`, created at `created`
 * (Unix seconds), and its id (`sha256:` of the document's bytes).
 */
export async function pulledImageConfig(config: ImageConfig, layers: Layer[], created: number): Promise<{ id: string; configJson: string }> {
  const ids = await Promise.all(layers.slice().reverse().map(diffIdOf));
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
