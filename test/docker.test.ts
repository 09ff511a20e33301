// Every endpoint of the Docker Engine API through the in-process handler, each JSON answer
// validated against the API 1.50 spec's schema for that endpoint.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDockerHandler, type DockerHandler } from "../bindings/docker/index.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { assertDefinitionMatches, assertResponseMatches } from "./spec/schema.js";
import { Pushable, bytes, call, empty, error, expectDockerHeaders, frames, json, ndjson, output, takeJson, pullImages } from "./spec/docker-client.js";

let vch: VirtualContainerHost;
let h: DockerHandler;
const V = "/v1.50";

beforeAll(async () => {
  // Virtual time 1000× the wall clock: boots and stop timeouts take milliseconds.
  vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 1000 }, name: "vch-test" });
  h = createDockerHandler(vch, { statsIntervalMs: 20 });
  await pullImages(h, ["busybox:latest"]);
});
afterAll(async () => {
  await vch?.close();
});

/** Creates a container and returns its id. */
async function create(body: Record<string, unknown>, name?: string): Promise<string> {
  const r = await json(h, "POST", `${V}/containers/create${name ? `?name=${name}` : ""}`, 201, "/containers/create", { Image: "busybox", ...body });
  expect(r.Warnings).toEqual([]);
  expect(r.Id).toMatch(/^[0-9a-f]{64}$/);
  return r.Id as string;
}

