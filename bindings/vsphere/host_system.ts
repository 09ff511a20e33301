/**
 * HostSystem: one simulated ESXi host of the cluster, its summary (hardware, runtime with
 * connection and maintenance state, quickStats from the placement and memory engines) and
 * Enter/ExitMaintenanceMode_Task (DRS evacuates it by vMotion).
 */
import type { HostInfo } from "../vch/types.js";
import { ManagedEntity, entityGetters, type Ctx, type Getter, type Method } from "./managed.js";
import { CLUSTER } from "./inventory.js";
import { Enum, int, long, refs, short, type DataObject, type Ref } from "./values.js";

const CORE_MHZ = 2000;
const PAGE = 4096;
const MIB = 1048576;

export class HostSystem extends ManagedEntity {
  readonly getters: Record<string, Getter<HostSystem>> = hostGetters;
  override readonly methods: Record<string, Method<HostSystem>> = hostMethods;
  /** Set by the inventory at each refresh. */
  host!: HostInfo;
  constructor(
    ref: Ref,
    readonly index: number,
  ) {
    super(ref);
  }
  /** The host as `info()` shows it now (quick stats move with virtual time). */
  live(ctx: Ctx): HostInfo {
    return ctx.server.inventory.info().hosts[this.index] ?? this.host;
  }
  name(): string {
    return this.host.name;
  }
  parent(): Ref {
    return CLUSTER;
  }
  override overallStatus(ctx: Ctx): Enum {
    const s = this.live(ctx).state;
    return new Enum("ManagedEntityStatus", s === "failed" ? "red" : s === "connected" ? "green" : "gray");
  }
  vms(ctx: Ctx): Ref[] {
    const name = this.host.name;
    return ctx.server.inventory.vms().filter((v) => v.rec.host?.name === name).map((v) => v.ref);
  }
  cores(): number {
    return Math.max(1, Math.round(this.host.cpuMHz / CORE_MHZ));
  }
  /** CPU in use, MHz: the placement engine's CPU entitlements of the container VMs on the host. */
  cpuUsage(ctx: Ctx): number {
    let mhz = 0;
    for (const vm of ctx.server.inventory.vms()) if (vm.rec.host?.index === this.index) mhz += vm.cpuUsage(ctx);
    return mhz;
  }
  /** Memory in use, MiB: the frames the memory engine holds for the host. */
  memoryUsage(ctx: Ctx): number {
    return Math.round((this.live(ctx).memory.used * PAGE) / MIB);
  }
}

function runtime(o: HostSystem, ctx: Ctx): DataObject {
  const h = o.live(ctx);
  return {
    _type: "HostRuntimeInfo",
    connectionState: new Enum("HostSystemConnectionState", h.state === "failed" ? "notResponding" : "connected"),
    powerState: new Enum("HostSystemPowerState", h.state === "standby" ? "standBy" : h.state === "failed" ? "unknown" : "poweredOn"),
    standbyMode: h.state === "standby" ? "in" : "none",
    inMaintenanceMode: h.state === "maintenance",
    inQuarantineMode: false,
    bootTime: new Date(ctx.server.bootTime),
  };
}

function hardwareSummary(o: HostSystem): DataObject {
  return {
    _type: "HostHardwareSummary",
    vendor: "vicsim",
    model: "simulated ESXi host",
    uuid: `4c4c4544-0000-4000-8000-${(o.index + 1).toString(16).padStart(12, "0")}`,
    memorySize: long(o.host.memoryMiB * MIB),
    cpuModel: "vicsim virtual CPU",
    cpuMhz: CORE_MHZ,
    numCpuPkgs: short(1),
    numCpuCores: short(o.cores()),
    numCpuThreads: short(o.cores()),
    numNics: 2,
    numHBAs: 1,
  };
}

function summary(o: HostSystem, ctx: Ctx): DataObject {
  return {
    _type: "HostListSummary",
    host: o.ref,
    hardware: hardwareSummary(o),
    runtime: runtime(o, ctx),
    config: {
      _type: "HostConfigSummary",
      name: o.host.name,
      port: 443,
      product: ctx.server.about("HostAgent"),
      vmotionEnabled: true,
      faultToleranceEnabled: false,
    },
    quickStats: {
      _type: "HostListSummaryQuickStats",
      overallCpuUsage: o.cpuUsage(ctx),
      overallMemoryUsage: o.memoryUsage(ctx),
      distributedCpuFairness: 0,
      distributedMemoryFairness: 0,
      uptime: Math.max(0, Math.round((ctx.server.vch.now() - ctx.server.bootTime) / 1000)),
    },
    overallStatus: o.overallStatus(ctx),
    rebootRequired: false,
    managementServerIp: "127.0.0.1",
  };
}

const hostGetters: Record<string, Getter<HostSystem>> = {
  ...entityGetters,
  summary: (o, ctx) => summary(o, ctx),
  runtime: (o, ctx) => runtime(o, ctx),
  hardware: (o) => ({
    _type: "HostHardwareInfo",
    systemInfo: { _type: "HostSystemInfo", vendor: "vicsim", model: "simulated ESXi host", uuid: (hardwareSummary(o).uuid as string) },
    cpuInfo: { _type: "HostCpuInfo", numCpuPackages: short(1), numCpuCores: short(o.cores()), numCpuThreads: short(o.cores()), hz: long(CORE_MHZ * 1e6) },
    memorySize: long(o.host.memoryMiB * MIB),
  }),
  vm: (o, ctx) => refs(o.vms(ctx)),
  datastore: (_o, ctx) => refs(ctx.server.inventory.datastores().map((d) => d.ref)),
  network: (_o, ctx) => refs(ctx.server.inventory.networks().map((n) => n.ref)),
  "runtime.inMaintenanceMode": (o, ctx) => o.live(ctx).state === "maintenance",
  "summary.quickStats.overallMemoryUsage": (o, ctx) => int(o.memoryUsage(ctx)),
  "summary.quickStats.overallCpuUsage": (o, ctx) => int(o.cpuUsage(ctx)),
};

const hostMethods: Record<string, Method<HostSystem>> = {
  EnterMaintenanceMode_Task: (o, _args, ctx) =>
    ctx.server.tasks.start(ctx, o.ref, o.name(), "EnterMaintenanceMode_Task", "HostSystem.enterMaintenanceMode", async () => {
      ctx.server.vch.enterMaintenance(o.index);
    }),
  ExitMaintenanceMode_Task: (o, _args, ctx) =>
    ctx.server.tasks.start(ctx, o.ref, o.name(), "ExitMaintenanceMode_Task", "HostSystem.exitMaintenanceMode", async () => {
      ctx.server.vch.exitMaintenance(o.index);
    }),
};
