/**
 * Photon Platform at fleet scale (32,768 hosts):
 * - `photon.boot.32k`: starting a deployment (fleet, scheduler, zones) beside building the same host
 *   records as plain JS objects, each in a fresh process so that resident memory is its own.
 * - `photon.vm.create.32k`: VM create tasks completed per second through `vicsim photon serve` (create,
 *   poll to COMPLETED) with 256 keep-alive clients, beside a bare Node http server answering the same
 *   requests with fixed JSON (the ceiling, as docker.lifecycle measures it; its helpers are private to
 *   bench/docker.bench.ts, so the ceiling server is written here the same way). Also holds 2,000 open
 *   connections and counts errors.
 * - `photon.place.32k`: the wasm fleet scheduler placing with constraints (zone, datastore, usage tag,
 *   pinned hosts) in steady state (each batch released again), beside the reference model.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { Agent, request } from "node:http";
import { send, startServer } from "./http.js";
import { FleetScheduler } from "../bindings/core/fleet.js";
import type { FleetRequest, FleetSchedulerApi } from "../bindings/core/cluster-types.js";
import { Fleet } from "../bindings/photon/fleet.js";
import { ReferenceFleetScheduler } from "../test/reference/fleet.js";
import type { BenchCase } from "./harness.js";

const HOSTS = 32_768;
const CLIENTS = 256;
const ROOT = new URL("..", import.meta.url).pathname;
const CLI = `${ROOT}dist/cli.js`;

/** A fresh process boots the deployment (or builds plain host objects) and prints time and RSS. */
const BOOT = (plain: boolean) => `
const t0 = performance.now();
${plain ? "" : `await import(${JSON.stringify(`${ROOT}dist/node.js`)}); const { PhotonPlatform } = await import(${JSON.stringify(`${ROOT}dist/photon.js`)});`}
const base = process.memoryUsage().rss;
const t1 = performance.now();
let keep;
if (${plain}) {
  keep = [];
  for (let i = 0; i < ${HOSTS}; i++) keep.push({ id: "3c6ef362-0000-4000-8000-" + i.toString(16).padStart(12, "0"), address: "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255),
    state: "READY", availabilityZone: "zone-" + (i % 4), usageTags: ["CLOUD"], cores: 16, memoryMiB: 131072, usedVcpus: 0, usedMiB: 0, vmCount: 0, labels: 1 << (i % 4) });
} else keep = PhotonPlatform.open({ hosts: ${HOSTS} });
const ms = performance.now() - t1;
globalThis.gc();
console.log(JSON.stringify({ ms, rssMiB: process.memoryUsage().rss / 2 ** 20, addedMiB: (process.memoryUsage().rss - base) / 2 ** 20, n: keep.length ?? keep.fleet.n }));
`;
function boot(plain: boolean): { ms: number; rssMiB: number; addedMiB: number } {
  return JSON.parse(execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", BOOT(plain)], { encoding: "utf8" }));
}

/** The ceiling: POST answers a QUEUED task, GET /tasks answers it COMPLETED, Photon's headers included. */
const BARE_SERVER = `
const http = require("node:http");
const task = (state) => JSON.stringify({ id: "t1", selfLink: "http://127.0.0.1/tasks/t1", entity: { kind: "vm", id: "v1" }, state, operation: "CREATE_VM", queuedTime: 1, steps: [] });
const queued = task("QUEUED"), done = task("COMPLETED");
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    JSON.parse(Buffer.concat(chunks).toString() || "{}");
    const body = req.method === "POST" ? queued : done;
    res.writeHead(req.method === "POST" ? 201 : 200, { "Content-Type": "application/json", "X-API-VERSION": "1.0", "REQUEST-ID": "r", "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65000;
server.listen(0, "127.0.0.1", () => console.log("photon target set --nocertcheck http://127.0.0.1:" + server.address().port));
`;

/** The line a server prints once it listens (group 1 = port). */
const PHOTON_LISTENING = /target set --nocertcheck http:\/\/127\.0\.0\.1:(\d+)/;

/** Sets up a tenant, a project with room for many VMs, flavors and an image; returns the create path and body. */
async function tenantSetup(port: number): Promise<{ path: string; body: string }> {
  const agent = new Agent({ keepAlive: true });
  const post = async (path: string, body: unknown): Promise<{ entity: { id: string }; id: string }> => JSON.parse((await send(agent, port, "POST", path, JSON.stringify(body))).text);
  const tenant = (await post("/tenants", { name: "bench" })).entity.id;
  await post(`/tenants/${tenant}/resource-tickets`, { name: "gold", limits: [{ key: "vm", value: 10_000_000, unit: "COUNT" }] });
  const project = (await post(`/tenants/${tenant}/projects`, { name: "load", resourceTicket: { name: "gold", limits: [{ key: "subdivide.percent", value: 100, unit: "COUNT" }] } })).entity.id;
  await post("/flavors", { name: "tiny", kind: "vm", cost: [{ key: "vm", value: 1, unit: "COUNT" }, { key: "vm.cpu", value: 1, unit: "COUNT" }, { key: "vm.memory", value: 256, unit: "MB" }] });
  await post("/flavors", { name: "eph", kind: "ephemeral-disk", cost: [{ key: "ephemeral-disk", value: 1, unit: "COUNT" }] });
  const boundary = "photonbench";
  const upload = `--${boundary}\r\nContent-Disposition: form-data; name="ImageReplication"\r\n\r\nEAGER\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="img.ova"\r\nContent-Type: application/octet-stream\r\n\r\n${"x".repeat(1024)}\r\n--${boundary}--\r\n`;
  const img = await new Promise<string>((resolve, reject) => {
    const r = request({ host: "127.0.0.1", port, method: "POST", path: "/images", agent, headers: { "Content-Type": `multipart/form-data; boundary=${boundary}`, "Content-Length": Buffer.byteLength(upload) } }, (res) => {
      let t = "";
      res.on("data", (d) => (t += d));
      res.on("end", () => resolve(JSON.parse(t).entity.id));
    });
    r.on("error", reject);
    r.end(upload);
  });
  await new Promise((r) => setTimeout(r, 50));
  agent.destroy();
  return { path: `/projects/${project}/vms`, body: JSON.stringify({ name: "vm", flavor: "tiny", sourceImageId: img, attachedDisks: [{ name: "boot", kind: "ephemeral-disk", flavor: "eph", bootDisk: true }] }) };
}

/**
 * VM creates completed per second: each client POSTs, then polls its task until COMPLETED; requests in
 * flight at the end of the window finish and count (with 256 clients a create takes seconds under load).
 */
async function createsPerSecond(port: number, target: { path: string; body: string }, ms: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  let done = 0;
  const deadline = performance.now() + ms;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < deadline) {
        const r = await send(agent, port, "POST", target.path, target.body);
        if (r.status !== 201) throw new Error(`create: ${r.status} ${r.text}`);
        const id = (JSON.parse(r.text) as { id: string }).id;
        for (;;) {
          const t = await send(agent, port, "GET", `/tasks/${id}`);
          const state = (JSON.parse(t.text) as { state: string }).state;
          if (state === "COMPLETED") break;
          if (state === "ERROR") throw new Error(`task ended ERROR: ${t.text}`);
        }
        done++;
      }
    }),
  );
  const rate = (done * 1000) / (performance.now() - started);
  agent.destroy();
  return rate;
}

