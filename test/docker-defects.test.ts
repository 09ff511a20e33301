// Regression tests of defects found at the Docker door: what a Docker client saw and now sees.
import { afterEach, describe, expect, it } from "vitest";
import { createDockerHandler, type DockerHandler } from "../bindings/docker/index.js";
import type { VirtualContainerHost } from "../bindings/vch/vch.js";
import { openVch } from "./fixtures/vch-helpers.js";

let vch: VirtualContainerHost | null = null;
afterEach(async () => {
  await vch?.close();
  vch = null;
});

const V = "http://vch/v1.50";
async function call(h: DockerHandler, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const r = await h(new Request(V + path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { "Content-Type": "application/json" } }));
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}
const filters = (f: Record<string, string[]>) => `filters=${encodeURIComponent(JSON.stringify(f))}`;

describe("prune applies every filter it accepts, and refuses any other with dockerd's 400", () => {
  it("volume prune --filter label=keep=no deletes only what is labelled keep=no; label!= keeps the others", async () => {
    vch = await openVch();
    const h = createDockerHandler(vch);
    await call(h, "POST", "/volumes/create", { Name: "kept", Labels: { keep: "yes" } });
    await call(h, "POST", "/volumes/create", { Name: "dropped", Labels: { keep: "no" } });
    await call(h, "POST", "/volumes/create", { Name: "plain" });
    const r = await call(h, "POST", `/volumes/prune?${filters({ all: ["true"], label: ["keep=no"] })}`);
    expect(r.status).toBe(200);
    expect(r.json.VolumesDeleted).toEqual(["dropped"]);
    const r2 = await call(h, "POST", `/volumes/prune?${filters({ all: ["true"], "label!": ["keep"] })}`);
    expect(r2.json.VolumesDeleted).toEqual(["plain"]);
    expect(vch.listVolumes().map((v) => v.Name)).toEqual(["kept"]);
  });

  it("container prune --filter until=24h leaves a container created a second ago; until in the future prunes it", async () => {
    vch = await openVch();
    const h = createDockerHandler(vch);
    const c = vch.createContainer({ Image: "busybox", Cmd: ["true"], Labels: { tier: "batch" } }, "recent");
    await vch.start(c.id);
    vch.advance(1000);
    const kept = await call(h, "POST", `/containers/prune?${filters({ until: ["24h"] })}`);
    expect(kept.status).toBe(200);
    expect(kept.json.ContainersDeleted).toEqual([]);
    const notMatching = await call(h, "POST", `/containers/prune?${filters({ "label!": ["tier=batch"] })}`);
    expect(notMatching.json.ContainersDeleted).toEqual([]);
    const future = new Date(vch.now() + 60_000).toISOString();
    const gone = await call(h, "POST", `/containers/prune?${filters({ until: [future], label: ["tier"] })}`);
    expect(gone.json.ContainersDeleted).toEqual([c.id]);
  });

  it("network prune applies label and until; image prune applies label", async () => {
    vch = await openVch();
    const h = createDockerHandler(vch);
    await call(h, "POST", "/networks/create", { Name: "keepnet", Labels: { keep: "yes" } });
    await call(h, "POST", "/networks/create", { Name: "dropnet" });
    vch.advance(10_000);
    const none = await call(h, "POST", `/networks/prune?${filters({ until: ["1h"] })}`);
    expect(none.json.NetworksDeleted).toEqual([]);
    const r = await call(h, "POST", `/networks/prune?${filters({ "label!": ["keep=yes"] })}`);
    expect(r.json.NetworksDeleted).toEqual(["dropnet"]);
    // busybox has no labels: label=x matches nothing, so nothing unused is deleted.
    const img = await call(h, "POST", `/images/prune?${filters({ dangling: ["false"], label: ["x"] })}`);
    expect(img.json.ImagesDeleted).toEqual([]);
    expect(vch.listImages().length).toBe(1);
  });

  it("a filter the endpoint does not apply is refused with 400 and changes nothing", async () => {
    vch = await openVch();
    const h = createDockerHandler(vch);
    await call(h, "POST", "/volumes/create", { Name: "v1" });
    for (const [path, key] of [["/volumes/prune", "until"], ["/containers/prune", "name"], ["/networks/prune", "driver"], ["/images/prune", "reference"]]) {
      const r = await call(h, "POST", `${path}?${filters({ [key]: ["x"] })}`);
      expect(r.status, path).toBe(400);
      expect(r.json.message).toBe(`invalid filter '${key}'`);
    }
    const bad = await call(h, "POST", `/containers/prune?${filters({ until: ["yesterday"] })}`);
    expect(bad.status).toBe(400);
    expect(vch.listVolumes().map((v) => v.Name)).toEqual(["v1"]);
  });
});

