/**
 * VirtualMachine: a container VM, named as vIC names it (`name-shortid`), in the VCH's vApp.
 * Power state follows the container (running or paused = poweredOn / suspended), memory quick
 * stats come from the memory engine, the annotation names the image. Power, reset, migrate and
 * destroy run on the VCH, so the Docker door sees them as it sees its own.
 */
import { flat } from "../vch/format.js";
import type { ContainerRecord } from "../vch/types.js";
import { ManagedEntity, entityGetters, type Ctx, type Getter, type Method } from "./managed.js";
import { IMAGE_STORE, VAPP } from "./inventory.js";
import { child, refChild } from "./soap.js";
import type { HostSystem } from "./host_system.js";
import { Enum, VimFault, invalidPowerState, long, refs, type DataObject, type Ref } from "./values.js";

const PAGE = 4096;
const CORE_MHZ = 2000;
const MIB = 1048576;

export type PowerState = "poweredOn" | "poweredOff" | "suspended";

const POWER = {
  poweredOn: new Enum("VirtualMachinePowerState", "poweredOn"),
  poweredOff: new Enum("VirtualMachinePowerState", "poweredOff"),
  suspended: new Enum("VirtualMachinePowerState", "suspended"),
};

/**
 * What the door reads of a container's record. A VM keeps only this: the VCH hands out a deep copy
 * of the whole record (config, host config, log and restart settings…), 1.7 KB a container VM
 * of which the door reads a third.
 */
export type VmRecord = Pick<ContainerRecord, "id" | "name" | "image" | "imageId" | "created" | "state" | "host" | "networks" | "mounts"> & {
  config: Pick<ContainerRecord["config"], "Hostname">;
  hostConfig: Pick<ContainerRecord["hostConfig"], "Memory" | "NanoCpus">;
};

function vmRecord(rec: ContainerRecord): VmRecord {
  return {
    id: rec.id, name: rec.name, image: rec.image, imageId: rec.imageId, created: rec.created, state: rec.state, host: rec.host, networks: rec.networks, mounts: rec.mounts,
    config: { Hostname: rec.config.Hostname },
    hostConfig: { Memory: rec.hostConfig.Memory, NanoCpus: rec.hostConfig.NanoCpus },
  };
}

export class VirtualMachine extends ManagedEntity {
  readonly getters: Record<string, Getter<VirtualMachine>> = vmGetters;
  override readonly methods: Record<string, Method<VirtualMachine>> = vmMethods;
  private record!: VmRecord;
  private label = "";
  constructor(ref: Ref, rec: ContainerRecord) {
    super(ref);
    this.rec = rec;
  }
  get rec(): VmRecord {
    return this.record;
  }
  /** The inventory sets the container's latest record at each refresh. */
  set rec(rec: ContainerRecord) {
    this.record = vmRecord(rec);
    this.label = flat(`${rec.name.slice(1)}-${rec.id.slice(0, 12)}`);
  }
  /** vIC's VM name: the container name and the first 12 hex of its id. */
  name(): string {
    return this.label;
  }
  /** A VM in a vApp has no folder parent (its path goes through `parentVApp`). */
  parent(): Ref | undefined {
    return undefined;
  }
  powerState(): PowerState {
    const s = this.rec.state;
    return s.Paused ? "suspended" : s.Running || s.Restarting ? "poweredOn" : "poweredOff";
  }
  hostRef(ctx: Ctx): Ref | undefined {
    const h = this.rec.host;
    return h ? ctx.server.inventory.hosts()[h.index]?.ref : undefined;
  }
  memoryMB(): number {
    return Math.round(Number(this.rec.hostConfig.Memory ?? 0) / MIB) || 2048;
  }
  /** What the VM's vCPUs could use, MHz (vSphere's runtime.maxCpuUsage). */
  maxCpuMHz(): number {
    return this.numCpu() * CORE_MHZ;
  }
  /** CPU in use, MHz: what the placement engine entitles the powered-on VM to. */
  cpuUsage(ctx: Ctx): number {
    return this.powerState() === "poweredOn" ? Math.round(ctx.server.vch.vmCpuMHz(this.rec.id) ?? 0) : 0;
  }
  numCpu(): number {
    return Math.max(1, Math.ceil(Number(this.rec.hostConfig.NanoCpus ?? 0) / 1e9)) || 2;
  }
  uuid(): string {
    const h = this.rec.id;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }
  ipAddress(): string | undefined {
    if (this.powerState() === "poweredOff") return undefined;
    for (const ep of Object.values(this.rec.networks)) if (ep.IPAddress) return ep.IPAddress;
    return undefined;
  }
  datastores(ctx: Ctx): Ref[] {
    const out = [IMAGE_STORE];
    for (const m of this.rec.mounts) {
      const ds = m.Type === "volume" && m.Name ? ctx.server.inventory.datastoreOfVolume(m.Name) : undefined;
      if (ds) out.push(ds.ref);
    }
    return out;
  }
  networks(ctx: Ctx): Ref[] {
    const out: Ref[] = [];
    for (const name of Object.keys(this.rec.networks)) {
      const n = ctx.server.inventory.networkByName(name);
      if (n) out.push(n.ref);
    }
    return out;
  }
  bootTime(): Date | undefined {
    if (this.powerState() === "poweredOff") return undefined;
    const t = Date.parse(this.rec.state.StartedAt);
    return Number.isFinite(t) && t > 0 ? new Date(t) : undefined;
  }
}

