// `vicsim serve` as a user runs it: the built dist/cli.js, its address and DOCKER_HOST line, clean
// stops on SIGINT/SIGTERM, durability across SIGKILL, a unix socket, TLS with client certificates.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";

const CLI = new URL("../dist/cli.js", import.meta.url).pathname;
const DOCKER = process.env.DOCKER_CLI ?? "/usr/local/bin/docker";
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
if (!existsSync(DOCKER)) throw new Error(`the docker CLI is needed at ${DOCKER} for these tests (docker 28.2.2, API 1.50); install it there or set DOCKER_CLI`);

const scratch = mkdtempSync(join(tmpdir(), "vicsim-cli-"));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
});

interface Served {
  child: ChildProcess;
  dockerHost: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `vicsim serve` and resolves once it printed its DOCKER_HOST line. */
function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [CLI, "serve", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vicsim serve printed no DOCKER_HOST in 20 s:\n${out}\n${err}`)), 20_000);
    const check = (): void => {
      const m = /^export DOCKER_HOST=(\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, dockerHost: m[1], stdout: () => out, stderr: () => err, exited });
      }
    };
    child.stdout!.on("data", check);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`vicsim serve exited ${code} before listening:\n${out}\n${err}`));
    });
  });
}

/** Runs the docker CLI against a DOCKER_HOST; returns exit code and output. */
function docker(dockerHost: string, args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(DOCKER, args, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: scratch, DOCKER_CONFIG: join(scratch, "docker-config"), DOCKER_HOST: dockerHost, ...env },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr: "" };
  } catch (error) {
    const e = error as { status: number | null; stdout: string; stderr: string };
    return { code: e.status ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe("vicsim serve", () => {
  test("prints where it listens and the export line; SIGTERM and SIGINT stop it cleanly", async () => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const s = await serve(["--listen", "tcp://127.0.0.1:0", "--hosts", "3", "--log-level", "debug"]);
      expect(s.dockerHost).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      expect(s.stdout()).toMatch(/serving the Docker Engine API 1\.50 on tcp:\/\/127\.0\.0\.1:\d+/);
      expect(s.stdout()).toContain("3 simulated ESXi hosts");
      expect(docker(s.dockerHost, ["version", "--format", "{{.Server.APIVersion}}"]).stdout).toBe("1.50\n");
      await eventually(() => expect(s.stderr()).toMatch(/GET \/v1\.50\/version 200/)); // the request log at debug level
      s.child.kill(signal);
      expect(await s.exited).toEqual({ code: 0, signal: null });
      expect(s.stderr()).toContain(`${signal}: stopping`);
    }
  });

  test("bad arguments: a clear message and exit code 2", async () => {
    const run = (args: string[]) => {
      try {
        execFileSync(process.execPath, [CLI, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        return { code: 0, stderr: "" };
      } catch (error) {
        const e = error as { status: number; stderr: string };
        return { code: e.status, stderr: e.stderr };
      }
    };
    expect(run(["serve", "--hosts", "zero"])).toEqual({ code: 2, stderr: "vicsim: --hosts zero: expected an integer from 1 to 4096\n" });
    expect(run(["serve", "--listen", "nowhere"]).stderr).toContain("expected tcp://HOST:PORT or unix:///path/docker.sock");
    expect(run(["serve", "--tlsverify", "--tlscert", "a", "--tlskey", "b"]).stderr).toContain("--tlsverify needs --tlscacert");
    expect(run(["serve", "--min-memory", "6x"])).toEqual({ code: 2, stderr: "vicsim: --min-memory 6x: expected a size in whole MiB from 1m to 512m, e.g. 6m\n" });
    expect(run(["serve", "--min-memory", "1g"]).stderr).toContain("from 1m to 512m");
    expect(run(["frobnicate"]).stderr).toContain("unknown command frobnicate");
    expect(execFileSync(process.execPath, [CLI, "serve", "--help"], { encoding: "utf8" })).toContain("--listen ADDR");
  });

  test("durability: every container the CLI saw created is listed after SIGKILL and a restart", async () => {
    const state = join(scratch, "state");
    const first = await serve(["--listen", "tcp://127.0.0.1:0", "--state", state, "--speed", "1000"]);
    expect(docker(first.dockerHost, ["pull", "busybox"]).code).toBe(0);
    const created: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = i % 2 ? docker(first.dockerHost, ["run", "-d", "--name", `durable-${i}`, "busybox", "sleep", "1000000"]) : docker(first.dockerHost, ["create", "--name", `durable-${i}`, "busybox", "true"]);
      expect(r.code, r.stderr).toBe(0);
      created.push(r.stdout.trim());
    }
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");

    const second = await serve(["--listen", "tcp://127.0.0.1:0", "--state", state, "--speed", "1000"]);
    const listed = docker(second.dockerHost, ["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}"]).stdout.trim().split("\n");
    for (const [i, id] of created.entries()) expect(listed).toContain(`${id} durable-${i}`);
    expect(docker(second.dockerHost, ["images", "--format", "{{.Repository}}"]).stdout).toContain("busybox");
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
  }, 180_000);

  test("a unix socket", async () => {
    const sock = join(scratch, "docker.sock");
    const s = await serve(["--listen", `unix://${sock}`]);
    expect(s.dockerHost).toBe(`unix://${sock}`);
    expect(docker(s.dockerHost, ["info", "--format", "{{.Name}}"]).stdout).toBe("vicsim\n");
    s.child.kill("SIGTERM");
    expect((await s.exited).code).toBe(0);
  });

  test("--tlsverify: clients need a certificate signed by the CA, as with dockerd", async () => {
    const dir = join(scratch, "tls");
    const certs = makeCertificates(dir);
    const s = await serve(["--listen", "tcp://127.0.0.1:0", "--tlsverify", "--tlscacert", certs.ca, "--tlscert", certs.serverCert, "--tlskey", certs.serverKey]);
    expect(s.stdout()).toContain("TLS, client certificates required");
    const withCert = docker(s.dockerHost, ["version", "--format", "{{.Server.APIVersion}}"], { DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: certs.clientDir });
    expect(withCert).toMatchObject({ code: 0, stdout: "1.50\n" });
    const port = Number(s.dockerHost.split(":").pop());
    const attempt = (extra: { cert?: Buffer; key?: Buffer }) =>
      new Promise<string>((resolve) => {
        const r = request({ host: "127.0.0.1", port, path: "/_ping", ca: readFileSync(certs.ca), servername: "127.0.0.1", ...extra }, (res) => resolve(`status ${res.statusCode}`));
        r.on("error", (e) => resolve(`refused: ${e.message}`));
        r.end();
      });
    expect(await attempt({ cert: readFileSync(join(certs.clientDir, "cert.pem")), key: readFileSync(join(certs.clientDir, "key.pem")) })).toBe("status 200");
    expect(await attempt({})).toMatch(/^refused/); // no client certificate
    expect(await attempt({ cert: readFileSync(certs.rogueCert), key: readFileSync(certs.rogueKey) })).toMatch(/^refused/); // signed by another CA
    const noCert = docker(s.dockerHost, ["version"], { DOCKER_TLS_VERIFY: "", DOCKER_CERT_PATH: "" });
    expect(noCert.code).not.toBe(0);
    s.child.kill("SIGTERM");
    expect((await s.exited).code).toBe(0);
  });
});