describe("the web-standard handler uses only what Node, Deno and browsers all have", () => {
  it("docker logs --tail N through the browser entry with no setImmediate in the global scope", async () => {
    const saved = globalThis.setImmediate;
    // @ts-expect-error: a browser's global scope has no setImmediate
    delete globalThis.setImmediate;
    try {
      const browser = await import("../bindings/browser.js");
      const { createDockerHandler: create } = await import("../bindings/docker/handler.js");
      const v = await browser.VirtualContainerHost.open({ clock: { mode: "manual" }, seed: 7 });
      vch = v;
      await v.pullImage("busybox");
      const c = v.createContainer({ Image: "busybox", Cmd: ["sh", "-c", "echo one; echo two; echo three"] }, "lines");
      await v.start(c.id);
      const h = create(v);
      const r = await h(new Request(`${V}/containers/lines/logs?stdout=1&tail=2`));
      expect(r.status).toBe(200);
      const body = new Uint8Array(await r.arrayBuffer());
      // Two multiplexed frames (8-byte header each), the last two lines.
      const text: string[] = [];
      for (let i = 0; i < body.length; ) {
        const n = new DataView(body.buffer, body.byteOffset + i + 4, 4).getUint32(0);
        text.push(new TextDecoder().decode(body.subarray(i + 8, i + 8 + n)));
        i += 8 + n;
      }
      expect(text).toEqual(["two\n", "three\n"]);
    } finally {
      globalThis.setImmediate = saved;
    }
  });
});

describe("Docker conventions that were accepted and dropped", () => {
  it("a Healthcheck runs in the guest: State.Health, (healthy) in ps, health_status events, the health filter", async () => {
    vch = await openVch();
    const h = createDockerHandler(vch);
    const events: string[] = [];
    vch.subscribe((e) => {
      if (e.Action.startsWith("health_status")) events.push(e.Action);
    });
    const ok = await call(h, "POST", "/containers/create?name=ok", { Image: "busybox", Cmd: ["sleep", "infinity"], Healthcheck: { Test: ["CMD", "true"], Interval: 5e9, Retries: 2 } });
    const bad = await call(h, "POST", "/containers/create?name=bad", { Image: "busybox", Cmd: ["sleep", "infinity"], Healthcheck: { Test: ["CMD-SHELL", "cat /ready || exit 1"], Interval: 5e9, Retries: 2 } });
    expect([ok.status, bad.status]).toEqual([201, 201]);
    await vch.start("ok");
    await vch.start("bad");
    const starting = await call(h, "GET", "/containers/ok/json");
    expect(starting.json.State.Health).toEqual({ Status: "starting", FailingStreak: 0, Log: [] });
    vch.advance(5_000);
    const ps = await call(h, "GET", "/containers/json");
    const status = Object.fromEntries(ps.json.map((c: any) => [c.Names[0], c.Status]));
    expect(status["/ok"]).toMatch(/^Up 5 seconds \(healthy\)$/);
    expect(status["/bad"]).toMatch(/^Up 5 seconds \(health: starting\)$/);
    vch.advance(5_000);
    const inspect = await call(h, "GET", "/containers/bad/json");
    expect(inspect.json.State.Health.Status).toBe("unhealthy");
    expect(inspect.json.State.Health.FailingStreak).toBe(2);
    expect(inspect.json.State.Health.Log[0]).toMatchObject({ ExitCode: 1, Output: "cat: can't open '/ready': No such file or directory\n" });
    expect(events).toEqual(["health_status: healthy", "health_status: unhealthy"]);
    const healthy = await call(h, "GET", `/containers/json?${filters({ health: ["healthy"] })}`);
    expect(healthy.json.map((c: any) => c.Names[0])).toEqual(["/ok"]);
    const none = await call(h, "GET", `/containers/json?${filters({ health: ["none"] })}`);
    expect(none.json).toEqual([]);
    const refused = await call(h, "POST", "/containers/create", { Image: "busybox", Healthcheck: { Test: ["CMD", "true"], Interval: 5 } });
    expect(refused.status).toBe(400);
  });

  it("ExecIDs lists the container's exec instances; SizeRw is what its guest wrote", async () => {
    vch = await openVch();
    const h = createDockerHandler(vch);
    const c = vch.createContainer({ Image: "busybox", Cmd: ["sh", "-c", "echo hello > /tmp/f; sleep infinity"] }, "box");
    await vch.start(c.id);
    // The shell runs on promises: let it write its file.
    for (let i = 0; i < 300 && vch.getContainer(c.id).sizeRw === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const exec = vch.createExec(c.id, { Cmd: ["sleep", "100"] });
    vch.startExec(exec);
    vch.advance(60_000);
    const inspect = await call(h, "GET", "/containers/box/json?size=1");
    expect(inspect.json.ExecIDs).toEqual([exec]);
    expect(inspect.json.SizeRw).toBe(6); // the bytes of the file it wrote in its layer, /tmp/f
    expect(inspect.json.SizeRootFs).toBe(vch.getImage("busybox").size + 6);
    const ps = await call(h, "GET", "/containers/json?size=1");
    expect(ps.json[0].SizeRw).toBe(inspect.json.SizeRw);
  });

  it("publish, expose and is-task filter docker ps", async () => {
    vch = await openVch({ pull: ["busybox", "nginx"] });
    const h = createDockerHandler(vch);
    const web = vch.createContainer({ Image: "nginx", HostConfig: { PortBindings: { "80/tcp": [{ HostPort: "8080" }] } } }, "web");
    await vch.start(web.id);
    const plain = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "infinity"] }, "plain");
    await vch.start(plain.id);
    const names = async (f: Record<string, string[]>) => (await call(h, "GET", `/containers/json?${filters(f)}`)).json.map((c: any) => c.Names[0]);
    expect(await names({ publish: ["8080"] })).toEqual(["/web"]);
    expect(await names({ publish: ["80"] })).toEqual([]);
    expect(await names({ expose: ["80/tcp"] })).toEqual(["/web"]);
    expect(await names({ expose: ["8000-8100"] })).toEqual([]);
    expect(await names({ "is-task": ["true"] })).toEqual([]);
    expect((await names({ "is-task": ["false"] })).sort()).toEqual(["/plain", "/web"]);
  });
});

