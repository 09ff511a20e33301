/**
 * Node's I/O for the vSphere handler: an HTTPS server (HTTP on request) at `/sdk`, with a
 * self-signed certificate made at start by openssl when none is given, as vCenter ships one.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import type { VirtualContainerHostApi } from "../vch/types.js";
import { SESSION_HEADER, createVsphereHandler, type VsphereHandler, type VsphereHandlerOptions } from "./handler.js";

/** Options of `serveVsphere`. */
export interface ServeVsphereOptions extends VsphereHandlerOptions {
  /** `https://127.0.0.1:8989/sdk` (default); port 0 picks a free one; `http://` serves without TLS. */
  listen?: string;
  /** PEM certificate and key; without them a self-signed pair for 127.0.0.1/localhost is made. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

/** A running vSphere server. */
export interface VsphereServerHandle {
  /** `https://127.0.0.1:8989/sdk` */
  url: string;
  port: number;
  handler: VsphereHandler;
  server: Server;
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 and localhost (P-256, a year), made with openssl. */
export function selfSignedCertificate(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "vicsim-vsphere-"));
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "365", "-subj", "/CN=vicsim vSphere API",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    return { cert: readFileSync(join(dir, "cert.pem"), "utf8"), key: readFileSync(join(dir, "key.pem"), "utf8") };
  } catch (e) {
    throw new Error(`could not make a self-signed certificate with openssl (${(e as Error).message.split("\n")[0]}): give --vsphere-tlscert and --vsphere-tlskey`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseListen(listen: string): { secure: boolean; host: string; port: number } {
  let u: URL;
  try {
    u = new URL(listen.includes("://") ? listen : `https://${listen}`);
  } catch {
    throw new Error(`--vsphere ${listen}: expected https://HOST:PORT/sdk`);
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error(`--vsphere ${listen}: expected https://HOST:PORT/sdk`);
  return { secure: u.protocol === "https:", host: u.hostname.replace(/^\[|\]$/g, ""), port: u.port === "" ? (u.protocol === "https:" ? 443 : 80) : Number(u.port) };
}

/** Serves the vSphere API of a VCH. */
export async function serveVsphere(vch: VirtualContainerHostApi, options: ServeVsphereOptions = {}): Promise<VsphereServerHandle> {
  const listen = parseListen(options.listen ?? "https://127.0.0.1:8989/sdk");
  const handler = createVsphereHandler(vch, options);
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    void serve(handler, req, res, listen.secure, options.maxBodyBytes ?? 8 * 1048576);
  };
  const tls = listen.secure ? (options.tls ?? selfSignedCertificate()) : undefined;
  const server: Server = tls ? (createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest) as unknown as Server) : createHttpServer(onRequest);
  // WaitForUpdates blocks until something changes: no request timeout.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 30_000;
  const sockets = new Set<Duplex>();
  const track = (s: Duplex): void => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  };
  server.on("connection", track);
  server.on("secureConnection", track);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : listen.port;
  const host = listen.host.includes(":") ? `[${listen.host}]` : listen.host;
  return {
    url: `${listen.secure ? "https" : "http"}://${host}:${port}/sdk`,
    port,
    handler,
    server,
    close: async () => {
      handler.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Serves one request: POST /sdk straight to `handler.soap` (no web objects on the hot path), the rest through the web handler. */
async function serve(handler: VsphereHandler, req: IncomingMessage, res: ServerResponse, secure: boolean, maxBody: number): Promise<void> {
  try {
    const path = (req.url ?? "/").split("?")[0].replace(/\/+$/, "");
    if (req.method === "POST" && path === "/sdk") {
      const gone = new AbortController();
      // a client gone before the answer ends a blocked WaitForUpdates; aborting after every answer
      // would make a DOMException (with its stack) per request
      res.on("close", () => {
        if (!res.writableFinished) gone.abort();
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req as AsyncIterable<Buffer>) {
        size += c.byteLength;
        if (size > maxBody) break; // answered with a fault below; the rest is not read
        chunks.push(c);
      }
      const answer = await handler.soap({
        body: size > maxBody ? "" : Buffer.concat(chunks).toString("utf8"),
        tooLarge: size > maxBody,
        signal: gone.signal,
        cookie: req.headers.cookie,
        sessionId: req.headers[SESSION_HEADER] as string | undefined,
        userAgent: req.headers["user-agent"],
        ip: req.socket.remoteAddress,
      });
      const body = Buffer.from(answer.body, "utf8");
      const headers: Record<string, string> = { "content-type": "text/xml; charset=utf-8", "content-length": String(body.byteLength) };
      if (answer.setCookie) headers["set-cookie"] = answer.setCookie;
      if (answer.sessionId) headers[SESSION_HEADER] = answer.sessionId;
      if (size > maxBody) headers.connection = "close";
      if (res.destroyed) return;
      res.writeHead(answer.status, headers);
      res.end(body);
      return;
    }
    const request = new Request(`${secure ? "https" : "http"}://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, { method: req.method ?? "GET" });
    const response = await handler(request, { ip: req.socket.remoteAddress });
    const out: Record<string, string> = {};
    response.headers.forEach((v, k) => (out[k] = v));
    const text = Buffer.from(await response.arrayBuffer());
    out["content-length"] = String(text.byteLength);
    res.writeHead(response.status, out);
    res.end(text);
  } catch (e) {
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
    res.end(`internal error: ${(e as Error).message}\n`);
  }
}