/** Retries an assertion until it holds (output of a child arrives on the event loop). */
async function eventually(check: () => void, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** A CA, a server certificate for 127.0.0.1, a client certificate, and a rogue one from another CA (openssl). */
function makeCertificates(dir: string) {
  const clientDir = join(dir, "client");
  execFileSync("mkdir", ["-p", clientDir]);
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ssl("req", "-x509", ...ec, "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "2", "-subj", "/CN=vicsim test CA");
  ssl("req", "-x509", ...ec, "-keyout", "rogue-ca-key.pem", "-out", "rogue-ca.pem", "-days", "2", "-subj", "/CN=rogue CA");
  writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  ssl("req", ...ec, "-keyout", "server-key.pem", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-out", "server-cert.pem", "-days", "2", "-extfile", "server.ext");
  ssl("req", ...ec, "-keyout", "client/key.pem", "-out", "client.csr", "-subj", "/CN=client");
  ssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-out", "client/cert.pem", "-days", "2", "-extfile", "client.ext");
  ssl("req", ...ec, "-keyout", "rogue-key.pem", "-out", "rogue.csr", "-subj", "/CN=rogue");
  ssl("x509", "-req", "-in", "rogue.csr", "-CA", "rogue-ca.pem", "-CAkey", "rogue-ca-key.pem", "-CAcreateserial", "-out", "rogue-cert.pem", "-days", "2", "-extfile", "client.ext");
  execFileSync("cp", [join(dir, "ca.pem"), join(clientDir, "ca.pem")]);
  return {
    ca: join(dir, "ca.pem"),
    serverCert: join(dir, "server-cert.pem"),
    serverKey: join(dir, "server-key.pem"),
    clientDir,
    rogueCert: join(dir, "rogue-cert.pem"),
    rogueKey: join(dir, "rogue-key.pem"),
  };
}
