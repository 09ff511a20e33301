/**
 * PerformanceManager: vSphere's counters for hosts and container VMs, read from the memory engine
 * (consumed, shared, zero, granted, swapped, balloon, compressed, active) and the placement engine
 * (CPU: each container VM's entitlement, a host's their sum), as real-time samples on 20 s boundaries of the VCH's virtual time.
 * Each query records the current value at the latest boundary, so a series grows as virtual time
 * passes between queries (a real-time history of at most an hour, as vCenter keeps).
 */
import { ManagedObject, type Ctx, type Getter, type Method } from "./managed.js";
import { HostSystem } from "./host_system.js";
import { VirtualMachine } from "./virtual_machine.js";
import { child, childrenNamed, intOf, refOf, textOf, type El } from "./soap.js";
import { Arr, Enum, VimFault, long, type DataObject, type Ref, type Value } from "./values.js";
import type { VsphereServer } from "./server.js";

const INTERVAL_S = 20;
const KEEP = 180; // an hour of 20 s samples
const KB_PER_PAGE = 4;

type Unit = "percent" | "megaHertz" | "kiloBytes";
interface Counter {
  key: number;
  group: "cpu" | "mem";
  name: string;
  unit: Unit;
  stats: "rate" | "absolute";
  level: number;
  label: string;
  /** The value now for a host or a container VM; undefined when the entity has no such counter. */
  read(o: HostSystem | VirtualMachine, ctx: Ctx): number | undefined;
}

const vmPages = (o: VirtualMachine, ctx: Ctx) => (o.powerState() === "poweredOff" ? null : ctx.server.vch.vmMemory(o.rec.id));
/** Σ of a VM memory figure over the container VMs on a host. */
function hostSum(o: HostSystem, ctx: Ctx, field: "granted" | "shared" | "sharedCommon" | "swapped" | "ballooned" | "compressed"): number {
  let pages = 0;
  for (const vm of ctx.server.inventory.vms()) if (vm.rec.host?.index === o.index) pages += vmPages(vm, ctx)?.[field] ?? 0;
  return pages * KB_PER_PAGE;
}
const vmKb = (field: "granted" | "consumed" | "shared" | "sharedCommon" | "swapped" | "ballooned" | "compressed") => (o: VirtualMachine, ctx: Ctx) => (vmPages(o, ctx)?.[field] ?? 0) * KB_PER_PAGE;

const COUNTERS: Counter[] = [
  // percent in hundredths, as vSphere reports it: the MHz in use over the host's or the VM's vCPUs' capacity
  { key: 1, group: "cpu", name: "usage", unit: "percent", stats: "rate", level: 1, label: "Usage", read: (o, ctx) => {
      const capacity = o instanceof HostSystem ? o.live(ctx).cpuMHz : o.maxCpuMHz();
      return capacity ? Math.round(Math.min(1, o.cpuUsage(ctx) / capacity) * 10000) : 0;
    } },
  { key: 2, group: "cpu", name: "usagemhz", unit: "megaHertz", stats: "rate", level: 1, label: "Usage in MHz", read: (o, ctx) => o.cpuUsage(ctx) },
  { key: 3, group: "mem", name: "usage", unit: "percent", stats: "absolute", level: 1, label: "Usage", read: (o, ctx) => {
      if (o instanceof HostSystem) {
        const m = o.live(ctx).memory;
        return m.capacity ? Math.round((m.used / m.capacity) * 10000) : 0;
      }
      const m = vmPages(o, ctx);
      return m ? Math.round(((m.consumed * 4096) / (o.memoryMB() * 1048576)) * 10000) : 0;
    } },
  { key: 4, group: "mem", name: "consumed", unit: "kiloBytes", stats: "absolute", level: 1, label: "Consumed", read: (o, ctx) => (o instanceof HostSystem ? o.live(ctx).memory.used * KB_PER_PAGE : vmKb("consumed")(o, ctx)) },
  { key: 5, group: "mem", name: "shared", unit: "kiloBytes", stats: "absolute", level: 2, label: "Shared", read: (o, ctx) => (o instanceof HostSystem ? hostSum(o, ctx, "shared") : vmKb("shared")(o, ctx)) },
  { key: 6, group: "mem", name: "granted", unit: "kiloBytes", stats: "absolute", level: 2, label: "Granted", read: (o, ctx) => (o instanceof HostSystem ? hostSum(o, ctx, "granted") : vmKb("granted")(o, ctx)) },
  { key: 7, group: "mem", name: "active", unit: "kiloBytes", stats: "absolute", level: 2, label: "Active", read: (o, ctx) => {
      const active = (vm: VirtualMachine): number => {
        if (vm.powerState() !== "poweredOn") return 0;
        const m = vmPages(vm, ctx);
        return Math.min(m?.granted ?? 0, ctx.server.vch.getImage(vm.rec.imageId).profile.workingSetPages) * KB_PER_PAGE;
      };
      if (o instanceof VirtualMachine) return active(o);
      let kb = 0;
      for (const vm of ctx.server.inventory.vms()) if (vm.rec.host?.index === o.index) kb += active(vm);
      return kb;
    } },
  { key: 8, group: "mem", name: "swapped", unit: "kiloBytes", stats: "absolute", level: 2, label: "Swapped", read: (o, ctx) => (o instanceof HostSystem ? hostSum(o, ctx, "swapped") : vmKb("swapped")(o, ctx)) },
  { key: 9, group: "mem", name: "vmmemctl", unit: "kiloBytes", stats: "absolute", level: 1, label: "Balloon", read: (o, ctx) => (o instanceof HostSystem ? hostSum(o, ctx, "ballooned") : vmKb("ballooned")(o, ctx)) },
  { key: 10, group: "mem", name: "compressed", unit: "kiloBytes", stats: "absolute", level: 2, label: "Compressed", read: (o, ctx) => (o instanceof HostSystem ? hostSum(o, ctx, "compressed") : vmKb("compressed")(o, ctx)) },
  { key: 11, group: "mem", name: "sharedcommon", unit: "kiloBytes", stats: "absolute", level: 2, label: "Shared common", read: (o, ctx) => (o instanceof HostSystem ? o.live(ctx).memory.sharedSaved * KB_PER_PAGE : undefined) },
  // guest pages whose content is all zeros (shared with the zero page)
  { key: 12, group: "mem", name: "zero", unit: "kiloBytes", stats: "absolute", level: 2, label: "Zero", read: (o, ctx) => (o instanceof HostSystem ? hostSum(o, ctx, "sharedCommon") : vmKb("sharedCommon")(o, ctx)) },
];
const BY_KEY = new Map(COUNTERS.map((c) => [c.key, c]));

