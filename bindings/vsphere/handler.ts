/**
 * The vSphere Web Services API (vim25 over SOAP) as a web-standard handler:
 * `(Request) => Promise<Response>`. `GET /sdk/vimServiceVersions.xml` answers pyvmomi's version
 * probe; `POST /sdk` parses the envelope (soap.ts), names the session by its cookie, runs the
 * method on its managed object (server.ts) and writes the answer or the fault.
 */
import type { VirtualContainerHostApi } from "../vch/types.js";
import type { Ctx } from "./managed.js";
import { API_VERSION, PRIOR_API_VERSIONS, VsphereServer, type VsphereOptions } from "./server.js";
import { parseRequest, refOf, serviceVersions, writeFault, writeResponse, child } from "./soap.js";
import { toFault } from "./task.js";
import { VimFault } from "./values.js";

/** Options of `createVsphereHandler`. */
export interface VsphereHandlerOptions extends VsphereOptions {
  /** Largest request body accepted, in bytes (default 8 MiB); larger ones get an InvalidRequest fault. */
  maxBodyBytes?: number;
  /** Called once per SOAP call (for request logs). */
  onRequest?: (entry: { method: string; status: number; ms: number }) => void;
}

/** One SOAP call in runtime-neutral terms (what Node's server hands over without web Request objects). */
export interface SoapCall {
  body: string;
  cookie?: string | null;
  /** vSphere's session header, used when no session cookie came. */
  sessionId?: string | null;
  userAgent?: string | null;
  ip?: string;
  /** The runtime stopped reading a body longer than the limit. */
  tooLarge?: boolean;
  /** Aborts when the client disconnects. */
  signal?: AbortSignal;
}

/** The answer to a SoapCall: status 200 or 500 (fault), XML text, and a session cookie after Login. */
export interface SoapAnswer {
  status: number;
  body: string;
  setCookie?: string;
  /** The new session's key after Login (what the cookie carries). */
  sessionId?: string;
}

/** The handler, with the door's state (`server`) for runtimes and tests, and `close` to stop following the VCH. */
export interface VsphereHandler {
  (request: Request, info?: { ip?: string }): Promise<Response>;
  /** The same POST /sdk call without web Request/Response objects (Node's server uses it: a 1,000-VM answer is 300 KB). */
  soap(call: SoapCall): Promise<SoapAnswer>;
  server: VsphereServer;
  close(): void;
}

const COOKIE = "vmware_soap_session";
/**
 * vSphere's session header (the vim25 JSON API's): a browser page can neither send a Cookie header
 * nor read Set-Cookie, so the session also travels here, both ways.
 */
export const SESSION_HEADER = "vmware-api-session-id";
const XML = { "content-type": "text/xml; charset=utf-8" };

function cookieOf(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === COOKIE) return part.slice(i + 1).trim().replace(/^"|"$/g, "");
  }
  return undefined;
}

/** Reads at most `max` bytes of the body; null when it is longer. */
async function readBody(request: Request, max: number): Promise<string | null> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > max) return null;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** Creates the vSphere API handler of a Virtual Container Host. */
export function createVsphereHandler(vch: VirtualContainerHostApi, options: VsphereHandlerOptions = {}): VsphereHandler {
  const server = new VsphereServer(vch, options);
  const maxBody = options.maxBodyBytes ?? 8 * 1048576;

  async function soapCall(c: SoapCall): Promise<SoapAnswer> {
    const started = Date.now();
    let method = "-";
    let answer: SoapAnswer;
    try {
      if (c.tooLarge || c.body.length > maxBody) throw new VimFault("InvalidRequest", `the request body is larger than ${maxBody} bytes`);
      const call = parseRequest(c.body);
      method = call.name;
      const thisEl = child(call, "_this");
      if (!thisEl) throw new VimFault("InvalidRequest", `${method} needs _this, the managed object it runs on`);
      const session = server.session(cookieOf(c.cookie ?? null) ?? (c.sessionId || undefined)) ?? null;
      const ctx: Ctx = { server, session, userAgent: c.userAgent ?? "", ip: c.ip, signal: c.signal };
      const result = await server.call(method, refOf(thisEl), call, ctx);
      answer = { status: 200, body: writeResponse(method, result) };
      if (ctx.session && ctx.session !== session) answer = { ...answer, setCookie: `${COOKIE}=${ctx.session.key}; Path=/; HttpOnly`, sessionId: ctx.session.key };
    } catch (e) {
      answer = { status: 500, body: writeFault(toFault(e)) };
    }
    options.onRequest?.({ method, status: answer.status, ms: Date.now() - started });
    return answer;
  }

  async function soap(request: Request, ip: string | undefined): Promise<Response> {
    const text = await readBody(request, maxBody);
    const answer =
      text === null
        ? { status: 500, body: writeFault(new VimFault("InvalidRequest", `the request body is larger than ${maxBody} bytes`)) }
        : await soapCall({ body: text, cookie: request.headers.get("cookie"), sessionId: request.headers.get(SESSION_HEADER), userAgent: request.headers.get("user-agent"), ip, signal: request.signal });
    const headers: Record<string, string> = { ...XML };
    if (answer.setCookie) headers["set-cookie"] = answer.setCookie;
    if (answer.sessionId) headers[SESSION_HEADER] = answer.sessionId;
    return new Response(answer.body, { status: answer.status, headers });
  }

  const handler = (async (request: Request, info?: { ip?: string }): Promise<Response> => {
    const url = new URL(request.url);
    const path = url.pathname.replace(/\/+$/, "");
    if (path === "/sdk/vimServiceVersions.xml" && (request.method === "GET" || request.method === "HEAD")) {
      return new Response(serviceVersions(API_VERSION, PRIOR_API_VERSIONS), { headers: XML });
    }
    if (path === "/sdk" && request.method === "POST") return soap(request, info?.ip);
    if (path === "/sdk") return new Response(writeFault(new VimFault("InvalidRequest", `${request.method} /sdk: the vSphere API takes SOAP requests by POST`)), { status: 405, headers: { ...XML, allow: "POST" } });
    return new Response(`no such page: ${url.pathname} (the vSphere API is at /sdk)\n`, { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  }) as VsphereHandler;
  handler.soap = soapCall;
  handler.server = server;
  handler.close = () => server.close();
  return handler;
}
