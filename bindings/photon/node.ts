/**
 * Node glue for Photon Platform: an http (or https, when auth is on) server that turns IncomingMessage
 * into a web `Request` for the handler and writes the `Response` back; keep-alive and many connections.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { PhotonHandler } from "./handler.js";

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
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    const method = req.method ?? "GET";
    const request = new Request(`${scheme}://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`, { method, headers, body: method === "GET" || method === "HEAD" ? undefined : body });
    const response = await handler(request);
    const out = Buffer.from(await response.arrayBuffer());
    const h: Record<string, string> = {};
    response.headers.forEach((v, k) => (h[k] = v));
    h["content-length"] = String(out.length);
    res.writeHead(response.status, h);
    res.end(out);
  } catch (e) {
    if (!res.headersSent) res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ code: "InvalidEntity", message: `Bad request: ${(e as Error).message}`, data: {} }));
  }
}