/** Opens `n` connections at once, each asking GET /tenants, and keeps them open; returns the errors. */
async function holdConnections(port: number, n: number): Promise<{ errors: number; ok: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: n });
  let errors = 0;
  let ok = 0;
  await Promise.all(
    Array.from({ length: n }, () =>
      send(agent, port, "GET", "/tenants").then(
        (r) => (r.status === 200 ? ok++ : errors++),
        () => errors++,
      ),
    ),
  );
  agent.destroy();
  return { errors, ok };
}

/** Steady-state placements with constraints: a batch placed, then released. */
function placeOp(make: (hosts: { cores: number; memoryMiB: number; labels: number }[]) => FleetSchedulerApi): () => void {
  const fleet = new Fleet(HOSTS, 4, 1);
  const hosts = Array.from({ length: HOSTS }, (_, i) => ({ cores: fleet.cores[i], memoryMiB: fleet.memoryMiB[i], labels: fleet.labels(i) }));
  const s = make(hosts);
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const batch: FleetRequest[] = Array.from({ length: 1024 }, (_, i) => {
    const zone = 1 << (i % 4);
    const ds = i % 3 === 0 ? 1 << (16 + 2 * (i % 4)) : 0;
    return { vcpus: 1 + Math.floor(rnd() * 4), memoryMiB: 1024 * (1 + Math.floor(rnd() * 8)), image: Math.floor(rnd() * 32), imageSizeMiB: 512, labels: (zone | ds | (1 << 31)) >>> 0, host: i % 64 === 0 ? Math.floor(rnd() * HOSTS) : undefined };
  });
  return () => {
    const placed = s.placeMany(batch);
    placed.forEach((p, i) => {
      if (p.host >= 0) s.release(p.host, batch[i].vcpus, batch[i].memoryMiB);
    });
  };
}
function paired(a: () => void, b: () => void, perCall: number, ms: number): [number, number] {
  a();
  b();
  let ta = 0;
  let tb = 0;
  let na = 0;
  let nb = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    let t = performance.now();
    a();
    ta += performance.now() - t;
    na++;
    t = performance.now();
    b();
    tb += performance.now() - t;
    nb++;
  }
  return [(na * perCall * 1000) / ta, (nb * perCall * 1000) / tb];
}

