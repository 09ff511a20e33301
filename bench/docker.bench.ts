/**
 * `docker.lifecycle`: container create + start + remove cycles per second over loopback HTTP
 * against `vicsim serve` (the built dist/cli.js, in its own process, as a user runs it), beside a
 * bare Node http server answering the same requests with fixed JSON (the ceiling: what HTTP alone
 * allows on this machine), also in its own process. `docker.lifecycle.state` is the same server
 * keeping its state in a state folder (`--state`: the SQLite journal, WAL with synchronous=FULL,
 * every change on disk before the answer). All three are measured in alternating rounds, and each
 * server's CPU time (from /proc) per cycle is reported beside the rate.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "node:http";
import { send, startServer } from "./http.js";
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


/** Runs create + start + remove cycles from CLIENTS concurrent clients for `ms`; returns the cycles and the elapsed ms. */
async function cycles(port: number, ms: number): Promise<{ cycles: number; ms: number }> {
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
  const elapsed = performance.now() - started;
  agent.destroy();
  return { cycles, ms: elapsed };
}

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** CPU time (user + system) a process has used so far, in µs, from /proc/PID/stat. */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is the state (field 3): utime and stime are fields 14 and 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}

/** A server under measurement: cycles, elapsed ms and CPU µs summed over its rounds. */
interface Side {
  port: number;
  pid: number;
  cycles: number;
  ms: number;
  cpuUs: number;
}

/** One round of `ms` against `side`, adding to its sums. */
async function round(side: Side, ms: number): Promise<void> {
  const cpu = cpuMicros(side.pid);
  const r = await cycles(side.port, ms);
  side.cpuUs += cpuMicros(side.pid) - cpu;
  side.cycles += r.cycles;
  side.ms += r.ms;
}

/** Starts a server process and resolves with it and its port once it printed its DOCKER_HOST line. */
/** The line a server prints once it listens (group 1 = port). */
const DOCKER_LISTENING = /DOCKER_HOST=tcp:\/\/127\.0\.0\.1:(\d+)/;

const rate = (s: Side) => (s.cycles * 1000) / s.ms;
const cpuPerCycle = (s: Side) => Math.round(s.cpuUs / s.cycles);

export const cases: BenchCase[] = [
  {
    name: "docker.lifecycle",
    title: "container create + start + remove over loopback HTTP, state in memory and in a state folder",
    async run({ quick }) {
      if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
      const ms = quick ? 1500 : 20000;
      const stateDir = mkdtempSync(join(tmpdir(), "vicsim-bench-state-"));
      // `vicsim serve` with its defaults (8 hosts, real-time clock), as `npm start` runs it; and with --state.
      const servers: { child: ChildProcess; port: number }[] = [];
      try {
        servers.push(await startServer(["-e", BARE_SERVER], DOCKER_LISTENING));
        servers.push(await startServer([CLI, "serve", "--listen", "tcp://127.0.0.1:0", "--log-level", "error"], DOCKER_LISTENING));
        servers.push(await startServer([CLI, "serve", "--listen", "tcp://127.0.0.1:0", "--log-level", "error", "--state", stateDir], DOCKER_LISTENING));
        const [bare, memory, state]: Side[] = servers.map(({ child, port }) => ({ port, pid: child.pid!, cycles: 0, ms: 0, cpuUs: 0 }));
        for (const side of [memory, state]) {
          const pulled = await send(new Agent(), side.port, "POST", "/v1.50/images/create?fromImage=busybox&tag=latest");
          if (pulled.status !== 200) throw new Error(`pull: ${pulled.status}`);
        }
        // Warm-up: the server's request path and the VCH take a few seconds of traffic to be optimised.
        await cycles(bare.port, 500);
        await cycles(memory.port, quick ? 1200 : 8000);
        await cycles(state.port, quick ? 1200 : 8000);
        // Alternating short rounds, so that the load of a shared machine weighs on all alike.
        const rounds = quick ? 3 : 20;
        for (let i = 0; i < rounds; i++) for (const side of [bare, memory, state]) await round(side, ms / rounds);
        const ceiling = rate(bare);
        const notes = (side: Side) => ({ clients: CLIENTS, cpuUsPerCycle: cpuPerCycle(side), ceilingCpuUsPerCycle: cpuPerCycle(bare) });
        return [
          { case: "docker.lifecycle", unit: "cycles/s", value: rate(memory), baseline: "bare Node http server, fixed JSON", baselineValue: ceiling, notes: notes(memory) },
          {
            case: "docker.lifecycle.state",
            unit: "cycles/s",
            value: rate(state),
            baseline: "bare Node http server, fixed JSON",
            baselineValue: ceiling,
            notes: { ...notes(state), journal: "SQLite WAL, synchronous=FULL" },
          },
        ];
      } finally {
        for (const { child } of servers) child.kill("SIGTERM");
        // Give the state server a moment to close its journal before its folder goes.
        await new Promise((r) => setTimeout(r, 300));
        rmSync(stateDir, { recursive: true, force: true });
      }
    },
  },
];