const description = (label: string, key: string): DataObject => ({ _type: "ElementDescription", label, summary: label, key });
function counterInfo(c: Counter): DataObject {
  return {
    _type: "PerfCounterInfo",
    key: c.key,
    nameInfo: description(c.label, c.name),
    groupInfo: description(c.group === "cpu" ? "CPU" : "Memory", c.group),
    unitInfo: description(c.unit === "percent" ? "%" : c.unit === "megaHertz" ? "MHz" : "KB", c.unit),
    rollupType: new Enum("PerfSummaryType", "average"),
    statsType: new Enum("PerfStatsType", c.stats),
    level: c.level,
    perDeviceLevel: 3,
  };
}

export class PerformanceManager extends ManagedObject {
  readonly getters: Record<string, Getter<PerformanceManager>> = perfGetters;
  override readonly methods: Record<string, Method<PerformanceManager>> = perfMethods;
  /** Samples by entity and counter: boundary time (virtual ms) → value. */
  private readonly series = new Map<string, Map<number, number>>();
  constructor(
    ref: Ref,
    readonly server: VsphereServer,
  ) {
    super(ref);
  }

  entity(ref: Ref, ctx: Ctx): HostSystem | VirtualMachine {
    const o = ctx.server.lookup(ref, ctx);
    if (!o) throw new VimFault("ManagedObjectNotFound", `The object '${ref.type}:${ref.value}' has already been deleted or has not been completely created`, { obj: ref });
    if (!(o instanceof HostSystem) && !(o instanceof VirtualMachine)) throw new VimFault("InvalidArgument", `${ref.type} ${ref.value} has no real-time statistics: ask a HostSystem or a VirtualMachine`, { invalidProperty: "entity" });
    return o;
  }

  available(o: HostSystem | VirtualMachine): Counter[] {
    return COUNTERS.filter((c) => o instanceof HostSystem || c.key !== 11);
  }

  /** The samples of one counter of one entity, oldest first, after recording the current value. */
  samples(o: HostSystem | VirtualMachine, c: Counter, ctx: Ctx): [number, number][] {
    const key = `${o.ref.key}#${c.key}`;
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = new Map()));
    const now = ctx.server.vch.now();
    const boundary = Math.floor(now / (INTERVAL_S * 1000)) * INTERVAL_S * 1000;
    const v = c.read(o, ctx);
    if (v !== undefined) s.set(boundary, Math.round(v));
    for (const t of s.keys()) if (t <= boundary - KEEP * INTERVAL_S * 1000) s.delete(t);
    return [...s].sort((a, b) => a[0] - b[0]);
  }
}

