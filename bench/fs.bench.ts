/**
 * Container files: `fs.shell.script` runs the script (`echo x > /data/f && cat /data/f | tr x y`)
 * in vicsim's shell over a container filesystem with a volume, beside Debian's `busybox sh -c` doing
 * the same on a scratch folder (a process per run, as a real container's shell is one);
 * `fs.layer.journal` encodes a container layer of 1,000 files as the journal stores it (JSON,
 * synchronous) beside the OCI layer tar (`serializeLayer`, modern-tar).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerFs, ImageFilesystems, layerToJson, serializeLayer, Volume } from "../bindings/fs/index.js";
import { runShell } from "../bindings/guests/shell/index.js";
import { opsPerSecondAsync, type BenchCase } from "./harness.js";

const SCRIPT = "echo x > /data/f && cat /data/f | tr x y";

const shellCase: BenchCase = {
  name: "fs.shell.script",
  title: "a shell script with a file in a volume and a pipe: vicsim's shell vs busybox sh spawned",
  async run({ quick }) {
    const images = new ImageFilesystems();
    const vol = new Volume("data");
    const clock = { now: () => 0, sleep: async () => {} };
    let out = "";
    const ours = await opsPerSecondAsync(async () => {
      const fs = new ContainerFs({ lowers: images.layersOf("busybox") });
      fs.mount("/data", vol.backend);
      out = "";
      await runShell({ script: SCRIPT, fs, stdout: (c) => { out += new TextDecoder().decode(c); }, stderr: () => {}, clock });
      if (out !== "y\n") throw new Error(`vicsim's shell printed ${JSON.stringify(out)}`);
    }, 1, quick ? 800 : 3000);
    const dir = mkdtempSync(join(tmpdir(), "vicsim-bench-fs-"));
    const script = SCRIPT.replaceAll("/data", dir);
    try {
      const theirs = await opsPerSecondAsync(async () => {
        const o = execFileSync("busybox", ["sh", "-c", script], { encoding: "utf8" });
        if (o !== "y\n") throw new Error(`busybox printed ${JSON.stringify(o)}`);
      }, 1, quick ? 800 : 3000);
      return [{ case: "fs.shell.script", unit: "scripts/s", value: ours, baseline: "busybox sh -c spawned (Debian's busybox)", baselineValue: theirs }];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

const journalCase: BenchCase = {
  name: "fs.layer.journal",
  title: "encode a container layer of 1,000 files: the journal's JSON vs an OCI layer tar",
  async run({ quick }) {
    const fs = new ContainerFs({ lowers: new ImageFilesystems().layersOf("busybox") });
    fs.mkdir("/srv/data", { parents: true });
    for (let i = 0; i < 1000; i++) fs.writeFile(`/srv/data/f${i}`, `line ${i}\n`.repeat(20));
    const json = await opsPerSecondAsync(async () => { JSON.stringify(layerToJson(fs.upper)); }, 1, quick ? 500 : 2000);
    const tar = await opsPerSecondAsync(async () => { await serializeLayer(fs.upper); }, 1, quick ? 500 : 2000);
    return [{ case: "fs.layer.journal", unit: "layers/s", value: json, baseline: "serializeLayer (OCI tar, modern-tar)", baselineValue: tar, notes: { files: 1000 } }];
  },
};

export const cases: BenchCase[] = [shellCase, journalCase];
