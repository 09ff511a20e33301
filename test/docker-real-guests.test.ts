// Real guests through the Docker door: python, ruby and node programs really run (Pyodide, ruby.wasm,
// QuickJS in workers), docker stop/pause/kill act on the worker, --memory OOM-kills, and the
// container VM's pages in the memory engine are the guest's real ones.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDockerHandler, type DockerHandler } from "../bindings/docker/index.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { call, json, output, pullImages } from "./spec/docker-client.js";

let vch: VirtualContainerHost;
let h: DockerHandler;
const V = "/v1.50";
const MIB = 1024 * 1024;

beforeAll(async () => {
  // Virtual time 10× the wall clock: a 20 s memory scan every 2 s, a 1 s stop grace in 0.1 s.
  vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 10 }, name: "vch-real" });
  h = createDockerHandler(vch, { statsIntervalMs: 20 });
  await pullImages(h, ["python:3", "ruby:3", "node:22", "busybox:latest"]);
}, 60_000);
afterAll(async () => {
  await vch?.close();
});

async function run(image: string, cmd: string[], hostConfig: Record<string, unknown> = {}): Promise<string> {
  const r = await json(h, "POST", `${V}/containers/create`, 201, "/containers/create", { Image: image, Cmd: cmd, HostConfig: hostConfig });
  const start = await call(h, "POST", `${V}/containers/${r.Id}/start`);
  expect(start.status).toBe(204);
  return r.Id as string;
}

async function waitExit(id: string): Promise<number> {
  return (await json(h, "POST", `${V}/containers/${id}/wait`, 200, "/containers/{id}/wait")).StatusCode as number;
}

async function logs(id: string): Promise<{ stdout: string; stderr: string }> {
  return output((await call(h, "GET", `${V}/containers/${id}/logs?stdout=1&stderr=1`)).response);
}

