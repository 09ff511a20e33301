// The examples are part of the documentation: run them as a user would and check what they print.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string) => join(root, "node_modules/.bin", name);

beforeAll(() => {
  execFileSync(process.execPath, ["scripts/build.mjs", "--if-needed"], { cwd: root, stdio: "inherit" });
});

describe("examples/node-quickstart.ts", () => {
  it("runs 8 nginx container VMs that share memory, then HA restarts the failed host's", () => {
    const out = execFileSync(bin("tsx"), ["examples/node-quickstart.ts"], { cwd: root, encoding: "utf8" });
    const hosts = [...out.matchAll(/^(H\d): (\d+) container VMs, (\d+) MiB used, (\d+) MiB saved by sharing$/gm)];
    expect(hosts.map((m) => m[1]), out).toEqual(["H0", "H1", "H2", "H3"]);
    expect(hosts.reduce((n, m) => n + Number(m[2]), 0)).toBe(8);
    // Instant clones of one template: every host with container VMs saves more than nothing.
    for (const m of hosts) if (Number(m[2]) > 0) expect(Number(m[4]), m[0]).toBeGreaterThan(0);
    const onH0 = Number(hosts[0][2]);
    const failed = /^H0 failed: HA restarted (\d+) container VMs on (.*)$/m.exec(out);
    expect(failed, out).not.toBeNull();
    expect(Number(failed![1])).toBe(onH0);
    if (onH0 > 0) expect(failed![2].split(", ").every((h) => /^H[123]$/.test(h))).toBe(true);
  });
});

describe("examples/deno-script.ts", () => {
  it("runs under `deno run` with no permissions and shows HA restarting every container VM of the failed host", () => {
    const out = execFileSync(bin("deno"), ["run", "--no-prompt", "examples/deno-script.ts"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    const before = out.slice(0, out.indexOf("failed;"));
    const counts = [...before.matchAll(/^ {2}(H\d) +\w+ +(\d+) container VMs/gm)].map((m) => [m[1], Number(m[2])] as const);
    expect(counts.reduce((n, [, c]) => n + c, 0), out).toBe(9);
    const busiest = counts.reduce((a, b) => (b[1] > a[1] ? b : a));
    const failed = /^(H\d) failed; vSphere HA restarted (\d+) container VM\(s\)/m.exec(out);
    expect(failed, out).not.toBeNull();
    expect(failed![1]).toBe(busiest[0]);
    expect(Number(failed![2])).toBe(busiest[1]);
    const after = out.slice(out.indexOf("cluster after the failure:"));
    expect(after).toMatch(new RegExp(`^ {2}${busiest[0]} failed +0 container VMs`, "m"));
    expect(out).toMatch(/^9 of 9 containers running; cluster events: .*host-failed ×1/m);
    expect(out).toContain(`ha-restart ×${busiest[1]}`);
  });

  it("type-checks under Deno", () => {
    execFileSync(bin("deno"), ["check", "--sloppy-imports", "examples/deno-script.ts"], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  });
});
