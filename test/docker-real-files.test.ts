// Real guests' files are the container's, live, through the Docker door: a program docker cp put in
// the container runs (python, ruby, node), what a running guest writes on a volume is read by
// another container before the guest exits (and the guest sees that container's answer), WASI
// programs get the whole root, and read-only mounts and roots refuse writes with EROFS.
import { join } from "node:path";
import { packTar, unpackTar, type TarEntry } from "modern-tar";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { wasiProgram } from "./fixtures/wasi-program.js";
import { createDockerHandler, type DockerHandler } from "../bindings/docker/index.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { Pushable, call, json, output, pullImages } from "./spec/docker-client.js";

let vch: VirtualContainerHost;
let h: DockerHandler;
let filesProgram: Uint8Array;
const V = "/v1.50";

beforeAll(async () => {
  filesProgram = wasiProgram("wasi-files");
  vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 10 }, name: "vch-real-files" });
  h = createDockerHandler(vch, { statsIntervalMs: 20 });
  await pullImages(h, ["python:3", "ruby:3", "node:22", "busybox:latest"]);
}, 60_000);
afterAll(async () => {
  await vch?.close();
});

function tar(files: Record<string, Uint8Array | string>): Promise<Uint8Array> {
  const entries: TarEntry[] = Object.entries(files).map(([name, f]) => {
    const body = typeof f === "string" ? new TextEncoder().encode(f) : f;
    return { header: { name, size: body.length, mode: 0o644, type: "file", mtime: new Date(0) }, body };
  });
  return packTar(entries);
}

async function create(image: string, cmd: string[], hostConfig: Record<string, unknown> = {}): Promise<string> {
  return (await json(h, "POST", `${V}/containers/create`, 201, "/containers/create", { Image: image, Cmd: cmd, HostConfig: hostConfig })).Id as string;
}

async function start(id: string): Promise<void> {
  expect((await call(h, "POST", `${V}/containers/${id}/start`)).status).toBe(204);
}

/** `docker cp` into the container: the files as a tar, extracted at `dir`. */
async function copyIn(id: string, dir: string, files: Record<string, string>): Promise<void> {
  const body = await tar(files);
  const r = await h(new Request(`http://localhost${V}/containers/${id}/archive?path=${encodeURIComponent(dir)}`, { method: "PUT", body: new Uint8Array(body), headers: { "Content-Type": "application/x-tar" } }));
  expect(r.status).toBe(200);
}

/** `docker cp` out of the container: the file's text. */
async function copyOut(id: string, path: string): Promise<string> {
  const r = await call(h, "GET", `${V}/containers/${id}/archive?path=${encodeURIComponent(path)}`);
  expect(r.status).toBe(200);
  const entries = await unpackTar(new Uint8Array(await r.response.arrayBuffer()));
  return new TextDecoder().decode(entries[0].data);
}

async function waitExit(id: string): Promise<number> {
  return (await json(h, "POST", `${V}/containers/${id}/wait`, 200, "/containers/{id}/wait")).StatusCode as number;
}

async function logs(id: string): Promise<{ stdout: string; stderr: string }> {
  return output((await call(h, "GET", `${V}/containers/${id}/logs?stdout=1&stderr=1`)).response);
}

async function running(id: string): Promise<boolean> {
  return (await json(h, "GET", `${V}/containers/${id}/json`, 200, "/containers/{id}/json")).State.Running as boolean;
}

