/**
 * The vSphere door against vcsim 0.24.2 (govmomi's simulator), each holding 1,000 VMs, each in a
 * process of its own: `vsphere.retrieve.1k` re-POSTs one RetrievePropertiesEx of `name` and
 * `runtime.powerState` over a ContainerView of every VM on one keep-alive HTTPS connection
 * (requests/s; resident memory beside it), `vsphere.find.1k` times `govc find . -type m` (1,003
 * calls). govc and vcsim come from scripts/tools/govc.sh, which builds them when missing; vicsim's
 * server runs from dist/ (built by `npm run bench`), so no TypeScript loader weighs on its memory.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { homedir } from "node:os";
import { join } from "node:path";
import { opsPerSecondAsync, type BenchCase, type BenchResult } from "./harness.js";

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
        resolve({ name, url: m[1], proc });
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.on("exit", (code) => reject(new Error(`${name} exited ${code}: ${out}`)));
  });
}

function stop(p: Peer): void {
  p.proc.removeAllListeners("exit");
  p.proc.stdin?.end();
  p.proc.kill("SIGTERM");
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

async function retrieveRate(peer: Peer, ms: number): Promise<{ rate: number; vms: number; bytes: number; rss: number }> {
  const soap = new Soap(new URL(peer.url));
  try {
    const body = await prepare(soap);
    const first = await soap.post(body);
    const vms = (first.match(/<objects[ >]/g) ?? []).length;
    for (let i = 0; i < 30; i++) await soap.post(body); // warm both servers' code paths before timing
    const rate = await opsPerSecondAsync(async () => void (await soap.post(body)), 1, ms);
    return { rate, vms, bytes: first.length, rss: rssMB(peer.proc.pid!) };
  } finally {
    soap.close();
  }
}

function findRate(govc: string, peer: Peer, runs: number, warm: boolean): { rate: number; lines: number } {
  const u = new URL(peer.url);
  const environment = { ...process.env, GOVC_URL: `https://user:pass@${u.host}/sdk`, GOVC_INSECURE: "1", GOVC_PERSIST_SESSION: "false" };
  let lines = 0;
  const time = (): number => {
    const t0 = performance.now();
    const r = spawnSync(govc, ["find", ".", "-type", "m"], { env: environment, encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`govc find against ${peer.name} failed: ${r.stderr}`);
    lines = r.stdout.trim().split("\n").length;
    return performance.now() - t0;
  };
  if (warm) time();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(time());
  times.sort((a, b) => a - b);
  return { rate: 1000 / times[Math.floor(times.length / 2)], lines };
}

/** Both servers holding `vms` VMs (vcsim: 2 clusters of 4 hosts, `vms / 2` VMs in each cluster's pool). */
async function withPeers<T>(vms: number, fn: (vicsim: Peer, vcsim: Peer, govc: string) => Promise<T>): Promise<T> {
  const { govc, vcsim } = govmomi();
  const ours = await start("vicsim", process.execPath, ["bench/fixtures/vsphere-server.mjs", String(vms)], /url (https:\S+)/);
  let peer: Peer | undefined;
  try {
    peer = await start("vcsim", vcsim, ["-l", "127.0.0.1:0", "-cluster", "2", "-host", "4", "-vm", String(vms / 2), "-standalone-host", "0"], /GOVC_URL=(https:\/\/\S+?)\s/);
    peer.url = peer.url.replace(/\/\/[^@]*@/, "//");
    return await fn(ours, peer, govc);
  } finally {
    stop(ours);
    if (peer) stop(peer);
  }
}

export const cases: BenchCase[] = [
  {
    name: "vsphere.retrieve.1k",
    title: "RetrievePropertiesEx of name and power state for 1,000 container VMs, against vcsim",
    async run({ quick }): Promise<BenchResult[]> {
      // --quick: 250 VMs each and short runs, so the case takes a few seconds; the full run has 1,000.
      const vms = quick ? 250 : 1000;
      return withPeers(vms, async (ours, peer, govc) => {
        const ms = quick ? 500 : 5000;
        const a = await retrieveRate(ours, ms);
        const b = await retrieveRate(peer, ms);
        if (a.vms !== vms || b.vms !== vms) throw new Error(`expected ${vms} VMs from each, got ${a.vms} (vicsim) and ${b.vms} (vcsim)`);
        const results: BenchResult[] = [
          { case: "vsphere.retrieve.1k", unit: "requests/s", value: a.rate, baseline: `vcsim 0.24.2, ${vms} VMs`, baselineValue: b.rate, notes: { vms, bytes: a.bytes, vcsimBytes: b.bytes } },
          // resident memory: lower is better, so the value is vcsim's and the baseline ours (ratio > 1 = we use less)
          { case: "vsphere.retrieve.1k.rss", unit: "MB (vcsim's RSS / ours)", value: b.rss, baseline: `vicsim's RSS, ${vms} container VMs`, baselineValue: a.rss, notes: { vms, vicsimMB: Math.round(a.rss), vcsimMB: Math.round(b.rss) } },
        ];
        const f = findRate(govc, ours, quick ? 1 : 5, !quick);
        const g = findRate(govc, peer, quick ? 1 : 5, !quick);
        if (f.lines !== vms || g.lines !== vms) throw new Error(`govc find listed ${f.lines} (vicsim) and ${g.lines} (vcsim) VMs, expected ${vms}`);
        results.push({ case: "vsphere.find.1k", unit: "finds/s", value: f.rate, baseline: "vcsim 0.24.2, govc find . -type m", baselineValue: g.rate, notes: { vms, vicsimMs: Math.round(1000 / f.rate), vcsimMs: Math.round(1000 / g.rate) } });
        return results;
      });
    },
  },
];