/** Reads a live event stream until `last` matches, keeping the events `keep` selects; then lets it go. */
async function eventsUntil(response: Response, keep: (e: any) => boolean, last: (e: any) => boolean): Promise<any[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const out: any[] = [];
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the event stream ended after ${JSON.stringify(out.map((e) => e.Action))}`);
    buffer += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const e = JSON.parse(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      if (!keep(e)) continue;
      out.push(e);
      if (last(e)) {
        await reader.cancel();
        return out;
      }
    }
  }
}

/** Waits (in Docker's terms) until the container is no longer running. */
async function waitExit(id: string): Promise<number> {
  const r = await json(h, "POST", `${V}/containers/${id}/wait`, 200, "/containers/{id}/wait");
  return r.StatusCode as number;
}

describe("system", () => {
  test("_ping: GET answers OK, HEAD nothing, both with Docker's headers", async () => {
    for (const method of ["GET", "HEAD"]) {
      const a = await call(h, method, "/_ping");
      expect(a.status).toBe(200);
      expectDockerHeaders(a.headers);
      expect(a.headers.get("cache-control")).toBe("no-cache, no-store, must-revalidate");
      expect(a.headers.get("swarm")).toBe("inactive");
      expect(await a.response.text()).toBe(method === "GET" ? "OK" : "");
    }
  });

  test("version: what the CLI and docker-py read", async () => {
    for (const path of ["/version", `${V}/version`, "/v1.24/version"]) {
      const v = await json(h, "GET", path, 200, "/version");
      expect(v).toMatchObject({ ApiVersion: "1.50", MinAPIVersion: "1.24", Os: "linux" });
      expect(v.Components[0]).toMatchObject({ Name: "Engine" });
    }
  });

  test("info: the cluster behind the VCH, and an inactive swarm", async () => {
    const i = await json(h, "GET", `${V}/info`, 200, "/info");
    expect(i.Swarm).toMatchObject({ LocalNodeState: "inactive", ControlAvailable: false });
    expect(i.Name).toBe("vch-test");
    expect(i.NCPU).toBeGreaterThan(0);
    expect(i.MemTotal).toBeGreaterThan(0);
    expect(i.Images).toBeGreaterThanOrEqual(1);
    const status = Object.fromEntries(i.DriverStatus as [string, string][]);
    expect(status.VCH).toBe("vch-test");
    expect(status.Hosts).toMatch(/^8 \(8 connected\)$/);
    expect(status.H0).toMatch(/^connected, \d+ container VMs/);
  });

  test("system df", async () => {
    const df = await json(h, "GET", `${V}/system/df`, 200, "/system/df");
    expect(df.Images.some((i: { RepoTags: string[] }) => i.RepoTags.includes("busybox:latest"))).toBe(true);
  });

  test("what vicsim does not implement is a 501 in Docker's shape", async () => {
    expect(await error(h, "POST", `${V}/images/busybox/push`, 501)).toMatch(/^vicsim does not implement image push/);
    expect(await error(h, "POST", `${V}/swarm/init`, 501)).toMatch(/^vicsim does not implement swarm/);
    expect(await error(h, "POST", `${V}/swarm/leave?force=1`, 503)).toBe("This node is not part of a swarm");
    expect(await json(h, "GET", `${V}/plugins`, 200, "/plugins")).toEqual([]);
    expect(await error(h, "GET", `${V}/no/such/thing`, 404)).toBe("page not found");
    expect(await error(h, "GET", "/v1.99/info", 400)).toContain("too new");
  });
});

describe("images", () => {
  test("pull streams progress as newline-delimited JSON", async () => {
    const a = await call(h, "POST", `${V}/images/create?fromImage=alpine&tag=3.20`);
    expect(a.status).toBe(200);
    expectDockerHeaders(a.headers);
    const lines = ndjson(await a.response.text());
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) assertDefinitionMatches("CreateImageInfo", l);
    expect(lines.some((l) => l.error)).toBe(false);
    expect(lines.at(-1).status).toMatch(/alpine:3\.20/);
  });

  test("list, inspect by name and by id, unknown images are 404", async () => {
    const list = await json(h, "GET", `${V}/images/json`, 200, "/images/json");
    const busybox = list.find((i: { RepoTags: string[] }) => i.RepoTags.includes("busybox:latest"));
    expect(busybox).toBeDefined();
    const byName = await json(h, "GET", `${V}/images/busybox/json`, 200, "/images/{name}/json");
    const byId = await json(h, "GET", `${V}/images/${busybox.Id}/json`, 200, "/images/{name}/json");
    expect(byName.Id).toBe(busybox.Id);
    expect(byId.RepoTags).toContain("busybox:latest");
    expect(byName.Config.Cmd).toEqual(["sh"]);
    expect(await error(h, "GET", `${V}/images/nothere/json`, 404)).toMatch(/No such image: nothere/);
  });

  test("tag, list by reference filter, untag, prune", async () => {
    await empty(h, "POST", `${V}/images/busybox/tag?repo=myorg/box&tag=v1`, 201);
    const filtered = await json(h, "GET", `${V}/images/json?filters=${encodeURIComponent('{"reference":{"myorg/box":true}}')}`, 200, "/images/json");
    expect(filtered.map((i: { RepoTags: string[] }) => i.RepoTags).flat()).toContain("myorg/box:v1");
    expect(filtered.every((i: { RepoTags: string[] }) => i.RepoTags.some((t) => t.startsWith("myorg/box:")))).toBe(true);
    const removed = await json(h, "DELETE", `${V}/images/myorg/box:v1`, 200, "/images/{name}");
    expect(removed).toEqual([{ Untagged: "myorg/box:v1" }]);
    await json(h, "POST", `${V}/images/prune`, 200, "/images/prune");
  });
});

describe("containers", () => {
  test("create fills dockerd's defaults and the image's config; inspect validates", async () => {
    const id = await create({ Labels: { tier: "web" } }, "defaults");
    const c = await json(h, "GET", `${V}/containers/defaults/json`, 200, "/containers/{id}/json");
    expect(c.Id).toBe(id);
    expect(c.Name).toBe("/defaults");
    expect(c.State).toMatchObject({ Status: "created", Running: false });
    expect(c.Config.Cmd).toEqual(["sh"]); // from the image
    expect(c.Config.Tty).toBe(false);
    expect(c.Config.Labels).toEqual({ tier: "web" });
    expect(c.HostConfig.LogConfig.Type).toBe("json-file");
    expect(c.HostConfig.NetworkMode).toBe("bridge");
    expect(c.HostConfig.RestartPolicy.Name).toBe("no");
  });

  test("a name in use is a 409 in dockerd's words; an image not pulled is a 404", async () => {
    const id = await create({ Cmd: ["sleep", "1000"] }, "taken");
    expect(await error(h, "POST", `${V}/containers/create?name=taken`, 409, { Image: "busybox" })).toBe(
      `Conflict. The container name "/taken" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
    expect(await error(h, "POST", `${V}/containers/create`, 404, { Image: "neverpulled:1" })).toMatch(/No such image: neverpulled:1/);
  });

  test("lookup by full id, unique prefix, name and /name", async () => {
    const id = await create({ Cmd: ["true"] }, "lookup");
    for (const ref of [id, id.slice(0, 12), "lookup", "%2Flookup"]) {
      const c = await json(h, "GET", `${V}/containers/${ref}/json`, 200, "/containers/{id}/json");
      expect(c.Id).toBe(id);
    }
    expect(await error(h, "GET", `${V}/containers/nosuchthing/json`, 404)).toBe("No such container: nosuchthing");
  });

  test("the wait's headers go out before the container exits; the result follows", async () => {
    const id = await create({ Cmd: ["sh", "-c", "sleep 5; exit 3"] });
    const waiting = await call(h, "POST", `${V}/containers/${id}/wait?condition=next-exit`);
    // The handler answered (headers) while the container has not even started.
    expect(waiting.status).toBe(200);
    expect(waiting.headers.get("content-type")).toBe("application/json");
    await empty(h, "POST", `${V}/containers/${id}/start`, 204);
    const result = JSON.parse(await waiting.response.text());
    assertResponseMatches("post", "/containers/{id}/wait", 200, result);
    expect(result).toEqual({ StatusCode: 3 });
  });

  test("start and stop: 204, then 304 when nothing changes; events kill(15) → die → stop", async () => {
    // A live event stream opened first: the replay ring may have moved on under a busy cluster.
    const live = await call(h, "GET", `${V}/events?filters=${encodeURIComponent('{"type":{"container":true}}')}`);
    const id = await create({ Cmd: ["sleep", "100000"] }, "stopper");
    await empty(h, "POST", `${V}/containers/stopper/start`, 204);
    await empty(h, "POST", `${V}/containers/stopper/start`, 304);
    const running = await json(h, "GET", `${V}/containers/stopper/json`, 200, "/containers/{id}/json");
    expect(running.State).toMatchObject({ Status: "running", Running: true });
    expect(running.State.Pid).toBeGreaterThan(0);
    await empty(h, "POST", `${V}/containers/stopper/stop?t=1`, 204);
    await empty(h, "POST", `${V}/containers/stopper/stop`, 304);
    const events = await eventsUntil(live.response, (e) => e.Actor.ID === id, (e) => e.Action === "stop");
    for (const e of events) assertDefinitionMatches("EventMessage", e);
    const actions = events.map((e) => (e.Action === "kill" ? `kill(${e.Actor.Attributes.signal})` : e.Action));
    expect(actions).toEqual(["create", "start", "kill(15)", "die", "stop"]);
    expect(events[1]).toMatchObject({ status: "start", id, from: "busybox", Type: "container", scope: "local" });
  });

  test("ps: running only by default, all, filters by status, name, label, id, ancestor; limit", async () => {
    const a = await create({ Cmd: ["sleep", "100000"], Labels: { app: "ps-a" } }, "ps-a");
    const b = await create({ Cmd: ["true"], Labels: { app: "ps-b" } }, "ps-b");
    await empty(h, "POST", `${V}/containers/${a}/start`, 204);
    await empty(h, "POST", `${V}/containers/${b}/start`, 204);
    expect(await waitExit(b)).toBe(0);
    const running = await json(h, "GET", `${V}/containers/json`, 200, "/containers/json");
    expect(running.map((r: { Id: string }) => r.Id)).toContain(a);
    expect(running.map((r: { Id: string }) => r.Id)).not.toContain(b);
    const all = await json(h, "GET", `${V}/containers/json?all=1`, 200, "/containers/json");
    const rowB = all.find((r: { Id: string }) => r.Id === b);
    expect(rowB).toMatchObject({ Names: ["/ps-b"], Image: "busybox", State: "exited", Command: "true", Labels: { app: "ps-b" } });
    expect(rowB.Status).toMatch(/^Exited \(0\) /);
    expect(all.find((r: { Id: string }) => r.Id === a).Status).toMatch(/^Up /);
    const q = (f: object) => `${V}/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify(f))}`;
    const ids = async (f: object) => (await json(h, "GET", q(f), 200, "/containers/json")).map((r: { Id: string }) => r.Id);
    expect(await ids({ status: { exited: true }, label: { "app=ps-b": true } })).toEqual([b]);
    expect(await ids({ name: ["ps-a"] })).toEqual([a]);
    expect(await ids({ label: ["app=ps-a"] })).toEqual([a]);
    expect(await ids({ id: [b.slice(0, 10)] })).toEqual([b]);
    expect(await ids({ ancestor: ["busybox"], label: ["app"] })).toEqual(expect.arrayContaining([a, b]));
    const limited = await json(h, "GET", `${V}/containers/json?all=1&limit=1`, 200, "/containers/json");
    expect(limited).toHaveLength(1);
  });

  test("logs: multiplexed frames, timestamps inside the frame, tail", async () => {
    const id = await create({ Cmd: ["printf", "one\\ntwo\\nthree\\n"] });
    await empty(h, "POST", `${V}/containers/${id}/start`, 204);
    expect(await waitExit(id)).toBe(0);
    const a = await call(h, "GET", `${V}/containers/${id}/logs?stdout=1&stderr=1&tail=all`);
    expect(a.headers.get("content-type")).toBe("application/vnd.docker.multiplexed-stream");
    expect((await output(a.response)).stdout).toBe("one\ntwo\nthree\n");
    const stamped = await frames((await call(h, "GET", `${V}/containers/${id}/logs?stdout=1&timestamps=1`)).response);
    for (const [stream, text] of stamped) {
      expect(stream).toBe(1);
      expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z /);
    }
    const tail = await output((await call(h, "GET", `${V}/containers/${id}/logs?stdout=1&tail=1`)).response);
    expect(tail.stdout).toBe("three\n");
  });

  test("logs with a TTY are the raw stream", async () => {
    const id = await create({ Cmd: ["echo", "tty"], Tty: true });
    await empty(h, "POST", `${V}/containers/${id}/start`, 204);
    await waitExit(id);
    const a = await call(h, "GET", `${V}/containers/${id}/logs?stdout=1`);
    expect(a.headers.get("content-type")).toBe("application/vnd.docker.raw-stream");
    expect(new TextDecoder().decode(await bytes(a.response))).toMatch(/^tty\r?\n$/);
  });

  test("hijacked attach before start: output kept for it, stream ends when the container stops", async () => {
    const id = await create({ Cmd: ["sh", "-c", "echo out; cat /nonexistent"], AttachStdout: true, AttachStderr: true });
    const a = await call(h, "POST", `${V}/containers/${id}/attach?stream=1&stdout=1&stderr=1`, undefined, { hijacked: true, stdin: new Pushable() });
    expect(a.status).toBe(200);
    expect(a.headers.get("content-type")).toBe("application/vnd.docker.multiplexed-stream");
    await empty(h, "POST", `${V}/containers/${id}/start`, 204);
    expect(await frames(a.response)).toEqual([[1, "out\n"], [2, "cat: can't open '/nonexistent': No such file or directory\n"]]);
  });

  test("stdin before start reaches the container (docker run -i)", async () => {
    const id = await create({ Cmd: ["cat"], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const stdin = new Pushable();
    const a = await call(h, "POST", `${V}/containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1`, undefined, { hijacked: true, stdin });
    stdin.pushText("hello from stdin\n");
    stdin.end();
    await empty(h, "POST", `${V}/containers/${id}/start`, 204);
    expect((await output(a.response)).stdout).toBe("hello from stdin\n");
    expect(await waitExit(id)).toBe(0);
  });

  test("plain attach (dockerode's default): a 200 stream that ends when the container exits", async () => {
    const id = await create({ Cmd: ["sh", "-c", "sleep 1; echo late"] });
    const a = await call(h, "POST", `${V}/containers/${id}/attach?stream=1&stdout=1&stderr=1`);
    await empty(h, "POST", `${V}/containers/${id}/start`, 204);
    expect((await output(a.response)).stdout).toBe("late\n");
  });

  test("exec: create 201, hijacked start, ExitCode set when the stream closes; detached; 409 when not running", async () => {
    const id = await create({ Cmd: ["sleep", "100000"] }, "exec-host");
    await empty(h, "POST", `${V}/containers/exec-host/start`, 204);
    const x = await json(h, "POST", `${V}/containers/exec-host/exec`, 201, "/containers/{id}/exec", { Cmd: ["sh", "-c", "echo hi; exit 4"], AttachStdout: true, AttachStderr: true });
    const started = await call(h, "POST", `${V}/exec/${x.Id}/start`, { Detach: false, Tty: false }, { hijacked: true, stdin: new Pushable() });
    expect(started.status).toBe(200);
    expect((await output(started.response)).stdout).toBe("hi\n");
    const inspected = await json(h, "GET", `${V}/exec/${x.Id}/json`, 200, "/exec/{id}/json");
    expect(inspected).toMatchObject({ ExitCode: 4, Running: false, ContainerID: id });
    const d = await json(h, "POST", `${V}/containers/${id}/exec`, 201, "/containers/{id}/exec", { Cmd: ["true"] });
    await empty(h, "POST", `${V}/exec/${d.Id}/start`, 200, { Detach: true });
    await empty(h, "POST", `${V}/exec/${d.Id}/resize?h=40&w=120`, 200);
    expect(await error(h, "GET", `${V}/exec/nosuchexec/json`, 404)).toMatch(/No such exec instance/);
    await empty(h, "POST", `${V}/containers/${id}/stop?t=0`, 204);
    expect(await error(h, "POST", `${V}/containers/${id}/exec`, 409, { Cmd: ["true"] })).toMatch(/is not running/);
  });

  test("stats: one-shot and streamed, memory from the engine", async () => {
    const id = await create({ Cmd: ["sleep", "100000"] }, "stats");
    await empty(h, "POST", `${V}/containers/${id}/start`, 204);
    const s = await json(h, "GET", `${V}/containers/${id.slice(0, 12)}/stats?stream=0`, 200, "/containers/{id}/stats");
    expect(s.id).toBe(id);
    expect(s.name).toBe("/stats");
    expect(s.memory_stats.usage).toBeGreaterThan(0);
    expect(s.memory_stats.limit).toBeGreaterThanOrEqual(s.memory_stats.usage);
    expect(s.cpu_stats.online_cpus).toBeGreaterThan(0);
    const streamed = await takeJson((await call(h, "GET", `${V}/containers/${id}/stats`)).response, 3);
    expect(streamed).toHaveLength(3);
    for (const x of streamed) assertResponseMatches("get", "/containers/{id}/stats", 200, x);
  });

  test("top, rename, resize, pause and unpause, kill, restart", async () => {
    const id = await create({ Cmd: ["sleep", "100000"] }, "misc");
    await empty(h, "POST", `${V}/containers/${id}/start`, 204);
    const top = await json(h, "GET", `${V}/containers/misc/top`, 200, "/containers/{id}/top");
    expect(top.Titles.length).toBeGreaterThan(0);
    expect(top.Processes.some((p: string[]) => p.join(" ").includes("sleep 100000"))).toBe(true);
    await empty(h, "POST", `${V}/containers/misc/rename?name=misc2`, 204);
    expect((await json(h, "GET", `${V}/containers/${id}/json`, 200, "/containers/{id}/json")).Name).toBe("/misc2");
    await empty(h, "POST", `${V}/containers/misc2/resize?h=30&w=100`, 200);
    await empty(h, "POST", `${V}/containers/misc2/pause`, 204);
    expect((await json(h, "GET", `${V}/containers/misc2/json`, 200, "/containers/{id}/json")).State.Status).toBe("paused");
    await empty(h, "POST", `${V}/containers/misc2/unpause`, 204);
    await empty(h, "POST", `${V}/containers/misc2/restart?t=0`, 204);
    expect((await json(h, "GET", `${V}/containers/misc2/json`, 200, "/containers/{id}/json")).State.Status).toBe("running");
    await empty(h, "POST", `${V}/containers/misc2/kill?signal=SIGKILL`, 204);
    expect(await waitExit(id)).toBe(137);
  });

  test("remove: 409 while running, force kills (kill(9) → die → destroy), then 404", async () => {
    const live = await call(h, "GET", `${V}/events?filters=${encodeURIComponent('{"type":{"container":true}}')}`);
    const id = await create({ Cmd: ["sleep", "100000"] }, "doomed");
    await empty(h, "POST", `${V}/containers/doomed/start`, 204);
    expect(await error(h, "DELETE", `${V}/containers/doomed`, 409)).toBe('cannot remove container "/doomed": container is running: stop the container before removing or force remove');
    await empty(h, "DELETE", `${V}/containers/doomed?force=1`, 204);
    expect(await error(h, "GET", `${V}/containers/${id}/json`, 404)).toBe(`No such container: ${id}`);
    const events = await eventsUntil(live.response, (e) => e.Actor.ID === id, (e) => e.Action === "destroy");
    expect(events.map((e) => (e.Action === "kill" ? `kill(${e.Actor.Attributes.signal})` : e.Action))).toEqual(["create", "start", "kill(9)", "die", "destroy"]);
  });

  test("prune removes stopped containers", async () => {
    const id = await create({ Cmd: ["true"] }, "prunable");
    const r = await json(h, "POST", `${V}/containers/prune`, 200, "/containers/prune");
    expect(r.ContainersDeleted).toContain(id);
  });
});

