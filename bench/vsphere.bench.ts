/**
 * The vSphere door against vcsim 0.24.2 (govmomi's simulator), each holding 1,000 VMs, each in a
 * process of its own: `vsphere.retrieve.1k` re-POSTs one RetrievePropertiesEx of `name` and
 * `runtime.powerState` over a ContainerView of every VM on one keep-alive HTTPS connection
 * (requests/s; resident memory beside it), `vsphere.find.1k` times `govc find . -type m` (1,003
 * calls), `vsphere.inventory.1k.rss` compares what the inventory of 1,000 VMs costs each process
 * in resident memory (RSS with 1,000 VMs minus RSS of the same server with 2, both after requests).
 * The two servers are measured in alternating slices, so a shared machine's changing load weighs on
 * both alike. govc and vcsim come from scripts/tools/govc.sh, which builds them when missing; vicsim's
 * server runs from dist/ (built by `npm run bench`), so no TypeScript loader weighs on its memory.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { homedir } from "node:os";
import { join } from "node:path";
import type { BenchCase, BenchResult } from "./harness.js";

const root = new URL("..", import.meta.url).pathname;
const tools = join(process.env.VICSIM_TOOLS ?? join(homedir(), ".cache/vicsim"), "govmomi/bin");

function govmomi(): { govc: string; vcsim: string } {
  const govc = join(tools, "govc");
  const vcsim = join(tools, "vcsim");
  if (!existsSync(govc) || !existsSync(vcsim)) {
    const r = spawnSync("bash", [join(root, "scripts/tools/govc.sh")], { stdio: "inherit" });
    if (r.status !== 0 || !existsSync(vcsim)) throw new Error("vsphere benchmarks need vcsim and govc 0.24.2: run `bash scripts/tools/govc.sh` as root");
  }
  return { govc, vcsim };
}

interface Peer {
  name: string;
  url: string;
  proc: ChildProcess;
  /** vicsim's resident memory (MB) with its VCH and container VMs, before the door was opened. */
  beforeDoorMB?: number;
}

/**
 * vicsim's server process: the fixture under Node with --expose-gc (it collects garbage before it
 * reads its resident memory without the door) and the V8 flags in VICSIM_BENCH_NODE_FLAGS, e.g.
 * `--max-semi-space-size=8` to see what capping V8's young generation does to memory and rate.
 */
function startVicsim(vms: number): Promise<Peer> {
  const flags = (process.env.VICSIM_BENCH_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);
  return start("vicsim", process.execPath, ["--expose-gc", ...flags, "bench/fixtures/vsphere-server.mjs", String(vms)], /url (https:\S+)/);
}

