// Trace readers, format detection and the trace-to-VM listing order, on small files the tests make.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listFolder, readWorkload } from "../bindings/simulate/node.js";
import { detectFormat, parseAlibabaNodes, parseAlibabaPods, parseBitbrains, parsePlanetLab } from "../bindings/simulate/traces.js";
import { TraceError, utilisationAt } from "../bindings/simulate/workload.js";

const dir = (): string => mkdtempSync(join(tmpdir(), "vicsim-trace-"));

describe("PlanetLab reader", () => {
  it("reads one CPU percentage per line as a fraction", () => {
    const vm = parsePlanetLab("24\n34\n0\n99\n", "a/host_vm");
    expect(vm.name).toBe("host_vm");
    expect(Array.from(vm.cpu)).toEqual([0.24, 0.34, 0, 0.99]);
    expect(vm.endSeconds).toBe(Infinity);
  });
  it("stops at a bad line with the file, the line and what it expected", () => {
    expect(() => parsePlanetLab("24\n3.5\n", "t/vm1")).toThrow('t/vm1:2: expected a CPU utilisation percentage (an integer from 0 to 100), got "3.5"');
    expect(() => parsePlanetLab("24\n\n7\n", "t/vm1")).toThrow("t/vm1:2: expected a CPU utilisation percentage");
    expect(() => parsePlanetLab("101\n", "t/vm1")).toThrow("t/vm1:1:");
    expect(() => parsePlanetLab("", "t/empty")).toThrow(TraceError);
  });
  it("interpolates between samples like CloudSim and repeats the last sample past the end", () => {
    const cpu = Float64Array.of(0.1, 0.4);
    expect(utilisationAt(cpu, 300, 0)).toBe(0.1);
    expect(utilisationAt(cpu, 300, 300)).toBe(0.4);
    expect(utilisationAt(cpu, 300, 150)).toBeCloseTo(0.25, 12);
    expect(utilisationAt(cpu, 300, 450)).toBe(0.4); // beyond the last sample: flat
  });
});

describe("Bitbrains GWA-T-12 reader", () => {
  const header = "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\tDisk write throughput [KB/s];\tNetwork received throughput [KB/s];\tNetwork transmitted throughput [KB/s]";
  const row = (t: number, used: number, memKB: number) => `${t};\t4;\t10000;\t${used};\t${used / 100};\t8388608;\t${memKB};\t0;\t12.5;\t1;\t2`;
  it("reads usage over capacity, resampled on the step, with memory in MiB", () => {
    const text = [header, row(1376314846, 2500, 1048576), row(1376315146, 5000, 2097152), row(1376315746, 1000, 1048576)].join("\n");
    const vm = parseBitbrains(text, "fastStorage/1.csv", 300);
    expect(Array.from(vm.cpu)).toEqual([0.25, 0.5, 0.5, 0.1]); // 600 s gap: the step in between keeps the last row
    expect(vm.cpuCapacity).toBe(10000);
    expect(vm.memoryMiB).toBe(8192);
    expect(Array.from(vm.memoryUsedMiB!)).toEqual([1024, 2048, 2048, 1024]);
  });
  it("names the line of a row with the wrong number of fields or a bad number", () => {
    expect(() => parseBitbrains([header, row(1, 1, 1), "2;\t4;\t10000"].join("\n"), "b.csv")).toThrow("b.csv:3: expected 11 fields");
    expect(() => parseBitbrains([header, row(1, 1, 1).replace("10000", "x")].join("\n"), "b.csv")).toThrow('b.csv:2: expected a non-negative number in field 3, got "x"');
    expect(() => parseBitbrains([row(5, 1, 1), row(5, 1, 1)].join("\n"), "b.csv")).toThrow("b.csv:2: expected timestamps in increasing order");
  });
});