describe("events", () => {
  test("since/until replay in dockerd's order, filtered by container", async () => {
    // A margin before: the virtual clock may hold back to a due timer, so event times can trail now().
    const since = (Math.floor(vch.now()) / 1000 - 5).toFixed(3);
    const id = await create({ Cmd: ["true"] }, "replayed");
    await empty(h, "POST", `${V}/containers/${id}/start`, 204);
    expect(await waitExit(id)).toBe(0);
    await empty(h, "DELETE", `${V}/containers/${id}`, 204);
    const until = (Math.ceil(vch.now()) / 1000 + 0.001).toFixed(3);
    const a = await call(h, "GET", `${V}/events?since=${since}&until=${until}&filters=${encodeURIComponent(JSON.stringify({ container: { [id]: true } }))}`);
    const events = ndjson(await a.response.text());
    for (const e of events) assertDefinitionMatches("EventMessage", e);
    expect(events.map((e) => e.Action)).toEqual(["create", "start", "die", "destroy"]);
  });

  test("a live stream delivers what happens after it opened", async () => {
    const a = await call(h, "GET", `${V}/events?filters=${encodeURIComponent('{"type":{"container":true}}')}`);
    expect(a.status).toBe(200);
    const got = takeJson(a.response, 1);
    const id = await create({ Cmd: ["true"] }, "evented");
    const [e] = await got;
    expect(e).toMatchObject({ Type: "container", Action: "create", Actor: { ID: id, Attributes: { name: "evented", image: "busybox" } } });
  });

  test("until in the past: replay and close", async () => {
    const until = (vch.now() / 1000).toFixed(9);
    const a = await call(h, "GET", `${V}/events?since=0&until=${until}`);
    const events = ndjson(await a.response.text());
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) assertDefinitionMatches("EventMessage", e);
  });
});

