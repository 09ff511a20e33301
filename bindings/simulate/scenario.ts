/**
 * Scenario files (YAML, or JSON which is YAML too): the fleet, the VM types, the workload, the
 * policy settings, the step and the length. Validation walks the parsed document and stops at the
 * first problem with the file, the line and what was expected there; unknown keys are errors.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from "yaml";
import { TRACE_FORMATS, type TraceFormat } from "./workload.js";

export const POLICIES = ["npa", "lr-mmt", "drs-dpm"] as const;
export type PolicyName = (typeof POLICIES)[number];

/** A host model with its SPECpower table and how many of it the fleet has. */
export interface HostType {
  name: string;
  count: number;
  cores: number;
  /** Per core; CloudSim's MIPS are read as MHz. */
  mhzPerCore: number;
  memoryMiB: number;
  /** Watts at 0, 10, … 100 % CPU load. */
  power: number[];
  /** Network bandwidth in Mbit/s; half of it carries vMotion (CloudSim's model). */
  bandwidthMbps: number;
}

export interface VmType {
  name: string;
  mhz: number;
  memoryMiB: number;
}

export interface DpmSettings {
  enabled: boolean;
  /** Target host utilisation, percent (vSphere's DemandCapacityRatioTarget, 63). */
  targetPercent: number;
  /** Half-width of the target range, percent (DemandCapacityRatioToleranceHost, 18). */
  tolerancePercent: number;
  /** Seconds a host takes to boot out of standby; it draws idle power meanwhile. */
  powerOnSeconds: number;
  /** Demand history DPM looks back over before powering a host off, seconds (vSphere: 40 min). */
  windowSeconds: number;
}

export interface HaSettings {
  failuresToTolerate: number;
  /** Host failures to inject: host index and time in seconds. */
  failures: { host: number; at: number }[];
}

export type Salting = "vm" | "tenant" | "global";

export interface Scenario {
  name: string;
  stepSeconds: number;
  lengthSeconds: number;
  hosts: HostType[];
  /** `interleaved`: host i is type i mod (number of types), as CloudSim's examples; `blocks`: in list order. */
  hostLayout: "interleaved" | "blocks";
  /** VM types; empty when the trace states each VM's capacity. */
  vms: VmType[];
  /** How trace VMs get types: contiguous blocks of ceil(N / types) (CloudSim) or round robin. */
  assignment: "blocks" | "round-robin";
  workload: { trace: string; format?: TraceFormat; order: "sorted" | "directory"; limitVms?: number };
  policies: PolicyName[];
  lrmmt: { safety: number; fallbackThreshold: number };
  drs: { threshold: 1 | 2 | 3 | 4 | 5 };
  dpm: DpmSettings;
  ha: HaSettings | null;
  memory: { salting: Salting; pageMiB: number; privateFraction: number; zeroFraction: number };
  /** Replays CloudSim's quirk of retiring a VM whose CPU demand is exactly 0 at an update (the preset sets it). */
  finishIdleVms: boolean;
}

export const DEFAULT_DPM: DpmSettings = { enabled: true, targetPercent: 63, tolerancePercent: 18, powerOnSeconds: 300, windowSeconds: 2400 };

/** A scenario that cannot be used: the file, the line and what was expected. */
export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly expected: string,
  ) {
    super(`${file}${line > 0 ? `:${line}` : ""}: ${expected}`);
    this.name = "ScenarioError";
  }
}

type Where = (node: Node | null | undefined) => number;

/** Parses and validates a scenario's text; relative trace paths stay as written. */
export function parseScenario(text: string, file: string): Scenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new ScenarioError(file, lc.linePos(e.pos[0]).line, `expected YAML or JSON: ${e.message.split("\n")[0]}`);
  }
  const at: Where = (node) => (node?.range ? lc.linePos(node.range[0]).line : 0);
  return new Reader(file, at).scenario(doc.contents as Node | null);
}

class Reader {
  constructor(
    private readonly file: string,
    private readonly at: Where,
  ) {}

  fail(node: Node | null | undefined, expected: string): never {
    throw new ScenarioError(this.file, this.at(node), expected);
  }