describe("Alibaba GPU v2023 reader", () => {
  const header = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time";
  it("reads pods with their lifetime; an empty deletion_time lives to the end", () => {
    const pods = parseAlibabaPods([header, "openb-pod-0000,12000,16384,1,1000,,LS,Running,0,12537496,0", "openb-pod-0001,6000,12288,1,460,,LS,Running,427061,,427061"].join("\n"), "pods.csv");
    expect(pods.map((p) => [p.name, p.cpuCapacity, p.memoryMiB, p.startSeconds, p.endSeconds])).toEqual([
      ["openb-pod-0000", 12000, 16384, 0, 12537496],
      ["openb-pod-0001", 6000, 12288, 427061, Infinity],
    ]);
    expect(Array.from(pods[0].cpu)).toEqual([1]);
  });
  it("refuses a wrong header and names a bad line", () => {
    expect(() => parseAlibabaPods("name,cpu\n", "p.csv")).toThrow("p.csv:1: expected the header");
    expect(() => parseAlibabaPods(`${header}\nx,-1,1,0,0,,LS,Running,0,1,0`, "p.csv")).toThrow('p.csv:2: expected cpu_milli (a non-negative number) in field 2, got "-1"');
    expect(() => parseAlibabaPods(`${header}\nx,1,1,0,0,,LS,Running,9,3,0`, "p.csv")).toThrow("p.csv:2: expected deletion_time ≥ creation_time");
  });
  it("reads the node list as hosts", () => {
    expect(parseAlibabaNodes("sn,cpu_milli,memory_mib,gpu,model\nopenb-node-0000,32000,262144,0,\n", "n.csv")).toEqual([{ name: "openb-node-0000", cpuCapacity: 32000, memoryMiB: 262144 }]);
  });
});

describe("format detection and folders", () => {
  it("tells the three formats apart from a first line", () => {
    expect(detectFormat("vm_1", "24")).toBe("planetlab");
    expect(detectFormat("1.csv", "1376314846;\t4;\t11703.99;\t10.4;\t0.08;\t67108864;\t6129274;\t0;\t0;\t0;\t0")).toBe("bitbrains");
    expect(detectFormat("pods.csv", "name,cpu_milli,memory_mib,num_gpu")).toBe("alibaba");
    expect(detectFormat("x.txt", "hello")).toBeUndefined();
  });
  it("reads a PlanetLab folder in sorted order by default and detects the format", () => {
    const d = dir();
    for (const [name, text] of [["b", "10\n20\n"], ["a", "30\n40\n"], ["c", "50\n"]]) writeFileSync(join(d, name), text);
    const w = readWorkload(d);
    expect(w.format).toBe("planetlab");
    expect(w.vms.map((v) => v.name)).toEqual(["a", "b", "c"]);
    expect(listFolder(d, "directory").sort()).toEqual(["a", "b", "c"]);
  });
  it("stops at a bad file in a folder with its path and line", () => {
    const d = dir();
    writeFileSync(join(d, "a"), "10\n");
    writeFileSync(join(d, "b"), "10\nhigh\n");
    expect(() => readWorkload(d, "planetlab")).toThrow(`${join(d, "b")}:2: expected a CPU utilisation percentage`);
  });
  it("reads an Alibaba folder (pods and nodes) and says when a trace is missing", () => {
    const d = dir();
    mkdirSync(join(d, "csv"));
    writeFileSync(join(d, "csv", "openb_pod_list_default.csv"), "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\np,1000,1024,0,0,,BE,Running,0,600,0\n");
    writeFileSync(join(d, "csv", "openb_node_list_all_node.csv"), "sn,cpu_milli,memory_mib,gpu,model\nn,32000,262144,0,\n");
    const w = readWorkload(join(d, "csv"));
    expect(w.format).toBe("alibaba");
    expect(w.vms).toHaveLength(1);
    expect(w.hosts).toHaveLength(1);
    expect(() => readWorkload(join(d, "nothing"))).toThrow("no such file or folder");
  });
});
