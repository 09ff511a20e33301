/**
 * JSON bodies of the Docker Engine API 1.50, shaped from the Virtual Container Host's records.
 * Fields the spec does not mark `x-nullable` are never null here: absent values are omitted or
 * given Docker's empty value, so every body validates against the 1.50 schema.
 */
import type {
  ContainerRecord,
  EndpointRecord,
  ExecRecord,
  ImageRecord,
  NetworkRecord,
  VchEvent,
  VchInfo,
  VolumeRecord,
  DiskUsage,
} from "../vch/types.js";
import type { ContainerStats } from "./stats.js";
import { API_VERSION, MIN_API_VERSION, SERVER_NAME, SERVER_VERSION } from "./http.js";

const ZERO_TIME = "0001-01-01T00:00:00Z";
const unixSeconds = (iso: string): number => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
};

/** Copies an object without its null and undefined fields. */
function withoutNulls<T extends object>(o: T | null | undefined): Partial<T> {
  const out: Record<string, unknown> = {};
  if (!o) return out as Partial<T>;
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = v;
  return out as Partial<T>;
}

/** `EndpointSettings` of one network a container is attached to. */
export function endpointSettings(e: EndpointRecord): Record<string, unknown> {
  return {
    IPAMConfig: e.IPAMConfig ?? null,
    Links: e.Links ?? [],
    MacAddress: e.MacAddress || e.RequestedMac || "",
    Aliases: e.Aliases ?? [],
    DriverOpts: e.DriverOpts ?? null,
    GwPriority: 0,
    NetworkID: e.NetworkID,
    EndpointID: e.EndpointID,
    Gateway: e.Gateway,
    IPAddress: e.IPAddress,
    IPPrefixLen: e.IPPrefixLen,
    IPv6Gateway: e.IPv6Gateway ?? "",
    GlobalIPv6Address: e.GlobalIPv6Address ?? "",
    GlobalIPv6PrefixLen: e.GlobalIPv6PrefixLen ?? 0,
    DNSNames: [],
  };
}

function networksOf(c: ContainerRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, e] of Object.entries(c.networks ?? {})) out[name] = endpointSettings(e);
  return out;
}

function mountsOf(c: ContainerRecord): Record<string, unknown>[] {
  return (c.mounts ?? []).map((m) => withoutNulls({ ...m }));
}

/** The host config after dockerd's defaults (what inspect shows). */
export function hostConfigOf(c: ContainerRecord): Record<string, unknown> {
  const given = withoutNulls(c.hostConfig as Record<string, unknown>);
  const networkMode = !given.NetworkMode || given.NetworkMode === "default" ? "bridge" : given.NetworkMode;
  const restart = (given.RestartPolicy as { Name?: string; MaximumRetryCount?: number } | undefined) ?? {};
  return {
    Binds: [],
    ContainerIDFile: "",
    PortBindings: {},
    PublishAllPorts: false,
    Privileged: false,
    ReadonlyRootfs: false,
    Dns: [],
    DnsOptions: [],
    DnsSearch: [],
    ExtraHosts: [],
    CapAdd: [],
    CapDrop: [],
    CgroupnsMode: "private",
    IpcMode: "private",
    PidMode: "",
    Cgroup: "",
    Links: [],
    OomScoreAdj: 0,
    ShmSize: 67108864,
    Runtime: "runc",
    Isolation: "",
    ConsoleSize: [0, 0],
    Memory: 0,
    NanoCpus: 0,
    CpuShares: 0,
    AutoRemove: false,
    VolumeDriver: "",
    VolumesFrom: [],
    ...given,
    NetworkMode: networkMode,
    RestartPolicy: { Name: restart.Name || "no", MaximumRetryCount: restart.MaximumRetryCount ?? 0 },
    LogConfig: { Type: (given.LogConfig as { Type?: string } | undefined)?.Type || "json-file", Config: (given.LogConfig as { Config?: Record<string, string> } | undefined)?.Config ?? {} },
  };
}