function parseQuerySpec(el: El) {
  const entity = child(el, "entity");
  if (!entity) throw new VimFault("InvalidArgument", "a PerfQuerySpec needs an entity", { invalidProperty: "querySpec.entity" });
  const when = (n: string): number | undefined => {
    const t = textOf(el, n);
    if (!t) return undefined;
    const ms = Date.parse(t);
    if (!Number.isFinite(ms)) throw new VimFault("InvalidArgument", `${n} ${t} is not a time`, { invalidProperty: `querySpec.${n}` });
    return ms;
  };
  const interval = intOf(el, "intervalId");
  if (interval !== undefined && interval !== INTERVAL_S) throw new VimFault("InvalidArgument", `interval ${interval} is not kept: this server has real-time statistics (20 s) only`, { invalidProperty: "querySpec.intervalId" });
  return {
    entity: refOf(entity),
    metricId: childrenNamed(el, "metricId").map((m) => ({ counterId: intOf(m, "counterId") ?? 0, instance: textOf(m, "instance") ?? "" })),
    maxSample: intOf(el, "maxSample"),
    start: when("startTime"),
    end: when("endTime"),
    format: textOf(el, "format") || "normal",
  };
}

const perfGetters: Record<string, Getter<PerformanceManager>> = {
  perfCounter: () => new Arr("PerfCounterInfo", COUNTERS.map(counterInfo)),
  historicalInterval: () =>
    new Arr("PerfInterval", [{ _type: "PerfInterval", key: 1, samplingPeriod: 300, name: "Past day", length: 86400, level: 1, enabled: true }]),
  description: () => ({ _type: "PerformanceDescription", counterType: [], statsType: [] }),
};

const perfMethods: Record<string, Method<PerformanceManager>> = {
  QueryPerfProviderSummary: (o, args, ctx) => {
    const e = child(args, "entity");
    if (!e) throw new VimFault("InvalidArgument", "QueryPerfProviderSummary needs an entity", { invalidProperty: "entity" });
    const ent = o.entity(refOf(e), ctx);
    return { _type: "PerfProviderSummary", entity: ent.ref, currentSupported: true, summarySupported: false, refreshRate: INTERVAL_S };
  },
  QueryAvailablePerfMetric: (o, args, ctx) => {
    const e = child(args, "entity");
    if (!e) throw new VimFault("InvalidArgument", "QueryAvailablePerfMetric needs an entity", { invalidProperty: "entity" });
    const interval = intOf(args, "intervalId");
    if (interval !== undefined && interval !== INTERVAL_S) return [];
    return o.available(o.entity(refOf(e), ctx)).map((c) => ({ _type: "PerfMetricId", counterId: c.key, instance: "" }));
  },
  QueryPerfCounter: (_o, args) =>
    childrenNamed(args, "counterId").map((k) => {
      const c = BY_KEY.get(Number(k.text.trim()));
      if (!c) throw new VimFault("InvalidArgument", `no performance counter has key ${k.text.trim()}`, { invalidProperty: "counterId" });
      return counterInfo(c);
    }),
  QueryPerfCounterByLevel: (_o, args) => {
    const level = intOf(args, "level");
    if (level === undefined || level < 1 || level > 4) throw new VimFault("InvalidArgument", "level must be from 1 to 4", { invalidProperty: "level" });
    return COUNTERS.filter((c) => c.level <= level).map(counterInfo);
  },
  QueryPerf: (o, args, ctx) => {
    const out: Value[] = [];
    for (const specEl of childrenNamed(args, "querySpec")) {
      const spec = parseQuerySpec(specEl);
      const ent = o.entity(spec.entity, ctx);
      const available = o.available(ent);
      const wanted = spec.metricId.length ? spec.metricId.map((m) => ({ m, c: m.counterId ? BY_KEY.get(m.counterId) : undefined })) : available.map((c) => ({ m: { counterId: c.key, instance: "" }, c }));
      const values: DataObject[] = [];
      let times: number[] = [];
      for (const { m, c } of wanted) {
        if (!c || !available.includes(c)) continue; // vCenter leaves out counters the entity does not have
        let s = o.samples(ent, c, ctx).filter(([t]) => (spec.start === undefined || t > spec.start) && (spec.end === undefined || t <= spec.end));
        if (spec.maxSample && spec.maxSample > 0) s = s.slice(-spec.maxSample);
        if (s.length > times.length) times = s.map(([t]) => t);
        values.push({ _type: "PerfMetricIntSeries", id: { _type: "PerfMetricId", counterId: c.key, instance: m.instance === "*" ? "" : m.instance }, value: s.map(([, v]) => long(v)) });
      }
      if (values.length === 0) continue;
      const sampleInfo = times.map((t) => ({ _type: "PerfSampleInfo", timestamp: new Date(t), interval: INTERVAL_S }));
      if (spec.format === "csv") {
        out.push({
          _type: "PerfEntityMetricCSV",
          entity: ent.ref,
          sampleInfoCSV: times.map((t) => `${INTERVAL_S},${new Date(t).toISOString()}`).join(","),
          value: values.map((v) => ({ _type: "PerfMetricSeriesCSV", id: v.id, value: (v.value as { value: number }[]).map((x) => x.value).join(",") })),
        });
      } else out.push({ _type: "PerfEntityMetric", entity: ent.ref, sampleInfo, value: values });
    }
    return out;
  },
};
