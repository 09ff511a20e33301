/**
 * `GET /containers/{id}/attach/ws`: an attach over a WebSocket, as dockerd serves it. The output is
 * the raw stream (no multiplexed frames: a message per chunk, binary), the client's messages are
 * stdin; the socket closes when the attach ends. The `ws` library speaks the protocol; what the
 * attach does is the ordinary attach's.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { Channel } from "../vch/channel.js";
import { isStreaming, type ApiResponse } from "./http.js";

const server = new WebSocketServer({ noServer: true });

/** Is this upgrade a WebSocket handshake (not docker's `Upgrade: tcp` hijack)? */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? "").toLowerCase() === "websocket";
}

/**
 * Completes the handshake and runs the attach: `attach(stdin, signal)` answers as the handler does
 * for a hijacked attach; an error answer (no such container) closes the socket with its message.
 */
export function serveWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, attach: (stdin: AsyncIterable<Uint8Array>, signal: AbortSignal) => Promise<ApiResponse>): void {
  server.handleUpgrade(req, socket, head, (ws) => {
    const abort = new AbortController();
    const stdin = new Channel<Uint8Array>();
    ws.on("message", (data: Buffer | ArrayBuffer | Buffer[]) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      stdin.push(new Uint8Array(bytes));
    });
    ws.on("close", () => {
      stdin.end();
      abort.abort();
    });
    ws.on("error", () => {});
    void (async () => {
      const response = await attach(stdin, abort.signal);
      if (response.status >= 300 || !isStreaming(response)) {
        const text = typeof response.body === "string" ? response.body : response.body instanceof Uint8Array ? Buffer.from(response.body).toString() : "";
        ws.close(1011, text.slice(0, 120));
        return;
      }
      try {
        for await (const chunk of response.body) {
          if (ws.readyState !== ws.OPEN) break;
          ws.send(chunk, { binary: true });
        }
      } finally {
        response.abort?.abort();
        if (ws.readyState === ws.OPEN) ws.close(1000);
      }
    })();
  });
}