/** `Config` of a container (inspect). */
export function containerConfigOf(c: ContainerRecord): Record<string, unknown> {
  const cfg = withoutNulls(c.config as unknown as Record<string, unknown>);
  return {
    Hostname: c.id.slice(0, 12),
    Domainname: "",
    User: "",
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: [],
    Image: c.image,
    WorkingDir: "",
    Labels: {},
    ...cfg,
  };
}

/** Docker's `PortMap` of a container: `{"80/tcp": [{HostIp, HostPort}]}` (null when not published). */
function portMapOf(c: ContainerRecord): Record<string, unknown> {
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const key of Object.keys(c.config?.ExposedPorts ?? {})) out[key] = null;
  for (const p of c.ports ?? []) {
    const key = `${p.PrivatePort}/${p.Type}`;
    if (p.PublicPort === undefined) {
      out[key] ??= null;
      continue;
    }
    (out[key] ??= []).push({ HostIp: p.IP ?? "0.0.0.0", HostPort: String(p.PublicPort) });
  }
  return out;
}

/** `GET /containers/{id}/json`. */
export function containerInspect(c: ContainerRecord, execIds: string[] = [], shortIdAlias = false): Record<string, unknown> {
  const bridge = c.networks?.bridge;
  return {
    Id: c.id,
    Created: c.created,
    Path: c.path,
    Args: c.args ?? [],
    State: { ...withoutNulls(c.state as unknown as Record<string, unknown>), StartedAt: c.state.StartedAt || ZERO_TIME, FinishedAt: c.state.FinishedAt || ZERO_TIME },
    Image: c.imageId,
    ResolvConfPath: `/vmfs/volumes/datastore1/${c.id}/resolv.conf`,
    HostnamePath: `/vmfs/volumes/datastore1/${c.id}/hostname`,
    HostsPath: `/vmfs/volumes/datastore1/${c.id}/hosts`,
    LogPath: `/vmfs/volumes/datastore1/${c.id}/${c.id}-json.log`,
    Name: c.name,
    RestartCount: c.restartCount ?? 0,
    Driver: "vsphere",
    Platform: "linux",
    MountLabel: "",
    ProcessLabel: "",
    AppArmorProfile: "",
    ExecIDs: execIds.length ? execIds : null,
    HostConfig: hostConfigOf(c),
    GraphDriver: { Name: "vsphere", Data: { ContainerVM: c.vm === null ? "" : String(c.vm), Host: c.host?.name ?? "" } },
    Mounts: mountsOf(c),
    Config: containerConfigOf(c),
    NetworkSettings: {
      Bridge: "",
      SandboxID: c.id,
      SandboxKey: "",
      Ports: portMapOf(c),
      HairpinMode: false,
      LinkLocalIPv6Address: "",
      LinkLocalIPv6PrefixLen: 0,
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      EndpointID: bridge?.EndpointID ?? "",
      Gateway: bridge?.Gateway ?? "",
      GlobalIPv6Address: "",
      GlobalIPv6PrefixLen: 0,
      IPAddress: bridge?.IPAddress ?? "",
      IPPrefixLen: bridge?.IPPrefixLen ?? 0,
      IPv6Gateway: "",
      MacAddress: bridge?.MacAddress ?? "",
      Networks: shortIdAlias ? withShortIdAlias(c) : networksOf(c),
    },
    // vSphere's view of the container VM, beside Docker's fields.
    VirtualMachine: { Host: c.host?.name ?? null, Handle: c.vm },
  };
}

/** Networks as dockerd shows them below API 1.45: a user-defined network's Aliases end with the short id. */
function withShortIdAlias(c: ContainerRecord): Record<string, unknown> {
  const out = networksOf(c) as Record<string, { Aliases: string[] }>;
  const short = c.id.slice(0, 12);
  for (const [name, e] of Object.entries(out)) {
    if (["bridge", "host", "none", "default"].includes(name) || name.startsWith("container:")) continue;
    if (!e.Aliases.includes(short)) out[name] = { ...e, Aliases: [...e.Aliases, short] };
  }
  return out;
}