/** Polls the logs until `text` appears in stdout (the guest has booted and reached that line). */
async function until(id: string, text: string, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const l = await logs(id);
    if (l.stdout.includes(text)) return;
    if (Date.now() > end) throw new Error(`no ${JSON.stringify(text)} in the logs: ${JSON.stringify(l)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function inspect(id: string): Promise<any> {
  return json(h, "GET", `${V}/containers/${id}/json`, 200, "/containers/{id}/json");
}

describe("docker run on real runtimes", () => {
  test("python:3 python -c 'print(sum(range(10)))' prints 45 (Pyodide)", async () => {
    const id = await run("python:3", ["python", "-c", "import sys; print(sum(range(10))); sys.exit(3)"]);
    expect(await waitExit(id)).toBe(3);
    expect(await logs(id)).toEqual({ stdout: "45\n", stderr: "" });
    expect((await inspect(id)).Config.Labels["vicsim.guest.runtime"]).toMatch(/^CPython 3\.14 compiled to WebAssembly \(Pyodide/);
  }, 180_000);

  test("ruby:3 ruby -e prints 45 on stdout and errors on stderr (ruby.wasm)", async () => {
    const id = await run("ruby:3", ["ruby", "-e", "puts (0...10).sum; $stderr.puts 'oops'; exit 2"]);
    expect(await waitExit(id)).toBe(2);
    expect(await logs(id)).toEqual({ stdout: "45\n", stderr: "oops\n" });
  }, 120_000);

  test("node:22 node -e runs on QuickJS, and inspect says so", async () => {
    const id = await run("node:22", ["node", "-e", "console.log([...Array(10).keys()].reduce((a, b) => a + b, 0))"]);
    expect(await waitExit(id)).toBe(0);
    expect((await logs(id)).stdout).toBe("45\n");
    const label = (await inspect(id)).Config.Labels["vicsim.guest.runtime"];
    expect(label).toContain("QuickJS");
    expect(label).toContain("NOT Node.js");
  }, 120_000);

  test("python in busybox is not found: runc's refusal at start, exit code 127 (no real runtime is picked)", async () => {
    const r = await json(h, "POST", `${V}/containers/create`, 201, "/containers/create", { Image: "busybox", Cmd: ["python", "-c", "print(1)"] });
    const start = await call(h, "POST", `${V}/containers/${r.Id}/start`);
    expect(start.status).toBe(400);
    expect(((await start.response.json()) as { message: string }).message).toContain(`exec: "python": executable file not found in $PATH`);
    expect((await inspect(r.Id)).State).toMatchObject({ Status: "created", ExitCode: 127 });
  }, 30_000);
});

describe("volumes in a real guest", () => {
  test("python reads what busybox put in a volume, and busybox sees what python wrote and removed there; a :ro mount refuses it (EROFS)", async () => {
    const put = await run("busybox:latest", ["sh", "-c", "echo from busybox > /data/in.txt"], { Binds: ["pydata:/data"] });
    expect(await waitExit(put)).toBe(0);
    const py = await run("python:3", ["python", "-c", "import os\nprint(open('/data/in.txt').read(), end='')\nos.remove('/data/in.txt')\nopen('/data/f', 'w').write('x')\ntry:\n    open('/ro/g', 'w').write('y')\nexcept OSError as e:\n    print('/ro/g:', e.strerror)"], { Binds: ["pydata:/data", "pydata:/ro:ro"] });
    expect(await waitExit(py)).toBe(0);
    expect(await logs(py)).toEqual({ stdout: "from busybox\n/ro/g: Read-only file system\n", stderr: "" });
    const read = await run("busybox:latest", ["sh", "-c", "cat /data/f; echo; test -e /data/g && echo g written || echo no g; test -e /data/in.txt || echo in.txt removed"], { Binds: ["pydata:/data"] });
    expect(await waitExit(read)).toBe(0);
    expect(await logs(read)).toEqual({ stdout: "x\nno g\nin.txt removed\n", stderr: "" });
  }, 180_000);
});

describe("lifecycle of a real guest", () => {
  test("a busy loop pauses, and docker stop ends it after the grace period (137)", async () => {
    const id = await run("python:3", ["python", "-c", "print('ready', flush=True)\nn = 0\nwhile True: n += 1"]);
    await until(id, "ready");
    expect((await call(h, "POST", `${V}/containers/${id}/pause`)).status).toBe(204);
    expect((await inspect(id)).State.Status).toBe("paused");
    expect((await call(h, "POST", `${V}/containers/${id}/unpause`)).status).toBe(204);
    const t0 = Date.now();
    // 1 s of virtual grace is 0.1 s of wall time: the loop ignores SIGTERM (PID 1 without a handler).
    expect((await call(h, "POST", `${V}/containers/${id}/stop?t=1`)).status).toBe(204);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const s = (await inspect(id)).State;
    expect([s.Status, s.ExitCode, s.OOMKilled]).toEqual(["exited", 137, false]);
  }, 180_000);

  test("a SIGTERM handler runs on docker stop, and its exit code is the container's", async () => {
    const id = await run("python:3", ["python", "-c", [
      "import os, signal, sys, time",
      "signal.signal(signal.SIGTERM, lambda *a: (print('bye', flush=True), sys.exit(0)))",
      "os.write(1, b'ready\\n')", // not print: a SIGTERM inside its flush would make the handler's print re-entrant
      "while True: time.sleep(0.01)",
    ].join("\n")]);
    await until(id, "ready");
    expect((await call(h, "POST", `${V}/containers/${id}/stop?t=600`)).status).toBe(204);
    expect((await inspect(id)).State.ExitCode).toBe(0);
    expect((await logs(id)).stdout).toBe("ready\nbye\n");
  }, 180_000);

  test("an allocation loop past --memory is OOM-killed: 137, State.OOMKilled", async () => {
    const id = await run("python:3", ["python", "-c", "a = []\nwhile True: a.append(bytearray(1 << 20))"], { Memory: 512 * MIB });
    expect(await waitExit(id)).toBe(137);
    const s = (await inspect(id)).State;
    expect([s.ExitCode, s.OOMKilled]).toEqual([137, true]);
  }, 180_000);
});

describe("memory from real pages", () => {
  test("docker stats of a python container: its pages shared with the runtime template, and its own", async () => {
    const id = await run("python:3", ["python", "-c", "import random, time\nx = random.Random(1).randbytes(10_000_000)\nprint('ready', flush=True)\nwhile True: time.sleep(0.05)"]);
    await until(id, "ready");
    // The next 20 s scan has written the 10 MB of distinct pages the program made.
    await new Promise((r) => setTimeout(r, 4_000));
    const stats = await json(h, "GET", `${V}/containers/${id}/stats?stream=false`, 200, "/containers/{id}/stats");
    const vm = stats.vm;
    expect(vm.shared).toBeGreaterThan(1000); // template pages the clone still shares
    expect(vm.private).toBeGreaterThan(2400); // at least the program's 10 MB (2,441 pages) are its own
    expect(stats.memory_stats.stats.private).toBe(vm.private * 4096);
    expect((await call(h, "POST", `${V}/containers/${id}/kill`)).status).toBe(204);
    expect(await waitExit(id)).toBe(137);
  }, 180_000);
});

describe("the docker CLI against vicsim serve", () => {
  const CLI = new URL("../dist/cli.js", import.meta.url).pathname;
  const DOCKER = process.env.DOCKER_CLI ?? "/usr/local/bin/docker";
  const scratch = mkdtempSync(join(tmpdir(), "vicsim-real-guests-"));
  let server: ChildProcess | null = null;
  let host = "";

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    if (!existsSync(DOCKER)) throw new Error(`the docker CLI is needed at ${DOCKER} (docker 28.2.2); install it there or set DOCKER_CLI`);
    server = spawn(process.execPath, [CLI, "serve", "--listen", "tcp://127.0.0.1:0", "--speed", "10"], { stdio: ["ignore", "pipe", "pipe"] });
    host = await new Promise<string>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`vicsim serve printed no DOCKER_HOST in 20 s: ${out}`)), 20_000);
      server!.stdout!.on("data", (d) => {
        out += d;
        const m = /^export DOCKER_HOST=(\S+)$/m.exec(out);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
    });
  }, 30_000);
  afterAll(() => {
    server?.kill("SIGTERM");
    rmSync(scratch, { recursive: true, force: true });
  });

  function docker(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(DOCKER, args, {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: scratch, DOCKER_CONFIG: scratch, DOCKER_HOST: host, DOCKER_CLI_HINTS: "false" },
        stdio: ["ignore", "pipe", "pipe"], cwd: scratch,
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
      child.on("close", (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }); });
    });
  }

  test("docker run --rm python:3 python -c 'print(sum(range(10)))' prints 45", async () => {
    expect((await docker(["pull", "-q", "python:3"])).code).toBe(0);
    expect(await docker(["run", "--rm", "python:3", "python", "-c", "print(sum(range(10)))"])).toEqual({ code: 0, stdout: "45\n", stderr: "" });
  }, 180_000);

  test("docker exec runs python in a running python container; docker kill ends it (137)", async () => {
    const run = await docker(["run", "-d", "python:3", "python", "-c", "import time\nwhile True: time.sleep(0.1)"]);
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    expect(await docker(["exec", id, "python", "-c", "print(2 ** 10)"])).toEqual({ code: 0, stdout: "1024\n", stderr: "" });
    expect((await docker(["kill", id])).code).toBe(0);
    expect((await docker(["wait", id])).stdout).toBe("137\n");
  }, 180_000);

  test("python /app/main.py runs what docker cp put there, and docker cp sees what it wrote", async () => {
    const app = join(scratch, "app");
    mkdirSync(app);
    writeFileSync(join(app, "main.py"), "import helper\nprint(helper.total())\nopen('/app/out.txt', 'w').write('written by python\\n')\n");
    writeFileSync(join(app, "helper.py"), "def total():\n    return sum(range(10))\n");
    expect((await docker(["create", "--name", "pyapp", "python:3", "python", "/app/main.py"])).code).toBe(0);
    expect((await docker(["cp", `${app}/.`, "pyapp:/app/"])).code).toBe(0);
    expect(await docker(["start", "-a", "pyapp"])).toEqual({ code: 0, stdout: "45\n", stderr: "" });
    expect((await docker(["diff", "pyapp"])).stdout).toContain("A /app/out.txt");
    const tar = await docker(["cp", "pyapp:/app/out.txt", "-"]);
    expect(tar.code).toBe(0);
    expect(tar.stdout.slice(0, 7)).toBe("out.txt"); // the tar header names the file, its body holds what python wrote
    expect(tar.stdout).toContain("written by python\n");
  }, 180_000);
});
