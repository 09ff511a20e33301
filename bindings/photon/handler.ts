/**
 * The Photon Controller 1.x API as a web-standard `(Request) => Promise<Response>` handler over a
 * `PhotonPlatform`: auth filter, the paused-system rule, routing, the transaction's commit, the wire format.
 */
import { ApiError } from "./errors.js";
import { authorize } from "./auth.js";
import type { PhotonPlatform } from "./platform.js";
import { Admission, makesTask, type PhotonLimits } from "./limits.js";
import { match } from "./routes.js";
import type { Ctx } from "./route.js";
import { OAuthError, type TokenIssuer } from "./tokens.js";
import { errorResponse, json, readJson, toResponse, type PhotonReply, type PhotonRequest } from "./wire.js";

export interface PhotonHandlerOptions {
  /** Lightwave: when given, every request but the open paths needs a bearer token. */
  auth?: TokenIssuer;
  /** Where clients reach the token endpoint (`/auth` shows it); default the request's host. */
  authEndpoint?: { endpoint: string; port: number };
  /** Sees unexpected exceptions (answered 500 with an empty body, as Photon Controller did). */
  onInternalError?: (error: unknown) => void;
  /** Bounds on requests and tasks in flight (429 TooManyRequests, 503 OutOfThreadPoolWorker). */
  limits?: PhotonLimits;
}
/** The web-standard handler; `dispatch` is the same without `Request`/`Response` (the Node server's fast path). */
export type PhotonHandler = ((req: Request) => Promise<Response>) & { dispatch(req: PhotonRequest): Promise<PhotonReply> };

/** A web `Request` as the door reads it. */
function fromRequest(req: Request): PhotonRequest {
  return { method: req.method, url: req.url, header: (n) => req.headers.get(n), text: () => req.text(), web: () => req };
}

const OPEN = ["/auth", "/available", "/api"];
let requestSeq = 0;

/** Builds the handler. */
export function createPhotonHandler(p: PhotonPlatform, options: PhotonHandlerOptions = {}): PhotonHandler {
  const issuer = options.auth;
  if (issuer) {
    p.authDomain = issuer.domain;
    p.authShown = { enabled: true, endpoint: options.authEndpoint?.endpoint, port: options.authEndpoint?.port, tenant: issuer.domain };
  }
  const admission = new Admission(options.limits);
  const dispatch = async (req: PhotonRequest): Promise<PhotonReply> => {
    const requestId = `${(++requestSeq).toString(16).padStart(8, "0")}-${Date.now().toString(16)}`;
    let admitted = false;
    try {
      const url = new URL(req.url);
      const path = url.pathname.replace(/\/networks(?=\/|$)/g, "/subnets").replace(/\/+$/, "") || "/";
      const method = req.method.toUpperCase();
      if (path === "/openidconnect/token" && method === "POST") return await token(issuer, req);
      if (path === "/auth" && method === "GET") {
        const shown = p.authShown.enabled ? { enabled: true, endpoint: p.authShown.endpoint ?? url.hostname, port: p.authShown.port ?? Number(url.port || 443) } : { enabled: false };
        return json(200, shown, requestId);
      }
      admission.enter();
      admitted = true;
      let caller = null;
      if (issuer && !OPEN.some((o) => path.toLowerCase().startsWith(o))) {
        const h = req.header("authorization");
        if (!h) throw new ApiError(401, "MissingAuthToken", "Missing auth token");
        const m = /^Bearer (.+)$/.exec(h);
        if (!m) throw new ApiError(400, "MalformedAuthToken", "Auth token is malformed");
        if (!(issuer.sharedSecret && m[1] === issuer.sharedSecret)) {
          caller = await issuer.verify(m[1]);
          authorize(p, caller, issuer.domain, method, path);
        }
      }
      const state = p.deployment.state;
      if (method !== "GET" && state === "PAUSED" && !/\/(resume_system|pause_background_tasks)$/.test(path)) {
        throw new ApiError(403, "SystemPaused", "System is paused");
      }
      const found = match(method, path);
      if (!found) throw new ApiError(404, "NotFound", `Route ${method} ${url.pathname} not found`);
      if (makesTask(method, path)) admission.admitTask(p.tasks.inFlight);
      let parsed: Promise<Record<string, unknown>> | null = null;
      const ctx: Ctx = {
        p,
        params: found.params,
        query: url.searchParams,
        origin: url.origin,
        body: () => (parsed ??= readJson(req)),
        get request() {
          return req.web();
        },
        caller,
      };
      const reply = await found.route.run(ctx);
      p.commit();
      return json(reply.status, reply.body, requestId);
    } catch (error) {
      // a refused request changed nothing that must be kept, but a half-applied one is still written
      p.commit();
      if (!(error instanceof ApiError)) options.onInternalError?.(error);
      return errorResponse(error, requestId);
    } finally {
      if (admitted) admission.leave();
    }
  };
  return Object.assign(async (req: Request): Promise<Response> => toResponse(await dispatch(fromRequest(req))), { dispatch });
}

async function token(issuer: TokenIssuer | undefined, req: PhotonRequest): Promise<PhotonReply> {
  const answer = (status: number, body: unknown): PhotonReply => ({ status, headers: { "content-type": "application/json", "cache-control": "no-store" }, body: JSON.stringify(body) });
  if (!issuer) return answer(400, { error: "invalid_request", error_description: "authentication is not enabled on this deployment" });
  try {
    return answer(200, await issuer.grant(new URLSearchParams(await req.text())));
  } catch (e) {
    if (e instanceof OAuthError) return answer(400, { error: e.error, error_description: e.description });
    throw e;
  }
}
