// What docker-py's api_build_test checks of POST /build at the Docker door (each test names the suite's
// test it stands for): the image a build tags and the config inspect shows.
import { packTar, type TarEntry } from "modern-tar";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDockerHandler, type DockerHandler } from "../bindings/docker/index.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { json } from "./spec/docker-client.js";

let vch: VirtualContainerHost;
let h: DockerHandler;
const V = "/v1.44";

beforeAll(async () => {
  vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 1000 }, name: "vch-build-conformance" });
  h = createDockerHandler(vch, { statsIntervalMs: 20 });
});
afterAll(async () => {
  await vch?.close();
});

/** POST /build of a context holding only `Dockerfile`, as docker-py's `build(fileobj=…)` sends it. */
async function build(query: string, dockerfile: string): Promise<{ status: number; messages: Record<string, unknown>[] }> {
  const body = new TextEncoder().encode(dockerfile);
  const entries: TarEntry[] = [{ header: { name: "Dockerfile", size: body.length, mode: 0o644, type: "file", mtime: new Date(0) }, body }];
  const r = await h(new Request(`http://localhost${V}/build?${query}`, { method: "POST", body: new Uint8Array(await packTar(entries)), headers: { "Content-Type": "application/x-tar" } }));
  const text = await r.text();
  return { status: r.status, messages: text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("POST /build as docker-py's api_build_test sees it", () => {
  test("inspect of a built image has Config.OnBuild: the triggers, or null (test_build_container_with_target)", async () => {
    expect((await build("t=onbuild-base", "FROM busybox\nONBUILD RUN echo hi\n")).status).toBe(200);
    expect((await json(h, "GET", `${V}/images/onbuild-base/json`, 200, "/images/{name}/json")).Config.OnBuild).toEqual(["RUN echo hi"]);
    expect((await build("t=plain", "FROM busybox\nRUN true\n")).status).toBe(200);
    const cfg = (await json(h, "GET", `${V}/images/plain/json`, 200, "/images/{name}/json")).Config;
    expect(cfg).toHaveProperty("OnBuild", null);
  });

  test("a FROM scratch build is tagged and carries the labels asked for (test_build_labels)", async () => {
    const b = await build(`t=labels&labels=${encodeURIComponent(JSON.stringify({ test: "OK" }))}`, "FROM scratch");
    expect(b.messages.at(-1)).toEqual({ stream: "Successfully tagged labels:latest\n" });
    expect((await json(h, "GET", `${V}/images/labels/json`, 200, "/images/{name}/json")).Config.Labels).toEqual({ test: "OK" });
  });
});

describe("cachefrom", () => {
  const usingCache = (messages: Record<string, unknown>[]) => messages.filter((m) => String(m.stream ?? "").includes("Using cache")).length;
  test("a build reuses only the steps of the cachefrom images; a name not found reuses none (test_build_with_cache_from)", async () => {
    const df = "FROM busybox\nENV FOO=bar\nRUN touch baz\nRUN touch bax\n";
    expect((await build("t=build1", df)).status).toBe(200);
    expect(usingCache((await build(`t=build2&cachefrom=${encodeURIComponent(JSON.stringify(["build1"]))}`, df)).messages)).toBe(3);
    expect(usingCache((await build(`t=build3&cachefrom=${encodeURIComponent(JSON.stringify(["nosuchtag"]))}`, df)).messages)).toBe(0);
    expect(usingCache((await build("t=build4", df)).messages)).toBe(3);
    expect(usingCache((await build("t=build5&cachefrom=null", df)).messages)).toBe(3);
    expect(usingCache((await build("t=build6&cachefrom=[]", df)).messages)).toBe(3);
    const bad = await build("cachefrom=build1", df);
    expect(bad.status).toBe(400);
  });
});
