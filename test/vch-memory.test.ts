// Container VMs share their image's template copy-on-write: what the memory engine shows per host and VM.
import { afterEach, describe, expect, it } from "vitest";
import type { VirtualContainerHost } from "../bindings/vch/vch.js";
import { openVch } from "./fixtures/vch-helpers.js";

let vch: VirtualContainerHost;
afterEach(async () => {
  await vch?.close();
});

describe("container VMs on a template", () => {
  for (const reference of [false, true]) {
    it(`100 containers of one image on one host share the template (${reference ? "reference" : "wasm"} cores)`, async () => {
      vch = await openVch({ reference, cluster: { hosts: 1 } });
      const host = () => vch.info().hosts[0].memory;
      let savedBefore = -1;
      let templateFrames = 0;
      const ids: string[] = [];
      for (let i = 0; i < 100; i++) {
        const c = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "1000"] });
        await vch.start(c.id);
        ids.push(c.id);
        if (i === 0) templateFrames = host().used - vch.statsSample(c.id).vm!.consumed;
        const m = host();
        // Every clone maps the template's pages again without new frames: the saving grows.
        expect(m.sharedSaved).toBeGreaterThan(savedBefore);
        savedBefore = m.sharedSaved;
      }
      const consumed = ids.map((id) => vch.statsSample(id).vm!.consumed);
      const m = host();
      // Host memory = one template + each container VM's own pages, nothing per clone besides.
      expect(m.used).toBe(templateFrames + consumed.reduce((s, x) => s + x, 0));
      expect(Math.max(...consumed)).toBeLessThanOrEqual(64 + 1);
      expect(m.used).toBeLessThan(templateFrames + 100 * 65);
      const granted = vch.statsSample(ids[0]).vm!.granted;
      expect(m.sharedSaved).toBeGreaterThan(99 * (granted - 65));
      expect(vch.info().hosts[0].templates).toEqual(["busybox:latest"]);
    });
  }

  it("a container's writes never show in another's stats", async () => {
    // No TPS here: a scan may merge B's own duplicate pages, which is not A's doing.
    vch = await openVch({ pull: ["redis"], cluster: { hosts: 1, tps: { intervalMs: 24 * 3_600_000 } } });
    const a = vch.createContainer({ Image: "redis" });
    const b = vch.createContainer({ Image: "redis" });
    await vch.start(a.id);
    await vch.start(b.id);
    vch.pause(b.id);
    const bBefore = vch.statsSample(b.id).vm!;
    const aBefore = vch.statsSample(a.id).vm!;
    vch.advance(120_000);
    const aAfter = vch.statsSample(a.id).vm!;
    expect(aAfter.private).toBeGreaterThan(aBefore.private);
    expect(vch.statsSample(b.id).vm).toEqual(bBefore);
    vch.unpause(b.id);
    vch.advance(10_000);
    expect(vch.statsSample(b.id).vm!.private).toBeGreaterThan(bBefore.private);
    expect(vch.statsSample(a.id).vm!.private).toBeGreaterThanOrEqual(aAfter.private);
  });

  it("a template is built per host on first use, and an exited container gives its memory back", async () => {
    vch = await openVch({ cluster: { hosts: 1 } });
    const empty = vch.info().hosts[0].memory.used;
    expect(empty).toBe(0);
    const c = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "10"] });
    expect(vch.info().hosts[0].memory.used).toBe(0); // created: powered off, no template yet
    const built: Record<string, string>[] = [];
    vch.subscribe((e) => e.Action === "template-create" && built.push(e.Actor.Attributes));
    await vch.start(c.id);
    expect(built).toHaveLength(1);
    expect(built[0]).toMatchObject({ host: "H0", memoryMiB: "2048" });
    expect(Number(built[0].durationMs)).toBeGreaterThan(vch.getImage("busybox").profile.bootMs);
    expect(Number(built[0].pages)).toBe(vch.getImage("busybox").profile.bootPages);
    const running = vch.info().hosts[0].memory.used;
    const own = vch.statsSample(c.id).vm!.consumed;
    vch.advance(10_000);
    expect(vch.getContainer(c.id).state.Status).toBe("exited");
    expect(vch.info().hosts[0].memory.used).toBe(running - own); // the template stays for the next clone
    const again = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "10"] });
    await vch.start(again.id);
    expect(built).toHaveLength(1); // the second clone reuses the template VM
  });

  it("TPS merges duplicate content across an image's container VMs only when salting lets them share", async () => {
    const merged: Record<string, number> = {};
    for (const salting of ["vm", "image"] as const) {
      vch = await openVch({ pull: ["nginx"], cluster: { hosts: 1, tps: { salting, intervalMs: 3_600_000 } } });
      for (let i = 0; i < 8; i++) {
        const c = vch.createContainer({ Image: "nginx" });
        await vch.start(c.id);
      }
      vch.advance(60_000);
      const before = vch.info().hosts[0].memory;
      let total = 0;
      for (let i = 0; i < 20; i++) total += vch.tpsNow().merged;
      const after = vch.info().hosts[0].memory;
      expect(after.used).toBe(before.used - total);
      merged[salting] = total;
      await vch.close();
    }
    expect(merged.image).toBeGreaterThan(merged.vm);
  });
});
