// Appends keep spare room after a file's bytes (overlay.ts) so a file grown by small appends costs
// O(bytes); file contents must stay immutable all the same: two containers over one image layer and
// one shared volume append, rewrite and read in any order, and every file and every earlier read
// matches a plain model (property).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ContainerFs, Volume } from "../bindings/fs/index.js";

describe("appends to the container filesystem", () => {
  it("never change bytes anyone read before, across containers sharing a layer and a volume (property)", () => {
    const op = fc.record({
      container: fc.integer({ min: 0, max: 1 }),
      file: fc.constantFrom("/log", "/shared/log"),
      kind: fc.constantFrom("append", "append", "append", "rewrite", "read"),
      size: fc.integer({ min: 0, max: 6_000 }),
      seed: fc.nat(255),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        // The image's /log was itself grown by an append: its bytes sit in a buffer with spare room.
        const build = new ContainerFs();
        build.writeFile("/log", new Uint8Array(5_000).fill(7));
        build.writeFile("/log", "from the image\n", { append: true });
        const image = build.upper;
        const initial = [...build.readFile("/log")];
        const volume = new Volume("v");
        const containers = [0, 1].map(() => {
          const fs = new ContainerFs({ lowers: [image] });
          fs.mount("/shared", volume.backend);
          return fs;
        });
        containers[0].writeFile("/shared/log", "");
        // The model: the root's /log is each container's own; /shared/log is one file.
        const model = new Map<string, number[]>([["0:/log", [...initial]], ["1:/log", [...initial]], ["/shared/log", []]]);
        const key = (c: number, f: string) => (f === "/shared/log" ? f : `${c}:${f}`);
        const reads: { view: Uint8Array; bytes: number[] }[] = [];
        for (const o of ops) {
          const fs = containers[o.container];
          const k = key(o.container, o.file);
          const data = new Uint8Array(o.size).map((_, i) => (o.seed + i) & 0xff);
          if (o.kind === "append") {
            fs.writeFile(o.file, data, { append: true });
            model.get(k)!.push(...data);
          } else if (o.kind === "rewrite") {
            fs.writeFile(o.file, data);
            model.set(k, [...data]);
          } else {
            const view = fs.readFile(o.file);
            reads.push({ view, bytes: [...view] });
          }
          expect([...fs.readFile(o.file)]).toEqual(model.get(k));
        }
        for (const r of reads) expect([...r.view]).toEqual(r.bytes);
        for (const c of [0, 1]) expect([...containers[c].readFile("/log")]).toEqual(model.get(`${c}:/log`));
        expect([...new ContainerFs({ lowers: [image] }).readFile("/log")]).toEqual(initial); // the image's layer is untouched
      }),
      { numRuns: 60 },
    );
  });
});
