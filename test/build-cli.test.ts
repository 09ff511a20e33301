// The real docker CLI (28.2.2) building, tagging, saving, loading, importing and committing images
// against `serveDocker` on loopback: what a user sees, and that the images run.
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packTar, unpackTar } from "modern-tar";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serveDocker, type DockerServer } from "../bindings/docker/node.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";

const DOCKER = process.env.DOCKER_CLI ?? "/usr/local/bin/docker";
if (!existsSync(DOCKER))
  throw new Error(`the docker CLI is needed at ${DOCKER} for these tests (docker 28.2.2, API 1.50); install it there or set DOCKER_CLI to its path`);

let dir: string;
let stateDir: string;
let vch: VirtualContainerHost;
let server: DockerServer;

interface Run { code: number; stdout: string; stderr: string }

/** Runs the docker CLI as a user does (no DOCKER_BUILDKIT: the server's Builder-Version 1 selects the classic builder). */
function docker(args: string[], cwd = dir): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(DOCKER, args, {
      cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, DOCKER_CONFIG: join(dir, ".docker"), DOCKER_HOST: server.dockerHost, DOCKER_CLI_HINTS: "false" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
  });
}

async function ok(args: string[], cwd?: string): Promise<string> {
  const r = await docker(args, cwd);
  if (r.code !== 0) throw new Error(`docker ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

function context(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), body);
  }
  return root;
}

async function start(): Promise<void> {
  vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 1000 }, name: "vch-build", stateDir });
  server = await serveDocker(vch, { listen: "tcp://127.0.0.1:0" });
}
async function stop(): Promise<void> {
  await server?.close();
  await vch?.close();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vicsim-build-cli-"));
  stateDir = join(dir, "state");
  await start();
});
afterAll(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

const THREE_STAGES = [
  "FROM busybox AS deps",
  "RUN mkdir -p /deps && echo 'lib 1.0' > /deps/lib.txt",
  "FROM busybox AS build",
  "WORKDIR /src",
  "COPY --from=deps /deps/lib.txt ./",
  "COPY main.sh ./",
  "RUN sh main.sh > out.txt",
  "FROM busybox",
  "COPY --from=build /src/out.txt /app/out.txt",
  "ENV GREETING=hi",
  "CMD [\"cat\", \"/app/out.txt\"]",
  "",
].join("\n");

describe("docker build with the classic builder", () => {
  test("a three-stage Dockerfile builds step by step, runs, and is cached on the second build", async () => {
    const ctx = context("three", {
      Dockerfile: THREE_STAGES,
      "main.sh": "echo \"built with $(cat lib.txt)\"\nls | sort\n",
      ".dockerignore": "*.md\n",
      "README.md": "not sent\n",
    });
    const first = await docker(["build", "-t", "three", "."], ctx);
    expect(first.code).toBe(0);
    // The CLI picks the classic builder from the server's Builder-Version: 1 and says so.
    expect(first.stderr).toContain("DEPRECATED: The legacy builder is deprecated");
    expect(first.stdout).toMatch(/^Sending build context to Docker daemon +[\d.]+kB\r*\n/);
    expect(first.stdout).toMatch(/Step 1\/11 : FROM busybox AS deps\n/);
    expect(first.stdout).toMatch(/Step 2\/11 : RUN mkdir -p \/deps && echo 'lib 1\.0' > \/deps\/lib\.txt\n ---> Running in [0-9a-f]{12}\nRemoving intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\n/);
    expect(first.stdout).toMatch(/Step 5\/11 : COPY --from=deps \/deps\/lib\.txt \.\/\n ---> [0-9a-f]{12}\n/);
    expect(first.stdout).toMatch(/Successfully built ([0-9a-f]{12})\nSuccessfully tagged three:latest\n$/);
    expect(first.stdout).not.toContain("Using cache");
    const id = /Successfully built ([0-9a-f]{12})/.exec(first.stdout)![1];

    expect(await ok(["run", "--rm", "three"])).toBe("built with lib 1.0\nlib.txt\nmain.sh\nout.txt\n");
    expect(await ok(["run", "--rm", "three", "sh", "-c", "echo $GREETING; ls /app"])).toBe("hi\nout.txt\n");

    const second = await docker(["build", "-t", "three", "."], ctx);
    expect(second.code).toBe(0);
    expect(second.stdout.match(/ ---> Using cache\n/g)?.length).toBe(8);
    expect(second.stdout).not.toContain("Running in");
    expect(second.stdout).toContain(`Successfully built ${id}\n`);

    const images = await ok(["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]);
    expect(images).toContain(`three:latest ${id}`);
    const inspect = JSON.parse(await ok(["image", "inspect", "three"]))[0];
    expect(inspect.Config.Cmd).toEqual(["cat", "/app/out.txt"]);
    expect(inspect.Config.Env).toContain("GREETING=hi");
  });

  test("build args, labels, -q and --target", async () => {
    const ctx = context("args", {
      Dockerfile: "FROM busybox AS base\nARG WHO=nobody\nRUN echo \"hello $WHO\" > /who\nFROM base AS final\nLABEL stage=final\nCMD [\"cat\", \"/who\"]\n",
    });
    const iid = join(dir, "args.iid");
    const quiet = await ok(["build", "-q", "--iidfile", iid, "--build-arg", "WHO=docker", "--label", "team=infra", "-t", "args:1", "."], ctx);
    expect(quiet).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(readFileSync(iid, "utf8").trim()).toBe(quiet.trim());
    // Without -q the CLI takes --iidfile from the last aux message: the image with the --label applied.
    const loud = await ok(["build", "--iidfile", iid, "--build-arg", "WHO=docker", "--label", "team=ops", "."], ctx);
    expect(readFileSync(iid, "utf8")).toMatch(new RegExp(`^sha256:${/Successfully built ([0-9a-f]{12})/.exec(loud)![1]}[0-9a-f]{52}$`));
    expect(await ok(["run", "--rm", "args:1"])).toBe("hello docker\n");
    const labels = JSON.parse(await ok(["image", "inspect", "--format", "{{json .Config.Labels}}", "args:1"]));
    expect(labels).toEqual({ stage: "final", team: "infra" });
    const target = await ok(["build", "--target", "base", "-t", "args:base", "."], ctx);
    expect(target).toContain("Step 3/3 : RUN echo \"hello $WHO\" > /who");
    expect(await ok(["run", "--rm", "args:base", "cat", "/who"])).toBe("hello nobody\n");
  });

  test("an image built FROM nginx serves the page COPY put in, to another container on the network", async () => {
    const ctx = context("web", { Dockerfile: "FROM nginx\nCOPY index.html /usr/share/nginx/html/index.html\n", "index.html": "<h1>built page</h1>\n" });
    await ok(["build", "-q", "-t", "web:1", "."], ctx);
    await ok(["network", "create", "webnet"]);
    await ok(["run", "-d", "--name", "web1", "--network", "webnet", "web:1"]);
    expect(await ok(["run", "--rm", "--network", "webnet", "busybox", "wget", "-qO-", "http://web1/"])).toBe("<h1>built page</h1>\n");
    await ok(["rm", "-f", "web1"]);
  });

  test("--add-host and --network: the RUN steps ping an extra host and a container on the network by its alias; --network none cannot", async () => {
    await ok(["network", "create", "pingnet"]);
    await ok(["run", "-d", "--name", "pingee", "--network", "pingnet", "--network-alias", "peer.test", "busybox", "top"]);
    const ip = (await ok(["inspect", "--format", "{{.NetworkSettings.Networks.pingnet.IPAddress}}", "pingee"])).trim();
    const ctx = context("ping", { Dockerfile: "FROM busybox\nRUN ping -c1 a.test && ping -c1 peer.test\nRUN grep a.test /etc/hosts > /a.test\nRUN tail -n1 /etc/hosts && ping -c1 $(hostname)\n" });
    const built = await docker(["build", "--add-host", "a.test:127.0.0.1", "--network", "pingnet", "-t", "pinged", "."], ctx);
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(/PING a\.test \(127\.0\.0\.1\): 56 data bytes\n64 bytes from 127\.0\.0\.1: seq=0 ttl=64 time=\d+\.\d{3} ms\n/);
    expect(built.stdout).toContain(`PING peer.test (${ip}): 56 data bytes\n64 bytes from ${ip}: seq=0`);
    expect(built.stdout).toContain("1 packets transmitted, 1 packets received, 0% packet loss\n");
    // The step container has an address on the network, under its id (its hostname) in its /etc/hosts.
    const own = /---> Running in ([0-9a-f]{12})\n(\d+\.\d+\.\d+\.\d+)\t\1\nPING \1 \(\2\): 56 data bytes\n64 bytes from \2: seq=0/.exec(built.stdout);
    expect(own?.[2].split(".").slice(0, 3)).toEqual(ip.split(".").slice(0, 3));
    expect(own?.[2]).not.toBe(ip);
    expect(await ok(["run", "--rm", "pinged", "cat", "/a.test"])).toBe("127.0.0.1\ta.test\n");

    const none = await docker(["build", "--no-cache", "--add-host", "a.test:127.0.0.1", "--network", "none", "."], ctx);
    expect(none.code).toBe(1);
    // The step's stderr is in the build's stream (red), which the CLI prints on its stdout.
    expect(none.stdout).toContain("ping: bad address 'peer.test'\n");
    expect(none.stderr).toContain("The command '/bin/sh -c ping -c1 a.test && ping -c1 peer.test' returned a non-zero code: 1");
    // The CLI checks --add-host itself, as docker 28 does.
    const bad = await docker(["build", "--add-host", "a.test", "."], ctx);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain('bad format for add-host: "a.test"');
    await ok(["rm", "-f", "pingee"]);
  });

  test("build errors: a failing RUN exits with its status, a bad Dockerfile and a missing file are named", async () => {
    const failing = await docker(["build", "."], context("fail-run", { Dockerfile: "FROM busybox\nRUN echo about to fail && exit 3\n" }));
    expect(failing.code).toBe(3);
    expect(failing.stdout).toMatch(/ ---> Running in [0-9a-f]{12}\nabout to fail\n/);
    expect(failing.stderr).toContain("The command '/bin/sh -c echo about to fail && exit 3' returned a non-zero code: 3");

    const unknown = await docker(["build", "."], context("fail-parse", { Dockerfile: "FROM busybox\nFOO bar\n" }));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("Error response from daemon: dockerfile parse error on line 2: unknown instruction: FOO");

    const missing = await docker(["build", "."], context("fail-copy", { Dockerfile: "FROM busybox\nCOPY nothere.txt /\n" }));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("COPY failed: file not found in build context or excluded by .dockerignore: stat nothere.txt: file does not exist");

    const badTag = await docker(["build", "-t", "Bad:Tag", "."], context("fail-tag", { Dockerfile: "FROM busybox\n" }));
    expect(badTag.code).toBe(125);
    expect(badTag.stderr).toContain("invalid reference format");
  });
});

describe("tag, history, save, load, import, commit", () => {
  test("docker tag names the same image twice; docker history lists the build steps", async () => {
    await ok(["build", "-t", "hist", "."], context("hist", { Dockerfile: "FROM busybox\nCOPY f.txt /f.txt\nENV A=1\nCMD [\"cat\", \"/f.txt\"]\n", "f.txt": "0123456789" }));
    await ok(["tag", "hist", "registry.example/team/hist:v2"]);
    const rows = (await ok(["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"])).split("\n");
    const ids = rows.filter((r) => r.startsWith("hist:latest ") || r.startsWith("registry.example/team/hist:v2 ")).map((r) => r.split(" ")[1]);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    const history = (await ok(["history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Size}}", "hist"])).trim().split("\n");
    expect(history[0]).toBe("/bin/sh -c #(nop)  CMD [\"cat\" \"/f.txt\"]|0B");
    expect(history[1]).toBe("/bin/sh -c #(nop)  ENV A=1|0B");
    expect(history[2]).toMatch(/^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \/f\.txt \|10B$/);
    const ids2 = (await ok(["history", "--format", "{{.ID}}", "hist"])).trim().split("\n");
    expect(ids2[0]).toBe(ids[0]);
    expect(ids2[1]).toBe("<missing>");
  });

  test("docker save then docker load brings the image back, runnable, with the same id", async () => {
    await ok(["build", "-t", "saved:1", "."], context("save", { Dockerfile: "FROM busybox\nRUN echo kept > /kept.txt\nCMD [\"cat\", \"/kept.txt\"]\n" }));
    const id = (await ok(["images", "--format", "{{.ID}}", "saved:1"])).trim();
    const built = await ok(["image", "inspect", "--format", "{{.Size}} {{json .TemplateVM}}", "saved:1"]);
    const file = join(dir, "saved.tar");
    await ok(["save", "-o", file, "saved:1"]);
    await ok(["rmi", "saved:1"]);
    expect((await ok(["images", "-q", "saved"])).trim()).toBe("");
    expect(await ok(["load", "-i", file])).toBe("Loaded image: saved:1\n");
    expect((await ok(["images", "--format", "{{.ID}}", "saved:1"])).trim()).toBe(id);
    // Built on busybox, it is on busybox's layers again: the same size and template VM as built.
    expect(await ok(["image", "inspect", "--format", "{{.Size}} {{json .TemplateVM}}", "saved:1"])).toBe(built);
    expect(await ok(["run", "--rm", "saved:1"])).toBe("kept\n");
    const bad = await docker(["load", "-i", join(dir, "three", "Dockerfile")]);
    expect(bad.code).toBe(1);
    // An archive made elsewhere: GNU tar wrote its layer (`./` entries, owner names), not vicsim.
    const root = join(dir, "foreign-root");
    mkdirSync(join(root, "etc"), { recursive: true });
    writeFileSync(join(root, "etc", "foreign"), "from GNU tar\n");
    // Its program must be in it, as runc requires: a start without one is refused (test/docker-fs-more.test.ts).
    mkdirSync(join(root, "bin"));
    writeFileSync(join(root, "bin", "cat"), "\x7fELF cat\n", { mode: 0o755 });
    const layer = join(dir, "foreign-layer.tar");
    execFileSync("tar", ["-C", root, "-cf", layer, "."]);
    const diffId = "sha256:" + createHash("sha256").update(readFileSync(layer)).digest("hex");
    const config = JSON.stringify({ architecture: "amd64", os: "linux", config: { Cmd: ["cat", "/etc/foreign"], Env: [] }, created: "2025-01-01T00:00:00Z", history: [{ created: "2025-01-01T00:00:00Z", created_by: "tar" }], rootfs: { type: "layers", diff_ids: [diffId] } });
    const configName = createHash("sha256").update(config).digest("hex") + ".json";
    const archive = await packTar([
      { header: { name: "manifest.json", type: "file" as const, size: 0 }, body: new TextEncoder().encode(JSON.stringify([{ Config: configName, RepoTags: ["foreign:1"], Layers: ["l/layer.tar"] }])) },
      { header: { name: configName, type: "file" as const, size: 0 }, body: new TextEncoder().encode(config) },
      { header: { name: "l/layer.tar", type: "file" as const, size: 0 }, body: new Uint8Array(readFileSync(layer)) },
    ].map((e) => ({ ...e, header: { ...e.header, size: e.body.length } })));
    writeFileSync(join(dir, "foreign.tar"), archive);
    expect(await ok(["load", "-i", join(dir, "foreign.tar")])).toBe("Loaded image: foreign:1\n");
    expect(await ok(["run", "--rm", "foreign:1"])).toBe("from GNU tar\n");
  });

  test("a pulled image saves with its id as its config's digest, and loads back as the same image", async () => {
    await ok(["pull", "-q", "alpine:3.10"]);
    const id = (await ok(["images", "--no-trunc", "--format", "{{.ID}}", "alpine:3.10"])).trim();
    const pulled = await ok(["image", "inspect", "--format", "{{.Size}} {{json .TemplateVM}}", "alpine:3.10"]);
    const file = join(dir, "alpine.tar");
    await ok(["save", "-o", file, "alpine:3.10"]);
    // As dockerd writes it: the config blob is named by its sha256, which is the image id.
    const entries = await unpackTar(new Uint8Array(readFileSync(file)));
    const manifest = JSON.parse(new TextDecoder().decode(entries.find((e) => e.header.name === "manifest.json")!.data));
    expect(manifest).toEqual([{ Config: `${id.slice(7)}.json`, RepoTags: ["alpine:3.10"], Layers: [expect.stringMatching(/^[0-9a-f]{64}\/layer\.tar$/)] }]);
    const config = entries.find((e) => e.header.name === manifest[0].Config)!.data!;
    expect("sha256:" + createHash("sha256").update(config).digest("hex")).toBe(id);
    // docker inspect names the layers by the diff ids of the config, the digests of the saved layer tars.
    const layerTar = entries.find((e) => e.header.name === manifest[0].Layers[0])!.data!;
    const diffId = "sha256:" + createHash("sha256").update(layerTar).digest("hex");
    expect(JSON.parse(await ok(["image", "inspect", "--format", "{{json .RootFS.Layers}}", "alpine:3.10"]))).toEqual([diffId]);
    expect(JSON.parse(new TextDecoder().decode(config)).rootfs).toEqual({ type: "layers", diff_ids: [diffId] });
    // Loaded while the image is still here, and again after it was removed: the same id both times.
    expect(await ok(["load", "-i", file])).toBe("Loaded image: alpine:3.10\n");
    expect((await ok(["images", "--no-trunc", "--format", "{{.ID}}", "alpine:3.10"])).trim()).toBe(id);
    await ok(["rmi", "alpine:3.10"]);
    expect(await ok(["load", "-i", file])).toBe("Loaded image: alpine:3.10\n");
    expect((await ok(["images", "--no-trunc", "--format", "{{.ID}}", "alpine:3.10"])).trim()).toBe(id);
    // Its layers are alpine's again: the same size and template VM as pulled.
    expect(await ok(["image", "inspect", "--format", "{{.Size}} {{json .TemplateVM}}", "alpine:3.10"])).toBe(pulled);
    expect(await ok(["run", "--rm", "alpine:3.10", "cat", "/etc/os-release"])).toMatch(/^NAME="Alpine Linux"$/m);
  });

  test("docker import makes an image from a filesystem tar, with --change", async () => {
    const tar = await packTar([
      { header: { name: "bin/", type: "directory", size: 0, mode: 0o755 } },
      { header: { name: "msg", type: "file", size: 9, mode: 0o644 }, body: new TextEncoder().encode("imported\n") },
    ]);
    const file = join(dir, "rootfs.tar");
    writeFileSync(file, tar);
    const out = await ok(["import", "--change", "CMD [\"/bin/cat\", \"/msg\"]", "-m", "from a tarball", file, "imported:1"]);
    expect(out).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect((await ok(["history", "--format", "{{.Comment}}", "imported:1"])).trim()).toBe("from a tarball");
    const cmd = JSON.parse(await ok(["image", "inspect", "--format", "{{json .Config.Cmd}}", "imported:1"]));
    expect(cmd).toEqual(["/bin/cat", "/msg"]);
  });

  test("docker commit turns a container's changes into an image", async () => {
    await ok(["run", "--name", "to-commit", "busybox", "sh", "-c", "echo committed > /c.txt"]);
    const out = await ok(["commit", "-c", "CMD [\"cat\", \"/c.txt\"]", "-m", "saved state", "to-commit", "committed:1"]);
    expect(out).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(await ok(["run", "--rm", "committed:1"])).toBe("committed\n");
    expect((await ok(["history", "--format", "{{.Comment}}", "committed:1"])).split("\n")[0]).toBe("saved state");
    expect(await ok(["image", "inspect", "--format", "{{.Comment}}", "committed:1"])).toBe("saved state\n");
    const missing = await docker(["commit", "no-such-container", "x:1"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("No such container: no-such-container");
  });

  test("built images survive a restart of the server (--state) and still run", async () => {
    await stop();
    await start();
    expect(await ok(["images", "--format", "{{.Repository}}:{{.Tag}}"])).toContain("three:latest");
    expect(await ok(["run", "--rm", "three"])).toBe("built with lib 1.0\nlib.txt\nmain.sh\nout.txt\n");
    expect(await ok(["run", "--rm", "committed:1"])).toBe("committed\n");
    // A loaded image on a catalogue base (journaled as its own layer above busybox's) runs after the restart.
    expect(await ok(["run", "--rm", "saved:1"])).toBe("kept\n");
    // A loaded image saves as it was loaded, after the restart too: its layer tar is kept byte for byte.
    const again = join(dir, "foreign-again.tar");
    await ok(["save", "-o", again, "foreign:1"]);
    await ok(["rmi", "foreign:1"]);
    expect(await ok(["load", "-i", again])).toBe("Loaded image: foreign:1\n");
    expect(await ok(["run", "--rm", "foreign:1"])).toBe("from GNU tar\n");
    // A pulled image keeps the config document it was pulled with: saved, it loads back as itself.
    const busybox = (await ok(["images", "--no-trunc", "--format", "{{.ID}}", "busybox"])).trim();
    const saved = join(dir, "busybox.tar");
    await ok(["save", "-o", saved, "busybox"]);
    expect(await ok(["load", "-i", saved])).toBe("Loaded image: busybox:latest\n");
    expect((await ok(["images", "--no-trunc", "--format", "{{.ID}}", "busybox"])).trim()).toBe(busybox);
    expect((await unpackTar(new Uint8Array(readFileSync(saved)))).map((e) => e.header.name)).toContain(`${busybox.slice(7)}.json`);
    await ok(["rmi", "imported:1"]);
    expect(await ok(["images", "-q", "imported"])).toBe("");
  });
});

describe("the build endpoints refuse what they cannot do, in Docker's error shape", () => {
  const http = (path: string, init?: RequestInit) => fetch(server.dockerHost.replace("tcp://", "http://") + path, init);

  test("no network: a remote context, an ADD URL, an import from a URL", async () => {
    const remote = await http("/v1.50/build?remote=https://github.com/x/y.git", { method: "POST" });
    expect(remote.status).toBe(400);
    expect((await remote.json()).message).toBe("remote build contexts are not supported: vicsim has no network; send the context as the request body");
    const fromUrl = await http("/v1.50/images/create?fromSrc=https://example.com/rootfs.tar", { method: "POST" });
    expect(fromUrl.status).toBe(400);
    expect((await fromUrl.json()).message).toContain("importing from a URL is not supported");
    const add = await http("/v1.50/build?t=addurl", { method: "POST", body: new TextEncoder().encode("FROM busybox\nADD https://example.com/a.tgz /a\n") });
    expect(add.status).toBe(200);
    const lines = (await add.text()).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.at(-1)).toEqual({
      errorDetail: { message: "ADD failed: cannot download https://example.com/a.tgz: vicsim's builder has no network (ADD takes local files and local tar archives)" },
      error: "ADD failed: cannot download https://example.com/a.tgz: vicsim's builder has no network (ADD takes local files and local tar archives)",
    });
    expect((await (await http("/v1.50/images/json")).json()).some((i: { RepoTags: string[] }) => i.RepoTags.includes("addurl:latest"))).toBe(false);
  });

  test("bad input changes nothing: an empty context, a bad tag, BuildKit, a foreign platform, a broken archive", async () => {
    const before = (await (await http("/v1.50/images/json")).json()).length;
    expect((await http("/v1.50/build", { method: "POST" })).status).toBe(400);
    const tag = await http("/v1.50/build?t=UPPER:case", { method: "POST", body: "FROM busybox\n" });
    expect(tag.status).toBe(400);
    expect((await tag.json()).message).toContain("invalid reference format");
    expect((await http("/v1.50/build?version=2", { method: "POST", body: "FROM busybox\n" })).status).toBe(400);
    expect((await http("/v1.50/build?platform=windows/arm64", { method: "POST", body: "FROM busybox\n" })).status).toBe(400);
    // As dockerd's, a load answers 200 and streams its error (docker-py's test_load_error: ImageLoadError).
    const load = await http("/v1.50/images/load", { method: "POST", body: new Uint8Array(1024) });
    expect(load.status).toBe(200);
    expect(JSON.parse(await load.text()).errorDetail.message).toMatch(/manifest\.json/);
    const history = await http("/v1.50/images/nosuch/history");
    expect(history.status).toBe(404);
    expect((await history.json()).message).toBe("No such image: nosuch:latest");
    expect((await (await http("/v1.50/images/json")).json()).length).toBe(before);
  });
});
