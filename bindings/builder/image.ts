/**
 * Images as the builder, `docker save` and `docker load` see them: the layers (filesystem trees
 * with their diff ids), the container config, the history, and the image config document whose
 * sha256 is the image id — so an id follows from the layer contents, the config and the history.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { type Layer, serializeLayer } from "../fs/index.js";
import type { HealthConfig, ImageConfig } from "../vch/types.js";

/** Docker's image `config`: what a container of the image starts with. */
export interface ContainerConfigDoc extends ImageConfig {
  Shell?: string[];
  OnBuild?: string[] | null;
  Healthcheck?: HealthConfig;
}

/** One entry of an image's history (`docker history`, bottom first in the config document). */
export interface HistoryEntry {
  created: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageLayer {
  layer: Layer;
  /** `sha256:` of the uncompressed layer tar. */
  diffId: string;
  /** The layer tar (computed once). */
  tar: Uint8Array;
  /** Bytes of file contents in the layer (what `docker history` shows as SIZE). */
  size: number;
}

export interface BuildImage {
  /** `sha256:` + the hex sha256 of `configJson`. */
  id: string;
  /** The image config document, byte for byte what `docker save` writes as `<id>.json`. */
  configJson: string;
  config: ContainerConfigDoc;
  /** Bottom first. */
  layers: ImageLayer[];
  history: HistoryEntry[];
  created: string;
  architecture: string;
  os: string;
  author?: string;
  comment?: string;
  /** The image this one was built on (the previous step), when known. */
  parent: string | null;
}

export const hex = (bytes: Uint8Array): string => bytesToHex(sha256(bytes));
export const digest = (bytes: Uint8Array | string): string =>
  "sha256:" + hex(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes);

/** A layer with its tar, diff id and size. */
export async function imageLayer(layer: Layer): Promise<ImageLayer> {
  const tar = await serializeLayer(layer);
  return { layer, tar, diffId: digest(tar), size: layer.size() };
}

/** Assembles an image: the config document (keys in Docker's order) and the id from its bytes. */
export function makeImage(parts: Omit<BuildImage, "id" | "configJson">): BuildImage {
  const doc: Record<string, unknown> = { architecture: parts.architecture };
  if (parts.author) doc.author = parts.author;
  if (parts.comment) doc.comment = parts.comment;
  doc.config = parts.config;
  doc.created = parts.created;
  doc.history = parts.history;
  doc.os = parts.os;
  doc.rootfs = { type: "layers", diff_ids: parts.layers.map((l) => l.diffId) };
  const configJson = JSON.stringify(doc);
  return { ...parts, id: digest(configJson), configJson };
}

/** An RFC 3339 time with nanoseconds as Docker writes `created`. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

/** An empty container config with Docker's defaults for a scratch image. */
export function emptyConfig(): ContainerConfigDoc {
  return { Cmd: null, Entrypoint: null, Env: [], WorkingDir: "", User: "", ExposedPorts: null, Labels: null, Volumes: null };
}

/** A deep copy of a config (steps never share arrays). */
export function copyConfig(c: ContainerConfigDoc): ContainerConfigDoc {
  return structuredClone(c);
}
