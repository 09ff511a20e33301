/**
 * The Docker Engine API as a web-standard handler: `(Request) => Promise<Response>`. It parses a
 * request into a typed action (routes.ts), runs it through the executor of its kind (executors.ts,
 * streams in streams.ts) on the Virtual Container Host, and shapes the answer (shape.ts). Runtimes add only I/O: the Node server (node.ts) adds sockets and the
 * `upgrade` glue for hijacked attach and exec.
 */
import type { VirtualContainerHostApi } from "../vch/types.js";
import type { Action } from "./actions.js";
import { createExecutors } from "./executors.js";
import { errorResponse, fromWebRequest, toWebResponse, type ApiRequest, type ApiResponse } from "./http.js";
import { parseRequest } from "./routes.js";

/**
 * What a runtime knows about the connection beside the request. A hijacked request (attach and exec
 * start with `Upgrade: tcp`) hands over the rest of the socket as `stdin`; the runtime answers
 * `101 UPGRADED` when the response is a 200 and writes its body as the raw stream.
 */
export interface DockerConnection {
  hijacked?: boolean;
  stdin?: AsyncIterable<Uint8Array>;
}

/**
 * A Docker Engine API handler: web-standard `(Request) => Promise<Response>`, with `dispatch`, the
 * same API over the runtime-neutral request and answer types that the Node server calls directly.
 */
export interface DockerHandler {
  (request: Request, connection?: DockerConnection): Promise<Response>;
  dispatch(request: ApiRequest, connection?: DockerConnection): Promise<ApiResponse>;
}

/** Options of `createDockerHandler`. */
export interface DockerHandlerOptions {
  /** Interval of streamed stats in real ms (dockerd: one object a second). */
  statsIntervalMs?: number;
  /** Called once per request with the action kind and the status (for request logs). */
  onRequest?: (entry: { method: string; path: string; action: string; status: number }) => void;
}


/** Creates the Docker Engine API handler of a Virtual Container Host. */

/** Creates the Docker Engine API handler of a Virtual Container Host. */
export function createDockerHandler(vch: VirtualContainerHostApi, options: DockerHandlerOptions = {}): DockerHandler {
  const executors = createExecutors(vch, { statsIntervalMs: options.statsIntervalMs ?? 1000, daemonId: daemonIdOf(vch.info().name) });

  async function dispatch(request: ApiRequest, connection: DockerConnection = {}): Promise<ApiResponse> {
    let action: Action | undefined;
    let response: ApiResponse;
    try {
      action = await parseRequest(request);
      const run = executors[action.kind] as (a: Action, r: ApiRequest, c: DockerConnection) => ApiResponse | Promise<ApiResponse>;
      response = await run(action, request, connection);
    } catch (error) {
      response = errorResponse(error);
    }
    if (options.onRequest) {
      const url = new URL(request.url);
      options.onRequest({ method: request.method, path: url.pathname + url.search, action: action?.kind ?? "-", status: response.status });
    }
    return response;
  }

  const web = async (request: Request, connection?: DockerConnection): Promise<Response> => toWebResponse(await dispatch(fromWebRequest(request), connection));
  return Object.assign(web, { dispatch });
}

export { familiar } from "./streams.js";

/** A stable 64-hex-ish daemon id from the VCH name (Docker's `ID`). */
function daemonIdOf(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  const hex = h.toString(16).toUpperCase().padStart(8, "0");
  return `VCH:${hex.slice(0, 4)}:${hex.slice(4)}:${name}`;
}
