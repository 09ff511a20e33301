// The plan tab's reading of dropped files (examples/playground/plan/workload.ts): the same traces the
// CLI reads from disk, in sorted order, with clear errors.
import { describe, expect, it } from "vitest";
import { workloadFromFiles } from "../examples/playground/plan/workload.js";

const day = (pct: number) => Array.from({ length: 288 }, () => String(pct)).join("\n");

describe("a workload from dropped files", () => {
  it("takes a PlanetLab folder's files in sorted order, skipping its licence and hidden files", () => {
    const w = workloadFromFiles(
      [
        { path: "20110303/b_vm", text: day(30) },
        { path: "20110303/LICENSE.txt", text: "Apache" },
        { path: "20110303/.DS_Store", text: "x" },
        { path: "20110303/a_vm", text: day(10) },
      ],
      undefined,
      300,
    );
    expect(w.format).toBe("planetlab");
    expect(w.source).toBe("20110303");
    expect(w.stepSeconds).toBe(300);
    expect(w.vms.map((v) => v.name)).toEqual(["a_vm", "b_vm"]);
    expect(w.vms[0].cpu[0]).toBeCloseTo(0.1);
    expect(w.vms[1].cpu).toHaveLength(288);
  });

  it("names loose files by their count", () => {
    expect(workloadFromFiles([{ path: "x", text: day(5) }, { path: "y", text: day(6) }], "planetlab", 300).source).toBe("2 dropped files");
  });

  it("says which file and line it cannot read, and what it expected", () => {
    expect(() => workloadFromFiles([{ path: "notes.csv", text: "hello,world" }], undefined, 300)).toThrow(/^notes\.csv:1: cannot tell the trace format from this line/);
    expect(() => workloadFromFiles([{ path: "f/README", text: "read me" }], undefined, 300)).toThrow(/expected trace files .*found none/);
    expect(() => workloadFromFiles([{ path: "vm1", text: "12\n1x3\n" }], "planetlab", 300)).toThrow(/^vm1:2: /);
  });
});