/** Starts a server process and waits for the line that carries its URL. */
function start(name: string, cmd: string, args: string[], pattern: RegExp): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], cwd: root });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 120 s: ${out}`)), 120_000);
    const onData = (d: Buffer): void => {
      out += d;
      const m = out.match(pattern);
      if (m) {
        clearTimeout(timer);
        const before = out.match(/before-door ([\d.]+)/);
        resolve({ name, url: m[1], proc, beforeDoorMB: before ? Number(before[1]) : undefined });
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.on("exit", (code) => reject(new Error(`${name} exited ${code}: ${out}`)));
  });
}

/** Where vicsim's fixture says its memory is (MB: rss, young, old, external, heapUsed; see bench/fixtures/vsphere-server.mjs). */
function memoryOf(p: Peer): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer): void => {
      out += d;
      const m = out.match(/memory (\{.*\})\n/);
      if (!m) return;
      clearTimeout(timer);
      p.proc.stdout!.off("data", onData);
      resolve(JSON.parse(m[1]) as Record<string, number>);
    };
    const timer = setTimeout(() => {
      p.proc.stdout!.off("data", onData);
      reject(new Error(`${p.name} did not report its memory: ${out}`));
    }, 10_000);
    p.proc.stdout!.on("data", onData);
    p.proc.stdin!.write("memory\n");
  });
}

function stop(p: Peer): void {
  p.proc.removeAllListeners("exit");
  p.proc.stdin?.end();
  p.proc.kill("SIGTERM");
}

/** CPU time (user + system, ms) a process has used so far. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function rssMB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** One SOAP client on one keep-alive connection, carrying the session cookie. */
class Soap {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  private cookie = "";
  constructor(private readonly url: URL) {}
  post(body: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: this.url.hostname, port: this.url.port, path: this.url.pathname, method: "POST", agent: this.agent, headers: { "content-type": "text/xml; charset=utf-8", soapaction: "urn:vim25/6.5", ...(this.cookie ? { cookie: this.cookie } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const set = res.headers["set-cookie"];
            if (set) this.cookie = set[0].split(";")[0];
            const text = Buffer.concat(chunks).toString("utf8");
            if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
            else resolve(text);
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }
  close(): void {
    this.agent.destroy();
  }
}

const env = (body: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

/** Logs in, makes a ContainerView of every VM and returns the RetrievePropertiesEx body to re-POST. */
async function prepare(soap: Soap): Promise<string> {
  await soap.post(env(`<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>user</userName><password>pass</password></Login>`));
  const v = await soap.post(env(`<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive></CreateContainerView>`));
  const view = v.match(/<returnval type="ContainerView">([^<]+)</)![1];
  return env(
    `<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>VirtualMachine</type><all>false</all><pathSet>name</pathSet><pathSet>runtime.powerState</pathSet></propSet><objectSet><obj type="ContainerView">${view}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><name>traverseEntities</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet><options></options></RetrievePropertiesEx>`,
  );
}

/** A logged-in client of one server with its RetrievePropertiesEx body, checked to list `vms` VMs. */
async function retriever(peer: Peer, vms: number): Promise<{ soap: Soap; body: string; bytes: number }> {
  const soap = new Soap(new URL(peer.url));
  const body = await prepare(soap);
  const first = await soap.post(body);
  const listed = (first.match(/<objects[ >]/g) ?? []).length;
  if (listed !== vms) throw new Error(`expected ${vms} VMs from ${peer.name}, got ${listed}`);
  for (let i = 0; i < 30; i++) await soap.post(body); // warm both servers' code paths before timing
  return { soap, body, bytes: first.length };
}

/** Requests per second of each server, measured in alternating slices of about 250 ms until each had `ms`. */
async function pairedRetrieveRates(sides: { soap: Soap; body: string }[], ms: number): Promise<number[]> {
  const time = sides.map(() => 0);
  const count = sides.map(() => 0);
  while (Math.min(...time) < ms) {
    for (let k = 0; k < sides.length; k++) {
      const t0 = performance.now();
      do {
        await sides[k].soap.post(sides[k].body);
        count[k]++;
      } while (performance.now() - t0 < 250);
      time[k] += performance.now() - t0;
    }
  }
  return count.map((c, k) => (c * 1000) / time[k]);
}

/**
 * `govc find . -type m` against each server in turn, `runs` times each: median finds per second of
 * each, and each server's CPU time per find (steadier than wall time on a loaded machine).
 */
function pairedFindRates(govc: string, peers: Peer[], runs: number, warm: boolean, vms: number): { rate: number; cpuMs: number }[] {
  const once = (peer: Peer): number => {
    const u = new URL(peer.url);
    const environment = { ...process.env, GOVC_URL: `https://user:pass@${u.host}/sdk`, GOVC_INSECURE: "1", GOVC_PERSIST_SESSION: "false" };
    const t0 = performance.now();
    const r = spawnSync(govc, ["find", ".", "-type", "m"], { env: environment, encoding: "utf8", maxBuffer: 64 << 20 });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`govc find against ${peer.name} failed: ${r.stderr}`);
    const lines = r.stdout.trim().split("\n").length;
    if (lines !== vms) throw new Error(`govc find listed ${lines} VMs of ${peer.name}, expected ${vms}`);
    return ms;
  };
  if (warm) for (const p of peers) once(p);
  const times = peers.map(() => [] as number[]);
  const cpu = peers.map(() => 0);
  for (let i = 0; i < runs; i++) {
    peers.forEach((p, k) => {
      const before = cpuMs(p.proc.pid!);
      times[k].push(once(p));
      cpu[k] += cpuMs(p.proc.pid!) - before;
    });
  }
  return times.map((t, k) => ({ rate: 1000 / t.sort((a, b) => a - b)[Math.floor(t.length / 2)], cpuMs: cpu[k] / runs }));
}

/** vcsim with 2 clusters of 4 hosts and `vms / 2` VMs in each cluster's pool. */
async function startVcsim(vcsim: string, vms: number): Promise<Peer> {
  const peer = await start("vcsim", vcsim, ["-l", "127.0.0.1:0", "-cluster", "2", "-host", "4", "-vm", String(vms / 2), "-standalone-host", "0"], /GOVC_URL=(https:\/\/\S+?)\s/);
  peer.url = peer.url.replace(/\/\/[^@]*@/, "//");
  return peer;
}

/** Both servers holding `vms` VMs. */
async function withPeers<T>(vms: number, fn: (vicsim: Peer, vcsim: Peer, govc: string, vcsimPath: string) => Promise<T>): Promise<T> {
  const { govc, vcsim } = govmomi();
  const ours = await startVicsim(vms);
  let peer: Peer | undefined;
  try {
    peer = await startVcsim(vcsim, vms);
    return await fn(ours, peer, govc, vcsim);
  } finally {
    stop(ours);
    if (peer) stop(peer);
  }
}

