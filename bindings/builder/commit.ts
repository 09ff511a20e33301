/**
 * `docker commit`: a container's writable layer on top of its image's layers becomes a new image,
 * with the container's config (its command, environment, working directory, user, labels, ports,
 * volumes) and the `--change` instructions applied; the history gets the container's command.
 */
import type { ContainerConfig, VirtualContainerHostApi } from "../vch/types.js";
import { applyChanges } from "./archive.js";
import { type ContainerConfigDoc, imageLayer, makeImage, rfc3339 } from "./image.js";
import { buildImageOf } from "./vch.js";

export interface CommitOptions {
  /** `repo:tag`, normalised; none for an untagged image. */
  tag?: string;
  comment?: string;
  author?: string;
  changes?: string[];
  /** The body of `POST /commit`: config fields that override the container's. */
  config?: Partial<ContainerConfig>;
}

/** Commits the container; returns the new image's id. */
export async function commitOnVch(vch: VirtualContainerHostApi, ref: string, o: CommitOptions): Promise<string> {
  const c = vch.getContainer(ref);
  const base = await buildImageOf(vch, vch.getImage(c.imageId));
  const { layer } = vch.containerLayer(c.id);
  const rc = c.config;
  let config: ContainerConfigDoc = {
    ...base.config,
    Cmd: rc.Cmd, Entrypoint: rc.Entrypoint, Env: rc.Env, WorkingDir: rc.WorkingDir, User: rc.User, ExposedPorts: rc.ExposedPorts,
    Labels: Object.keys(rc.Labels ?? {}).length ? rc.Labels : null, Volumes: rc.Volumes,
    ...(rc.StopSignal ? { StopSignal: rc.StopSignal } : {}), ...(rc.Healthcheck ? { Healthcheck: rc.Healthcheck } : {}),
  };
  for (const [k, v] of Object.entries(o.config ?? {})) {
    if (v === undefined || v === null || k === "Image" || k === "HostConfig" || k === "NetworkingConfig") continue;
    if (k === "Cmd" || k === "Entrypoint") (config as unknown as Record<string, unknown>)[k] = typeof v === "string" ? [v] : v;
    else if (k in config || ["StopSignal", "Healthcheck", "Labels", "ExposedPorts", "Volumes"].includes(k)) (config as unknown as Record<string, unknown>)[k] = v;
  }
  config = applyChanges(config, o.changes ?? []);
  const top = await imageLayer(layer);
  const created = rfc3339(vch.now());
  const image = makeImage({
    config, layers: top.layer.isEmpty() ? base.layers : [...base.layers, top], created, architecture: base.architecture, os: base.os,
    author: o.author || undefined, comment: o.comment || undefined, parent: base.id,
    history: [...base.history, {
      created, created_by: [...(rc.Entrypoint ?? []), ...(rc.Cmd ?? [])].join(" "),
      ...(o.author ? { author: o.author } : {}), ...(o.comment ? { comment: o.comment } : {}),
      ...(top.layer.isEmpty() ? { empty_layer: true } : {}),
    }],
  });
  vch.addImage({
    id: image.id, configJson: image.configJson, config: image.config, created: Math.floor(vch.now() / 1000),
    architecture: image.architecture, os: image.os, layers: image.layers, parent: image.parent,
  }, { tags: o.tag ? [o.tag] : [], action: "commit", commit: { container: c.id, comment: o.comment } });
  return image.id;
}
