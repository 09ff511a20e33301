// docker-py (Debian's python3-docker 5.0.3) against `serveDocker` on loopback: what a Python user sees.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { serveDocker, type DockerServer } from "../bindings/docker/node.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";

const PYTHON = "/usr/bin/python3";
const script = new URL("./fixtures/docker-py-session.py", import.meta.url).pathname;

let vch: VirtualContainerHost;
let server: DockerServer;

beforeAll(async () => {
  if (!existsSync(PYTHON)) throw new Error(`docker-py tests need ${PYTHON} with Debian's python3-docker (apt-get install -y python3-docker)`);
  vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 1000 }, name: "vch-docker-py" });
  server = await serveDocker(vch, { listen: "tcp://127.0.0.1:0" });
});
afterAll(async () => {
  await server?.close();
  await vch?.close();
});

test("a docker-py session: pull, run with output, a failing run, detached run, list, exec, stats, stop, remove", async () => {
  const out = await new Promise<string>((resolve, reject) =>
    execFile(PYTHON, [script, server.dockerHost], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) {
        const hint = /No module named 'docker'/.test(stderr) ? " (install Debian's python3-docker)" : "";
        reject(new Error(`docker-py session failed${hint}: ${error.message}\n${stderr}`));
      } else resolve(stdout);
    }),
  );
  const seen = JSON.parse(out);
  expect(seen.api).toBe("1.50");
  expect(seen.ping).toBe(true);
  expect(seen.pulled).toEqual(["busybox:latest"]);
  expect(seen.echo).toBe("hello from docker-py\n");
  expect(seen.failure).toEqual({ exit: 3, stderr: "failing\n" });
  expect(seen.listed).toEqual(["py-web"]);
  expect(seen.status).toBe("running");
  expect(seen.exec).toEqual({ exit: 0, output: "inside\n" });
  expect(seen.stats_memory_usage_positive).toBe(true);
  expect(seen.stopped).toBe("exited");
  expect(seen.after_remove).toBe("NotFound");
  // Nothing left behind but what docker-py's remove=True and remove() took away.
  expect(vch.listContainers({ all: true })).toEqual([]);
});