/** One row of `GET /containers/json`. */
export function containerSummary(c: ContainerRecord): Record<string, unknown> {
  const networkMode = (c.hostConfig?.NetworkMode as string | undefined) || "default";
  return {
    Id: c.id,
    Names: [c.name],
    Image: c.image,
    ImageID: c.imageId,
    // dockerd joins Path and Args; the CLI adds the quotes it shows.
    Command: [c.path, ...(c.args ?? [])].filter((x) => x !== "").join(" "),
    Created: unixSeconds(c.created),
    Ports: (c.ports ?? []).map((p) => withoutNulls({ ...p })),
    Labels: c.config?.Labels ?? {},
    State: c.state.Status,
    Status: c.statusText,
    HostConfig: { NetworkMode: networkMode },
    NetworkSettings: { Networks: networksOf(c) },
    Mounts: mountsOf(c),
  };
}

/** Docker's image `Config`, without nulls where the spec has none. */
function imageConfigOf(i: ImageRecord): Record<string, unknown> {
  const cfg = withoutNulls(i.config as unknown as Record<string, unknown>);
  // OnBuild is nullable in the spec and dockerd always sends it (docker-py reads Config['OnBuild']).
  return { User: "", Env: [], WorkingDir: "", Labels: {}, ...cfg, ExposedPorts: i.config.ExposedPorts ?? null, OnBuild: i.config.OnBuild ?? null };
}

/** One row of `GET /images/json`. */
export function imageSummary(i: ImageRecord, containers = -1): Record<string, unknown> {
  return {
    Id: i.id,
    ParentId: "",
    RepoTags: i.repoTags,
    RepoDigests: i.repoDigests,
    Created: i.created,
    Size: i.size,
    SharedSize: -1,
    Labels: i.config.Labels ?? {},
    Containers: containers,
  };
}

/** `GET /images/{name}/json`, with the template VM profile beside Docker's fields. */
export function imageInspect(i: ImageRecord): Record<string, unknown> {
  // An image carries its config document (made here, or as pulled): comment, author, its layers' diff ids.
  const configJson = i.rootfs?.configJson ?? i.configJson;
  const doc = configJson ? (JSON.parse(configJson) as { comment?: string; author?: string; rootfs?: { diff_ids?: string[] } }) : {};
  return {
    Id: i.id,
    RepoTags: i.repoTags,
    RepoDigests: i.repoDigests,
    Parent: i.rootfs?.parent ?? "",
    Comment: doc.comment ?? "",
    Created: new Date(i.created * 1000).toISOString().replace(".000Z", "Z"),
    DockerVersion: "",
    Author: doc.author ?? "",
    Config: imageConfigOf(i),
    Architecture: i.architecture,
    Os: i.os,
    Size: i.size,
    GraphDriver: { Name: "vsphere", Data: {} },
    RootFS: { Type: "layers", Layers: doc.rootfs?.diff_ids ?? i.profile.layers.map((l) => l.digest) },
    Metadata: { LastTagTime: ZERO_TIME },
    TemplateVM: { MemoryMiB: i.profile.memoryMiB, BootPages: i.profile.bootPages, WorkingSetPages: i.profile.workingSetPages, BootMs: i.profile.bootMs },
  };
}

/** `GET /version`. */
export function version(vchName: string): Record<string, unknown> {
  const arch = "amd64";
  return {
    Platform: { Name: `vicsim ${SERVER_VERSION} (Virtual Container Host ${vchName})` },
    Components: [
      {
        Name: "Engine",
        Version: SERVER_VERSION,
        Details: { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: "linux", Arch: arch, Experimental: "false", KernelVersion: "vSphere" },
      },
    ],
    Version: SERVER_VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: "vicsim",
    GoVersion: "n/a (TypeScript + WebAssembly)",
    Os: "linux",
    Arch: arch,
    KernelVersion: "vSphere",
    Experimental: false,
    BuildTime: "2026-01-01T00:00:00Z",
  };
}