  /** The map's entries by key, refusing keys outside `allowed`. */
  map(node: Node | null | undefined, what: string, allowed: string[]): Map<string, Node> {
    if (!isMap(node)) this.fail(node, `expected ${what} (a mapping)`);
    const out = new Map<string, Node>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      if (!allowed.includes(key)) this.fail(pair.key as Node, `unknown key "${key}" in ${what}: expected one of ${allowed.join(", ")}`);
      out.set(key, pair.value as Node);
    }
    return out;
  }

  number(node: Node | undefined, what: string, min: number, max: number, integer = false): number {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      this.fail(node, `expected ${what}: ${integer ? "an integer" : "a number"} from ${min} to ${max}${isScalar(node) ? `, got ${JSON.stringify(node.value)}` : ""}`);
    }
    return v;
  }

  string(node: Node | undefined, what: string, choices?: readonly string[]): string {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== "string" || v === "" || (choices && !choices.includes(v))) {
      this.fail(node, `expected ${what}${choices ? `: one of ${choices.join(", ")}` : " (a string)"}${isScalar(node) ? `, got ${JSON.stringify(node.value)}` : ""}`);
    }
    return v;
  }

  bool(node: Node | undefined, what: string): boolean {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== "boolean") this.fail(node, `expected ${what}: true or false`);
    return v;
  }

  seq(node: Node | undefined, what: string): Node[] {
    if (!isSeq(node) || node.items.length === 0) this.fail(node, `expected ${what} (a non-empty list)`);
    return node.items as Node[];
  }

  scenario(root: Node | null): Scenario {
    const m = this.map(root, "a scenario", ["name", "step", "length", "hosts", "hostLayout", "vms", "assignment", "workload", "policies", "lrmmt", "drs", "dpm", "ha", "memory", "finishIdleVms"]);
    if (!m.has("hosts")) this.fail(root, "expected a \"hosts\" list (host types with cores, mhzPerCore, memoryMiB, power and count)");
    if (!m.has("workload")) this.fail(root, "expected a \"workload\" mapping with the trace to replay");
    const hosts = this.seq(m.get("hosts"), "hosts").map((n, i) => this.hostType(n, i));
    const vms = m.has("vms") ? this.seq(m.get("vms"), "vms").map((n, i) => this.vmType(n, i)) : [];
    const step = m.has("step") ? this.number(m.get("step"), "step (seconds)", 1, 86_400) : 300;
    const length = m.has("length") ? this.number(m.get("length"), "length (seconds)", step, 366 * 86_400) : 86_400;
    const w = this.map(m.get("workload"), "workload", ["trace", "format", "order", "limitVms"]);
    if (!w.has("trace")) this.fail(m.get("workload"), "expected workload.trace: the trace folder or file");
    const policies = m.has("policies") ? this.seq(m.get("policies"), "policies").map((n) => this.string(n, "a policy", POLICIES) as PolicyName) : ["lr-mmt" as PolicyName];
    let lrmmt = { safety: 1.2, fallbackThreshold: 0.7 };
    if (m.has("lrmmt")) {
      const l = this.map(m.get("lrmmt"), "lrmmt", ["safety", "fallbackThreshold"]);
      lrmmt = {
        safety: l.has("safety") ? this.number(l.get("safety"), "lrmmt.safety", 0.1, 10) : 1.2,
        fallbackThreshold: l.has("fallbackThreshold") ? this.number(l.get("fallbackThreshold"), "lrmmt.fallbackThreshold", 0.01, 1) : 0.7,
      };
    }
    let drs = { threshold: 3 as 1 | 2 | 3 | 4 | 5 };
    if (m.has("drs")) {
      const d = this.map(m.get("drs"), "drs", ["threshold"]);
      if (d.has("threshold")) drs = { threshold: this.number(d.get("threshold"), "drs.threshold (DRS migration threshold)", 1, 5, true) as 1 | 2 | 3 | 4 | 5 };
    }
    const dpm = { ...DEFAULT_DPM };
    if (m.has("dpm")) {
      const d = this.map(m.get("dpm"), "dpm", ["enabled", "targetPercent", "tolerancePercent", "powerOnSeconds", "windowSeconds"]);
      if (d.has("enabled")) dpm.enabled = this.bool(d.get("enabled"), "dpm.enabled");
      if (d.has("targetPercent")) dpm.targetPercent = this.number(d.get("targetPercent"), "dpm.targetPercent", 1, 100);
      if (d.has("tolerancePercent")) dpm.tolerancePercent = this.number(d.get("tolerancePercent"), "dpm.tolerancePercent", 0, 50);
      if (d.has("powerOnSeconds")) dpm.powerOnSeconds = this.number(d.get("powerOnSeconds"), "dpm.powerOnSeconds", 0, 3600);
      if (d.has("windowSeconds")) dpm.windowSeconds = this.number(d.get("windowSeconds"), "dpm.windowSeconds", 0, 86_400);
      if (dpm.targetPercent - dpm.tolerancePercent <= 0 || dpm.targetPercent + dpm.tolerancePercent > 100) {
        this.fail(m.get("dpm"), `expected dpm.targetPercent ± dpm.tolerancePercent inside (0, 100], got ${dpm.targetPercent} ± ${dpm.tolerancePercent}`);
      }
    }
    let ha: HaSettings | null = null;
    const totalHosts = hosts.reduce((s, h) => s + h.count, 0);
    if (m.has("ha")) {
      const h = this.map(m.get("ha"), "ha", ["failuresToTolerate", "failures"]);
      ha = {
        failuresToTolerate: h.has("failuresToTolerate") ? this.number(h.get("failuresToTolerate"), "ha.failuresToTolerate", 1, Math.max(1, totalHosts - 1), true) : 1,
        failures: h.has("failures")
          ? this.seq(h.get("failures"), "ha.failures").map((n) => {
              const f = this.map(n, "a host failure", ["host", "at"]);
              if (!f.has("host") || !f.has("at")) this.fail(n, "expected a host failure with host (index) and at (seconds)");
              return { host: this.number(f.get("host"), "ha.failures[].host", 0, totalHosts - 1, true), at: this.number(f.get("at"), "ha.failures[].at (seconds)", 0, length) };
            })
          : [],
      };
    }
    let memory = { salting: "vm" as Salting, pageMiB: 16, privateFraction: 0.5, zeroFraction: 0.1 };
    if (m.has("memory")) {
      const mm = this.map(m.get("memory"), "memory", ["salting", "pageMiB", "privateFraction", "zeroFraction"]);
      memory = {
        salting: mm.has("salting") ? (this.string(mm.get("salting"), "memory.salting (TPS salting)", ["vm", "tenant", "global"]) as Salting) : "vm",
        pageMiB: mm.has("pageMiB") ? this.number(mm.get("pageMiB"), "memory.pageMiB (MiB one modelled page stands for)", 0.00390625, 1024) : 16,
        privateFraction: mm.has("privateFraction") ? this.number(mm.get("privateFraction"), "memory.privateFraction", 0, 1) : 0.5,
        zeroFraction: mm.has("zeroFraction") ? this.number(mm.get("zeroFraction"), "memory.zeroFraction", 0, 1) : 0.1,
      };
    }
    return {
      name: m.has("name") ? this.string(m.get("name"), "name") : this.file,
      stepSeconds: step,
      lengthSeconds: length,
      hosts,
      hostLayout: m.has("hostLayout") ? (this.string(m.get("hostLayout"), "hostLayout", ["interleaved", "blocks"]) as "interleaved" | "blocks") : "blocks",
      vms,
      assignment: m.has("assignment") ? (this.string(m.get("assignment"), "assignment", ["blocks", "round-robin"]) as "blocks" | "round-robin") : "blocks",
      workload: {
        trace: this.string(w.get("trace"), "workload.trace (a path)"),
        format: w.has("format") ? (this.string(w.get("format"), "workload.format", TRACE_FORMATS) as TraceFormat) : undefined,
        order: w.has("order") ? (this.string(w.get("order"), "workload.order", ["sorted", "directory"]) as "sorted" | "directory") : "sorted",
        limitVms: w.has("limitVms") ? this.number(w.get("limitVms"), "workload.limitVms", 1, 10_000_000, true) : undefined,
      },
      policies,
      lrmmt,
      drs,
      dpm,
      ha,
      memory,
      finishIdleVms: m.has("finishIdleVms") ? this.bool(m.get("finishIdleVms"), "finishIdleVms") : false,
    };
  }

  hostType(node: Node, i: number): HostType {
    const what = `host type ${i + 1}`;
    const m = this.map(node, what, ["type", "count", "cores", "mhzPerCore", "memoryMiB", "power", "bandwidthMbps"]);
    for (const k of ["count", "cores", "mhzPerCore", "memoryMiB"]) if (!m.has(k)) this.fail(node, `expected ${k} in ${what}`);
    if (!m.has("power")) this.fail(node, `expected power in ${what}: a SPECpower table of 11 watt figures at 0, 10, … 100 % load`);
    const p = m.get("power");
    if (!isSeq(p) || p.items.length !== 11) this.fail(p, `expected power in ${what}: a SPECpower table of 11 watt figures at 0, 10, … 100 % load`);
    const power = (p.items as Node[]).map((n) => this.number(n, `a power figure in watts in ${what}`, 0, 100_000));
    for (let k = 1; k < 11; k++) if (power[k] < power[k - 1]) this.fail(p, `expected power in ${what} not to fall as load rises, got ${power[k]} W after ${power[k - 1]} W`);
    return {
      name: m.has("type") ? this.string(m.get("type"), `type of ${what}`) : `host${i + 1}`,
      count: this.number(m.get("count"), `count of ${what}`, 0, 1_000_000, true),
      cores: this.number(m.get("cores"), `cores of ${what}`, 1, 1024, true),
      mhzPerCore: this.number(m.get("mhzPerCore"), `mhzPerCore of ${what}`, 1, 1e7),
      memoryMiB: this.number(m.get("memoryMiB"), `memoryMiB of ${what}`, 1, 1e9),
      power,
      bandwidthMbps: m.has("bandwidthMbps") ? this.number(m.get("bandwidthMbps"), `bandwidthMbps of ${what}`, 1, 1e7) : 1000,
    };
  }

  vmType(node: Node, i: number): VmType {
    const what = `VM type ${i + 1}`;
    const m = this.map(node, what, ["type", "mhz", "memoryMiB"]);
    for (const k of ["mhz", "memoryMiB"]) if (!m.has(k)) this.fail(node, `expected ${k} in ${what}`);
    return {
      name: m.has("type") ? this.string(m.get("type"), `type of ${what}`) : `vm${i + 1}`,
      mhz: this.number(m.get("mhz"), `mhz of ${what}`, 1, 1e7),
      memoryMiB: this.number(m.get("memoryMiB"), `memoryMiB of ${what}`, 1, 1e8),
    };
  }
}