export const cases: BenchCase[] = [
  {
    name: "vsphere.retrieve.1k",
    title: "RetrievePropertiesEx of name and power state for 1,000 container VMs, govc find, inventory memory, against vcsim",
    async run({ quick }): Promise<BenchResult[]> {
      // --quick: 250 VMs each and short runs, so the case takes a few seconds; the full run has 1,000.
      const vms = quick ? 250 : 1000;
      return withPeers(vms, async (ours, peer, govc, vcsim) => {
        const a = await retriever(ours, vms);
        const b = await retriever(peer, vms);
        let rates: number[];
        try {
          rates = await pairedRetrieveRates([a, b], quick ? 500 : 5000);
        } finally {
          a.soap.close();
          b.soap.close();
        }
        const rss = { vicsim: rssMB(ours.proc.pid!), vcsim: rssMB(peer.proc.pid!) };
        const mem = await memoryOf(ours);
        const results: BenchResult[] = [
          { case: "vsphere.retrieve.1k", unit: "requests/s", value: rates[0], baseline: `vcsim 0.24.2, ${vms} VMs`, baselineValue: rates[1], notes: { vms, bytes: a.bytes, vcsimBytes: b.bytes, ...(process.env.VICSIM_BENCH_NODE_FLAGS ? { vicsimNodeFlags: process.env.VICSIM_BENCH_NODE_FLAGS } : {}) } },
          // resident memory: lower is better, so the value is vcsim's and the baseline ours (ratio > 1 = we use less)
          { case: "vsphere.retrieve.1k.rss", unit: "MB (vcsim's RSS / ours)", value: rss.vcsim, baseline: `vicsim's RSS, ${vms} container VMs`, baselineValue: rss.vicsim, notes: { vms, vicsimMB: Math.round(rss.vicsim), vcsimMB: Math.round(rss.vcsim), vicsimYoungMB: mem.young, vicsimOldMB: mem.old, vicsimExternalMB: mem.external } },
        ];
        if (!quick) {
          // What the inventory of `vms` VMs costs each server, measured the same way on both sides:
          // its RSS above (after the timed requests) minus the RSS of the same server holding 2 VMs
          // (vcsim's smallest inventory with 2 clusters) after the same login, view and warm-up requests.
          const smallOurs = await startVicsim(2);
          const smallPeer = await startVcsim(vcsim, 2).catch((e) => {
            stop(smallOurs);
            throw e;
          });
          try {
            for (const p of [smallOurs, smallPeer]) (await retriever(p, 2)).soap.close();
            const small = { vicsim: rssMB(smallOurs.proc.pid!), vcsim: rssMB(smallPeer.proc.pid!) };
            const smallMem = await memoryOf(smallOurs);
            // what of vicsim's inventory is V8's young generation, its old generation, memory outside its heap (wasm engines, buffers)
            const part = (k: string): number => Math.round((mem[k] - smallMem[k]) * 10) / 10;
            const adds = { vicsim: rss.vicsim - small.vicsim, vcsim: rss.vcsim - small.vcsim };
            // lower is better, so the value is vcsim's and the baseline ours (ratio > 1 = our inventory costs less)
            results.push({
              case: "vsphere.inventory.1k.rss", unit: "MB (vcsim's inventory / ours)", value: adds.vcsim, baseline: `vicsim's RSS at ${vms} container VMs minus at 2`, baselineValue: adds.vicsim,
              notes: {
                vms, vicsimInventoryMB: Math.round(adds.vicsim), vicsimSmallMB: Math.round(small.vicsim), vicsimBeforeDoorMB: Math.round(ours.beforeDoorMB!),
                vicsimInventoryYoungMB: part("young"), vicsimInventoryOldMB: part("old"), vicsimInventoryExternalMB: part("external"),
                vcsimInventoryMB: Math.round(adds.vcsim), vcsimSmallMB: Math.round(small.vcsim),
              },
            });
          } finally {
            stop(smallOurs);
            stop(smallPeer);
          }
        }
        const [f, g] = pairedFindRates(govc, [ours, peer], quick ? 1 : 5, !quick, vms);
        results.push({
          case: "vsphere.find.1k", unit: "finds/s", value: f.rate, baseline: "vcsim 0.24.2, govc find . -type m", baselineValue: g.rate,
          notes: { vms, vicsimMs: Math.round(1000 / f.rate), vcsimMs: Math.round(1000 / g.rate), vicsimServerCpuMs: Math.round(f.cpuMs), vcsimServerCpuMs: Math.round(g.cpuMs) },
        });
        return results;
      });
    },
  },
];