/** Polls the logs until `text` is in stdout. */
async function until(id: string, text: string, ms = 50_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const l = await logs(id);
    if (l.stdout.includes(text)) return;
    if (Date.now() > end) throw new Error(`no ${JSON.stringify(text)} in the logs: ${JSON.stringify(l)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `docker exec` of `cmd` in a running container: its output. */
async function exec(id: string, cmd: string[]): Promise<{ stdout: string; stderr: string }> {
  const x = await json(h, "POST", `${V}/containers/${id}/exec`, 201, "/containers/{id}/exec", { Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const started = await call(h, "POST", `${V}/exec/${x.Id}/start`, { Detach: false, Tty: false }, { hijacked: true, stdin: new Pushable() });
  return output(started.response);
}

/** Runs busybox with `script` and the given binds; returns its output once it exited 0. */
async function busybox(script: string, binds: string[]): Promise<string> {
  const id = await create("busybox:latest", ["sh", "-c", script], { Binds: binds });
  await start(id);
  expect(await waitExit(id)).toBe(0);
  return (await logs(id)).stdout;
}

describe("a real guest's files are the container's, live", () => {
  test("python /app/main.py runs what docker cp put there; it sees the image's root (/etc/os-release, /usr) and docker cp sees what it wrote", async () => {
    const id = await create("python:3", ["python", "/app/main.py"]);
    await copyIn(id, "/", {
      "app/main.py": "import os, helper\nprint(helper.total())\nprint(open('/etc/os-release').readline(), end='')\nprint(sorted(n for n in os.listdir('/') if n in ('app', 'etc', 'usr', 'var', 'lib')))\nos.makedirs('/var/out', exist_ok=True)\nopen('/var/out/result.txt', 'w').write('written by python\\n')\n",
      "app/helper.py": "def total():\n    return sum(range(10))\n",
    });
    await start(id);
    expect(await waitExit(id)).toBe(0);
    expect(await logs(id)).toEqual({ stdout: `45\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n['app', 'etc', 'lib', 'usr', 'var']\n`, stderr: "" });
    expect(await copyOut(id, "/var/out/result.txt")).toBe("written by python\n");
  }, 60_000);

  test("docker build FROM python:3 with COPY main.py: the image's program runs, and reads the file the build's RUN wrote", async () => {
    const context = await tar({
      Dockerfile: 'FROM python:3\nWORKDIR /srv\nCOPY main.py .\nRUN echo "written by RUN" > note.txt\nCMD ["python", "main.py"]\n',
      "main.py": "print(open('note.txt').read().strip(), 'then python', __file__)\n",
    });
    const b = await h(new Request(`http://localhost${V}/build?t=pyapp:1`, { method: "POST", body: new Uint8Array(context), headers: { "Content-Type": "application/x-tar" } }));
    expect(b.status).toBe(200);
    expect(await b.text()).toContain("Successfully tagged pyapp:1");
    const id = (await json(h, "POST", `${V}/containers/create`, 201, "/containers/create", { Image: "pyapp:1" })).Id as string;
    await start(id);
    expect(await waitExit(id)).toBe(0);
    expect(await logs(id)).toEqual({ stdout: "written by RUN then python main.py\n", stderr: "" });
  }, 60_000);

  test("what python writes is read by docker exec cat, docker cp and busybox on the volume while python still runs, and python sees busybox's answer", async () => {
    const py = await create("python:3", ["python", "-c", [
      "import os, time",
      "open('/data/out', 'w').write('live from python\\n')",
      "open('/tmp/state', 'w').write('in the container layer\\n')",
      "print('written', flush=True)",
      "while not os.path.exists('/data/done'):",
      "    time.sleep(0.02)",
      "print(open('/data/done').read(), end='')",
    ].join("\n")], { Binds: ["live:/data"] });
    await start(py);
    await until(py, "written");
    expect(await busybox("cat /data/out", ["live:/data"])).toBe("live from python\n");
    expect(await copyOut(py, "/data/out")).toBe("live from python\n"); // docker cp of the running container
    expect(await exec(py, ["cat", "/tmp/state", "/data/out"])).toEqual({ stdout: "in the container layer\nlive from python\n", stderr: "" });
    expect(await running(py)).toBe(true); // python has not exited: nothing was copied back at an exit
    await busybox("echo ack from busybox > /data/done", ["live:/data"]);
    expect(await waitExit(py)).toBe(0);
    expect(await logs(py)).toEqual({ stdout: "written\nack from busybox\n", stderr: "" });
  }, 60_000);

  test("a :ro mount and a --read-only root refuse python's writes with EROFS; the writable volume takes them", async () => {
    const id = await create("python:3", ["python", "-c", [
      "for path in ('/ro/x', '/etc/x', '/tmp/x', '/rw/x'):",
      "    try:",
      "        open(path, 'w').write('y')",
      "        print(path, 'written')",
      "    except OSError as e:",
      "        print(path, e.strerror)",
    ].join("\n")], { Binds: ["shared:/rw", "shared:/ro:ro"], ReadonlyRootfs: true });
    await start(id);
    expect(await waitExit(id)).toBe(0);
    expect((await logs(id)).stdout).toBe("/ro/x Read-only file system\n/etc/x Read-only file system\n/tmp/x Read-only file system\n/rw/x written\n");
    expect(await busybox("ls /data", ["shared:/data"])).toBe("x\n");
  }, 60_000);

  test("--user nobody: python's file calls are checked against the image's permission bits (EACCES), what it creates is its own", async () => {
    const r = await json(h, "POST", `${V}/containers/create`, 201, "/containers/create", {
      Image: "python:3", User: "nobody",
      Cmd: ["python", "-c", "import os\nfor call in (lambda: open('/etc/x', 'w'), lambda: os.listdir('/root')):\n    try:\n        call()\n    except OSError as e:\n        print(e.strerror)\nopen('/tmp/mine', 'w').write('z')\nprint(os.stat('/tmp/mine').st_uid)"],
    });
    await start(r.Id);
    expect(await waitExit(r.Id)).toBe(0);
    expect(await logs(r.Id)).toEqual({ stdout: "Permission denied\nPermission denied\n65534\n", stderr: "" });
  }, 60_000);

  test("ruby /app/main.rb and node /app/x.js run files docker cp put there; ruby's File.write is the container's", async () => {
    const rb = await create("ruby:3", ["ruby", "/app/main.rb", "arg"]);
    await copyIn(rb, "/", { "app/main.rb": "File.write('/app/out.txt', \"ruby got #{ARGV[0]}\\n\")\nputs File.read('/etc/os-release').lines.first\nputs Dir.children('/app').sort.join(',')\n" });
    await start(rb);
    expect(await waitExit(rb)).toBe(0);
    expect(await logs(rb)).toEqual({ stdout: `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nmain.rb,out.txt\n`, stderr: "" });
    expect(await copyOut(rb, "/app/out.txt")).toBe("ruby got arg\n");

    const js = await create("node:22", ["node", "/app/x.js"]);
    await copyIn(js, "/", { "app/x.js": "console.log('from a file', [1, 2, 3].map((n) => n * 2).join(' '))\n" });
    await start(js);
    expect(await waitExit(js)).toBe(0);
    expect(await logs(js)).toEqual({ stdout: "from a file 2 4 6\n", stderr: "" });
  }, 60_000);

  test("a WASI program reads /etc/os-release, lists /, writes on a volume busybox reads, and a :ro mount refuses it", async () => {
    const context = await tar({
      Dockerfile: 'FROM scratch\nCOPY files.wasm /bin/\nCOPY os-release /etc/\nENTRYPOINT ["/bin/files.wasm"]\n',
      "files.wasm": filesProgram,
      "os-release": 'NAME="WASI test image"\nID=wasi\n',
    });
    const b = await h(new Request(`http://localhost${V}/build?t=wasi-files:1&platform=wasi/wasm`, { method: "POST", body: new Uint8Array(context), headers: { "Content-Type": "application/x-tar" } }));
    expect(b.status).toBe(200);
    expect(await b.text()).toContain("Successfully tagged wasi-files:1");
    const id = await create("wasi-files:1", [], { Binds: ["wasidata:/data", "wasidata:/ro:ro"] });
    await start(id);
    expect(await waitExit(id)).toBe(0);
    expect(await logs(id)).toEqual({
      stdout: 'os-release: NAME="WASI test image"\nroot lists data and etc: yes\nout.txt: 25 bytes\nro: Read-only file system\nmissing: No such file or directory\n',
      stderr: "",
    });
    expect(await busybox("cat /data/sub/out.txt", ["wasidata:/data"])).toBe("written by wasi\nappended\n");
  }, 60_000);
});
