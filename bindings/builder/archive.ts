/**
 * Images in and out of tar files: `docker save` writes the docker-archive format (`manifest.json`,
 * the config document as `<id>.json`, each layer as `<diff id>/layer.tar`, and `repositories`),
 * `docker load` reads it (also the OCI-layout archives of Docker 25+, through their manifest.json)
 * and checks every layer against its diff id, and `docker import` makes a one-layer image from a
 * filesystem tar.
 */
import { packTar, type TarEntry, unpackTar } from "modern-tar";
import { deserializeLayer } from "../fs/index.js";
import { gunzip, isGzip } from "./context.js";
import { parseDockerfile } from "./dockerfile.js";
import { BuildError } from "./errors.js";
import { type BuildImage, type ContainerConfigDoc, digest, emptyConfig, type HistoryEntry, imageLayer, makeImage, rfc3339 } from "./image.js";
import { applyMetadata } from "./instructions.js";

const enc = new TextEncoder();
const file = (name: string, body: Uint8Array, mtime: Date): TarEntry => ({ header: { name, size: body.length, mode: 0o644, type: "file", mtime }, body });

/** `docker save`: the images with the tags to record for each. */
export async function saveImages(images: { image: BuildImage; tags: string[] }[]): Promise<Uint8Array> {
  const entries: TarEntry[] = [];
  const written = new Set<string>();
  const manifest: unknown[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const { image, tags } of images) {
    const idHex = image.id.slice(7);
    const mtime = new Date(image.created);
    if (!written.has(image.id)) {
      written.add(image.id);
      entries.push(file(`${idHex}.json`, enc.encode(image.configJson), mtime));
    }
    const layerPaths: string[] = [];
    for (const l of image.layers) {
      const dir = l.diffId.slice(7);
      layerPaths.push(`${dir}/layer.tar`);
      if (written.has(l.diffId)) continue;
      written.add(l.diffId);
      entries.push({ header: { name: `${dir}/`, size: 0, mode: 0o755, type: "directory", mtime } });
      entries.push(file(`${dir}/VERSION`, enc.encode("1.0"), mtime));
      entries.push(file(`${dir}/layer.tar`, l.tar, mtime));
    }
    manifest.push({ Config: `${idHex}.json`, RepoTags: tags.length ? tags : null, Layers: layerPaths });
    for (const t of tags) {
      const colon = t.lastIndexOf(":");
      (repositories[t.slice(0, colon)] ??= {})[t.slice(colon + 1)] = idHex;
    }
  }
  entries.push(file("manifest.json", enc.encode(JSON.stringify(manifest)), new Date(0)));
  if (Object.keys(repositories).length) entries.push(file("repositories", enc.encode(JSON.stringify(repositories) + "\n"), new Date(0)));
  return packTar(entries);
}

