/**
 * `docker.lifecycle`: container create + start + remove cycles per second over loopback HTTP
 * against `vicsim serve`'s server, beside a bare Node http server answering the same requests with
 * fixed JSON in the same run (the ceiling: what HTTP alone allows on this machine).
 */
import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serveDocker } from "../bindings/docker/node.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import type { BenchCase } from "./harness.js";

const CLIENTS = 8;

function send(agent: Agent, port: number, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: "127.0.0.1", port, method, path, agent, headers: body ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) } : {} }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    r.on("error", reject);
    r.end(body);
  });
}

/** Runs create + start + remove cycles from CLIENTS concurrent clients for `ms`; returns cycles/s. */
async function cyclesPerSecond(port: number, ms: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const body = JSON.stringify({ Image: "busybox", Cmd: ["sleep", "1000000"] });
  let cycles = 0;
  const deadline = performance.now() + ms;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < deadline) {
        const created = await send(agent, port, "POST", "/v1.50/containers/create", body);
        if (created.status !== 201) throw new Error(`create: ${created.status} ${created.text}`);
        const { Id } = JSON.parse(created.text) as { Id: string };
        const start = await send(agent, port, "POST", `/v1.50/containers/${Id}/start`);
        if (start.status !== 204) throw new Error(`start: ${start.status} ${start.text}`);
        const removed = await send(agent, port, "DELETE", `/v1.50/containers/${Id}?force=1`);
        if (removed.status !== 204) throw new Error(`remove: ${removed.status} ${removed.text}`);
        cycles++;
      }
    }),
  );
  const rate = (cycles * 1000) / (performance.now() - started);
  agent.destroy();
  return rate;
}

/** The ceiling: the same three requests answered by a bare Node http server with fixed JSON. */
async function bareServer(): Promise<Server> {
  const id = "0".repeat(64);
  const created = JSON.stringify({ Id: id, Warnings: [] });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      JSON.parse(Buffer.concat(chunks).toString() || "{}");
      const headers = { "Api-Version": "1.50", Ostype: "linux", Server: "bare/0 (linux)", "Docker-Experimental": "false" };
      if (req.method === "POST" && req.url?.endsWith("/containers/create")) {
        res.writeHead(201, { ...headers, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(created) });
        res.end(created);
      } else {
        res.writeHead(204, headers);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

export const cases: BenchCase[] = [
  {
    name: "docker.lifecycle",
    title: "container create + start + remove over loopback HTTP",
    async run({ quick }) {
      const ms = quick ? 4000 : 15000;
      // The clock of `vicsim serve` by default: real time.
      const vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 1 } });
      const served = await serveDocker(vch, { listen: "tcp://127.0.0.1:0" });
      await send(new Agent(), served.port, "POST", "/v1.50/images/create?fromImage=busybox&tag=latest");
      const bare = await bareServer();
      await cyclesPerSecond((bare.address() as AddressInfo).port, 500); // warm-up
      await cyclesPerSecond(served.port, 500);
      // Alternating short rounds, so that the load of a shared machine weighs on both alike.
      const rounds = quick ? 8 : 20;
      let ceilingSum = 0;
      let valueSum = 0;
      for (let i = 0; i < rounds; i++) {
        ceilingSum += await cyclesPerSecond((bare.address() as AddressInfo).port, ms / rounds);
        valueSum += await cyclesPerSecond(served.port, ms / rounds);
      }
      const ceiling = ceilingSum / rounds;
      const value = valueSum / rounds;
      bare.close();
      await served.close();
      await vch.close();
      return [{ case: "docker.lifecycle", unit: "cycles/s", value, baseline: "bare Node http server, fixed JSON", baselineValue: ceiling, notes: { clients: CLIENTS } }];
    },
  },
];
