// Output a docker-py user asked for is never lost: exec_run and attach(logs=True, stream=False) after
// exit, a thousand times each over loopback, four clients at once (docker-py reads a hijacked head
// through a buffered reader, so stream bytes that arrived with the head were swallowed: 4 in 100
// execs, 25 in 30 attaches; 6 in 300 execs under CPU load with a 50 ms gap after the head).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { serveDocker, type DockerServer } from "../bindings/docker/node.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";

const PYTHON = "/usr/bin/python3";
const script = new URL("./fixtures/docker-py-output-stress.py", import.meta.url).pathname;
const EXECS = 1000;
const ATTACHES = 1000;
const WORKERS = 4;
/** docker-py 7.1.0, vendored with its suite (Debian's python3-docker is older). */
const DOCKER_PY = new URL("../vendor/docker-py/", import.meta.url).pathname;

let vch: VirtualContainerHost;
let server: DockerServer;

beforeAll(async () => {
  if (!existsSync(PYTHON)) throw new Error(`docker-py tests need ${PYTHON} with Debian's python3-docker (apt-get install -y python3-docker)`);
  vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 1000 }, name: "vch-docker-py-output" });
  server = await serveDocker(vch, { listen: "tcp://127.0.0.1:0" });
});
afterAll(async () => {
  await server?.close();
  await vch?.close();
});

test(`${EXECS} exec_run and ${ATTACHES} attaches after exit through docker-py, ${WORKERS} at once: every output arrives whole`, async () => {
  const out = await new Promise<string>((resolve, reject) =>
    execFile(PYTHON, [script, server.dockerHost, String(EXECS), String(ATTACHES), String(WORKERS)], { timeout: 280_000, env: { ...process.env, PYTHONPATH: DOCKER_PY, PYTHONDONTWRITEBYTECODE: "1" } }, (error, stdout, stderr) =>
      error ? reject(new Error(`docker-py stress failed: ${error.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
  const seen = JSON.parse(out);
  expect(seen.failures).toEqual([]);
  expect(seen.wrong).toEqual([]);
  expect(seen.lost).toEqual({ exec: 0, attach: 0 });
  expect(seen.execs).toBe(EXECS);
  expect(seen.attaches).toBe(ATTACHES);
}, 300_000);
