// The classic builder's step cache kept in the VCH's journal (record kind `build`), through the
// library: a reopened VCH's first build reuses the steps, a step's own layer comes back with it,
// and a VCH without a journal keeps nothing beyond its builder's memory.
import { describe, expect, it } from "vitest";
import { buildOnVch } from "../bindings/builder/index.js";
import { MemoryStore } from "../bindings/store/memory.js";
import type { VirtualContainerHost } from "../bindings/vch/vch.js";
import { openVch } from "./fixtures/vch-helpers.js";

const DOCKERFILE = 'FROM busybox\nRUN echo kept > /kept\nENV MODE=cached\nCMD ["cat", "/kept"]\n';

/** Builds a bare Dockerfile (a context of its own); the classic builder's output, and the image id. */
async function build(vch: VirtualContainerHost, dockerfile: string, tag: string): Promise<{ out: string; id: string }> {
  let out = "";
  const image = await buildOnVch(vch, { context: new TextEncoder().encode(dockerfile), tags: [tag] }, (m) => { if (typeof m.stream === "string") out += m.stream; });
  return { out, id: image.id };
}

describe("the build cache in the journal", () => {
  it("a reopened VCH's first build of the same Dockerfile says Using cache for each step and makes the same image, which runs", async () => {
    const store = new MemoryStore();
    const a = await openVch({ store });
    const first = await build(a, DOCKERFILE, "kept:1");
    expect(first.out.match(/ ---> Using cache/g)).toBeNull();
    // One kept step per step after FROM; RUN's carries the layer it added, the config steps none.
    const kept = [...a.keptBuildSteps().values()];
    expect(kept.map((s) => !!s.layer)).toEqual([true, false, false]);
    await a.close();

    const b = await openVch({ store, pull: [] });
    try {
      const again = await build(b, DOCKERFILE, "kept:2");
      expect(again.out.match(/ ---> Using cache/g)).toHaveLength(3);
      expect(again.out).not.toContain("Running in");
      expect(again.id).toBe(first.id);
      // The reused RUN layer is the one the first build made: the container reads its file.
      const c = b.createContainer({ Image: "kept:2" });
      await b.start(c.id);
      const code = b.wait(c.id, "not-running");
      b.advance(10_000);
      await expect(code).resolves.toMatchObject({ StatusCode: 0 });
    } finally {
      await b.close();
    }
  });

  it("a VCH without a journal keeps no steps of its own (its builder's memory holds them)", async () => {
    const vch = await openVch();
    try {
      await build(vch, DOCKERFILE, "mem:1");
      expect(vch.keptBuildSteps().size).toBe(0);
      expect((await build(vch, DOCKERFILE, "mem:2")).out.match(/ ---> Using cache/g)).toHaveLength(3);
    } finally {
      await vch.close();
    }
  });
});
