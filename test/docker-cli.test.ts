// The real docker CLI (28.2.2, API 1.50) against `serveDocker` on loopback: what the user sees.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serveDocker, type DockerServer } from "../bindings/docker/node.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";

const DOCKER = process.env.DOCKER_CLI ?? "/usr/local/bin/docker";
if (!existsSync(DOCKER))
  throw new Error(`the docker CLI is needed at ${DOCKER} for these tests (docker 28.2.2, API 1.50); install it there or set DOCKER_CLI to its path`);

let vch: VirtualContainerHost;
let server: DockerServer;
let config: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the docker CLI against the server; resolves with its exit code and output. */
function docker(args: string[], input?: string, timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(DOCKER, args, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: config, DOCKER_CONFIG: config, DOCKER_HOST: server.dockerHost, DOCKER_CLI_HINTS: "false" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** Runs the docker CLI and expects exit code 0. */
async function ok(args: string[], input?: string): Promise<string> {
  const r = await docker(args, input);
  if (r.code !== 0) throw new Error(`docker ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  config = mkdtempSync(join(tmpdir(), "vicsim-docker-config-"));
  // Virtual time 1000× the wall clock: `docker stop`'s 10 s grace is 10 ms.
  vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 1000 }, name: "vch-cli" });
  server = await serveDocker(vch, { listen: "tcp://127.0.0.1:0" });
});
afterAll(async () => {
  await server?.close();
  await vch?.close();
  rmSync(config, { recursive: true, force: true });
});

describe("docker CLI", () => {
  test("docker version: client and server both speak 1.50", async () => {
    const out = await ok(["version", "--format", "{{.Server.Version}} {{.Server.APIVersion}} {{.Client.APIVersion}} {{.Server.Os}}"]);
    expect(out.trim()).toMatch(/^\S+ 1\.50 1\.50 linux$/);
  });

  test("docker info: the VCH's name, its hosts in the storage driver block, no broken swarm block", async () => {
    const out = await ok(["info"]);
    expect(out).toContain("Name: vch-cli");
    expect(out).toContain("Swarm: inactive");
    expect(out).toMatch(/H0: connected, \d+ container VMs/);
    expect(out).toContain("Server Version:");
    expect(await ok(["info", "--format", "{{.Name}} {{.NCPU}}"])).toMatch(/^vch-cli \d+\n$/);
  });

  test("docker pull, images, tag, rmi", async () => {
    const pulled = await ok(["pull", "busybox"]);
    expect(pulled).toMatch(/Status: (Downloaded newer image|Image is up to date) for busybox:latest/);
    expect(pulled).toMatch(/docker\.io\/library\/busybox:latest\s*$/);
    const images = await ok(["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    expect(images.split("\n")).toContain("busybox:latest");
    await ok(["tag", "busybox", "myorg/box:v1"]);
    expect((await ok(["images", "--format", "{{.Repository}}:{{.Tag}}"])).split("\n")).toContain("myorg/box:v1");
    expect(await ok(["rmi", "myorg/box:v1"])).toContain("Untagged: myorg/box:v1");
    expect((await ok(["images", "--format", "{{.Repository}}:{{.Tag}}"])).split("\n")).not.toContain("myorg/box:v1");
    const missing = await docker(["rmi", "nothere:1"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("No such image: nothere:1");
  });

  test("docker run --rm … echo: the output, the exit code, nothing left behind", async () => {
    const r = await docker(["run", "--rm", "--name", "echoer", "busybox", "echo", "hello from a container VM"]);
    expect(r).toMatchObject({ code: 0, stdout: "hello from a container VM\n" });
    const failing = await docker(["run", "--rm", "busybox", "sh", "-c", "cat /missing; exit 3"]);
    expect(failing.code).toBe(3);
    expect(failing.stderr).toBe("cat: can't open '/missing': No such file or directory\n");
    expect(await ok(["ps", "-a", "--filter", "name=echoer", "--format", "{{.Names}}"])).toBe("");
  });

  test("docker run pulls an image it does not have (404 → pull → create)", async () => {
    const r = await docker(["run", "--rm", "alpine:3.20", "echo", "pulled"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("pulled\n");
    expect(r.stderr).toContain("Unable to find image 'alpine:3.20' locally");
  });

  test("a pull of a repository no registry has fails as dockerd's does; a namespaced one is anyone's and pulls", async () => {
    const denied = "pull access denied for dockerpytest_does_not_exist, repository does not exist or may require 'docker login': denied: requested access to the resource is denied";
    const pull = await docker(["pull", "dockerpytest_does_not_exist"]);
    expect(pull).toEqual({ code: 1, stdout: "Using default tag: latest\n", stderr: `Error response from daemon: ${denied}\n` });
    const run = await docker(["run", "--rm", "dockerpytest_does_not_exist"]);
    expect(run.code).toBe(125);
    expect(run.stderr).toBe(`Unable to find image 'dockerpytest_does_not_exist:latest' locally\ndocker: Error response from daemon: ${denied}\n\nRun 'docker run --help' for more information\n`);
    expect(await ok(["images", "-q", "dockerpytest_does_not_exist"])).toBe("");
    // Official images vicsim has no profile of its own for, and user repositories, get a derived one.
    expect(await ok(["pull", "-q", "mongo:8"])).toBe("docker.io/library/mongo:8\n");
    expect(await ok(["pull", "-q", "myorg/app:1"])).toBe("docker.io/myorg/app:1\n");
    // `scratch` is the empty base of a Dockerfile, never an image: dockerd refuses it before any registry.
    expect(await docker(["pull", "scratch"])).toEqual({ code: 1, stdout: "Using default tag: latest\n", stderr: "Error response from daemon: 'scratch' is a reserved name\n" });
  });

  test("docker run -i: stdin reaches the container", async () => {
    const r = await docker(["run", "-i", "--rm", "busybox", "cat"], "line one\nline two\n");
    expect(r).toMatchObject({ code: 0, stdout: "line one\nline two\n" });
  });

  test("run -d, ps -a, inspect, logs -f, exec, stats --no-stream, stop, kill, rm -f", async () => {
    const id = (await ok(["run", "-d", "--name", "sleeper", "-l", "app=demo", "busybox", "sleep", "1000000"])).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    await ok(["run", "-d", "--name", "talker", "busybox", "sh", "-c", "echo first; sleep 2; echo second"]);

    const ps = await ok(["ps", "-a", "--format", "{{.Names}}|{{.Image}}|{{.Status}}|{{.Command}}"]);
    const rows = Object.fromEntries(ps.trim().split("\n").map((l) => [l.split("|")[0], l]));
    expect(rows.sleeper).toMatch(/^sleeper\|busybox\|Up .*\|"sleep 1000000"$/);
    expect(rows.talker).toBeDefined();
    expect(await ok(["ps", "-q", "--filter", "label=app=demo"])).toBe(id.slice(0, 12) + "\n");

    const inspected = JSON.parse(await ok(["inspect", "sleeper"]));
    expect(inspected[0]).toMatchObject({ Id: id, Name: "/sleeper", State: { Status: "running", Running: true }, Config: { Labels: { app: "demo" } } });
    expect(await ok(["inspect", "--format", "{{.HostConfig.LogConfig.Type}}", id.slice(0, 12)])).toBe("json-file\n");

    const logs = await docker(["logs", "-f", "talker"]);
    expect(logs).toMatchObject({ code: 0, stdout: "first\nsecond\n" });

    expect(await docker(["exec", "sleeper", "echo", "hi"])).toMatchObject({ code: 0, stdout: "hi\n" });
    expect((await docker(["exec", "sleeper", "sh", "-c", "exit 5"])).code).toBe(5);
    expect(await docker(["exec", "-i", "sleeper", "cat"], "piped\n")).toMatchObject({ code: 0, stdout: "piped\n" });

    const stats = await ok(["stats", "--no-stream", "--format", "{{.Name}}|{{.MemUsage}}"]);
    const statRow = stats.split("\n").find((l) => l.startsWith("sleeper|"));
    expect(statRow).toMatch(/^sleeper\|\d+(\.\d+)?[KMG]iB \/ \d+(\.\d+)?[KMG]iB$/);

    expect(await ok(["stop", "sleeper"])).toBe("sleeper\n");
    expect(await ok(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "sleeper"])).toMatch(/^exited \d+\n$/);
    await ok(["start", "sleeper"]);
    expect(await ok(["kill", "sleeper"])).toBe("sleeper\n");
    expect(await ok(["inspect", "--format", "{{.State.ExitCode}}", "sleeper"])).toBe("137\n");
    expect(await ok(["rm", "-f", "sleeper", "talker"])).toBe("sleeper\ntalker\n");
    expect(await ok(["ps", "-aq", "--filter", "name=sleeper"])).toBe("");
    const gone = await docker(["inspect", "sleeper"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("No such object: sleeper");
  }, 180_000);

  test("docker events --since --until: the lifecycle in dockerd's order", async () => {
    const since = (vch.now() / 1000 - 5).toFixed(3); // a margin: event times can trail now() while a timer is due
    await ok(["run", "-d", "--name", "evented", "busybox", "sleep", "1000000"]);
    await ok(["stop", "evented"]);
    await ok(["rm", "evented"]);
    const until = (vch.now() / 1000 + 0.001).toFixed(3);
    const out = await ok(["events", "--since", since, "--until", until, "--filter", "container=evented", "--format", "{{.Action}}"]);
    expect(out.trim().split("\n")).toEqual(["create", "start", "kill", "die", "stop", "destroy"]);
  });

  test("docker network and docker volume", async () => {
    expect(await ok(["network", "ls", "--format", "{{.Name}}"])).toMatch(/bridge\n[\s\S]*host\n[\s\S]*none/);
    const netId = (await ok(["network", "create", "backend"])).trim();
    expect(netId).toMatch(/^[0-9a-f]{64}$/);
    await ok(["run", "-d", "--name", "netted", "--network", "backend", "busybox", "sleep", "1000000"]);
    const nets = await ok(["inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", "netted"]);
    expect(nets.trim()).toBe("backend");
    await ok(["network", "connect", "bridge", "netted"]);
    await ok(["network", "disconnect", "bridge", "netted"]);
    await ok(["rm", "-f", "netted"]);
    expect(await ok(["network", "rm", "backend"])).toBe("backend\n");

    expect(await ok(["volume", "create", "data"])).toBe("data\n");
    expect(await ok(["volume", "ls", "--format", "{{.Name}}"])).toContain("data\n");
    expect(JSON.parse(await ok(["volume", "inspect", "data"]))[0]).toMatchObject({ Name: "data", Driver: "local" });
    expect(await ok(["volume", "rm", "data"])).toBe("data\n");
  });

  test("what vicsim does not implement says so", async () => {
    const r = await docker(["swarm", "init"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("vicsim does not implement swarm");
  });
});
