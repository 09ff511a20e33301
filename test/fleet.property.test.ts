/**
 * Fleet scheduler constraints (availability zone and tag labels, a pinned host, hosts re-labelled or
 * holding restored VMs) through the wasm kernel and the reference model: same hosts, same failure codes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FleetScheduler } from "../bindings/core/fleet.js";
import { ReferenceFleetScheduler } from "./reference/fleet.js";

const op = fc.oneof(
  fc.record({
    kind: fc.constant("place" as const),
    vcpus: fc.integer({ min: 1, max: 32 }),
    memoryMiB: fc.integer({ min: 64, max: 65_536 }),
    image: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    imageSizeMiB: fc.option(fc.integer({ min: 0, max: 2048 }), { nil: undefined }),
    labels: fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined }),
    host: fc.option(fc.nat(), { nil: undefined }),
  }),
  fc.record({ kind: fc.constant("relabel" as const), host: fc.nat(), labels: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ kind: fc.constant("reserve" as const), host: fc.nat(), vcpus: fc.integer({ min: 1, max: 8 }), memoryMiB: fc.integer({ min: 1, max: 4096 }) }),
  fc.record({ kind: fc.constant("up" as const), host: fc.nat(), up: fc.boolean() }),
);

describe("fleet scheduler constraints against the reference model", () => {
  it("agrees on hosts, scores and failure codes, and every placement meets its constraints", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ cores: fc.integer({ min: 1, max: 32 }), memoryMiB: fc.integer({ min: 1024, max: 131_072 }), labels: fc.integer({ min: 0, max: 15 }) }), { minLength: 1, maxLength: 60 }),
        fc.array(op, { minLength: 1, maxLength: 150 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (hosts, ops, seed) => {
          const w = new FleetScheduler({ hosts, seed });
          const r = new ReferenceFleetScheduler({ hosts, seed });
          const labels = hosts.map((h) => h.labels);
          const up = hosts.map(() => true);
          for (const o of ops) {
            const h = o.host === undefined ? undefined : o.host % hosts.length;
            if (o.kind === "relabel") {
              w.setHostLabels(h!, o.labels);
              r.setHostLabels(h!, o.labels);
              labels[h!] = o.labels;
            } else if (o.kind === "reserve") {
              w.reserve(h!, o.vcpus, o.memoryMiB);
              r.reserve(h!, o.vcpus, o.memoryMiB);
            } else if (o.kind === "up") {
              w.setHostUp(h!, o.up);
              r.setHostUp(h!, o.up);
              up[h!] = o.up;
            } else {
              const q = { ...o, host: h };
              const [a] = w.placeMany([q]);
              const [b] = r.placeMany([q]);
              expect(a).toEqual(b);
              // The decision log: both kernels sampled the same hosts with the same scores, and the
              // chosen host is the sampled one with the best score.
              const [sw] = w.recentSamples(1);
              expect(sw).toEqual(r.recentSamples(1)[0]);
              expect(sw.length).toBeLessThanOrEqual(4);
              if (a.host >= 0) {
                expect(sw.map((x) => x.host)).toContain(a.host);
                expect(Math.max(...sw.map((x) => x.score ?? -1))).toBe(a.score);
              } else if (a.code !== "NoSuchResource") expect(sw.every((x) => x.score === null)).toBe(true);
              const want = o.labels ?? 0;
              if (a.host >= 0) {
                expect((labels[a.host] & want) >>> 0).toBe(want);
                expect(up[a.host]).toBe(true);
                if (h !== undefined) expect(a.host).toBe(h);
              } else if (a.code === "NoSuchResource") {
                // refused for constraints only when no host (or not the pinned one) is up with the labels
                const fits = (x: number): boolean => up[x] && (labels[x] & want) >>> 0 === want;
                expect(h !== undefined ? fits(h) : labels.some((_, x) => fits(x))).toBe(false);
              } else expect(["NotEnoughCpuResource", "NotEnoughMemoryResource"]).toContain(a.code);
            }
          }
          for (let x = 0; x < hosts.length; x++) expect(w.hostUsage(x)).toEqual(r.hostUsage(x));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("keeps the last 8 placements' samples, oldest first", () => {
    const hosts = Array.from({ length: 40 }, () => ({ cores: 8, memoryMiB: 8192 }));
    const s = new FleetScheduler({ hosts, seed: 3 });
    expect(s.recentSamples()).toEqual([]);
    const placed = s.placeMany(Array.from({ length: 11 }, () => ({ vcpus: 1, memoryMiB: 512 })));
    const recent = s.recentSamples();
    expect(recent).toHaveLength(8);
    recent.forEach((sample, i) => {
      expect(sample).toHaveLength(4);
      expect(new Set(sample.map((x) => x.host)).size).toBe(4);
      expect(sample.map((x) => x.host)).toContain(placed[3 + i].host);
    });
    expect(s.recentSamples(2)).toEqual(recent.slice(6));
  });

  it("names the resource that ran out", () => {
    const s = new FleetScheduler({ hosts: [{ cores: 1, memoryMiB: 1000 }] });
    expect(s.placeMany([{ vcpus: 1, memoryMiB: 990 }])[0].code).toBe("NotEnoughMemoryResource");
    expect(s.placeMany([{ vcpus: 16, memoryMiB: 10 }])[0].code).toBe("NotEnoughCpuResource");
    expect(s.placeMany([{ vcpus: 1, memoryMiB: 10, host: 0, labels: 2 }])[0]).toMatchObject({ host: -1, code: "NoSuchResource", reason: "host 0 is not up with labels 0x2" });
    expect(s.place({ vcpus: 1, memoryMiB: 10, host: 0 }).host).toBe(0);
  });
});