const powerEnum = (o: VirtualMachine): Enum => POWER[o.powerState()];

function runtime(o: VirtualMachine, ctx: Ctx): DataObject {
  return {
    _type: "VirtualMachineRuntimeInfo",
    host: o.hostRef(ctx),
    connectionState: new Enum("VirtualMachineConnectionState", "connected"),
    powerState: powerEnum(o),
    toolsInstallerMounted: false,
    bootTime: o.bootTime(),
    maxCpuUsage: o.maxCpuMHz(),
    maxMemoryUsage: o.memoryMB(),
    numMksConnections: 0,
    consolidationNeeded: false,
  };
}

/** Memory quick stats in MB, from the memory engine's pages (vSphere's names: private, shared, consumed…). */
function quickStats(o: VirtualMachine, ctx: Ctx): DataObject {
  const m = o.powerState() === "poweredOff" ? null : ctx.server.vch.vmMemory(o.rec.id);
  const mb = (pages: number | undefined): number => Math.round(((pages ?? 0) * PAGE) / MIB);
  const bt = o.bootTime();
  return {
    _type: "VirtualMachineQuickStats",
    overallCpuUsage: o.cpuUsage(ctx),
    overallCpuDemand: o.cpuUsage(ctx),
    guestMemoryUsage: mb(m?.granted),
    hostMemoryUsage: mb(m?.consumed),
    guestHeartbeatStatus: new Enum("ManagedEntityStatus", o.powerState() === "poweredOn" ? "green" : "gray"),
    privateMemory: mb(m?.private),
    sharedMemory: mb(m?.shared),
    swappedMemory: mb(m?.swapped),
    balloonedMemory: mb(m?.ballooned),
    consumedOverheadMemory: 0,
    compressedMemory: long(((m?.compressed ?? 0) * PAGE) / 1024),
    uptimeSeconds: bt ? Math.max(0, Math.round((ctx.server.vch.now() - bt.getTime()) / 1000)) : undefined,
  };
}

function configSummary(o: VirtualMachine): DataObject {
  return {
    _type: "VirtualMachineConfigSummary",
    name: o.name(),
    template: false,
    vmPathName: `[images] ${o.rec.id}/${o.rec.id}.vmx`,
    memorySizeMB: o.memoryMB(),
    numCpu: o.numCpu(),
    numEthernetCards: Object.keys(o.rec.networks).length,
    numVirtualDisks: 1 + o.rec.mounts.filter((m) => m.Type === "volume").length,
    uuid: o.uuid(),
    instanceUuid: o.uuid(),
    guestId: "otherGuest64",
    guestFullName: "Photon - VCH",
    annotation: o.rec.image,
  };
}

function guest(o: VirtualMachine, ctx: Ctx): DataObject {
  const on = o.powerState() === "poweredOn";
  return {
    _type: "GuestInfo",
    toolsStatus: on ? "toolsOk" : "toolsNotRunning",
    toolsRunningStatus: on ? "guestToolsRunning" : "guestToolsNotRunning",
    guestId: "otherGuest64",
    guestFullName: "Photon - VCH",
    hostName: o.rec.config.Hostname,
    ipAddress: o.ipAddress(),
    net: on
      ? Object.entries(o.rec.networks).map(([name, ep]) => ({
          _type: "GuestNicInfo",
          network: name,
          ipAddress: ep.IPAddress ? [ep.IPAddress] : undefined,
          macAddress: ep.MacAddress || undefined,
          connected: true,
          deviceConfigId: 4000,
        }))
      : undefined,
    guestState: on ? "running" : "notRunning",
  };
}

function summary(o: VirtualMachine, ctx: Ctx): DataObject {
  const g = guest(o, ctx);
  return {
    _type: "VirtualMachineSummary",
    vm: o.ref,
    runtime: runtime(o, ctx),
    guest: {
      _type: "VirtualMachineGuestSummary",
      guestId: g.guestId,
      guestFullName: g.guestFullName,
      toolsStatus: g.toolsStatus,
      toolsRunningStatus: g.toolsRunningStatus,
      hostName: g.hostName,
      ipAddress: g.ipAddress,
    },
    config: configSummary(o),
    storage: { _type: "VirtualMachineStorageSummary", committed: long(0), uncommitted: long(0), unshared: long(0), timestamp: new Date(ctx.server.vch.now()) },
    quickStats: quickStats(o, ctx),
    overallStatus: new Enum("ManagedEntityStatus", "green"),
  };
}

