// Container VMs on the cluster: DRS placement and balancing, HA after a host failure, maintenance mode.
import { afterEach, describe, expect, it } from "vitest";
import type { VirtualContainerHost } from "../bindings/vch/vch.js";
import { openVch, record } from "./fixtures/vch-helpers.js";

let vch: VirtualContainerHost;
afterEach(async () => {
  await vch?.close();
});

const startMany = async (n: number, image: string | string[] = "busybox", cmd: string[] | undefined = ["sleep", "100000"], labels: Record<string, string> = {}) => {
  const ids: string[] = [];
  const images = Array.isArray(image) ? image : [image];
  for (let i = 0; i < n; i++) {
    const c = vch.createContainer({ Image: images[i % images.length], Cmd: cmd, Labels: labels });
    await vch.start(c.id);
    ids.push(c.id);
  }
  return ids;
};
/** Three images: the first container VM of each lands on its own host (no host holds its template yet). */
const IMAGES = ["busybox", "alpine", "debian"];
const perHost = () => vch.info().hosts.map((h) => h.containers);

describe("placement", () => {
  it("initial placement prefers the host holding the image's template, and spreads once that host is loaded", async () => {
    vch = await openVch({ pull: ["nginx", "redis", "alpine"], cluster: { hosts: 4, hostCpuMHz: 8000, hostMemoryMiB: 32768, drs: { threshold: 5 } } });
    const ids = await startMany(16, "nginx", undefined);
    const hostOf = (id: string) => vch.getContainer(id).host!.name;
    // Instant clone needs the template on the same host: the second clone follows the first.
    expect(hostOf(ids[1])).toBe(hostOf(ids[0]));
    const counts = perHost();
    expect(counts.reduce((s, x) => s + x, 0)).toBe(16);
    expect(counts.filter((x) => x > 0).length).toBeGreaterThanOrEqual(3);
    for (const h of vch.info().hosts) if (h.containers) expect(h.templates).toEqual(["nginx:latest"]);
    // A new image's first container VM goes where the load is least (every host must copy its template).
    const least = perHost().indexOf(Math.min(...perHost()));
    const [redis] = await startMany(1, "redis", undefined);
    expect(vch.getContainer(redis).host!.index).toBe(least);
    const before = vch.info().drs.imbalance;
    vch.advance(300_000);
    expect(vch.info().drs.lastPass).toBe(vch.now());
    expect(vch.info().drs.imbalance).toBeLessThanOrEqual(before);
    expect(perHost().reduce((s, x) => s + x, 0)).toBe(17);
  });

  it("a DRS pass every 300 s of virtual time moves container VMs off an overloaded host (vMotion)", async () => {
    vch = await openVch({ pull: ["nginx"], cluster: { hosts: 2, hostCpuMHz: 4000, hostMemoryMiB: 16384, drs: { threshold: 5 }, ha: { kind: "disabled" } } });
    vch.enterMaintenance("H1");
    const ids = await startMany(8, "nginx", undefined);
    expect(perHost()).toEqual([8, 0]);
    vch.exitMaintenance("H1");
    const privateBefore = new Map(ids.map((id) => [id, vch.statsSample(id).vm!.private]));
    const ev = record(vch, (e) => e.Action === "drs-migrate");
    vch.advance(299_000);
    expect(ev.list).toHaveLength(0);
    // Stop the guests dirtying memory so pages carried by vMotion can be compared exactly.
    for (const id of ids) vch.pause(id);
    vch.advance(1_000);
    expect(ev.list.length).toBeGreaterThan(0);
    expect(perHost()[1]).toBe(ev.list.length);
    const info = vch.info();
    expect(info.drs.lastPass).toBe(vch.now());
    expect(info.drs.migrations).toBe(ev.list.length);
    for (const e of ev.list) {
      expect(e.Actor.Attributes).toMatchObject({ from: "H0", to: "H1", reason: expect.any(String) });
      expect(Number(e.Actor.Attributes.durationMs)).toBeGreaterThan(0);
      const moved = vch.getContainer(e.Actor.ID);
      expect(moved.host!.name).toBe("H1");
      expect(moved.state.Status).toBe("paused");
    }
    // The moved container VM's own pages travelled with it.
    for (const id of ids) expect(vch.statsSample(id).vm!.private).toBeGreaterThanOrEqual(privateBefore.get(id)!);
  });

  it("in manual automation DRS only recommends", async () => {
    vch = await openVch({ pull: ["nginx"], cluster: { hosts: 2, hostCpuMHz: 4000, hostMemoryMiB: 16384, drs: { threshold: 5, automation: "manual" }, ha: { kind: "disabled" } } });
    vch.enterMaintenance("H1");
    await startMany(8, "nginx", undefined);
    vch.exitMaintenance("H1");
    const pass = vch.drsNow();
    expect(pass.applied).toBe(false);
    expect(pass.recommendations.length).toBeGreaterThan(0);
    expect(perHost()).toEqual([8, 0]);
    vch.setDrs({ automation: "fullyAutomated" });
    const applied = vch.drsNow();
    expect(applied.applied).toBe(true);
    expect(perHost()[1]).toBe(applied.recommendations.length);
    expect(() => vch.setDrs({ threshold: 9 as never })).toThrow("DRS migration threshold must be 1 to 5, got 9");
  });
});

