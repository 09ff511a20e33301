/**
 * Real-guest benchmarks: a Python guest's start from the template's memory snapshot beside a cold
 * boot, host frames used by ten Python guests with sharing beside without, and page hashing of real
 * guest memory (wasm XXH64) beside node:crypto sha1. Needs the optional package pyodide.
 */
import { hash as cryptoHash, createHash } from "node:crypto";
import { MemoryEngine } from "../bindings/core/memory.js";
import { ContainerFs } from "../bindings/fs/index.js";
import { RealGuests, type TemplateVm } from "../bindings/guests/real/guests.js";
import { RealGuest } from "../bindings/guests/real/host.js";
import { GuestMemoryMap } from "../bindings/guests/real/memory-map.js";
import { PageHasher } from "../bindings/guests/real/pages.js";
import { bootTemplate, type RuntimeTemplate } from "../bindings/guests/real/templates.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { opsPerSecond, type BenchCase, type BenchResult } from "./harness.js";

let python: Promise<{ template: RuntimeTemplate; coldMs: number }> | null = null;
/** The Python template of this run, booted once (its boot is a cold start, timed from the host). */
function pythonTemplate(): Promise<{ template: RuntimeTemplate; coldMs: number }> {
  python ??= (async () => {
    const t0 = performance.now();
    const template = await bootTemplate("python");
    return { template, coldMs: performance.now() - t0 };
  })();
  return python;
}

/** Wall time from asking for a guest to its runtime being booted, then lets it finish. */
async function startMs(opts: Parameters<typeof RealGuest.start>[0]): Promise<number> {
  const t0 = performance.now();
  const guest = RealGuest.start(opts);
  await guest.booted;
  const ms = performance.now() - t0;
  await guest.exited;
  return ms;
}

const startCase: BenchCase = {
  name: "guest.python.start",
  title: "start a Python guest: restore the template's snapshot vs boot cold (worker included)",
  async run({ quick }) {
    const { template, coldMs } = await pythonTemplate();
    // --quick: the template's own boot is the cold start (it adds the snapshot, ~0.1 s, to it)
    const runs = quick ? 1 : 3;
    const argv = ["python", "-c", "pass"];
    let restored = 0;
    let cold = 0;
    for (let i = 0; i < runs; i++) {
      restored += await startMs({ runtime: "python", argv, template });
      cold += quick ? coldMs : await startMs({ runtime: "python", argv });
    }
    restored /= runs;
    cold /= runs;
    return [
      {
        case: "guest.python.start",
        unit: "starts/s",
        value: 1000 / restored,
        baseline: "cold boot of Pyodide in a fresh worker",
        baselineValue: 1000 / cold,
        notes: { restoredMs: Math.round(restored), coldMs: Math.round(cold), runs, cold: quick ? "template boot" : "fresh worker" },
      },
    ];
  },
};

const tpsCase: BenchCase = {
  name: "guest.tps.10py",
  title: "host frames used by ten Python guests (--quick: two): clone + TPS vs private VMs",
  async run({ quick }) {
    const n = quick ? 2 : 10;
    const shared = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 4096 });
    const guests = new RealGuests({ engine: shared, host: 0, salt: 3 });
    await pythonTemplate();
    const tvm: TemplateVm = await guests.template("python");
    const memories: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const g = guests.start(tvm, { argv: ["python", "-c", "print(sum(range(10)))"] });
      const end = await g.exited;
      if (end.exitCode !== 0) throw new Error(`guest.tps.10py: guest ${i} exited ${end.exitCode}`);
      memories.push(g.guest.lastMemory!);
    }
    while (shared.tpsScan(0, 1 << 20).merged > 0);
    // Without sharing: each guest a VM of its own (no clone), its own salt (ESXi's default: intra-VM TPS only).
    const alone = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 4096 });
    const map = new GuestMemoryMap(alone);
    let nonZero = 0;
    for (const m of memories) nonZero += map.createTemplate(0, m).scan.nonZero;
    while (alone.tpsScan(0, 1 << 20).merged > 0);
    const withSharing = shared.hostStats(0).used;
    const without = alone.hostStats(0).used;
    return [
      {
        case: "guest.tps.10py",
        unit: "guest pages per host frame",
        value: nonZero / withSharing,
        baseline: "private VMs, per-VM salt (intra-VM TPS only)",
        baselineValue: nonZero / without,
        notes: { guests: n, nonZeroPages: nonZero, framesShared: withSharing, framesPrivate: without, saving: Number((1 - withSharing / nonZero).toFixed(3)) },
      },
    ];
  },
};

const scanCase: BenchCase = {
  name: "guest.scan",
  title: "hash a booted Python guest's 4 KiB pages: wasm XXH64 vs node:crypto sha1",
  async run({ quick }) {
    const { template } = await pythonTemplate();
    const memory = template.image;
    const pages = PageHasher.pageCount(memory.byteLength);
    const minMs = quick ? 200 : 1500;
    const hasher = new PageHasher();
    const wasm = opsPerSecond(() => void hasher.hash(memory), pages, minMs);
    const sha1 = (page: Uint8Array) => (cryptoHash ? cryptoHash("sha1", page) : createHash("sha1").update(page).digest("hex"));
    const node = opsPerSecond(() => {
      for (let at = 0; at < memory.byteLength; at += 4096) sha1(memory.subarray(at, at + 4096));
    }, pages, minMs);
    return [
      {
        case: "guest.scan",
        unit: "pages/s",
        value: wasm,
        baseline: "node:crypto sha1 per page",
        baselineValue: node,
        notes: { pages, nonZero: hasher.hash(memory).nonZero },
      },
    ];
  },
};