describe("list filters the endpoints accept are applied", () => {
  it("network ls applies dangling and scope; image ls applies until", async () => {
    vch = await openVch();
    const h = createDockerHandler(vch);
    await call(h, "POST", "/networks/create", { Name: "used" });
    await call(h, "POST", "/networks/create", { Name: "idle" });
    vch.createContainer({ Image: "busybox", HostConfig: { NetworkMode: "used" } });
    const names = async (f: Record<string, string[]>) => (await call(h, "GET", `/networks?${filters(f)}`)).json.map((n: any) => n.Name).sort();
    expect(await names({ dangling: ["true"] })).toEqual(["idle"]);
    expect(await names({ scope: ["swarm"] })).toEqual([]);
    expect((await names({ scope: ["local"] })).length).toBe(5);
    // busybox "was built" long before the virtual clock's now: until=1h keeps it, until=1970 hides it.
    expect((await call(h, "GET", `/images/json?${filters({ until: ["1h"] })}`)).json.length).toBe(1);
    expect((await call(h, "GET", `/images/json?${filters({ until: ["1970-01-02T00:00:00Z"] })}`)).json).toEqual([]);
  });
});

describe("faults the VCH met on its own show in docker info", () => {
  it("a restart policy's power-on that failed is counted in the Faults row of DriverStatus", async () => {
    vch = await openVch({ cluster: { hosts: 1 } });
    const h = createDockerHandler(vch);
    const c = vch.createContainer({ Image: "busybox", Cmd: ["sh", "-c", "exit 3"], HostConfig: { RestartPolicy: { Name: "always" } } }, "crashy");
    await vch.start(c.id);
    vch.failHost("H0");
    vch.advance(1_000);
    const info = await call(h, "GET", "/info");
    const faults = (info.json.DriverStatus as [string, string][]).find(([k]) => k === "Faults")![1];
    expect(faults).toContain("1 restarts that could not power on");
  });
});
