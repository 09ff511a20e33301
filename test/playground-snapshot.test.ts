// The playground's frame snapshot (examples/playground/snapshot.ts): built once per frame from reads
// that change nothing, frozen all the way down, and its own copy of what the views need.
import { describe, expect, it } from "vitest";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { History } from "../examples/playground/history.js";
import { takeSnapshot } from "../examples/playground/snapshot.js";

function frozenDeep(o: unknown, path = "snapshot"): string[] {
  if (!o || typeof o !== "object") return [];
  const bad = Object.isFrozen(o) ? [] : [path];
  return bad.concat(...Object.entries(o).map(([k, v]) => frozenDeep(v, `${path}.${k}`)));
}

describe("the playground's snapshot", () => {
  it("is frozen, reads without changing the VCH, and sums the container VMs' memory per host", async () => {
    const vch = await VirtualContainerHost.open({ clock: { mode: "manual" }, seed: 7, cluster: { hosts: 3, hostCpuMHz: 24_000, hostMemoryMiB: 4096 } });
    try {
      const history = new History();
      vch.subscribe((e) => history.onEvent(e));
      await vch.pullImage("nginx");
      for (let i = 0; i < 4; i++) await vch.start(vch.createContainer({ Image: "nginx" }).id);
      vch.advance(5_000);
      const ids = vch.listContainers().map((c) => c.id);
      const before = { info: vch.info(), stats: ids.map((id) => vch.statsSample(id)), version: history.view.version };
      const a = takeSnapshot(vch, { playing: true, speed: 10 }, history);
      for (let i = 0; i < 50; i++) takeSnapshot(vch, { playing: true, speed: 10 }, history);
      const b = takeSnapshot(vch, { playing: true, speed: 10 }, history);
      // Reading never mutates: 52 snapshots later the VCH says exactly what it said before.
      expect(vch.info()).toEqual(before.info);
      expect(ids.map((id) => vch.statsSample(id))).toEqual(before.stats);
      expect(b).toEqual(a);
      expect(frozenDeep(a)).toEqual([]);
      expect(() => ((a.hosts[0] as { name: string }).name = "x")).toThrow(TypeError);
      // The snapshot is a copy: the VCH's records stay writable (freezing them would break it).
      expect(Object.isFrozen(vch.listContainers()[0])).toBe(false);
      expect(a.containers).toHaveLength(4);
      expect(a.running).toBe(4);
      expect(a.hosts.reduce((n, h) => n + h.containers.length, 0)).toBe(4);
      for (const h of a.hosts) {
        let granted = 0;
        for (const c of h.containers) granted += vch.vmMemory(c.id)!.granted;
        expect(h.vmMemory.granted).toBe(granted);
        expect(h.memory).toEqual({ used: before.info.hosts[h.index].memory.used, capacity: before.info.hosts[h.index].memory.capacity, sharedSaved: before.info.hosts[h.index].memory.sharedSaved });
      }
      expect(a.totals.used).toBe(before.info.hosts.reduce((n, h) => n + h.memory.used, 0));
      expect(a.history.events.length).toBeGreaterThan(0);
      // A later event gives a new history view; the old snapshot keeps its own.
      vch.remove(ids[0], { force: true });
      const c = takeSnapshot(vch, { playing: false, speed: 1 }, history);
      expect(c.history.version).toBeGreaterThan(a.history.version);
      expect(c.containers).toHaveLength(3);
      expect(a.containers).toHaveLength(4);
    } finally {
      await vch.close();
    }
  });
});
