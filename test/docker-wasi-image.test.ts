// Images whose platform is wasi/wasm: `docker build --platform wasi/wasm` of a Dockerfile that copies a
// WASI program (C built here with Debian's clang) and names it as ENTRYPOINT; a container of it runs
// the program on node:wasi with its arguments, environment, its folder's files and its exit code.
import { join } from "node:path";
import { packTar, unpackTar, type TarEntry } from "modern-tar";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { wasiProgram } from "./fixtures/wasi-program.js";
import { createDockerHandler, type DockerHandler } from "../bindings/docker/index.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { call, json, output } from "./spec/docker-client.js";

let vch: VirtualContainerHost;
let h: DockerHandler;
let program: Uint8Array;
const V = "/v1.50";

beforeAll(async () => {
  program = wasiProgram("wasi-program");
  vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 10 }, name: "vch-wasi" });
  h = createDockerHandler(vch, { statsIntervalMs: 20 });
}, 60_000);
afterAll(async () => {
  await vch?.close();
});

function context(files: Record<string, Uint8Array | string>): Promise<Uint8Array> {
  const entries: TarEntry[] = Object.entries(files).map(([name, f]) => {
    const body = typeof f === "string" ? new TextEncoder().encode(f) : f;
    return { header: { name, size: body.length, mode: 0o644, type: "file", mtime: new Date(0) }, body };
  });
  return packTar(entries);
}

async function build(query: string, files: Record<string, Uint8Array | string>): Promise<{ status: number; text: string }> {
  const body = await context(files);
  const r = await h(new Request(`http://localhost${V}/build?${query}`, { method: "POST", body: new Uint8Array(body), headers: { "Content-Type": "application/x-tar" } }));
  return { status: r.status, text: await r.text() };
}

const DOCKERFILE = [
  "FROM scratch",
  "COPY program.wasm in.txt /data/",
  "ENV GREETING=hello",
  'ENTRYPOINT ["/data/program.wasm"]',
  'CMD ["one", "two"]',
].join("\n");

describe("wasi/wasm images", () => {
  test("docker build --platform wasi/wasm; docker run runs the WASI program: args, env, files, exit code", async () => {
    const b = await build("t=wasi-hello:1&platform=wasi/wasm", { Dockerfile: DOCKERFILE, "program.wasm": program, "in.txt": "from the image" });
    expect(b.status).toBe(200);
    expect(b.text).toContain("Successfully tagged wasi-hello:1");
    const img = await json(h, "GET", `${V}/images/wasi-hello:1/json`, 200, "/images/{name}/json");
    expect([img.Os, img.Architecture]).toEqual(["wasi", "wasm"]);

    const c = await json(h, "POST", `${V}/containers/create`, 201, "/containers/create", { Image: "wasi-hello:1", Cmd: ["three"], Env: ["GREETING=bonjour"] });
    expect((await call(h, "POST", `${V}/containers/${c.Id}/start`)).status).toBe(204);
    expect((await json(h, "POST", `${V}/containers/${c.Id}/wait`, 200, "/containers/{id}/wait")).StatusCode).toBe(3);
    const out = await output((await call(h, "GET", `${V}/containers/${c.Id}/logs?stdout=1&stderr=1`)).response);
    expect(out).toEqual({ stdout: "argc=2 three\nGREETING=bonjour\nread=from the image\n", stderr: "to stderr\n" });
    const inspect = await json(h, "GET", `${V}/containers/${c.Id}/json`, 200, "/containers/{id}/json");
    expect(inspect.Config.Labels["vicsim.guest.runtime"]).toMatch(/^a WebAssembly program for WASI preview1/);
    // What the program wrote in its folder is the container's: docker cp reads it back.
    const archive = await call(h, "GET", `${V}/containers/${c.Id}/archive?path=/data/out.txt`);
    expect(archive.status).toBe(200);
    const entries = await unpackTar(new Uint8Array(await archive.response.arrayBuffer()));
    expect(entries.map((e) => [e.header.name, new TextDecoder().decode(e.data)])).toEqual([["out.txt", "sum=45\n"]]);
  }, 120_000);

  test("a missing module is exec's error (127); a wasi/wasm build FROM a linux image is refused", async () => {
    const b = await build("t=wasi-missing:1&platform=wasi/wasm", { Dockerfile: 'FROM scratch\nCOPY in.txt /data/\nENTRYPOINT ["/data/gone.wasm"]', "in.txt": "x" });
    expect(b.status).toBe(200);
    const c = await json(h, "POST", `${V}/containers/create`, 201, "/containers/create", { Image: "wasi-missing:1" });
    expect((await call(h, "POST", `${V}/containers/${c.Id}/start`)).status).toBe(204);
    expect((await json(h, "POST", `${V}/containers/${c.Id}/wait`, 200, "/containers/{id}/wait")).StatusCode).toBe(127);
    expect((await output((await call(h, "GET", `${V}/containers/${c.Id}/logs?stdout=1&stderr=1`)).response)).stderr).toBe("exec /data/gone.wasm: no such file or directory\n");

    const pull = await call(h, "POST", `${V}/images/create?fromImage=docker.io/library/busybox&tag=latest`);
    await pull.response.text();
    const refused = await build("t=wasi-bad:1&platform=wasi/wasm", { Dockerfile: "FROM busybox\nCOPY in.txt /\n", "in.txt": "x" });
    expect(refused.text).toContain("FROM busybox: the image is linux/amd64, not wasi/wasm");
    expect((await call(h, "GET", `${V}/images/wasi-bad:1/json`)).status).toBe(404);
    expect((await build("platform=windows/amd64", { Dockerfile: "FROM scratch\n" })).status).toBe(400);
  }, 120_000);

  test("docker save then docker load keeps the platform: the loaded image still runs its WASI program", async () => {
    expect((await build("t=wasi-saved:1&platform=wasi/wasm", { Dockerfile: DOCKERFILE, "program.wasm": program, "in.txt": "saved" })).status).toBe(200);
    const saved = await call(h, "GET", `${V}/images/wasi-saved:1/get`);
    expect(saved.status).toBe(200);
    const tar = new Uint8Array(await saved.response.arrayBuffer());
    expect((await call(h, "DELETE", `${V}/images/wasi-saved:1`)).status).toBe(200);
    const load = await h(new Request(`http://localhost${V}/images/load?quiet=1`, { method: "POST", body: tar, headers: { "Content-Type": "application/x-tar" } }));
    expect(load.status).toBe(200);
    expect(await load.text()).toContain("Loaded image: wasi-saved:1");
    const img = await json(h, "GET", `${V}/images/wasi-saved:1/json`, 200, "/images/{name}/json");
    expect([img.Os, img.Architecture]).toEqual(["wasi", "wasm"]);
    const c = await json(h, "POST", `${V}/containers/create`, 201, "/containers/create", { Image: "wasi-saved:1" });
    expect((await call(h, "POST", `${V}/containers/${c.Id}/start`)).status).toBe(204);
    expect((await json(h, "POST", `${V}/containers/${c.Id}/wait`, 200, "/containers/{id}/wait")).StatusCode).toBe(3);
    expect((await output((await call(h, "GET", `${V}/containers/${c.Id}/logs?stdout=1`)).response)).stdout).toBe("argc=3 one two\nGREETING=hello\nread=saved\n");
  }, 120_000);
});
