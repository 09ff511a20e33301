/**
 * The Docker door's executors for images made in the VCH (bindings/builder): `POST /build` as the
 * classic builder's JSON stream, `docker history`, `docker save` (a tar), `docker load`,
 * `docker import` and `docker commit`. Each translates the request into one builder call and shapes the answer.
 */
import { BuildError, buildOnVch, commitOnVch, historyOf, importIntoVch, loadIntoVch, saveFromVch } from "../builder/index.js";
import { Channel } from "../vch/channel.js";
import type { VirtualContainerHostApi } from "../vch/types.js";
import type { ActionOf } from "./actions.js";
import { ApiError, baseHeaders, jsonResponse, streamResponse, utf8, type ApiRequest, type ApiResponse } from "./http.js";

/** The largest build context or archive accepted (the body is held in memory). */
const BODY_LIMIT = 512 << 20;

const line = (m: unknown): Uint8Array => utf8(JSON.stringify(m) + "\n");

/** An error from the builder in Docker's terms: a 4xx/5xx before any output, `errorDetail` after. */
const apiError = (e: unknown): unknown => (e instanceof BuildError ? new ApiError(e.status, e.message) : e);
const errorLine = (e: unknown): Uint8Array => {
  const message = e instanceof Error ? e.message : String(e);
  const code = e instanceof BuildError ? e.code : undefined;
  return line({ errorDetail: code !== undefined ? { code, message } : { message }, error: message });
};

export function imagesMadeExecutors(vch: VirtualContainerHostApi) {
  return {
    imageBuild: async (action: ActionOf<"imageBuild">, request: ApiRequest): Promise<ApiResponse> => {
      const o = action.options;
      const context = await request.readBody(BODY_LIMIT);
      const queue = new Channel<Uint8Array>();
      const quietLines: Uint8Array[] = [];
      let first: () => void = () => {};
      const started = new Promise<void>((resolve) => (first = resolve));
      const emit = (m: Record<string, unknown>): void => {
        // `-q`: only the image id is printed, the rest is kept to show with an error.
        if (o.quiet && !m.aux) { quietLines.push(line(m)); return; }
        queue.push(line(m));
        first();
      };
      const done = buildOnVch(vch, { context, dockerfile: o.dockerfile, tags: o.tags, buildArgs: o.buildArgs, labels: o.labels, noCache: o.noCache, cacheFrom: o.cacheFrom, target: o.target, platform: o.platform, networkMode: o.networkMode, extraHosts: o.extraHosts }, emit).then(
        (image) => {
          if (o.quiet) queue.push(line({ stream: `${image.id}\n` }));
          queue.end();
        },
        (error: unknown) => {
          for (const l of quietLines) queue.push(l);
          queue.push(errorLine(error));
          queue.end();
          throw error;
        },
      );
      // Nothing printed yet (a Dockerfile that does not parse, a missing Dockerfile): an HTTP error, as dockerd answers.
      const outcome = await Promise.race([started.then(() => "streaming" as const), done.then(() => "done" as const)]).catch((e: unknown) => e);
      if (outcome !== "streaming" && outcome !== "done" && !(o.quiet && quietLines.length)) throw apiError(outcome);
      done.catch(() => {});
      return streamResponse(queue, "application/json");
    },

    imageHistory: async (action: ActionOf<"imageHistory">): Promise<ApiResponse> => jsonResponse(await historyOf(vch, action.name)),

    imageSave: async (action: ActionOf<"imageSave">): Promise<ApiResponse> => {
      const tar = await saveFromVch(vch, action.names);
      const headers = baseHeaders();
      headers["Content-Type"] = "application/x-tar";
      return { status: 200, headers, body: tar };
    },

    imageLoad: async (action: ActionOf<"imageLoad">, request: ApiRequest): Promise<ApiResponse> => {
      const archive = await request.readBody(BODY_LIMIT);
      const headers = baseHeaders();
      headers["Content-Type"] = "application/json";
      let lines: string[];
      try {
        lines = await loadIntoVch(vch, archive);
      } catch (e) {
        // dockerd has begun its 200 stream when the archive is read: a bad one is an errorDetail line (docker-py's ImageLoadError).
        if (e instanceof BuildError) return { status: 200, headers, body: errorLine(e) };
        throw e;
      }
      return { status: 200, headers, body: lines.map((l) => JSON.stringify({ stream: `${l}\n` }) + "\n").join("") };
    },

    imageCommit: async (action: ActionOf<"imageCommit">): Promise<ApiResponse> => {
      try {
        const id = await commitOnVch(vch, action.container, { tag: action.tag, comment: action.comment, author: action.author, changes: action.changes, config: action.config });
        return jsonResponse({ Id: id }, 201);
      } catch (e) {
        throw apiError(e);
      }
    },

    imageImport: async (action: ActionOf<"imageImport">, request: ApiRequest): Promise<ApiResponse> => {
      const archive = await request.readBody(BODY_LIMIT);
      let id: string;
      try {
        id = await importIntoVch(vch, archive, { tag: action.tag, changes: action.changes, message: action.message });
      } catch (e) {
        throw apiError(e);
      }
      const headers = baseHeaders();
      headers["Content-Type"] = "application/json";
      return { status: 200, headers, body: JSON.stringify({ status: id }) + "\n" };
    },
  };
}
