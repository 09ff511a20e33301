// `vicsim serve --vsphere` as a user runs it (the built dist/cli.js): the printed GOVC_URL and
// GOVC_INSECURE lines work with govc as they are, on the same VCH the Docker door serves.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";

const CLI = new URL("../dist/cli.js", import.meta.url).pathname;
const GOVC = process.env.GOVC ?? join(process.env.VICSIM_TOOLS ?? join(homedir(), ".cache/vicsim"), "govmomi/bin/govc");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
if (!existsSync(GOVC)) throw new Error(`govc 0.24.2 is needed at ${GOVC}: run \`bash scripts/tools/govc.sh\` (as root)`);

const scratch = mkdtempSync(join(tmpdir(), "vicsim-vsphere-cli-"));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
});

test("vicsim serve --vsphere prints export lines that govc uses as they are; --help lists the options", async () => {
  const help = spawnSync(process.execPath, [CLI, "serve", "--help"], { encoding: "utf8" });
  expect(help.stdout).toContain("--vsphere [ADDR]");
  expect(help.stdout).toContain("--vsphere-password PASS");
  const bad = spawnSync(process.execPath, [CLI, "serve", "--vsphere-user", "x"], { encoding: "utf8" });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain("--vsphere-user needs --vsphere");

  child = spawn(process.execPath, [CLI, "serve", "--listen", "tcp://127.0.0.1:0", "--hosts", "2", "--vsphere", "https://127.0.0.1:0/sdk", "--vsphere-user", "admin", "--vsphere-password", "s3cret"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exports = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no GOVC_URL line in 20 s:\n${out}`)), 20_000);
    child!.stdout!.on("data", () => {
      if (/^export GOVC_INSECURE=1$/m.test(out)) {
        clearTimeout(timer);
        resolve(Object.fromEntries([...out.matchAll(/^export (\w+)=(\S+)/gm)].map((m) => [m[1], m[2]])));
      }
    });
  });
  expect(exports.GOVC_URL).toMatch(/^https:\/\/admin:s3cret@127\.0\.0\.1:\d+\/sdk$/);
  expect(out).toContain("(self-signed certificate)");
  const r = spawnSync(GOVC, ["ls", "/DC0/host/C0"], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: scratch, GOVMOMI_HOME: scratch, ...exports } });
  expect(r.stderr).toBe("");
  expect(r.stdout.trim().split("\n").sort()).toEqual(["/DC0/host/C0/H0", "/DC0/host/C0/H1", "/DC0/host/C0/Resources"]);
  child.kill("SIGTERM");
  const code = await new Promise((resolve) => child!.on("exit", (c) => resolve(c)));
  expect(code).toBe(0);
}, 60_000);
