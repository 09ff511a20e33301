/**
 * Node glue for Photon Platform: an http (or https, when auth is on) server that hands IncomingMessage
 * to the handler's `dispatch` (a web `Request` is built only when a route reads a multipart upload) and
 * writes the reply back; keep-alive and many connections.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { PhotonHandler } from "./handler.js";
import type { PhotonRequest } from "./wire.js";

export interface ServePhotonOptions {
  /** `http://127.0.0.1:9000` (default) or `https://…`. */
  listen?: string;
  /** PEM certificate and key: the server speaks TLS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}
export interface PhotonServer {
  /** The URL clients use (`photon target set <url>`). */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Serves `handler` until `close`. */
export async function servePhoton(handler: PhotonHandler, options: ServePhotonOptions = {}): Promise<PhotonServer> {
  const target = new URL(options.listen ?? "http://127.0.0.1:9000");
  if (target.protocol !== "http:" && target.protocol !== "https:") throw new Error(`--listen ${options.listen}: expected http://HOST:PORT or https://HOST:PORT`);
  const scheme = options.tls ? "https" : "http";
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => void answer(handler, scheme, req, res);
  const server: Server = options.tls ? (createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) as unknown as Server) : createHttpServer(onRequest);
  server.keepAliveTimeout = 65_000;
  server.maxConnections = 100_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(target.port || 9000), target.hostname.replace(/^\[|\]$/g, ""), () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${scheme}://${target.hostname}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(handler: PhotonHandler, scheme: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const body = await readBody(req);
    const method = req.method ?? "GET";
    const url = `${scheme}://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`;
    let web: Request | null = null;
    const input: PhotonRequest = {
      method,
      url,
      header(name) {
        const v = req.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
      },
      text: async () => (body ? body.toString("utf8") : ""),
      web() {
        if (web) return web;
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
        return (web = new Request(url, { method, headers, body: method === "GET" || method === "HEAD" || !body ? undefined : new Uint8Array(body) }));
      },
    };
    const reply = await handler.dispatch(input);
    const out = reply.body === null ? "" : reply.body;
    reply.headers["content-length"] = String(Buffer.byteLength(out));
    res.writeHead(reply.status, reply.headers);
    res.end(out);
  } catch (e) {
    if (!res.headersSent) res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ code: "InvalidEntity", message: `Bad request: ${(e as Error).message}`, data: {} }));
  }
}

/** The request body, or undefined when there is none. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(chunks.length === 0 ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