function config(o: VirtualMachine): DataObject {
  const created = Date.parse(o.rec.created);
  return {
    _type: "VirtualMachineConfigInfo",
    changeVersion: o.rec.created,
    modified: new Date(Number.isFinite(created) ? created : 0),
    name: o.name(),
    guestFullName: "Photon - VCH",
    version: "vmx-14",
    uuid: o.uuid(),
    instanceUuid: o.uuid(),
    template: false,
    guestId: "otherGuest64",
    alternateGuestName: "",
    annotation: o.rec.image,
    files: { _type: "VirtualMachineFileInfo", vmPathName: `[images] ${o.rec.id}/${o.rec.id}.vmx` },
    hardware: { _type: "VirtualHardware", numCPU: o.numCpu(), numCoresPerSocket: 1, memoryMB: o.memoryMB() },
  };
}

const vmGetters: Record<string, Getter<VirtualMachine>> = {
  ...entityGetters,
  parentVApp: () => VAPP,
  resourcePool: () => VAPP,
  runtime: (o, ctx) => runtime(o, ctx),
  summary: (o, ctx) => summary(o, ctx),
  config: (o) => config(o),
  guest: (o, ctx) => guest(o, ctx),
  datastore: (o, ctx) => refs(o.datastores(ctx)),
  network: (o, ctx) => refs(o.networks(ctx)),
  guestHeartbeatStatus: (o) => new Enum("ManagedEntityStatus", o.powerState() === "poweredOn" ? "green" : "gray"),
  // fast paths for what clients ask of every VM
  "runtime.powerState": (o) => powerEnum(o),
  "runtime.host": (o, ctx) => o.hostRef(ctx),
  "guest.ipAddress": (o) => o.ipAddress(),
  "config.annotation": (o) => o.rec.image,
};

/** A power operation as a task: InvalidPowerState (vCenter's fault) when the VM is not in `from`. */
function powerTask(name: string, descriptionId: string, from: PowerState[], requested: PowerState, run: (o: VirtualMachine, ctx: Ctx) => Promise<void>): Method<VirtualMachine> {
  return (o, _args, ctx) =>
    ctx.server.tasks.start(ctx, o.ref, o.name(), name, descriptionId, async () => {
      const state = ctx.server.inventory.vmOfContainer(o.rec.id)?.powerState() ?? o.powerState();
      if (!from.includes(state)) throw invalidPowerState(requested, state);
      await run(o, ctx);
    });
}

const vmMethods: Record<string, Method<VirtualMachine>> = {
  PowerOnVM_Task: powerTask("PowerOnVM_Task", "VirtualMachine.powerOn", ["poweredOff", "suspended"], "poweredOn", async (o, ctx) => {
    if (o.powerState() === "suspended") ctx.server.vch.unpause(o.rec.id);
    else await ctx.server.vch.start(o.rec.id);
  }),
  // A hard power-off: the container dies as with `docker kill`.
  PowerOffVM_Task: powerTask("PowerOffVM_Task", "VirtualMachine.powerOff", ["poweredOn", "suspended"], "poweredOff", async (o, ctx) => {
    if (o.powerState() === "suspended") ctx.server.vch.unpause(o.rec.id);
    ctx.server.vch.kill(o.rec.id, "SIGKILL");
  }),
  ResetVM_Task: powerTask("ResetVM_Task", "VirtualMachine.reset", ["poweredOn"], "poweredOn", async (o, ctx) => {
    await ctx.server.vch.restart(o.rec.id, { timeout: 0 });
  }),
  SuspendVM_Task: powerTask("SuspendVM_Task", "VirtualMachine.suspend", ["poweredOn"], "suspended", async (o, ctx) => {
    ctx.server.vch.pause(o.rec.id);
  }),
  Destroy_Task: powerTask("Destroy_Task", "VirtualMachine.destroy", ["poweredOff"], "poweredOff", async (o, ctx) => {
    ctx.server.vch.remove(o.rec.id, {});
  }),
  MigrateVM_Task: (o, args, ctx) => migrate(o, refChild(args, "host"), "MigrateVM_Task", ctx),
  // govc vm.migrate relocates with spec.host: for a container VM only the host can change
  RelocateVM_Task: (o, args, ctx) => {
    const spec = child(args, "spec");
    return migrate(o, spec ? refChild(spec, "host") : undefined, "RelocateVM_Task", ctx);
  },
};

function migrate(o: VirtualMachine, hostRef: Ref | undefined, method: string, ctx: Ctx): Ref {
  {
    if (!hostRef) throw new VimFault("InvalidArgument", `${method} needs a destination host (this cluster has no DRS-chosen target for a manual vMotion)`, { invalidProperty: "host" });
    const host = ctx.server.inventory.get(hostRef);
    if (!host || hostRef.type !== "HostSystem") throw new VimFault("ManagedObjectNotFound", `The object '${hostRef.type}:${hostRef.value}' has already been deleted or has not been completely created`, { obj: hostRef });
    return ctx.server.tasks.start(ctx, o.ref, o.name(), method, method === "MigrateVM_Task" ? "VirtualMachine.migrate" : "VirtualMachine.relocate", async () => {
      const state = ctx.server.inventory.vmOfContainer(o.rec.id)?.powerState() ?? o.powerState();
      if (state !== "poweredOn") throw invalidPowerState("poweredOn", state);
      ctx.server.vch.migrateContainer(o.rec.id, (host as HostSystem).index);
    });
  }
}
