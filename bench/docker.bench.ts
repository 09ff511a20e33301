/**
 * `docker.lifecycle`: container create + start + remove cycles per second over loopback HTTP
 * against `vicsim serve` (the built dist/cli.js, in its own process, as a user runs it), beside a
 * bare Node http server answering the same requests with fixed JSON (the ceiling: what HTTP alone
 * allows on this machine), also in its own process. Both are measured in alternating rounds.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { Agent, request } from "node:http";
import type { BenchCase } from "./harness.js";

const CLIENTS = 8;
const CLI = new URL("../dist/cli.js", import.meta.url).pathname;

/** The ceiling: the same three requests answered with fixed JSON, Docker's headers included. */
const BARE_SERVER = `
const http = require("node:http");
const created = JSON.stringify({ Id: "0".repeat(64), Warnings: [] }) + "\\n";
const base = { "Api-Version": "1.50", Ostype: "linux", Server: "bare/0 (linux)", "Docker-Experimental": "false" };
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    JSON.parse(Buffer.concat(chunks).toString() || "{}");
    if (req.method === "POST" && req.url.endsWith("/containers/create")) {
      res.writeHead(201, { ...base, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(created) });
      res.end(created);
    } else {
      res.writeHead(204, base);
      res.end();
    }
  });
});
server.listen(0, "127.0.0.1", () => console.log("export DOCKER_HOST=tcp://127.0.0.1:" + server.address().port));
`;

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

/** Starts a server process and resolves with it and its port once it printed its DOCKER_HOST line. */
function startServer(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /DOCKER_HOST=tcp:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on("exit", (code) => reject(new Error(`${args.join(" ")} exited ${code} before listening: ${out}`)));
  });
}

export const cases: BenchCase[] = [
  {
    name: "docker.lifecycle",
    title: "container create + start + remove over loopback HTTP",
    async run({ quick }) {
      if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
      const ms = quick ? 5000 : 20000;
      // `vicsim serve` with its defaults (8 hosts, real-time clock), as `npm start` runs it.
      const vicsim = await startServer([CLI, "serve", "--listen", "tcp://127.0.0.1:0", "--log-level", "error"]);
      const bare = await startServer(["-e", BARE_SERVER]);
      try {
        const pulled = await send(new Agent(), vicsim.port, "POST", "/v1.50/images/create?fromImage=busybox&tag=latest");
        if (pulled.status !== 200) throw new Error(`pull: ${pulled.status}`);
        // Warm-up: the server's request path and the VCH take a few seconds of traffic to be optimised.
        await cyclesPerSecond(bare.port, 500);
        await cyclesPerSecond(vicsim.port, quick ? 4000 : 8000);
        // Alternating short rounds, so that the load of a shared machine weighs on both alike.
        const rounds = quick ? 6 : 20;
        let ceiling = 0;
        let value = 0;
        for (let i = 0; i < rounds; i++) {
          ceiling += (await cyclesPerSecond(bare.port, ms / rounds)) / rounds;
          value += (await cyclesPerSecond(vicsim.port, ms / rounds)) / rounds;
        }
        return [{ case: "docker.lifecycle", unit: "cycles/s", value, baseline: "bare Node http server, fixed JSON", baselineValue: ceiling, notes: { clients: CLIENTS } }];
      } finally {
        vicsim.child.kill("SIGTERM");
        bare.child.kill("SIGTERM");
      }
    },
  },
];
