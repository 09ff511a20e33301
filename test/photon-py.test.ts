/**
 * A Python client (`requests` from Debian's python3-requests under /usr/bin/python3) runs a whole tenant
 * story against `vicsim photon serve --auth` over HTTPS (test/fixtures/photon/tenant_story.py).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = new URL("..", import.meta.url).pathname;
const CLI = join(ROOT, "dist/cli.js");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
let server: ChildProcess | undefined;
afterAll(() => server?.kill("SIGTERM"));

describe("python requests against vicsim photon", () => {
  it("runs the tenant story from token to quota back at zero", async () => {
    try {
      await promisify(execFile)("bash", [join(ROOT, "scripts/tools/python3-requests.sh")]);
    } catch (e) {
      throw new Error(`python3-requests is missing: run \`bash scripts/tools/python3-requests.sh\` (${(e as Error).message})`);
    }
    const dir = mkdtempSync(join(tmpdir(), "photon-py-"));
    const users = join(dir, "users.json");
    writeFileSync(users, JSON.stringify({ domain: "esxcloud", users: [{ name: "admin", password: "Adm!n", groups: ["ESXCloudAdmins"] }] }));
    server = spawn(process.execPath, [CLI, "photon", "serve", "--listen", "http://127.0.0.1:0", "--auth", "--users", users], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const url = await new Promise<string>((resolve, reject) => {
      server!.stdout!.on("data", (d: Buffer) => {
        out += d;
        const m = /photon target set --nocertcheck (\S+)\n/.exec(out);
        if (m) resolve(m[1]);
      });
      server!.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const { stdout } = await promisify(execFile)("/usr/bin/python3", [join(ROOT, "test/fixtures/photon/tenant_story.py"), url], { timeout: 240_000 });
    expect(stdout.trim().split("\n")).toEqual([
      "token",
      "tenant ticket project",
      "flavors image",
      "100 vms",
      "cluster 1 master 3 etcd 10 workers",
      "resized to 30",
      "maintenance refused",
      "maintenance allowed",
      "deleted all, quota zero",
    ]);
  }, 300_000);
});