describe("faults", () => {
  it("a host failure stops its container VMs at once; HA restarts them on the survivors once the host is declared dead (15 s)", async () => {
    vch = await openVch({ pull: IMAGES, cluster: { hosts: 3, hostCpuMHz: 8000, hostMemoryMiB: 32768 } });
    const ids = await startMany(9, IMAGES);
    const victims = ids.filter((id) => vch.getContainer(id).host!.name === "H1");
    const others = ids.filter((id) => !victims.includes(id));
    expect(victims.length).toBeGreaterThan(0);
    const ev = record(vch);
    const t0 = vch.now();
    const result = vch.failHost("H1");
    expect(result).toEqual({ host: "H1", stopped: expect.any(Array), declaredDeadAt: t0 + 15_000 });
    expect([...result.stopped].sort()).toEqual([...victims].sort());
    expect(ev.list[0]).toMatchObject({ Type: "cluster", Action: "host-failed", Actor: { ID: "H1" } });
    // What a Docker client sees meanwhile: the container VM died with its host.
    for (const id of victims) {
      expect(vch.getContainer(id)).toMatchObject({ state: { Status: "exited", Running: false, ExitCode: 255, Error: "host H1 failed" }, host: null });
    }
    await expect(vch.wait(victims[0])).resolves.toEqual({ StatusCode: 255 });
    for (const id of others) expect(vch.getContainer(id).state.Running).toBe(true);
    expect(vch.info().hosts[1]).toMatchObject({ state: "failed", containers: 0, templates: [] });
    expect(vch.info().hosts[1].memory.used).toBe(0);
    vch.advance(14_999);
    expect(ev.actions()).not.toContain("cluster ha-restart");
    for (const id of victims) expect(vch.getContainer(id).state.Running).toBe(false);
    vch.advance(1);
    for (const id of victims) {
      const c = vch.getContainer(id);
      expect(c.state.Running).toBe(true);
      expect(c.host!.name).not.toBe("H1");
      expect(c.restartCount).toBe(1);
      const mine = ev.list.filter((e) => e.Actor.ID === id);
      expect(mine.map((e) => `${e.Type} ${e.Action}`)).toEqual(["container die", "cluster ha-restart", "container start"]);
      expect(mine[1].timeNano).toBe((t0 + 15_000) * 1e6);
      expect(mine[1].Actor.Attributes).toMatchObject({ from: "H1", to: c.host!.name });
    }
    expect(ev.actions()).not.toContain("cluster ha-restart-failed");
    expect(vch.info().hosts[1].state).toBe("failed");
    expect(() => vch.failHost("H1")).toThrow("host H1 has already failed");
    vch.recoverHost("H1");
    expect(vch.info().hosts[1].state).toBe("connected");
    expect(vch.info().hosts[1].containers).toBe(0); // they stay where HA put them; DRS may balance later
  });

  it("a host that recovers before HA declares it dead gets its container VMs back; nothing restarts elsewhere", async () => {
    vch = await openVch({ pull: IMAGES, cluster: { hosts: 3, hostCpuMHz: 8000, hostMemoryMiB: 32768 } });
    const ids = await startMany(9, IMAGES);
    const victims = ids.filter((id) => vch.getContainer(id).host!.name === "H1");
    expect(victims.length).toBeGreaterThan(0);
    const ev = record(vch, (e) => e.Type === "cluster");
    vch.failHost("H1");
    vch.advance(10_000);
    vch.recoverHost("H1");
    for (const id of victims) expect(vch.getContainer(id)).toMatchObject({ state: { Running: true }, host: { name: "H1" }, restartCount: 1 });
    const restarts = ev.list.filter((e) => e.Action === "ha-restart");
    expect(restarts).toHaveLength(victims.length);
    for (const e of restarts) expect(e.Actor.Attributes).toMatchObject({ from: "H1", to: "H1" });
    expect(vch.info().hosts.map((h) => h.containers).reduce((a, b) => a + b, 0)).toBe(9);
    // The declaration timer was cancelled: nothing more happens at 15 s.
    const before = ev.list.length;
    vch.advance(30_000);
    expect(ev.list.slice(before).filter((e) => e.Action.startsWith("ha-"))).toEqual([]);
    for (const id of victims) expect(vch.getContainer(id).host!.name).toBe("H1");
  });

  it("a container VM started or removed by a client before the declaration is left alone by HA", async () => {
    vch = await openVch({ pull: IMAGES, cluster: { hosts: 3, hostCpuMHz: 8000, hostMemoryMiB: 32768 } });
    const ids = await startMany(12, IMAGES);
    const victims = ids.filter((id) => vch.getContainer(id).host!.name === "H0");
    expect(victims.length).toBeGreaterThanOrEqual(2);
    const ev = record(vch, (e) => e.Type === "cluster");
    vch.failHost("H0");
    await vch.start(victims[0]); // powers on where HA holds its failover placement
    expect(vch.getContainer(victims[0]).host!.name).not.toBe("H0");
    vch.remove(victims[1]);
    // A container created meanwhile (it takes the removed one's place in the cluster) is not HA's to start.
    const newcomer = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "100000"] }).id;
    vch.advance(15_000);
    const restarted = ev.list.filter((e) => e.Action === "ha-restart").map((e) => e.Actor.ID);
    expect(restarted.sort()).toEqual(victims.slice(2).sort());
    expect(vch.getContainer(victims[0]).restartCount).toBe(0);
    expect(vch.getContainer(newcomer).state).toMatchObject({ Status: "created", Running: false });
    expect(vch.listContainers().length).toBe(11);
    expect(vch.info().hosts.map((h) => h.containers).reduce((a, b) => a + b, 0)).toBe(11);
  });

  it("a failover placement moved before the declaration (maintenance mode) is where HA restarts the container VM", async () => {
    const scenario = async () => {
      vch = await openVch({ pull: IMAGES, cluster: { hosts: 4, hostCpuMHz: 8000, hostMemoryMiB: 32768 } });
      const ids = await startMany(12, IMAGES);
      return { ids, victims: ids.filter((id) => vch.getContainer(id).host!.name === "H0") };
    };
    // A first run (same seed, same operations) shows where HA's failover plan puts H0's container VMs.
    const first = await scenario();
    vch.failHost("H0");
    vch.advance(15_000);
    const planned = first.victims.map((id) => vch.getContainer(id).host!.name);
    const target = [...new Set(planned)].sort((a, b) => planned.filter((x) => x === b).length - planned.filter((x) => x === a).length)[0];
    await vch.close();

    const { ids, victims } = await scenario();
    expect(victims).toEqual(first.victims);
    const ev = record(vch, (e) => e.Type === "cluster");
    vch.failHost("H0");
    const running = (h: string) => ids.filter((id) => vch.getContainer(id).state.Running && vch.getContainer(id).host!.name === h);
    const onTarget = running(target);
    const { moved } = vch.enterMaintenance(target);
    // Only running container VMs move by vMotion; the placements HA holds move with the evacuation.
    expect(moved.map((m) => m.container).sort()).toEqual([...onTarget].sort());
    vch.advance(15_000);
    const restarts = ev.list.filter((e) => e.Action === "ha-restart");
    expect(restarts.map((e) => e.Actor.ID).sort()).toEqual([...victims].sort());
    for (const id of victims) expect(["H0", target]).not.toContain(vch.getContainer(id).host!.name);
    expect(vch.info().hosts.map((h) => h.containers).reduce((a, b) => a + b, 0)).toBe(12);
    expect(vch.info().hosts.find((h) => h.name === target)!.containers).toBe(0);
  });

  it("reports container VMs HA could not restart (disabled priority, or no survivor) when the host is declared dead", async () => {
    vch = await openVch({ pull: IMAGES, cluster: { hosts: 2 } });
    const ids = await startMany(4, IMAGES, ["sleep", "100000"], { "vsphere.ha.restart-priority": "disabled" });
    const onH0 = ids.filter((id) => vch.getContainer(id).host!.name === "H0");
    const ev = record(vch, (e) => e.Type === "cluster");
    const result = vch.failHost(0);
    expect([...result.stopped].sort()).toEqual([...onH0].sort());
    expect(ev.actions()).toEqual(["cluster host-failed"]);
    vch.runUntilIdle(60_000); // counts HA's pending declaration as work to wait for
    const failed = ev.list.filter((e) => e.Action === "ha-restart-failed");
    expect(failed.map((e) => e.Actor.ID).sort()).toEqual([...onH0].sort());
    for (const e of failed) expect(e.Actor.Attributes.reason).toBe("its HA restart priority is disabled");
    expect(ev.actions()).not.toContain("cluster ha-restart");
    for (const id of onH0) {
      const c = vch.getContainer(id);
      expect(c.state).toMatchObject({ Status: "exited", ExitCode: 255, Error: "host H0 failed" });
    }
    expect(() => vch.failHost("H9")).toThrow("No such host: H9 (the cluster has H0, H1)");
  });

  it("maintenance mode empties a host by vMotion and the containers keep running", async () => {
    vch = await openVch({ pull: IMAGES, cluster: { hosts: 3, hostCpuMHz: 8000, hostMemoryMiB: 32768 } });
    const ids = await startMany(9, IMAGES);
    const onH2 = ids.filter((id) => vch.getContainer(id).host!.name === "H2");
    expect(onH2.length).toBeGreaterThan(0);
    const ev = record(vch, (e) => e.Type === "cluster");
    const { moved } = vch.enterMaintenance("H2");
    expect(moved.map((m) => m.container).sort()).toEqual([...onH2].sort());
    expect(vch.info().hosts[2]).toMatchObject({ state: "maintenance", containers: 0 });
    expect(vch.info().hosts[2].memory.used).toBe(0);
    for (const id of onH2) expect(vch.getContainer(id)).toMatchObject({ state: { Status: "running" } });
    expect(ev.actions().filter((a) => a === "cluster drs-migrate")).toHaveLength(onH2.length);
    expect(ev.actions().at(-1)).toBe("cluster host-maintenance-enter");
    // A host in maintenance takes no new container VMs.
    const more = await startMany(6, IMAGES);
    expect(more.every((id) => vch.getContainer(id).host!.name !== "H2")).toBe(true);
    vch.exitMaintenance("H2");
    expect(() => vch.exitMaintenance("H2")).toThrow("host H2 is not in maintenance mode");
  });
});

