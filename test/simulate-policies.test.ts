// LR-MMT: small hand-made cases that show each mechanism, then the real PlanetLab day against
// CloudSim 3.0.3's measured figures (167.83 kWh, 27,649 migrations).
import { describe, expect, it } from "vitest";
import { Datacenter } from "../bindings/simulate/datacenter.js";
import { LrMmt } from "../bindings/simulate/lrmmt.js";
import { buildModel } from "../bindings/simulate/model.js";
import { readWorkload } from "../bindings/simulate/node.js";
import { cloudsimPlanetLab } from "../bindings/simulate/preset.js";
import { runPolicy } from "../bindings/simulate/simulate.js";
import { parseAlibabaPods } from "../bindings/simulate/traces.js";
import { made, requirePlanetLab } from "./simulate-helpers.js";

describe("lr-mmt mechanisms", () => {
  it("consolidates two lightly loaded hosts onto one: one migration, the other host switches off", () => {
    const { scenario, workload } = made([new Array(80).fill(0.2), new Array(80).fill(0.2)], 2);
    const r = runPolicy(buildModel(scenario, workload), scenario, "lr-mmt");
    expect(r.migrations).toBe(1);
    expect(r.samples.at(-1)!.activeHosts).toBe(1);
    expect(r.pdm).toBeGreaterThan(0); // the moved VM got 90 % of its demand for 13.92 s
  });

  it("moves VMs off a host whose load is predicted to rise past 1 / 1.2", () => {
    // Six VMs ramp from 10 % to 100 %: 6,000 MIPS cannot stay on one 5,320 MIPS host.
    const ramp = Array.from({ length: 80 }, (_, i) => Math.min(1, 0.1 + i * 0.02));
    const { scenario, workload } = made([ramp, ramp, ramp, ramp, ramp, ramp], 6);
    const dc = new Datacenter(buildModel(scenario, workload), "active");
    const p = new LrMmt(dc, { safety: 1.2, fallbackThreshold: 0.7, stepSeconds: 300 });
    p.placeInitial([0, 1, 2, 3, 4, 5]);
    expect(dc.hostList.map((l) => l.length)).toEqual([1, 1, 1, 1, 1, 1]); // an empty host always costs least at t = 0
    const r = runPolicy(buildModel(scenario, workload), scenario, "lr-mmt");
    expect(r.migrations).toBeGreaterThan(1);
    expect(r.samples.at(-1)!.activeHosts).toBeGreaterThanOrEqual(2);
    expect(r.samples.some((s) => s.activeHosts === 1)).toBe(true); // while they were light, one host held them all
  });

  it("replays CloudSim's initial placement on PlanetLab 20110303: 548 hosts with one VM, 252 with two", () => {
    const scenario = cloudsimPlanetLab(requirePlanetLab());
    const model = buildModel(scenario, readWorkload(scenario.workload.trace, "planetlab", "sorted"));
    const dc = new Datacenter(model, "active");
    new LrMmt(dc, { ...scenario.lrmmt, stepSeconds: 300 }).placeInitial([...Array(model.vmCount).keys()]);
    const counts = dc.hostList.map((l) => l.length);
    expect(counts.filter((c) => c === 1)).toHaveLength(548);
    expect(counts.filter((c) => c === 2)).toHaveLength(252);
    // Type-0 VMs (2,500 MIPS) only fit a G5 core (2,660), odd host ids.
    for (let v = 0; v < 263; v++) expect(dc.vmHost[v] % 2).toBe(1);
  });
});

describe("traces with arrivals and departures (Alibaba pods)", () => {
  it("places a pod when it is created and frees its host when it is deleted", () => {
    const pods = parseAlibabaPods(
      [
        "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time",
        "p0,4000,8192,0,0,,LS,Running,0,,0",
        "p1,8000,8192,0,0,,BE,Running,3000,7000,3000",
      ].join("\n"),
      "pods.csv",
    );
    const scenario = cloudsimPlanetLab("pods");
    scenario.hosts = [{ name: "node", count: 2, cores: 1, mhzPerCore: 16_000, memoryMiB: 65_536, power: [100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200], bandwidthMbps: 10_000 }];
    scenario.hostLayout = "blocks";
    scenario.vms = [];
    scenario.finishIdleVms = false;
    scenario.lengthSeconds = 3 * 3600;
    const model = buildModel(scenario, { format: "alibaba", source: "pods.csv", stepSeconds: 300, vms: pods });
    expect(Array.from(model.vmMips)).toEqual([4000, 8000]);
    const r = runPolicy(model, scenario, "lr-mmt");
    expect(r.unplacedVms).toBe(0);
    const at = (t: number) => r.samples.find((s) => s.time > t)!;
    expect(at(0).activeHosts).toBe(1);
    expect(at(3400).activeHosts + at(3400).meanUtilisation).toBeGreaterThan(at(0).activeHosts + at(0).meanUtilisation); // p1 joined at the first tick after its creation
    expect(at(7600).activeHosts).toBe(1); // p1 left at the first tick after its deletion
    expect(at(7600).meanUtilisation).toBeCloseTo(4000 / 16_000, 9);
  });
});

describe("PlanetLab 20110303 against CloudSim 3.0.3", () => {
  for (const order of ["directory", "sorted"] as const) {
    it(`lr-mmt with files paired to VMs in ${order} order: energy within 10 % of 167.83 kWh, migrations within 30 % of 27,649`, () => {
      const scenario = cloudsimPlanetLab(requirePlanetLab(), order);
      const model = buildModel(scenario, readWorkload(scenario.workload.trace, "planetlab", order));
      const r = runPolicy(model, scenario, "lr-mmt");
      expect(Math.abs(r.energyKWh - 167.83) / 167.83).toBeLessThan(0.1);
      expect(Math.abs(r.migrations - 27_649) / 27_649).toBeLessThan(0.3);
      expect(r.slatah).toBeGreaterThan(0);
      expect(r.pdm).toBeGreaterThan(0);
      expect(r.slav).toBeCloseTo(r.slatah * r.pdm, 15);
      expect(r.simulatedSeconds).toBe(86_100.1);
    });
  }
});
