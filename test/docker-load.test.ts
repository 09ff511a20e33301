// Load: 50 concurrent clients, each doing 100 create / start / stop / remove cycles over loopback
// HTTP. No error, nothing left behind, and the whole run finishes within a generous bound.
import { Agent, request } from "node:http";
import { afterAll, beforeAll, expect, test } from "vitest";
import { serveDocker, type DockerServer } from "../bindings/docker/node.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";

let vch: VirtualContainerHost;
let server: DockerServer;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

beforeAll(async () => {
  vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 1000 } });
  server = await serveDocker(vch, { listen: "tcp://127.0.0.1:0" });
  await send("POST", "/v1.50/images/create?fromImage=busybox&tag=latest");
});
afterAll(async () => {
  agent.destroy();
  await server?.close();
  await vch?.close();
});

/** One request over the keep-alive pool; resolves with status and body. */
function send(method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const r = request(
      { host: "127.0.0.1", port: server.port, method, path, agent, headers: payload ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) } : {} },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    r.on("error", reject);
    r.end(payload);
  });
}

async function expectStatus(method: string, path: string, status: number, body?: unknown): Promise<string> {
  const r = await send(method, path, body);
  if (r.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${r.status}: ${r.body}`);
  return r.body;
}

test("50 clients × 100 create/start/stop/remove cycles: no error, nothing left behind", async () => {
  const started = performance.now();
  const errors: string[] = [];
  await Promise.all(
    Array.from({ length: 50 }, async (_, client) => {
      for (let i = 0; i < 100; i++) {
        try {
          const { Id } = JSON.parse(await expectStatus("POST", `/v1.50/containers/create?name=load-${client}-${i}`, 201, { Image: "busybox", Cmd: ["sleep", "1000000"] }));
          await expectStatus("POST", `/v1.50/containers/${Id}/start`, 204);
          await expectStatus("POST", `/v1.50/containers/${Id}/stop?t=0`, 204);
          await expectStatus("DELETE", `/v1.50/containers/${Id}`, 204);
        } catch (error) {
          errors.push((error as Error).message);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  expect(errors.slice(0, 5)).toEqual([]);
  const left = JSON.parse(await expectStatus("GET", "/v1.50/containers/json?all=1", 200));
  expect(left).toEqual([]);
  // 5,000 cycles (20,000 requests): a bound for a loaded 2-core CI machine, not a performance figure.
  expect(seconds).toBeLessThan(240);
}, 300_000);
