/**
 * "Thousands of concurrent API requests" (the Photon Controller README's promise): `vicsim photon serve`
 * holds 2,000 open keep-alive connections on 127.0.0.1, answers a request on every one of them at once
 * without an error, and answers again on the same connections.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { Agent, request } from "node:http";
import { afterAll, describe, expect, it } from "vitest";

const CLI = new URL("../dist/cli.js", import.meta.url).pathname;
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
const CONNECTIONS = 2000;
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill("SIGKILL")));

function serve(): Promise<number> {
  const child = spawn(process.execPath, [CLI, "photon", "serve", "--listen", "http://127.0.0.1:0", "--hosts", "64"], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d;
      const m = /photon target set --nocertcheck http:\/\/127\.0\.0\.1:(\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

/** One request; resolves with status, body and the client port of the connection it used. */
function send(agent: Agent, port: number, method: string, path: string, body?: string): Promise<{ status: number; body: string; via: number }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: "127.0.0.1", port, method, path, agent, headers: body ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {} }, (res) => {
      // the connection goes back to the agent at the end: note its port now
      const via = res.socket.localPort!;
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, via }));
    });
    r.on("error", reject);
    r.end(body);
  });
}

describe("photon serve under many connections", () => {
  it(`holds ${CONNECTIONS} open connections and answers on each of them, twice, without an error`, async () => {
    const port = await serve();
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, maxFreeSockets: CONNECTIONS });
    try {
      // all at once: the agent opens one connection per request in flight
      const first = await Promise.allSettled(Array.from({ length: CONNECTIONS }, () => send(agent, port, "GET", "/tenants")));
      const failed = first.filter((r) => r.status === "rejected" || r.value.status !== 200);
      expect(failed).toEqual([]);
      const ports = new Set(first.map((r) => (r as PromiseFulfilledResult<{ via: number }>).value.via));
      expect(ports.size).toBe(CONNECTIONS);
      // the connections stay open: a mutating request on each reuses them
      const second = await Promise.allSettled(Array.from({ length: CONNECTIONS }, (_, i) => send(agent, port, "POST", "/tenants", JSON.stringify({ name: `t-${i}` }))));
      expect(second.filter((r) => r.status === "rejected" || r.value.status !== 201)).toEqual([]);
      const reused = new Set(second.map((r) => (r as PromiseFulfilledResult<{ via: number }>).value.via));
      expect([...reused].every((p) => ports.has(p))).toBe(true);
      // every tenant asked for is there
      let listed = 0;
      for (let link: string | null = "/tenants"; link; ) {
        const page = JSON.parse((await send(agent, port, "GET", link)).body) as { items: unknown[]; nextPageLink: string | null };
        listed += page.items.length;
        link = page.nextPageLink;
      }
      expect(listed).toBe(CONNECTIONS);
    } finally {
      agent.destroy();
    }
  }, 60_000);
});
