// The scheduler's decision log (bindings/photon/decisions.ts): what the fleet scheduler sampled for
// each of the last 8 placements, the scores it gave, what it chose or why it refused.
import { describe, expect, it } from "vitest";
import { FleetScheduler } from "../bindings/core/fleet.js";
import { DecisionLog } from "../bindings/photon/decisions.js";
import { PhotonPlatform } from "../bindings/photon/index.js";
import { ReferenceFleetScheduler } from "./reference/fleet.js";

const fleet = (n: number) => Array.from({ length: n }, (_, i) => ({ cores: 16, memoryMiB: 16_384, labels: i % 2 ? 1 : 2 }));

describe("the decision log", () => {
  it("shows the four sampled hosts with their scores, the chosen one being the best of them", () => {
    const s = new FleetScheduler({ hosts: fleet(64), seed: 5 });
    const log = new DecisionLog();
    // Load one host, so scores differ.
    s.reserve(10, 8, 8192);
    const reqs = Array.from({ length: 3 }, () => ({ vcpus: 2, memoryMiB: 2048 }));
    const out = s.placeMany(reqs);
    log.record(s, reqs, out);
    const list = log.list();
    expect(list.map((d) => d.seq)).toEqual([1, 2, 3]);
    list.forEach((d, i) => {
      expect(d.sampled).toHaveLength(4);
      expect(new Set(d.sampled.map((x) => x.host)).size).toBe(4);
      expect(d.host).toBe(out[i].host);
      const best = d.sampled.reduce((a, b) => ((b.score ?? -1) > (a.score ?? -1) ? b : a));
      expect(best.score).toBe(d.score);
      expect(d.sampled.find((x) => x.host === d.host)!.score).toBe(d.score);
      for (const x of d.sampled) expect(x.score).toBeGreaterThan(0);
      expect(d.request).toEqual({ vcpus: 2, memoryMiB: 2048, labels: 0 });
    });
  });

  it("records the same samples over the wasm kernel and the reference model", () => {
    const w = new FleetScheduler({ hosts: fleet(100), seed: 9 });
    const r = new ReferenceFleetScheduler({ hosts: fleet(100), seed: 9 });
    const lw = new DecisionLog();
    const lr = new DecisionLog();
    for (let k = 0; k < 5; k++) {
      const reqs = Array.from({ length: 3 + k }, (_, i) => ({ vcpus: 1 + (i % 3), memoryMiB: 1024 * (1 + k), image: i % 2, imageSizeMiB: 300, labels: k % 2 ? 1 : 0 }));
      lw.record(w, reqs, w.placeMany(reqs));
      lr.record(r, reqs, r.placeMany(reqs));
    }
    expect(lw.list().map(({ at: _, ...d }) => d)).toEqual(lr.list().map(({ at: _, ...d }) => d));
  });

  it("keeps the last 8 of a large batch, numbered in order", () => {
    const s = new FleetScheduler({ hosts: fleet(32), seed: 1 });
    const log = new DecisionLog();
    const reqs = Array.from({ length: 20 }, () => ({ vcpus: 1, memoryMiB: 256 }));
    const out = s.placeMany(reqs);
    log.record(s, reqs, out);
    const list = log.list();
    expect(list.map((d) => d.seq)).toEqual([13, 14, 15, 16, 17, 18, 19, 20]);
    expect(list.map((d) => d.host)).toEqual(out.slice(12).map((p) => p.host));
    log.record(s, [reqs[0]], s.placeMany([reqs[0]]));
    expect(log.list().map((d) => d.seq)).toEqual([14, 15, 16, 17, 18, 19, 20, 21]);
  });

  it("shows refusals: no host with the labels samples nothing, a full fleet rejects every sampled host", () => {
    const s = new FleetScheduler({ hosts: fleet(8), seed: 2 });
    const log = new DecisionLog();
    const none = [{ vcpus: 1, memoryMiB: 128, labels: 4 }];
    log.record(s, none, s.placeMany(none));
    expect(log.list()[0]).toMatchObject({ host: -1, code: "NoSuchResource", sampled: [] });
    const huge = [{ vcpus: 1, memoryMiB: 16_000 }];
    log.record(s, huge, s.placeMany(huge));
    const d = log.list()[1];
    expect(d).toMatchObject({ host: -1, code: "NotEnoughMemoryResource" });
    expect(d.sampled).toHaveLength(4);
    expect(d.sampled.every((x) => x.score === null)).toBe(true);
  });

  it("refuses a size it cannot keep, and a batch that does not match its placements", () => {
    expect(() => new DecisionLog(9)).toThrow("a decision log keeps 1 to 8 decisions (the scheduler's trace), not 9");
    const s = new FleetScheduler({ hosts: fleet(4) });
    expect(() => new DecisionLog().record(s, [{ vcpus: 1, memoryMiB: 1 }], [])).toThrow("1 requests but 0 placements");
  });

  it("is fed by the platform's placements", async () => {
    const p = PhotonPlatform.open({ hosts: 256 });
    try {
      const placed = await Promise.all([p.placer.place({ vcpus: 2, memoryMiB: 4096 }), p.placer.place({ vcpus: 1, memoryMiB: 1024 })]);
      const list = p.placer.decisions.list();
      expect(list.map((d) => d.host)).toEqual(placed.map((x) => x.host));
      for (const d of list) expect(d.sampled.map((x) => x.host)).toContain(d.host);
    } finally {
      p.close();
    }
  });
});
