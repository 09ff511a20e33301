// dockerode (5.x) against `serveDocker` on loopback: create, attach with and without hijack, start,
// wait, logs, exec, stats, events — asserting what a program using it gets back.
import { request, type IncomingMessage } from "node:http";
import { PassThrough } from "node:stream";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serveDocker, type DockerServer } from "../bindings/docker/node.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { loadShell } from "../bindings/guests/emulated-shell.js";

let vch: VirtualContainerHost;
let server: DockerServer;
let docker: Docker;

beforeAll(async () => {
  vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 1000 } });
  server = await serveDocker(vch, { listen: "tcp://127.0.0.1:0" });
  docker = new Docker({ host: "127.0.0.1", port: server.port, protocol: "http" });
  const stream = await docker.pull("busybox:latest");
  await new Promise((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve(null))));
});
afterAll(async () => {
  await server?.close();
  await vch?.close();
});

/** Collects a demultiplexed stream into stdout and stderr text. */
function collect(stream: NodeJS.ReadableStream): Promise<{ stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (d) => (stdout += d));
  err.on("data", (d) => (stderr += d));
  docker.modem.demuxStream(stream, out, err);
  return new Promise((resolve) => stream.on("end", () => resolve({ stdout, stderr })));
}

describe("dockerode", () => {
  test("version and ping", async () => {
    expect((await docker.version()).ApiVersion).toBe("1.50");
    expect(String(await docker.ping())).toBe("OK");
  });

  test("create, hijacked attach, start, wait", async () => {
    const c = await docker.createContainer({ Image: "busybox", Cmd: ["sh", "-c", "echo out; cat /missing; exit 2"], AttachStdout: true, AttachStderr: true });
    const stream = await c.attach({ stream: true, stdout: true, stderr: true, hijack: true });
    const got = collect(stream);
    await c.start();
    expect(await c.wait()).toEqual({ StatusCode: 2 });
    expect(await got).toEqual({ stdout: "out\n", stderr: "cat: can't open '/missing': No such file or directory\n" });
  });

  test("hijacked attach with stdin (docker run -i): what is written reaches the container", async () => {
    const c = await docker.createContainer({ Image: "busybox", Cmd: ["cat"], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const stream = (await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream;
    const got = collect(stream);
    await c.start();
    stream.write("line one\n");
    stream.end("line two\n");
    expect(await c.wait()).toEqual({ StatusCode: 0 });
    expect(await got).toEqual({ stdout: "line one\nline two\n", stderr: "" });
  });

  test("plain attach with stdin: a chunked request body that never ends is the container's stdin, output streams meanwhile", async () => {
    // dockerode's plain attach with stdin sends this request; its body (stdin) ends only when the user ends it.
    const c = await docker.createContainer({ Image: "busybox", Cmd: ["cat"], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const req = request({ host: "127.0.0.1", port: server.port, method: "POST", path: `/v1.50/containers/${c.id}/attach?stream=1&stdin=1&stdout=1&stderr=1`, headers: { "Transfer-Encoding": "chunked", "Content-Type": "application/json" } });
    req.flushHeaders();
    const res = await new Promise<IncomingMessage>((resolve) => req.on("response", resolve));
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/vnd.docker.multiplexed-stream"); // not a TTY
    const got = collect(res);
    await c.start();
    req.write("first line\n");
    const firstSeen = new Promise<void>((resolve) => res.once("data", () => resolve()));
    await firstSeen; // echoed back while the request body is still open
    req.end("second line\n");
    expect(await c.wait()).toEqual({ StatusCode: 0 });
    expect(await got).toEqual({ stdout: "first line\nsecond line\n", stderr: "" });
  });

  test("plain attach (no hijack): a 200 stream that ends when the container exits", async () => {
    const c = await docker.createContainer({ Image: "busybox", Cmd: ["sh", "-c", "sleep 1; echo after start"], AttachStdout: true, AttachStderr: true });
    const stream = await c.attach({ stream: true, stdout: true, stderr: true });
    const got = collect(stream);
    await c.start();
    expect((await got).stdout).toBe("after start\n");
    expect(await c.wait()).toEqual({ StatusCode: 0 });
  });

  test("docker.run: the output of a TTY container", async () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (d) => (text += d));
    const [result] = (await docker.run("busybox", ["echo", "via run"], out)) as [{ StatusCode: number }];
    expect(result.StatusCode).toBe(0);
    expect(text.replace(/\r/g, "")).toBe("via run\n");
  });

  test("docker.run 400 times, one at a time and 4 at once, with and without a TTY: no output is ever missing when it resolves", async () => {
    const missing: string[] = [];
    const containers: Docker.Container[] = [];
    async function one(i: number): Promise<void> {
      const tty = i % 2 === 0;
      const out = new PassThrough();
      let text = "";
      out.on("data", (d) => (text += d));
      const [result, container] = (await docker.run("busybox", ["echo", `run ${i}`], tty ? out : [out, out], { Tty: tty })) as [{ StatusCode: number }, Docker.Container];
      // Read at once, as a program does when `run` resolves: nothing may still be on its way.
      if (result.StatusCode !== 0 || text.replace(/\r/g, "") !== `run ${i}\n`) missing.push(`${i}: ${JSON.stringify(text)}`);
      containers.push(container);
    }
    for (let i = 0; i < 200; i++) await one(i);
    for (let i = 200; i < 400; i += 4) await Promise.all([0, 1, 2, 3].map((k) => one(i + k)));
    for (const c of containers) await c.remove();
    expect(missing).toEqual([]);
  }, 120_000);

  test("logs right after start hold the output of a command that takes no time, 100 times out of 100 (docker-py's test_build_in_context_*)", async () => {
    // The process's first shell command loads the shell (`vicsim serve` loads it before it answers).
    await loadShell();
    const empty: number[] = [];
    for (let i = 0; i < 100; i++) {
      const c = await docker.createContainer({ Image: "busybox", Cmd: ["ls", "-a", "/"] });
      await c.start();
      const logs = (await c.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
      if (!logs.toString("latin1").includes("etc\n")) empty.push(i);
      await c.remove({ force: true });
    }
    expect(empty).toEqual([]);
  }, 60_000);

  test("logs (buffered) and follow", async () => {
    const c = await docker.createContainer({ Image: "busybox", Cmd: ["printf", "a\\nb\\n"] });
    await c.start();
    await c.wait();
    const buffer = (await c.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    const frames: string[] = [];
    for (let at = 0; at < buffer.length; ) {
      const size = buffer.readUInt32BE(at + 4);
      frames.push(buffer.subarray(at + 8, at + 8 + size).toString());
      at += 8 + size;
    }
    expect(frames.join("")).toBe("a\nb\n");
    const followed = await c.logs({ stdout: true, follow: true });
    expect((await collect(followed)).stdout).toBe("a\nb\n");
  });

  test("exec: hijacked start, exit code from inspect", async () => {
    const c = await docker.createContainer({ Image: "busybox", Cmd: ["sleep", "1000000"] });
    await c.start();
    const exec = await c.exec({ Cmd: ["sh", "-c", "echo from exec; exit 6"], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    expect((await collect(stream)).stdout).toBe("from exec\n");
    expect(await exec.inspect()).toMatchObject({ ExitCode: 6, Running: false });
    await c.remove({ force: true });
  });

  test("stats (one shot) and events", async () => {
    const since = Math.floor(vch.now() / 1000);
    const c = await docker.createContainer({ Image: "busybox", Cmd: ["sleep", "1000000"], name: "dockerode-stats" });
    await c.start();
    const s = await c.stats({ stream: false });
    expect(s.memory_stats.usage).toBeGreaterThan(0);
    expect(s.name).toBe("/dockerode-stats");
    await c.stop();
    await c.remove();
    const until = Math.ceil(vch.now() / 1000) + 1;
    const stream = await docker.getEvents({ since, until, filters: { container: [c.id] } });
    let text = "";
    stream.on("data", (d: Buffer) => (text += d));
    await new Promise((resolve) => stream.on("end", resolve));
    const actions = text.trim().split("\n").map((l) => JSON.parse(l).Action);
    expect(actions).toEqual(["create", "start", "kill", "die", "stop", "destroy"]);
  });

  test("errors come back as dockerode errors with Docker's status and message", async () => {
    await expect(docker.getContainer("nosuch").inspect()).rejects.toMatchObject({ statusCode: 404, json: { message: "No such container: nosuch" } });
  });
});