describe("determinism", () => {
  it("the same seed and the same operations give the same cluster state", async () => {
    const scenario = async () => {
      const v = await openVch({ pull: ["busybox", "nginx", "redis"], cluster: { hosts: 4, hostCpuMHz: 16000, hostMemoryMiB: 65536 } });
      vch = v;
      for (let i = 0; i < 12; i++) {
        const c = v.createContainer({ Image: ["busybox", "nginx", "redis"][i % 3], Cmd: i % 3 === 0 ? ["sleep", String(100 + i * 37)] : undefined });
        await v.start(c.id);
        v.advance(7_000);
      }
      v.failHost("H1");
      v.advance(400_000); // HA restarts at 15 s, DRS passes later
      v.tpsNow();
      const state = {
        info: { ...v.info(), now: 0 },
        containers: v.listContainers({ all: true }).map((c) => [c.id, c.name, c.state, c.host, c.vm, c.restartCount]),
        stats: v.listContainers().map((c) => v.statsSample(c.id).vm),
        events: [] as string[],
      };
      for await (const e of v.events({ since: 0, until: v.now() })) state.events.push(JSON.stringify(e));
      await v.close();
      return state;
    };
    const a = await scenario();
    const b = await scenario();
    expect(b).toEqual(a);
    expect(a.containers.length).toBe(12);
  });
});
