/**
 * The Docker door's executors, keyed by action kind: each turns one typed action (routes.ts) into
 * calls on the VCH and shapes the answer (shape.ts). Streaming kinds live in streams.ts.
 */
import { VchError } from "../vch/errors.js";
import type { ImageRecord, VirtualContainerHostApi } from "../vch/types.js";
import type { Action, ActionOf, Filters } from "./actions.js";
import type { DockerConnection } from "./handler.js";
import { ApiError, baseHeaders, emptyResponse, jsonResponse, type ApiRequest, type ApiResponse } from "./http.js";
import * as shape from "./shape.js";
import { streamExecutors } from "./streams.js";
import { imagesMadeExecutors } from "./images-made.js";
import { untilCutoff } from "../vch/filters.js";
import { archiveExecutors } from "./archive.js";

/** One executor per action kind. */
export type Executors = {
  [K in Action["kind"]]: (action: ActionOf<K>, request: ApiRequest, connection: DockerConnection) => ApiResponse | Promise<ApiResponse>;
};

/** The executors of a VCH's Docker door. */
export function createExecutors(vch: VirtualContainerHostApi, options: { statsIntervalMs: number; daemonId: string }): Executors {
  const { wait, events, pull, logs, attach, execStart, stats } = streamExecutors(vch, options.statsIntervalMs);
  const daemonId = options.daemonId;
  function filterImages(images: ImageRecord[], filters: Filters, all: boolean): ImageRecord[] {
    void all;
    let out = images;
    if (filters.dangling?.length) {
      const want = !/^(0|false)$/i.test(filters.dangling[0]);
      out = out.filter((i) => (i.repoTags.length === 0) === want);
    }
    if (filters.reference?.length) out = out.filter((i) => filters.reference.some((r) => i.repoTags.some((t) => referenceMatches(r, t))));
    if (filters.label?.length)
      out = out.filter((i) =>
        filters.label.every((l) => {
          const [k, v] = splitOnce(l, "=");
          const labels = i.config.Labels ?? {};
          return v === undefined ? k in labels : labels[k] === v;
        }),
      );
    const cutoff = untilCutoff(filters.until, vch.now());
    if (cutoff !== null) out = out.filter((i) => i.created * 1000 < cutoff);
    for (const key of ["before", "since"] as const) {
      if (!filters[key]?.length) continue;
      const pivot = vch.getImage(filters[key][0]).created;
      out = out.filter((i) => (key === "before" ? i.created < pivot : i.created > pivot));
    }
    return out;
  }

  return {
    // ── system ──
    ping: (action) => {
      const headers = baseHeaders();
      headers["Content-Type"] = "text/plain; charset=utf-8";
      headers["Cache-Control"] = "no-cache, no-store, must-revalidate";
      headers.Pragma = "no-cache";
      headers["Builder-Version"] = "1";
      headers.Swarm = "inactive";
      return { status: 200, headers, body: action.head ? null : "OK" };
    },
    version: () => {
      return jsonResponse(shape.version(vch.info().name));
    },
    info: () => {
      return jsonResponse(shape.info(vch.info(), daemonId));
    },
    systemDf: () => {
      return jsonResponse(shape.diskUsage(vch.diskUsage(), vch.listImages(), vch.listContainers({ all: true }), vch.listVolumes()));
    },
    events: (action, request) => {
      return events(action, request);
    },
    // ── images ──
    imagePull: (action) => {
      return pull(action);
    },
    imageList: (action) => {
      return jsonResponse(filterImages(vch.listImages(), action.filters, action.all).map((i) => shape.imageSummary(i)));
    },
    imageInspect: (action) => {
      return jsonResponse(shape.imageInspect(vch.getImage(action.name)));
    },
    imageRemove: (action) => {
      const r = vch.removeImage(action.name, { force: action.force, noprune: action.noprune });
      return jsonResponse([...r.untagged.map((u) => ({ Untagged: u })), ...r.deleted.map((d) => ({ Deleted: d }))]);
    },
    imageTag: (action) => {
      vch.tagImage(action.name, action.repo, action.tag);
      return emptyResponse(201);
    },
    imagePrune: (action) => {
      const r = vch.pruneImages({ filters: action.filters });
      const deleted = [...r.untagged.map((t) => ({ Untagged: t })), ...r.deleted.map((d) => ({ Deleted: d }))];
      return jsonResponse({ ImagesDeleted: deleted, SpaceReclaimed: r.spaceReclaimed });
    },
    // docker build, history, save, load, import: images made here (images-made.ts)
    ...imagesMadeExecutors(vch),
    // ── containers ──
    containerCreate: (action) => {
      return jsonResponse({ Id: vch.createContainerId(action.config, action.name), Warnings: [] }, 201);
    },
    containerList: (action) => {
      const list = vch.listContainers({ all: action.all, limit: action.limit, filters: action.filters });
      return jsonResponse(
        list.map((c) => {
          const row = shape.containerSummary(c);
          if (action.size) Object.assign(row, { SizeRw: c.sizeRw, SizeRootFs: c.sizeRootFs });
          return row;
        }),
      );
    },
    containerInspect: (action) => {
      const c = vch.getContainer(action.id);
      const out = shape.containerInspect(c, c.execIds, action.shortIdAlias);
      if (action.size) Object.assign(out, { SizeRw: c.sizeRw, SizeRootFs: c.sizeRootFs });
      return jsonResponse(out);
    },
    containerStart: async (action) => {
      await vch.start(action.id);
      return emptyResponse(204);
    },
    containerStop: async (action) => {
      await vch.stop(action.id, { timeout: action.timeout, signal: action.signal });
      return emptyResponse(204);
    },
    containerRestart: async (action) => {
      await vch.restart(action.id, { timeout: action.timeout, signal: action.signal });
      return emptyResponse(204);
    },
    containerKill: (action) => {
      vch.kill(action.id, action.signal);
      return emptyResponse(204);
    },
    containerPause: (action) => {
      vch.pause(action.id);
      return emptyResponse(204);
    },
    containerUnpause: (action) => {
      vch.unpause(action.id);
      return emptyResponse(204);
    },
    containerWait: (action, request) => {
      return wait(action, request);
    },
    containerRemove: (action) => {
      vch.remove(action.id, { force: action.force, volumes: action.volumes });
      return emptyResponse(204);
    },
    containerLogs: (action, request) => {
      return logs(action, request);
    },
    containerAttach: (action, request, connection) => {
      return attach(action, request, connection);
    },
    containerStats: (action, request) => {
      return stats(action, request);
    },
    containerRemoveLink: (action) => {
      vch.removeLink(action.parent, action.alias);
      return emptyResponse(204);
    },
    distributionInspect: (action) => {
      const d = vch.distribution(action.name);
      return jsonResponse({ Descriptor: { mediaType: d.mediaType, digest: d.digest, size: d.size }, Platforms: d.platforms });
    },
    containerUpdate: (action) => {
      return jsonResponse({ Warnings: vch.updateContainer(action.id, action.update) });
    },
    containerRename: (action) => {
      vch.rename(action.id, action.name);
      return emptyResponse(204);
    },
    containerTop: (action) => {
      return jsonResponse(vch.top(action.id, action.psArgs));
    },
    containerResize: (action) => {
      vch.resize(action.id, action.h, action.w);
      return emptyResponse(200);
    },
    containerPrune: (action) => {
      const r = vch.pruneContainers({ filters: action.filters });
      return jsonResponse({ ContainersDeleted: r.deleted, SpaceReclaimed: r.spaceReclaimed });
    },
    // ── exec ──
    execCreate: (action) => {
      return jsonResponse({ Id: vch.createExec(action.id, action.config) }, 201);
    },
    execStart: (action, request, connection) => {
      return execStart(action, request, connection);
    },
    execInspect: (action) => {
      return jsonResponse(shape.execInspect(vch.inspectExec(action.id)));
    },
    execResize: (action) => {
      vch.resizeExec(action.id, action.h, action.w);
      return emptyResponse(200);
    },
    // ── networks ──
    networkList: (action) => {
      return jsonResponse(vch.listNetworks(action.filters).map(shape.network));
    },
    networkCreate: (action) => {
      const n = vch.createNetwork(action.config as unknown as Parameters<VirtualContainerHostApi["createNetwork"]>[0]);
      return jsonResponse({ Id: n.Id, Warning: "" }, 201);
    },
    networkInspect: (action) => {
      return jsonResponse(shape.network(vch.getNetwork(action.id)));
    },
    networkRemove: (action) => {
      vch.removeNetwork(action.id);
      return emptyResponse(204);
    },
    networkConnect: (action) => {
      vch.connectNetwork(action.id, action.container, action.endpoint);
      return emptyResponse(200);
    },
    networkDisconnect: (action) => {
      vch.disconnectNetwork(action.id, action.container, action.force);
      return emptyResponse(200);
    },
    networkPrune: (action) => {
      return jsonResponse({ NetworksDeleted: vch.pruneNetworks({ filters: action.filters }).deleted });
    },
    // ── volumes ──
    volumeList: (action) => {
      return jsonResponse({ Volumes: vch.listVolumes(action.filters).map((v) => shape.volume(v)), Warnings: [] });
    },
    volumeCreate: (action) => {
      return jsonResponse(shape.volume(vch.createVolume(action.config)), 201);
    },
    volumeInspect: (action) => {
      return jsonResponse(shape.volume(vch.getVolume(action.name)));
    },
    volumeRemove: (action) => {
      vch.removeVolume(action.name, action.force);
      return emptyResponse(204);
    },
    volumePrune: (action) => {
      const r = vch.pruneVolumes({ filters: action.filters });
      return jsonResponse({ VolumesDeleted: r.deleted, SpaceReclaimed: r.spaceReclaimed });
    },
    ...archiveExecutors(vch), // container files: archive (docker cp), export, changes
    pluginList: () => jsonResponse([]),
    unimplemented: (action) => {
      throw new ApiError(501, `vicsim does not implement ${action.what}`);
    },
  };
}

function referenceMatches(pattern: string, tag: string): boolean {
  const withTag = pattern.includes(":") ? pattern : `${pattern}:*`;
  const re = new RegExp("^" + withTag.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join("[^/]*") + "$");
  return re.test(tag);
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** `f()`, or `otherwise` when what it reads is gone (a VCH "no such …"); any other error is thrown. */
function safe<T>(f: () => T, otherwise: T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof VchError && error.kind === "notFound") return otherwise;
    throw error;
  }
}