/** `docker run` of one command through the VCH: create, start, wait, and its stdout. */
async function dockerRun(vch: VirtualContainerHost, image: string, cmd: string[]): Promise<string> {
  const { id } = vch.createContainer({ Image: image, Cmd: cmd });
  await vch.start(id);
  const { StatusCode } = await vch.wait(id);
  let out = "";
  for await (const chunk of vch.logs(id, { stdout: true })) out += new TextDecoder().decode(chunk.data);
  vch.remove(id);
  if (StatusCode !== 0 || out !== "45\n") throw new Error(`guest.docker.node: exit ${StatusCode}, output ${JSON.stringify(out)}`);
  return out;
}

const dockerNodeCase: BenchCase = {
  name: "guest.docker.node",
  title: "docker run of `node -e` on QuickJS through the VCH vs the emulated `echo` in the same image",
  async run({ quick }) {
    const vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 100 }, name: "bench-real" });
    try {
      await vch.pullImage("node:22");
      const js = ["node", "-e", "console.log([...Array(10).keys()].reduce((a, b) => a + b, 0))"];
      await dockerRun(vch, "node:22", js); // the QuickJS template boots once
      const runs = quick ? 3 : 10;
      const time = async (cmd: string[]) => {
        const t0 = performance.now();
        for (let i = 0; i < runs; i++) await dockerRun(vch, "node:22", cmd);
        return (performance.now() - t0) / runs;
      };
      const real = await time(js);
      const emulated = await time(["echo", "45"]);
      return [
        {
          case: "guest.docker.node",
          unit: "runs/s",
          value: 1000 / real,
          baseline: "the emulated guest's `echo 45` in the same image",
          baselineValue: 1000 / emulated,
          notes: { realMs: Math.round(real), emulatedMs: Math.round(emulated), runs },
        },
      ];
    } finally {
      await vch.close();
    }
  },
};

/**
 * A Python guest reading and writing a file of the container's filesystem through the live bridge
 * (each 256 KiB, and each flushed 8 KiB append, a round trip to the host thread) beside the same bytes in Pyodide's own in-memory
 * filesystem (/lib, never bridged), in one guest run.
 */
const fsCase: BenchCase = {
  name: "guest.fs",
  title: "a Python guest reads and writes a container file through the filesystem bridge vs Pyodide's in-memory filesystem",
  async run({ quick }) {
    const { template } = await pythonTemplate();
    const mib = quick ? 8 : 32;
    const files = new ContainerFs();
    files.mkdir("/data");
    files.writeFile("/data/big", new Uint8Array(mib << 20).map((_, i) => i & 0xff));
    const code = [
      "import time",
      "def timed(f):",
      "    t = time.perf_counter(); r = f(); return r, time.perf_counter() - t",
      "data, bridge_read = timed(lambda: open('/data/big', 'rb').read())",
      "_, memfs_write = timed(lambda: open('/lib/copy', 'wb').write(data))",
      "_, memfs_read = timed(lambda: open('/lib/copy', 'rb').read())",
      "_, bridge_write = timed(lambda: open('/data/copy', 'wb').write(data))",
      "def appends(path):",
      "    with open(path, 'ab') as f:",
      "        for i in range(0, len(data), 8192):",
      "            f.write(data[i:i + 8192]); f.flush()",
      "_, bridge_append = timed(lambda: appends('/data/log'))",
      "_, memfs_append = timed(lambda: appends('/lib/log'))",
      "print(len(data), bridge_read, memfs_read, bridge_write, memfs_write, bridge_append, memfs_append)",
    ].join("\n");
    let out = "";
    const guest = RealGuest.start({ runtime: "python", argv: ["python", "-c", code], template, files, onOutput: (_s, chunk) => void (out += new TextDecoder().decode(chunk)) });
    const r = await guest.exited;
    const [bytes, bridgeRead, memfsRead, bridgeWrite, memfsWrite, bridgeAppend, memfsAppend] = out.trim().split(" ").map(Number);
    if (r.exitCode !== 0 || bytes !== mib << 20 || files.readFile("/data/copy").byteLength !== bytes || files.readFile("/data/log").byteLength !== bytes) {
      throw new Error(`the guest did not move the file: ${out}`);
    }
    const mbps = (s: number) => mib / s;
    const results: BenchResult[] = [
      { case: "guest.fs.read", unit: "MiB/s", value: mbps(bridgeRead), baseline: "the same read from Pyodide's in-memory filesystem", baselineValue: mbps(memfsRead), notes: { mib } },
      { case: "guest.fs.write", unit: "MiB/s", value: mbps(bridgeWrite), baseline: "the same write to Pyodide's in-memory filesystem", baselineValue: mbps(memfsWrite), notes: { mib } },
      { case: "guest.fs.append", unit: "MiB/s", value: mbps(bridgeAppend), baseline: "the same 8 KiB appends, each flushed, to Pyodide's in-memory filesystem", baselineValue: mbps(memfsAppend), notes: { mib, appends: (mib << 20) / 8192 } },
    ];
    return results;
  },
};

export const cases: BenchCase[] = [startCase, tpsCase, scanCase, dockerNodeCase, fsCase];