export const cases: BenchCase[] = [
  {
    name: "photon.boot.32k",
    title: "start a Photon deployment of 32,768 hosts",
    run({ quick }) {
      if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
      const rounds = quick ? 1 : 3;
      let v = { ms: 0, rssMiB: 0, addedMiB: 0 };
      let b = { ms: 0, rssMiB: 0, addedMiB: 0 };
      for (let i = 0; i < rounds; i++) {
        const x = boot(false);
        const y = boot(true);
        v = { ms: v.ms + x.ms / rounds, rssMiB: v.rssMiB + x.rssMiB / rounds, addedMiB: v.addedMiB + x.addedMiB / rounds };
        b = { ms: b.ms + y.ms / rounds, rssMiB: b.rssMiB + y.rssMiB / rounds, addedMiB: b.addedMiB + y.addedMiB / rounds };
      }
      return [
        {
          case: "photon.boot.32k",
          unit: "boots/s",
          value: 1000 / v.ms,
          baseline: "the same host records built as plain JS objects",
          baselineValue: 1000 / b.ms,
          notes: { bootMs: +v.ms.toFixed(1), rssMiB: +v.rssMiB.toFixed(1), addedMiB: +v.addedMiB.toFixed(1), plainMs: +b.ms.toFixed(1), plainRssMiB: +b.rssMiB.toFixed(1), plainAddedMiB: +b.addedMiB.toFixed(1) },
        },
      ];
    },
  },
  {
    name: "photon.vm.create.32k",
    title: "VM create tasks completed per second over HTTP, 256 clients, 32,768 hosts",
    async run({ quick }) {
      if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
      // with 256 clients each round ends with the requests in flight: quick keeps to 2 short rounds
      const ms = quick ? 1600 : 15000;
      const vicsim = await startServer([CLI, "photon", "serve", "--listen", "http://127.0.0.1:0", "--hosts", String(HOSTS)], PHOTON_LISTENING);
      const bare = await startServer(["-e", BARE_SERVER], PHOTON_LISTENING);
      try {
        const target = await tenantSetup(vicsim.port);
        if (!quick) {
          await createsPerSecond(bare.port, target, 300);
          await createsPerSecond(vicsim.port, target, 4000);
        }
        const rounds = quick ? 1 : 10;
        let ceiling = 0;
        let value = 0;
        for (let i = 0; i < rounds; i++) {
          ceiling += (await createsPerSecond(bare.port, target, ms / rounds)) / rounds;
          value += (await createsPerSecond(vicsim.port, target, ms / rounds)) / rounds;
        }
        const held = await holdConnections(vicsim.port, quick ? 1000 : 2000);
        return [{ case: "photon.vm.create.32k", unit: "VMs/s", value, baseline: "bare Node http server, fixed JSON", baselineValue: ceiling, notes: { clients: CLIENTS, connectionsHeld: held.ok, connectionErrors: held.errors } }];
      } finally {
        vicsim.child.kill("SIGTERM");
        bare.child.kill("SIGTERM");
      }
    },
  },
  {
    name: "photon.place.32k",
    title: "place VMs with zone, datastore and host constraints on 32,768 hosts",
    run({ quick }) {
      const [w, r] = paired(
        placeOp((hosts) => new FleetScheduler({ hosts })),
        placeOp((hosts) => new ReferenceFleetScheduler({ hosts })),
        1024,
        quick ? 1000 : 6000,
      );
      return [{ case: "photon.place.32k", unit: "placements/s", value: w, baseline: "reference model", baselineValue: r }];
    },
  },
];
