// More of the container filesystems through the real docker CLI against `vicsim serve`: an interactive
// shell session, runc's refusal of a missing program, busybox wget's and curl's output, redis-cli's PING.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, chmodSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const CLI = new URL("../dist/cli.js", import.meta.url).pathname;
const DOCKER = process.env.DOCKER_CLI ?? "/usr/local/bin/docker";
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
if (!existsSync(DOCKER)) throw new Error(`the docker CLI is needed at ${DOCKER} for these tests (docker 28.2.2, API 1.50); install it there or set DOCKER_CLI`);

const scratch = mkdtempSync(join(tmpdir(), "vicsim-docker-fs-more-"));
const config = join(scratch, "config");
const children = new Set<ChildProcess>();

interface Served { child: ChildProcess; dockerHost: string; exited: Promise<unknown> }

/** Starts `vicsim serve` on a free port and resolves once it printed its DOCKER_HOST line. */
function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [CLI, "serve", "--listen", "tcp://127.0.0.1:0", "--speed", "100", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let out = "";
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => { children.delete(child); resolve({ code, signal }); }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vicsim serve printed no DOCKER_HOST in 20 s:\n${out}\n${err}`)), 20_000);
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /^export DOCKER_HOST=(\S+)$/m.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, dockerHost: m[1], exited }); }
    });
  });
}

interface Run { code: number; stdout: string; stderr: string }

/** The docker CLI against `host`, with `input` on its stdin; raw bytes of stdout with `binary`. */
function docker(host: string, args: string[], input?: string | Uint8Array): Promise<Run & { bytes: Buffer }> {
  return new Promise((resolve) => {
    const child = spawn(DOCKER, args, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: config, DOCKER_CONFIG: config, DOCKER_HOST: host, DOCKER_CLI_HINTS: "false" },
      stdio: ["pipe", "pipe", "pipe"], cwd: scratch,
    });
    const out: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      const bytes = Buffer.concat(out);
      resolve({ code: code ?? -1, stdout: bytes.toString("utf8"), stderr, bytes });
    });
    child.stdin.end(input);
  });
}

let server: Served;
const d = (args: string[], input?: string | Uint8Array) => docker(server.dockerHost, args, input);
async function ok(args: string[], input?: string | Uint8Array): Promise<string> {
  const r = await d(args, input);
  if (r.code !== 0) throw new Error(`docker ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  mkdirSync(config);
  server = await serve([]);
  await ok(["pull", "-q", "busybox"]);
}, 60_000);
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
});

describe("the emulated guest as a user meets it, through the docker CLI", () => {
  test("docker run -i busybox sh is one shell session: a variable and a cd carry from line to line", async () => {
    const r = await d(["run", "-i", "--rm", "busybox", "sh"], "x=5\necho $x\ncd /etc\npwd\nls | head -n 1\nexit 4\n");
    expect(r).toMatchObject({ code: 4, stdout: "5\n/etc\ngroup\n", stderr: "" });
  });

  test("a missing program in exec form: the container is created, runc refuses the start, the CLI exits 127", async () => {
    const r = await d(["run", "--name", "nosuch", "busybox", "nosuch"]);
    expect(r.code).toBe(127);
    expect(r.stderr).toContain(`docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: "nosuch": executable file not found in $PATH: unknown`);
    expect(await ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "nosuch"])).toBe("created 127\n");
    const abs = await d(["run", "--rm", "busybox", "/bin/nosuch"]);
    expect(abs.code).toBe(127);
    expect(abs.stderr).toContain(`exec: "/bin/nosuch": stat /bin/nosuch: no such file or directory: unknown`);
    await ok(["rm", "nosuch"]);
  });
});
