// The package entry: after `npm run build`, `import { MemoryEngine } from "vicsim"` works in Node
// from inside the repository (package self-reference through package.json "exports").
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("package entry", () => {
  it("exports a working MemoryEngine to a plain Node script", () => {
    const script = `
      import { MemoryEngine } from "vicsim";
      const m = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 16 });
      const template = m.createVm({ host: 0, memoryMiB: 4 });
      m.writePages(template, Uint32Array.of(0, 1), BigUint64Array.of(7n, 8n));
      const child = m.instantClone(template);
      const faults = m.writePages(child, Uint32Array.of(1), BigUint64Array.of(9n));
      console.log(JSON.stringify({ read: Array.from(m.readPages(child, Uint32Array.of(0, 1)), String), faults, used: m.hostStats(0).used }));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({
      read: ["7", "9"],
      faults: { tableFaults: 1, demandZeroFaults: 0, cowFaults: 1, inPlaceWrites: 0, bytesCopied: 4096 },
      used: 3,
    });
  });
});
