/**
 * The Docker door for container files: `HEAD/GET/PUT /containers/{id}/archive` (`docker cp` both
 * ways, tar streams), `GET /containers/{id}/export` (`docker export`) and
 * `GET /containers/{id}/changes` (`docker diff`). Routes parse into actions; executors call the VCH.
 */
import type { VirtualContainerHostApi } from "../vch/types.js";
import type { RouteInput } from "./routes.js";
import { badRequest, baseHeaders, emptyResponse, jsonResponse, queryBool, type ApiResponse } from "./http.js";

/** The file actions of the door (part of actions.ts's `Action`). */
export type ArchiveAction =
  | { kind: "containerArchiveHead"; id: string; path: string }
  | { kind: "containerArchiveGet"; id: string; path: string }
  | { kind: "containerArchivePut"; id: string; path: string; copyUIDGID: boolean; noOverwriteDirNonDir: boolean }
  | { kind: "containerExport"; id: string }
  | { kind: "containerChanges"; id: string };

/** The largest tar a `docker cp` into a container may send (dockerd has no limit; memory does). */
const MAX_ARCHIVE = 1 << 30;

type AddRoute = (method: string, pattern: string, parse: (input: RouteInput) => ArchiveAction | Promise<ArchiveAction>) => void;

function pathArg(input: RouteInput): string {
  const path = input.query.get("path");
  if (!path) throw badRequest("path is required: the path of a file or directory in the container");
  return path;
}

/** Adds the routes of this family to the routing table. */
export function archiveRoutes(route: AddRoute): void {
  route("HEAD", "/containers/{id}/archive", (i) => ({ kind: "containerArchiveHead", id: i.params.id, path: pathArg(i) }));
  route("GET", "/containers/{id}/archive", (i) => ({ kind: "containerArchiveGet", id: i.params.id, path: pathArg(i) }));
  route("PUT", "/containers/{id}/archive", (i) => ({
    kind: "containerArchivePut", id: i.params.id, path: pathArg(i), copyUIDGID: queryBool(i.query, "copyUIDGID"), noOverwriteDirNonDir: queryBool(i.query, "noOverwriteDirNonDir"),
  }));
  route("GET", "/containers/{id}/export", (i) => ({ kind: "containerExport", id: i.params.id }));
  route("GET", "/containers/{id}/changes", (i) => ({ kind: "containerChanges", id: i.params.id }));
}

/** Base64 of the path's stat JSON, the header the docker CLI reads before and after a copy. */
function statHeader(stat: object): string {
  const bytes = new TextEncoder().encode(JSON.stringify(stat));
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function tarResponse(tar: Uint8Array, contentType: string, extra: Record<string, string> = {}): ApiResponse {
  const headers = { ...baseHeaders(), "Content-Type": contentType, ...extra };
  return { status: 200, headers, body: tar };
}

type ArchiveExecutors = {
  [K in ArchiveAction["kind"]]: (action: Extract<ArchiveAction, { kind: K }>, request: RouteInput["request"]) => ApiResponse | Promise<ApiResponse>;
};

export function archiveExecutors(vch: VirtualContainerHostApi): ArchiveExecutors {
  return {
    containerArchiveHead: (a) => {
      const stat = vch.statPath(a.id, a.path);
      return { status: 200, headers: { ...baseHeaders(), "Content-Type": "application/json", "X-Docker-Container-Path-Stat": statHeader(stat) }, body: null };
    },
    containerArchiveGet: async (a) => {
      const { stat, tar } = await vch.getArchive(a.id, a.path);
      return tarResponse(tar, "application/x-tar", { "X-Docker-Container-Path-Stat": statHeader(stat) });
    },
    containerArchivePut: async (a, request) => {
      const tar = await request.readBody(MAX_ARCHIVE);
      await vch.putArchive(a.id, a.path, tar, { copyUIDGID: a.copyUIDGID, noOverwriteDirNonDir: a.noOverwriteDirNonDir });
      return emptyResponse(200);
    },
    containerExport: async (a) => tarResponse(await vch.exportContainer(a.id), "application/x-tar"),
    containerChanges: (a) => jsonResponse(vch.containerChanges(a.id)),
  };
}