/** `docker load`: the images of an archive with their tags; every layer must match its diff id. */
export async function loadImages(archive: Uint8Array): Promise<{ image: BuildImage; tags: string[] }[]> {
  let bytes = archive;
  if (isGzip(bytes)) bytes = await gunzip(bytes);
  let files: Map<string, Uint8Array>;
  try {
    files = new Map((await unpackTar(bytes)).filter((e) => e.data).map((e) => [e.header.name.replace(/^\.\//, ""), e.data!]));
  } catch (e) {
    throw new BuildError(`archive/tar: invalid tar header (${(e as Error).message})`, { status: 400 });
  }
  const manifestBytes = files.get("manifest.json");
  if (!manifestBytes) throw new BuildError("open /var/lib/docker/tmp/docker-import/manifest.json: no such file or directory", { status: 400 });
  let manifest: { Config: string; RepoTags?: string[] | null; Layers: string[] }[];
  try {
    manifest = JSON.parse(new TextDecoder().decode(manifestBytes));
    if (!Array.isArray(manifest)) throw new Error("not an array");
  } catch (e) {
    throw new BuildError(`invalid manifest.json: ${(e as Error).message}`, { status: 400 });
  }
  const out: { image: BuildImage; tags: string[] }[] = [];
  for (const m of manifest) {
    const cfgBytes = files.get(m.Config);
    if (!cfgBytes) throw new BuildError(`open ${m.Config}: no such file or directory`, { status: 400 });
    const configJson = new TextDecoder().decode(cfgBytes);
    const doc = JSON.parse(configJson) as {
      architecture?: string; os?: string; author?: string; comment?: string; created?: string; config?: ContainerConfigDoc;
      history?: HistoryEntry[]; rootfs?: { diff_ids?: string[] };
    };
    const diffIds = doc.rootfs?.diff_ids ?? [];
    if (diffIds.length !== m.Layers.length) throw new BuildError(`invalid manifest, layers length mismatch: expected ${diffIds.length}, got ${m.Layers.length}`, { status: 400 });
    const layers = [];
    for (let i = 0; i < m.Layers.length; i++) {
      let tar = files.get(m.Layers[i]);
      if (!tar) throw new BuildError(`open ${m.Layers[i]}: no such file or directory`, { status: 400 });
      if (isGzip(tar)) tar = await gunzip(tar);
      const got = digest(tar);
      if (got !== diffIds[i]) throw new BuildError(`invalid diffID for layer ${i}: expected "${diffIds[i]}", got "${got}"`, { status: 400 });
      const layer = await deserializeLayer(tar);
      layers.push({ layer, tar, diffId: got, size: layer.size() });
    }
    const config: ContainerConfigDoc = { ...emptyConfig(), ...(doc.config ?? {}) };
    config.Env ??= [];
    const image: BuildImage = {
      id: digest(cfgBytes), configJson, config, layers, history: doc.history ?? [], created: doc.created ?? rfc3339(0),
      architecture: doc.architecture ?? "amd64", os: doc.os ?? "linux", author: doc.author, comment: doc.comment, parent: null,
    };
    out.push({ image, tags: m.RepoTags ?? [] });
  }
  return out;
}

/**
 * `docker import`: a filesystem tar (plain or gzip) as a one-layer image; `changes` are Dockerfile
 * instructions for its config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR).
 */
export async function importImage(archive: Uint8Array, o: { changes?: string[]; message?: string; now: number }): Promise<BuildImage> {
  let bytes = archive;
  if (isGzip(bytes)) bytes = await gunzip(bytes);
  let layer;
  try {
    layer = await deserializeLayer(bytes);
  } catch (e) {
    throw new BuildError(`archive/tar: invalid tar header (${(e as Error).message})`, { status: 400 });
  }
  const config = applyChanges(emptyConfig(), o.changes ?? []);
  const created = rfc3339(o.now);
  return makeImage({
    config, layers: [await imageLayer(layer)], created, architecture: "amd64", os: "linux", parent: null,
    history: [{ created, created_by: "", comment: o.message || "Imported from -" }],
  });
}

const CHANGES = new Set(["CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "USER", "VOLUME", "WORKDIR", "STOPSIGNAL", "HEALTHCHECK"]);

/** `--change` instructions applied to a config (import and commit). */
export function applyChanges(config: ContainerConfigDoc, changes: string[]): ContainerConfigDoc {
  const c = structuredClone(config);
  for (const line of changes) {
    if (!line.trim()) continue;
    const ins = parseDockerfile(`FROM scratch\n${line}`).stages[0].instructions[0];
    if (!ins || !CHANGES.has(ins.keyword)) throw new BuildError(`${line.split(/\s+/)[0].toLowerCase()} is not a valid change command`, { status: 400 });
    const vars = new Map(c.Env.map((e) => [e.split("=")[0], e.slice(e.indexOf("=") + 1)] as [string, string]));
    applyMetadata(ins, { config: c, cmdSet: true }, vars);
  }
  return c;
}