describe("networks and volumes", () => {
  test("networks: the defaults exist; create, inspect, connect, disconnect, remove", async () => {
    const list = await json(h, "GET", `${V}/networks`, 200, "/networks");
    expect(list.map((n: { Name: string }) => n.Name)).toEqual(expect.arrayContaining(["bridge", "host", "none"]));
    const created = await json(h, "POST", `${V}/networks/create`, 201, "/networks/create", { Name: "backend", Driver: "bridge", Labels: { team: "a" } });
    const n = await json(h, "GET", `${V}/networks/backend`, 200, "/networks/{id}");
    expect(n.Id).toBe(created.Id);
    const id = await create({ Cmd: ["sleep", "100000"] }, "netc");
    await empty(h, "POST", `${V}/networks/backend/connect`, 200, { Container: "netc" });
    const c = await json(h, "GET", `${V}/containers/netc/json`, 200, "/containers/{id}/json");
    expect(Object.keys(c.NetworkSettings.Networks)).toContain("backend");
    await empty(h, "POST", `${V}/networks/backend/disconnect`, 200, { Container: id });
    await empty(h, "DELETE", `${V}/networks/backend`, 204);
    expect(await error(h, "GET", `${V}/networks/backend`, 404)).toMatch(/backend/);
    expect(await error(h, "POST", `${V}/networks/create`, 400, { Driver: "bridge" })).toMatch(/Name/);
  });

  test("volumes: create, list, inspect, remove, prune", async () => {
    const v = await json(h, "POST", `${V}/volumes/create`, 201, "/volumes/create", { Name: "data", Labels: { keep: "no" } });
    expect(v).toMatchObject({ Name: "data", Driver: "local", Scope: "local" });
    const list = await json(h, "GET", `${V}/volumes`, 200, "/volumes");
    expect(list.Volumes.map((x: { Name: string }) => x.Name)).toContain("data");
    await json(h, "GET", `${V}/volumes/data`, 200, "/volumes/{name}");
    await empty(h, "DELETE", `${V}/volumes/data`, 204);
    expect(await error(h, "GET", `${V}/volumes/data`, 404)).toMatch(/data/);
    await json(h, "POST", `${V}/volumes/create`, 201, "/volumes/create", { Name: "scratch" });
    const pruned = await json(h, "POST", `${V}/volumes/prune?filters=${encodeURIComponent('{"all":["true"]}')}`, 200, "/volumes/prune");
    expect(pruned.VolumesDeleted).toContain("scratch");
  });
});
