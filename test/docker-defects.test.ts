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
