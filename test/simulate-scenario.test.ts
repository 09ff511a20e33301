// Scenario files: what a valid one gives, and the file, line and expectation of each kind of mistake.
import { describe, expect, it } from "vitest";
import { parseScenario, ScenarioError } from "../bindings/simulate/scenario.js";

const good = `name: two racks
step: 300
length: 86400
hosts:
  - type: G5
    count: 4
    cores: 2
    mhzPerCore: 2660
    memoryMiB: 4096
    power: [93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135]
vms:
  - { type: small, mhz: 500, memoryMiB: 613 }
workload:
  trace: ../shared/traces/planetlab/20110303
  format: planetlab
policies: [npa, drs-dpm]
dpm: { targetPercent: 60, powerOnSeconds: 120 }
ha:
  failuresToTolerate: 1
  failures:
    - { host: 2, at: 3600 }
`;

describe("scenario files", () => {
  it("reads a YAML scenario with defaults for what it leaves out", () => {
    const s = parseScenario(good, "plan.yaml");
    expect(s.name).toBe("two racks");
    expect(s.hosts[0]).toMatchObject({ name: "G5", count: 4, cores: 2, mhzPerCore: 2660, bandwidthMbps: 1000 });
    expect(s.policies).toEqual(["npa", "drs-dpm"]);
    expect(s.dpm).toEqual({ enabled: true, targetPercent: 60, tolerancePercent: 18, powerOnSeconds: 120, windowSeconds: 2400 });
    expect(s.ha).toEqual({ failuresToTolerate: 1, failures: [{ host: 2, at: 3600 }] });
    expect(s.workload.order).toBe("sorted");
    expect(s.lrmmt).toEqual({ safety: 1.2, fallbackThreshold: 0.7 });
  });
  it("reads the same scenario written as JSON", () => {
    const json = JSON.stringify({ hosts: [{ count: 1, cores: 1, mhzPerCore: 1000, memoryMiB: 1024, power: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }], workload: { trace: "t" } });
    expect(parseScenario(json, "p.json").hosts[0].power).toHaveLength(11);
  });
  const cases: [string, string, number, string][] = [
    ["an unknown key", good.replace("step: 300", "stepp: 300"), 2, 'unknown key "stepp" in a scenario'],
    ["a host type without a power table", good.replace(/ {4}power: .*\n/, ""), 5, "expected power in host type 1: a SPECpower table of 11 watt figures"],
    ["a power table of the wrong length", good.replace("[93.7, 97, ", "["), 10, "expected power in host type 1: a SPECpower table of 11"],
    ["a count that is not an integer", good.replace("count: 4", "count: 4.5"), 6, "expected count of host type 1: an integer from 0 to 1000000, got 4.5"],
    ["an unknown policy", good.replace("[npa, drs-dpm]", "[npa, greedy]"), 16, 'expected a policy: one of npa, lr-mmt, drs-dpm, got "greedy"'],
    ["a failure on a host the fleet lacks", good.replace("host: 2", "host: 9"), 21, "expected ha.failures[].host: an integer from 0 to 3, got 9"],
    ["a workload without a trace", good.replace(/ {2}trace: .*\n/, ""), 14, "expected workload.trace"],
    ["broken YAML", "hosts: [\n", 2, "expected YAML or JSON"],
  ];
  for (const [what, text, line, expected] of cases) {
    it(`stops at ${what} with the line and what it expected`, () => {
      let error: unknown;
      try {
        parseScenario(text, "plan.yaml");
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ScenarioError);
      const e = error as ScenarioError;
      expect(e.message).toContain(expected);
      expect(e.message.startsWith(`plan.yaml:${line}: `)).toBe(true);
    });
  }
});