const GIB = 1024 ** 3;
const mib = (pages: number): string => `${Math.round((pages * 4096) / 1024 ** 2)} MiB`;

/** `GET /info`: Docker's fields, with the cluster in DriverStatus as vIC showed it. */
export function info(i: VchInfo, id: string): Record<string, unknown> {
  const connected = i.hosts.filter((h) => h.state === "connected").length;
  const driverStatus: [string, string][] = [
    ["VCH", i.name],
    ["VCH CPU limit", `${i.hosts.reduce((s, h) => s + h.cpuMHz, 0)} MHz`],
    ["VCH memory limit", `${(i.hosts.reduce((s, h) => s + h.memoryMiB, 0) / 1024).toFixed(0)} GiB`],
    ["VMware Product", "VMware vSphere (simulated by vicsim)"],
    ["Hosts", `${i.hosts.length} (${connected} connected)`],
    ["DRS", `${i.drs.automation}, threshold ${i.drs.threshold}, imbalance ${i.drs.imbalance.toFixed(3)} (target ${i.drs.targetImbalance.toFixed(3)}), ${i.drs.migrations} migrations`],
    ["HA", `${i.ha.policy.kind}, failover capacity ${i.ha.failoverCapacity} hosts`],
    ["TPS", `salting ${i.tps.salting}, ${mib(i.tps.sharedSavedPages)} saved by sharing`],
    // Faults are reported, never swallowed: each also came as a `cluster` event.
    ["Faults", `${i.faults.guestWriteFailures} guest writes refused (host out of memory), ${i.faults.restartFailures} restarts that could not power on, ${i.faults.subscriberErrors} subscriber errors, ${i.faults.eventsDropped} events and ${i.faults.outputDropped} output chunks dropped for readers that stopped reading`],
  ];
  for (const h of i.hosts)
    driverStatus.push([
      h.name,
      `${h.state}, ${h.containers} container VMs, ${h.cpuMHz} MHz, ${h.memoryMiB} MiB, memory ${h.memory.state} (${mib(h.memory.used)} used, ${mib(h.memory.sharedSaved)} shared), load ${h.load.toFixed(3)}`,
    ]);
  return {
    ID: id,
    Containers: i.containers,
    ContainersRunning: i.containersRunning,
    ContainersPaused: i.containersPaused,
    ContainersStopped: i.containersStopped,
    Images: i.images,
    Driver: "vSphere Integrated Containers (vicsim) Backend Engine",
    DriverStatus: driverStatus,
    DockerRootDir: "/vmfs/volumes/datastore1",
    Plugins: { Volume: ["local"], Network: ["bridge", "host", "null"], Authorization: [], Log: ["json-file"] },
    MemoryLimit: true,
    SwapLimit: false,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: false,
    PidsLimit: false,
    OomKillDisable: false,
    IPv4Forwarding: true,
    Debug: false,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date(i.now).toISOString(),
    LoggingDriver: "json-file",
    CgroupDriver: "none",
    CgroupVersion: "2",
    NEventsListener: 0,
    KernelVersion: "vSphere",
    OperatingSystem: `vicsim ${SERVER_VERSION} (simulated vSphere cluster, ${i.hosts.length} hosts)`,
    OSVersion: SERVER_VERSION,
    OSType: "linux",
    Architecture: "x86_64",
    NCPU: i.ncpu,
    MemTotal: i.memTotal,
    IndexServerAddress: "https://index.docker.io/v1/",
    RegistryConfig: { InsecureRegistryCIDRs: [], IndexConfigs: {}, Mirrors: [] },
    HttpProxy: "",
    HttpsProxy: "",
    NoProxy: "",
    Name: i.name,
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: SERVER_VERSION,
    Runtimes: { runc: { path: "vsphere-instant-clone" } },
    DefaultRuntime: "runc",
    Swarm: { NodeID: "", NodeAddr: "", LocalNodeState: "inactive", ControlAvailable: false, Error: "", RemoteManagers: null },
    LiveRestoreEnabled: true,
    Isolation: "",
    InitBinary: "",
    ContainerdCommit: { ID: "" },
    RuncCommit: { ID: "" },
    InitCommit: { ID: "" },
    SecurityOptions: [],
    Warnings: [],
    // vSphere's view of the VCH's cluster beside Docker's fields (the CLI prints DriverStatus).
    Cluster: { hosts: i.hosts, drs: i.drs, ha: i.ha, tps: i.tps, faults: i.faults, memTotalGiB: i.memTotal / GIB },
  };
}

