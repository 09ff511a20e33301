// `vicsim simulate` as a user runs it: the built dist/cli.js on small traces and scenarios the test
// writes, --json lines, the HTML report and CSV, and the errors a mistake gets.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSimulateArgs } from "../bindings/cli/simulate.js";

const CLI = new URL("../dist/cli.js", import.meta.url).pathname;
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);

const scratch = mkdtempSync(join(tmpdir(), "vicsim-sim-cli-"));
const trace = join(scratch, "planetlab");
mkdirSync(trace);
// Eight VMs over six hours: four quiet, four that climb.
for (let i = 0; i < 8; i++) {
  const lines = Array.from({ length: 72 }, (_, k) => (i < 4 ? 5 + (k % 3) : Math.min(95, 10 + k))).join("\n");
  writeFileSync(join(trace, `vm${i}`), lines + "\n");
}
const scenario = join(scratch, "plan.yaml");
writeFileSync(
  scenario,
  `name: small plan
length: 21600
hosts:
  - { type: G5, count: 6, cores: 2, mhzPerCore: 2660, memoryMiB: 4096, power: [93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135] }
vms:
  - { type: small, mhz: 1000, memoryMiB: 1024 }
workload: { trace: planetlab }
policies: [npa, lr-mmt, drs-dpm]
`,
);

const run = (args: string[]) => spawnSync(process.execPath, [CLI, "simulate", ...args], { encoding: "utf8" });

describe("vicsim simulate", () => {
  it("prints one JSON object per policy with the promised fields", () => {
    const out = execFileSync(process.execPath, [CLI, "simulate", scenario, "--json"], { encoding: "utf8" });
    const lines = out.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.policy)).toEqual(["npa", "lr-mmt", "drs-dpm"]);
    for (const l of lines) {
      for (const k of ["policy", "energyKWh", "migrations", "slatah", "pdm", "slav", "activeHostHours", "vms", "hosts", "simulatedSeconds", "wallSeconds"]) expect(l).toHaveProperty(k);
      expect(l.vms).toBe(8);
      expect(l.hosts).toBe(6);
      expect(l.simulatedSeconds).toBe(21_300.1);
    }
    expect(lines[0].energyKWh).toBeCloseTo((6 * 135 * 21_300.1) / 3.6e6, 3);
    expect(lines[1].energyKWh).toBeLessThan(lines[0].energyKWh);
  });

  it("writes a self-contained HTML report with uPlot inlined, and CSV time series; no progress bar when piped", () => {
    const html = join(scratch, "r.html");
    const csvFile = join(scratch, "r.csv");
    const r = run([scenario, "--policies", "lr-mmt,drs-dpm", "--report", html, "--csv", csvFile]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("lr-mmt");
    expect(r.stdout).toMatch(/energy\s+[\d.]+ kWh\s+[\d.]+ kWh/);
    const page = readFileSync(html, "utf8");
    expect(page).toContain("uPlot"); // the library itself, not a link to it
    expect(page).not.toMatch(/<script src=|<link /);
    expect(page).toContain("Active hosts");
    expect(page).toContain("Memory saved by instant clone and TPS");
    const rows = readFileSync(csvFile, "utf8").trim().split("\n");
    expect(rows[0]).toBe("policy,time,energyKWh,activeHosts,migrations,meanUtilisation,violatingHosts");
    expect(rows).toHaveLength(1 + 2 * 71);
  });

  it("draws a progress bar on a terminal, and clears it before the summary", () => {
    // script(1) (util-linux, Essential in Debian) gives the command a pseudo-terminal.
    const r = spawnSync("script", ["-qec", `${process.execPath} ${CLI} simulate --trace ${trace} --policy lr-mmt --hosts 4 --hours 6 --no-memory`, "/dev/null"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\rlr-mmt +\[#{15}\.{15}\] +50 %/);
    expect(r.stdout).toMatch(/\[#{30}\] 100 %\r +\r/);
    expect(r.stdout).toContain("energy");
  });

  it("runs the preset's fleet around a bare trace with --hosts", () => {
    const out = execFileSync(process.execPath, [CLI, "simulate", "--trace", trace, "--policy", "lr-mmt", "--hosts", "4", "--hours", "2", "--json", "--no-memory"], { encoding: "utf8" });
    const l = JSON.parse(out);
    expect(l.hosts).toBe(4);
    expect(l.simulatedSeconds).toBe(6_900.1);
    expect(l.memory).toBeUndefined();
  });

  it("stops with the file, line and expectation for a bad trace line or scenario key", () => {
    const bad = join(scratch, "bad");
    mkdirSync(bad);
    writeFileSync(join(bad, "vm0"), "10\n20\nlots\n");
    const r = run(["--trace", bad, "--policy", "npa"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`vicsim: ${join(bad, "vm0")}:3: expected a CPU utilisation percentage (an integer from 0 to 100), got "lots"\n`);
    const plan = join(scratch, "bad.yaml");
    writeFileSync(plan, readFileSync(scenario, "utf8").replace("length:", "lenght:"));
    const r2 = run([plan]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toContain(`${plan}:2: unknown key "lenght" in a scenario`);
  });

  it("refuses arguments that do not fit", () => {
    expect(() => parseSimulateArgs([])).toThrow("give a scenario file or --trace PATH");
    expect(() => parseSimulateArgs(["--trace", "t", "--policy", "greedy"])).toThrow("policy greedy: expected one of npa, lr-mmt, drs-dpm");
    expect(() => parseSimulateArgs(["--trace", "t", "--format", "csv"])).toThrow("--format csv: expected one of planetlab, bitbrains, alibaba");
    expect(() => parseSimulateArgs(["--trace", "t", "--hosts", "0"])).toThrow("--hosts 0: expected an integer from 1");
    expect(parseSimulateArgs(["--trace", "t", "--policies", "npa,lr-mmt"]).policies).toEqual(["npa", "lr-mmt"]);
  });
});
