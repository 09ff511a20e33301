// What docker-py's api_build_test checks of POST /build at the Docker door (each test names the suite's
// test it stands for): the image a build tags and the config inspect shows.
import { packTar, type TarEntry } from "modern-tar";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDockerHandler, type DockerHandler } from "../bindings/docker/index.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { call, json, output } from "./spec/docker-client.js";

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

describe("the RUN steps' network: extrahosts and networkmode", () => {
  const errorOf = (messages: Record<string, unknown>[]) => messages.find((m) => "errorDetail" in m);
  const streamOf = (messages: Record<string, unknown>[]) => messages.map((m) => String(m.stream ?? "")).join("");

  test("extra hosts are in the RUN steps' /etc/hosts, ping resolves them, and the image keeps only what RUN wrote (test_build_with_extra_hosts)", async () => {
    const df = "FROM busybox\nRUN ping -c1 hello.world.test\nRUN ping -c1 extrahost.local.test\nRUN cp /etc/hosts /hosts-file\n";
    // docker-py sends the dict sorted, one `extrahosts=NAME:IP` per entry, as the docker CLI does.
    const b = await build("t=extrahost-build&extrahosts=extrahost.local.test%3A127.0.0.1&extrahosts=hello.world.test%3A127.0.0.1", df);
    expect(errorOf(b.messages)).toBeUndefined();
    const out = streamOf(b.messages);
    expect(out).toMatch(/PING hello\.world\.test \(127\.0\.0\.1\): 56 data bytes\n64 bytes from 127\.0\.0\.1: seq=0 ttl=64 time=\d+\.\d{3} ms\n\n--- hello\.world\.test ping statistics ---\n1 packets transmitted, 1 packets received, 0% packet loss\n/);
    expect(out).toContain("Successfully tagged extrahost-build:latest\n");
    const created = await json(h, "POST", `${V}/containers/create`, 201, "/containers/create", { Image: "extrahost-build", Cmd: ["cat", "/hosts-file"] });
    expect((await call(h, "POST", `${V}/containers/${created.Id}/start`)).status).toBe(204);
    await (await call(h, "POST", `${V}/containers/${created.Id}/wait`)).response.text();
    const logs = (await output((await call(h, "GET", `${V}/containers/${created.Id}/logs?stdout=1`)).response)).stdout;
    // As dockerd writes it: the loopback names, the extra hosts, then the step container's address on the default bridge and its id.
    expect(logs).toMatch(/ff02::2\tip6-allrouters\n127\.0\.0\.1\textrahost\.local\.test\n127\.0\.0\.1\thello\.world\.test\n172\.17\.0\.\d+\t[0-9a-f]{12}\n$/);
    expect(logs.startsWith("127.0.0.1\tlocalhost\n")).toBe(true);
    // The sandbox's /etc/hosts lies over the image's and is not in the image: a container of it has its own.
    const etc = await json(h, "POST", `${V}/containers/create`, 201, "/containers/create", { Image: "extrahost-build", Cmd: ["cat", "/etc/hosts"] });
    await call(h, "POST", `${V}/containers/${etc.Id}/start`);
    await (await call(h, "POST", `${V}/containers/${etc.Id}/wait`)).response.text();
    expect((await output((await call(h, "GET", `${V}/containers/${etc.Id}/logs?stdout=1`)).response)).stdout).not.toContain("extrahost");
  });

  test("what RUN appends to /etc/hosts is seen by the step, not kept in the image: a RUN that only does that adds no layer (dockerd's bind mount)", async () => {
    const b = await build("t=etchosts&nocache=1", "FROM busybox\nRUN echo '127.0.0.7 db.test' >> /etc/hosts && ping -c1 db.test\n");
    expect(streamOf(b.messages)).toContain("PING db.test (127.0.0.7): 56 data bytes\n");
    const layers = async (ref: string) => (await json(h, "GET", `${V}/images/${ref}/json`, 200, "/images/{name}/json")).RootFS.Layers;
    expect(await layers("etchosts")).toEqual(await layers("busybox"));
    // (Read without the spec's schema: dockerd's history answers `"Tags": null` below the top, as vicsim does.)
    const history = await (await call(h, "GET", `${V}/images/etchosts/history`)).response.json();
    expect(history[0]).toMatchObject({ CreatedBy: "/bin/sh -c echo '127.0.0.7 db.test' >> /etc/hosts && ping -c1 db.test", Size: 0 });
  });

  test("an extra host that does not parse fails the first RUN step with dockerd's words; nothing is tagged", async () => {
    // Checked when a RUN step's container is made, as dockerd does (a cached step makes none).
    const bad = await build("t=badhost&nocache=1&extrahosts=a.test%3A1.2.3", "FROM busybox\nRUN true\n");
    expect(errorOf(bad.messages)).toEqual({ errorDetail: { message: 'invalid IP address in add-host: "1.2.3"' }, error: 'invalid IP address in add-host: "1.2.3"' });
    expect((await build("t=badhost&nocache=1&extrahosts=nocolon", "FROM busybox\nRUN true\n")).messages.at(-1)).toMatchObject({ error: 'bad format for add-host: "nocolon"' });
    expect((await call(h, "GET", `${V}/images/badhost/json`)).status).toBe(404);
  });

  test("on a user network a RUN step pings a container by its alias; on none it cannot resolve it, code 1 (test_build_with_network_mode)", async () => {
    const net = await json(h, "POST", `${V}/networks/create`, 201, "/networks/create", { Name: "buildnet" });
    const target = await json(h, "POST", `${V}/containers/create`, 201, "/containers/create", { Image: "busybox", Cmd: ["top"] });
    expect((await call(h, "POST", `${V}/containers/${target.Id}/start`)).status).toBe(204);
    expect((await call(h, "POST", `${V}/networks/${net.Id}/connect`, { Container: target.Id, EndpointConfig: { Aliases: ["pingtarget.docker"] } })).status).toBe(200);
    const ip = (await json(h, "GET", `${V}/containers/${target.Id}/json`, 200, "/containers/{id}/json")).NetworkSettings.Networks.buildnet.IPAddress;
    const df = "FROM busybox\nRUN ping -c1 pingtarget.docker\n";

    const on = await build(`t=customnetbuild&networkmode=${net.Id}`, df);
    expect(errorOf(on.messages)).toBeUndefined();
    expect(streamOf(on.messages)).toContain(`PING pingtarget.docker (${ip}): 56 data bytes\n64 bytes from ${ip}: seq=0 ttl=64`);
    expect((await call(h, "GET", `${V}/images/customnetbuild/json`)).status).toBe(200);

    const none = await build("t=nonebuild&networkmode=none&nocache=1", df);
    expect(streamOf(none.messages)).toContain("ping: bad address 'pingtarget.docker'");
    expect(none.messages.at(-1)).toEqual({
      errorDetail: { code: 1, message: "The command '/bin/sh -c ping -c1 pingtarget.docker' returned a non-zero code: 1" },
      error: "The command '/bin/sh -c ping -c1 pingtarget.docker' returned a non-zero code: 1",
    });
    expect((await call(h, "GET", `${V}/images/nonebuild/json`)).status).toBe(404);

    // The default bridge has no embedded DNS: the alias does not resolve there either, though the address answers.
    const bridge = await build("t=bridgebuild&nocache=1", df);
    expect(bridge.messages.at(-1)).toMatchObject({ errorDetail: { code: 1 } });
    expect(errorOf((await build(`t=unknownnet&nocache=1&networkmode=nosuchnet`, df)).messages)).toMatchObject({ errorDetail: { message: "network nosuchnet not found" } });
  });
});