/**
 * An event as `GET /events` streams it, with the legacy fields older clients read (below API 1.52).
 * vSphere-style cluster events (drs-migrate, ha-restart, host-failed…) are the daemon's own events
 * in Docker's model: Type `daemon`, with `vsphere: "cluster"` among the attributes.
 */
export function event(e: VchEvent): Record<string, unknown> {
  if (e.Type === "cluster")
    return { Type: "daemon", Action: e.Action, Actor: { ID: e.Actor.ID, Attributes: { ...(e.Actor.Attributes ?? {}), vsphere: "cluster" } }, scope: e.scope, time: e.time, timeNano: e.timeNano };
  const legacy: Record<string, unknown> = {};
  if (e.Type === "container" || e.Type === "image") {
    legacy.status = e.Action;
    legacy.id = e.Actor.ID;
    if (e.Type === "container" && e.Actor.Attributes.image) legacy.from = e.Actor.Attributes.image;
  }
  return { ...legacy, Type: e.Type, Action: e.Action, Actor: { ID: e.Actor.ID, Attributes: e.Actor.Attributes ?? {} }, scope: e.scope, time: e.time, timeNano: e.timeNano };
}

/** A stats object: Docker's fields, null blkio lists as empty lists (the spec has no nulls there), the container VM's memory beside. */
export function stats(s: ContainerStats): Record<string, unknown> {
  const blkio: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s.blkio_stats ?? {})) blkio[k] = v ?? [];
  for (const k of ["io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive", "io_service_time_recursive", "io_wait_time_recursive", "io_merged_recursive", "io_time_recursive", "sectors_recursive"])
    blkio[k] ??= [];
  return { ...s, blkio_stats: blkio };
}

/** `GET /exec/{id}/json` (ExitCode absent until the process has exited). */
export function execInspect(x: ExecRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { ...x };
  if (x.ExitCode === null) delete out.ExitCode;
  return out;
}

/** A network (list and inspect). */
export function network(n: NetworkRecord): Record<string, unknown> {
  return { ...n, IPAM: { ...n.IPAM, Options: n.IPAM?.Options ?? {} }, EnableIPv4: true, ConfigOnly: false, ConfigFrom: { Network: "" }, Peers: null, Options: n.Options ?? {}, Labels: n.Labels ?? {} };
}

/** A volume (list and inspect). */
export function volume(v: VolumeRecord, usage?: { Size: number; RefCount: number }): Record<string, unknown> {
  return { ...v, Labels: v.Labels ?? {}, Options: v.Options ?? {}, ...(usage ? { UsageData: usage } : {}) };
}

/** `GET /system/df`. */
export function diskUsage(df: DiskUsage, images: ImageRecord[], containers: ContainerRecord[], volumes: VolumeRecord[]): Record<string, unknown> {
  const imageContainers = new Map(df.Images.map((i) => [i.Id, i.Containers]));
  const containerSize = new Map(df.Containers.map((c) => [c.Id, c.SizeRw]));
  const volumeUsage = new Map(df.Volumes.map((v) => [v.Name, v.UsageData]));
  return {
    LayersSize: df.LayersSize,
    Images: images.map((i) => ({ ...imageSummary(i, imageContainers.get(i.id) ?? 0), SharedSize: 0 })),
    Containers: containers.map((c) => ({ ...containerSummary(c), SizeRw: containerSize.get(c.id) ?? 0 })),
    Volumes: volumes.map((v) => volume(v, volumeUsage.get(v.Name) ?? { Size: 0, RefCount: 0 })),
    BuildCache: [],
  };
}
