/**
 * Public types of the Virtual Container Host: the cluster model, Docker-shaped records (images,
 * containers, networks, volumes, execs, events, stats) and the `VirtualContainerHostApi` surface.
 * Why this file is long: it is the one contract the three doors (Docker, vSphere, simulate) code
 * against, kept in one place so a change to it is seen whole; it holds declarations only.
 *
 * The VCH speaks Docker's model (state machine, config field names, event shapes) and knows nothing
 * of HTTP; the Docker API adapter maps these records onto JSON bodies and `VchError` kinds onto
 * status codes. Times: `now()`, event times and log times are virtual milliseconds since the Unix
 * epoch; record fields that Docker prints as text (`created`, `StartedAt`) are RFC 3339 strings.
 */

import type { VmMemoryStats } from "../core/memory-types.js";
import type { Layer } from "../fs/index.js";
import type { Network } from "../guests/shell/index.js";
import type { FileChange, PathStat } from "./fs-types.js";

// ───────────────────────────── cluster model ─────────────────────────────

/** One ESXi host of the simulated cluster. */
export interface HostModel {
  /** Defaults to `H0`, `H1`, … (vcsim's naming). */
  name?: string;
  /** Total CPU capacity in MHz (64 GHz by default). */
  cpuMHz?: number;
  /** Host memory in MiB (256 GiB by default). */
  memoryMiB?: number;
}

/** DRS automation level, in vSphere's words. */
export type DrsAutomation = "manual" | "partiallyAutomated" | "fullyAutomated";

/** vSphere HA admission-control policy. */
export type HaPolicyModel =
  | { kind: "disabled" }
  | { kind: "slots"; failuresToTolerate: number }
  | { kind: "percentage"; cpuPercent: number; memoryPercent: number }
  | { kind: "failoverHosts"; hosts: (number | string)[] };

/** HA restart priority of a container VM (label `vsphere.ha.restart-priority` sets it per container). */
export type RestartPriority = "highest" | "high" | "medium" | "low" | "lowest" | "disabled";

/**
 * Who may share pages with whom under TPS: `vm` (ESXi's default since 2014: intra-VM only),
 * `image` (container VMs of one image share with each other and their template), `global`
 * (everything shares: insecure, explicit opt-in).
 */
export type TpsSalting = "vm" | "image" | "global";

/** The simulated vSphere cluster a VCH owns. Every field has a default a newcomer can run with. */
export interface ClusterModel {
  /** A host count (identical hosts) or the hosts one by one. Default 8. */
  hosts?: number | HostModel[];
  /** Per-host defaults when `hosts` is a count. */
  hostCpuMHz?: number;
  hostMemoryMiB?: number;
  drs?: {
    /** Migration threshold 1 (conservative) … 5 (aggressive); default 3. */
    threshold?: 1 | 2 | 3 | 4 | 5;
    /** Default `fullyAutomated`. */
    automation?: DrsAutomation;
    /** Virtual ms between balancing passes; default 300 000 (vSphere's 5 minutes). */
    intervalMs?: number;
  };
  /** Default `{ kind: "slots", failuresToTolerate: 1 }`. */
  ha?: HaPolicyModel;
  tps?: {
    /** Default `vm`. */
    salting?: TpsSalting;
    /** Virtual ms between scans; default 60 000. */
    intervalMs?: number;
    /** Pages each host's scan may look at per interval; default 65 536 (256 MiB). */
    pagesPerScan?: number;
  };
  /** vMotion network bandwidth in MB/s for the pre-copy estimate; default 1 250 (10 GbE). */
  vmotionMBps?: number;
}

/**
 * Virtual clock. `realtime` ties virtual time to the wall clock (times `speed`); `manual` moves only
 * when `advance(ms)` / `runUntilIdle()` is called (tests, `vicsim simulate`).
 */
export type ClockOptions = { mode: "realtime"; speed?: number; start?: number } | { mode: "manual"; start?: number };

/** What `VirtualContainerHost.open` takes. */
export interface VchOptions {
  /** Folder of the SQLite state; without it state lives in memory only. */
  stateDir?: string;
  cluster?: ClusterModel;
  /** Seed of every random choice (names, ids, guest model); default 1. */
  seed?: number;
  /** Default `{ mode: "realtime", speed: 1 }`. */
  clock?: ClockOptions;
  /** Name shown by `info()` (Docker's `Name`); default `vicsim`. */
  name?: string;
  /**
   * Smallest memory limit a container may ask for, in MiB: vIC's 512 by default (a container VM
   * needs that much); lower it to run clients' suites written for dockerd's 6 MiB.
   */
  minMemoryMiB?: number;
}

// ───────────────────────────── images ─────────────────────────────

/** One layer of an image, as a pull reports it. */
export interface LayerRecord {
  /** `sha256:` + 64 hex. */
  digest: string;
  /** Compressed bytes. */
  size: number;
}

/** How the template VM of an image is built and how its container VMs behave. */
export interface TemplateProfile {
  /** Guest memory of the template VM in MiB. */
  memoryMiB: number;
  /** Pages the boot writes into the template VM (kernel, image files touched at start). */
  bootPages: number;
  /** Pages a running container VM keeps dirtying (working set). */
  workingSetPages: number;
  /** Steady-state dirty rate of a container VM in pages per virtual second. */
  dirtyPagesPerSecond: number;
  /** Share (0..1) of written content that duplicates other pages (what TPS can merge). */
  duplicateShare: number;
  /** Virtual ms to boot a container VM from the template. */
  bootMs: number;
  layers: LayerRecord[];
}

/** Docker's image `Config` (the fields the VCH uses and reports). */
export interface ImageConfig {
  Cmd: string[] | null;
  Entrypoint: string[] | null;
  Env: string[];
  WorkingDir: string;
  User: string;
  ExposedPorts: Record<string, object> | null;
  Labels: Record<string, string> | null;
  StopSignal?: string;
  Volumes?: Record<string, object> | null;
  Healthcheck?: HealthConfig;
  /** ONBUILD triggers of a built image (null once a build has run them). */
  OnBuild?: string[] | null;
}

/** An image: Docker's inspect fields plus the template profile. */
export interface ImageRecord {
  /** `sha256:` + 64 hex. */
  id: string;
  /** `busybox:latest`, … */
  repoTags: string[];
  /** `busybox@sha256:…` */
  repoDigests: string[];
  /** Unix seconds. */
  created: number;
  /** Bytes (sum of layers). */
  size: number;
  architecture: string;
  os: string;
  config: ImageConfig;
  profile: TemplateProfile;
  /** Images built, loaded, imported or committed here: their own layers and config document. */
  rootfs?: ImageRootfs;
  /** A pulled image's config document as the registry served it (its sha256 is `id`; `docker save` writes it). */
  configJson?: string;
}

/** The filesystem of an image made in this VCH (pulled images take theirs from the catalogue). */
export interface ImageRootfs {
  /** The catalogue repository whose root filesystem lies under `layers` (a build FROM a pulled image), or null. */
  base: string | null;
  /** The image's own layers above the base, bottom first, as OCI layer tars in base64. */
  layers: string[];
  /** The image config document whose sha256 is the id (what `docker save` writes). */
  configJson: string;
  /** The image it was built on, when known. */
  parent: string | null;
}

/** An image made in this VCH (build, load, import, commit), as `addImage` takes it. */
export interface AddedImage {
  /** `sha256:` of `configJson`. */
  id: string;
  configJson: string;
  config: ImageConfig;
  /** Unix seconds. */
  created: number;
  architecture: string;
  os: string;
  /** Bottom first; layers of a pulled base are the very objects `imageLayers` gave. */
  layers: { layer: Layer; tar: Uint8Array; diffId: string; size: number }[];
  parent: string | null;
}

/**
 * A step of the builder's cache kept with the VCH's state: its config document (which names its
 * layers by diff id) and parent, and the layer the step added (a base64 OCI layer tar) if any.
 */
export interface KeptBuildStep {
  configJson: string;
  parent: string | null;
  layer?: { diffId: string; tar: string };
}

/** One line of pull progress, as Docker's `/images/create` streams it. */
export interface PullProgress {
  status: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
}

/** What `removeImage` did, in Docker's `[{Untagged}, {Deleted}]` terms. */
export interface ImageRemoval {
  untagged: string[];
  deleted: string[];
}

// ───────────────────────────── containers ─────────────────────────────

/** Docker's restart policy. `""` and `"no"` mean no restart. */
export interface RestartPolicy {
  Name: "" | "no" | "always" | "unless-stopped" | "on-failure";
  MaximumRetryCount?: number;
}

/** One host-side port binding. */
export interface PortBinding {
  HostIp?: string;
  HostPort?: string;
}

/** Docker's `HostConfig` (what the VCH honours; unknown fields are kept as given). */
export interface HostConfig {
  /** Memory limit in bytes; 0 = vIC's default of 2 GiB; below 512 MiB is refused. */
  Memory?: number;
  MemoryReservation?: number;
  /** CPU limit in 1e-9 CPUs; 0 = vIC's default of 2 vCPUs. */
  NanoCpus?: number;
  CpuShares?: number;
  CpuCount?: number;
  RestartPolicy?: RestartPolicy;
  AutoRemove?: boolean;
  PortBindings?: Record<string, PortBinding[] | null> | null;
  PublishAllPorts?: boolean;
  /** `volume:/path[:ro]` or `/host/path:/path`. */
  Binds?: string[] | null;
  NetworkMode?: string;
  LogConfig?: { Type: string; Config?: Record<string, string> };
  Privileged?: boolean;
  ReadonlyRootfs?: boolean;
  Init?: boolean | null;
  /** Supplementary groups of the container's processes (names or gids). */
  GroupAdd?: string[] | null;
  [field: string]: unknown;
}

/** What `docker update` may change (Docker's UpdateConfig: resources and the restart policy). */
export type ContainerUpdate = Pick<HostConfig, "Memory" | "MemoryReservation" | "NanoCpus" | "CpuShares" | "RestartPolicy"> & Record<string, unknown>;

/** Docker's endpoint settings inside `NetworkingConfig.EndpointsConfig`. */
export interface EndpointConfig {
  Aliases?: string[] | null;
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  [field: string]: unknown;
}

/** The body of Docker's `POST /containers/create` (field names as Docker spells them). */
export interface ContainerConfig {
  Image: string;
  Cmd?: string[] | string | null;
  Entrypoint?: string[] | string | null;
  Env?: string[] | null;
  Labels?: Record<string, string> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  WorkingDir?: string;
  User?: string;
  Hostname?: string;
  Domainname?: string;
  ExposedPorts?: Record<string, object> | null;
  Volumes?: Record<string, object> | null;
  StopSignal?: string;
  /** Seconds `stop` waits before SIGKILL; default 10. */
  StopTimeout?: number | null;
  Healthcheck?: HealthConfig | null;
  HostConfig?: HostConfig;
  /** The first network's MAC address (API < 1.44 puts it here; later in its EndpointConfig). */
  MacAddress?: string;
  NetworkingConfig?: { EndpointsConfig?: Record<string, EndpointConfig> | null } | null;
}

/** The container's `Config` after dockerd's defaults and the image's config are merged in. */
export interface ResolvedConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts: Record<string, object> | null;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[] | null;
  Image: string;
  Volumes: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  /** The health check (create body's, else the image's); absent when there is none. */
  Healthcheck?: HealthConfig;
}

/**
 * Docker's health check: `Test` is `["CMD", …]`, `["CMD-SHELL", "…"]` or `["NONE"]`; durations in
 * ns (defaults: interval 30 s, timeout 30 s, start period 0, 3 retries).
 */
export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** Docker's container states. */
export type ContainerStatus = "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";

/** Docker's `State` object. */
export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  /** A positive pseudo pid while running, 0 otherwise. */
  Pid: number;
  ExitCode: number;
  Error: string;
  /** RFC 3339; `0001-01-01T00:00:00Z` when never. */
  StartedAt: string;
  FinishedAt: string;
  /** Present when the container has a health check (Docker's `State.Health`). */
  Health?: HealthState;
}

/** Docker's `State.Health`: the status, the failing streak and the last five probes. */
export interface HealthState {
  Status: "starting" | "healthy" | "unhealthy";
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[];
}

/** One network a container is attached to. */
export interface EndpointRecord {
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  MacAddress: string;
  Aliases: string[] | null;
  /** Addresses the endpoint asked for (create's or connect's EndpointConfig), kept as given. */
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  DriverOpts?: Record<string, string> | null;
  Links?: string[] | null;
  /** The MAC address asked for; the endpoint gets it when it attaches. */
  RequestedMac?: string;
  IPv6Gateway?: string;
  GlobalIPv6Address?: string;
  GlobalIPv6PrefixLen?: number;
}

/** One mount of a container (Docker's `Mounts[]`). */
export interface MountRecord {
  Type: "volume" | "bind";
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

/** One published port as `docker ps` shows it. */
export interface PortRecord {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: "tcp" | "udp" | "sctp";
}

/** A container: Docker's inspect fields plus where its container VM lives. */
export interface ContainerRecord {
  /** 64 hex. */
  id: string;
  /** `/web` */
  name: string;
  /** RFC 3339. */
  created: string;
  /** First word of the command and the rest (Docker's `Path` and `Args`). */
  path: string;
  args: string[];
  /** The image as the create request named it. */
  image: string;
  /** `sha256:…` */
  imageId: string;
  config: ResolvedConfig;
  hostConfig: HostConfig;
  state: ContainerState;
  restartCount: number;
  networks: Record<string, EndpointRecord>;
  ports: PortRecord[];
  mounts: MountRecord[];
  /** The ESXi host running the container VM, null when it has none (created, exited, host failed). */
  host: { name: string; index: number } | null;
  /** Handle of the container VM in the memory engine, null when it has none. */
  vm: number | null;
  /** `docker ps` Status text: `Up 5 seconds`, `Exited (0) 3 seconds ago`, `Created`. */
  statusText: string;
  /** `docker ps` Command text: `"sleep 100"`. */
  commandText: string;
  /** Exec instances of the container still known (Docker's `ExecIDs`). */
  execIds: string[];
  /** Bytes in the container's own layer (files it wrote; Docker's `SizeRw`). */
  sizeRw: number;
  /** Bytes of its whole root filesystem: the image's layers and its own (Docker's `SizeRootFs`). */
  sizeRootFs: number;
}

/** Filters of `listContainers`, Docker's names: id, name, label, status, ancestor, exited, before, since, health, network, volume. */
export type ContainerFilters = Record<string, string[]>;

/** Options of `listContainers`. */
export interface ListContainersOptions {
  all?: boolean;
  /** Most recent first; -1 / 0 / undefined = no limit. */
  limit?: number;
  filters?: ContainerFilters;
}

/** A piece of a container's output. */
export interface OutputChunk {
  stream: "stdout" | "stderr";
  data: Uint8Array;
  /** Virtual ms since the epoch. */
  time: number;
}

/** Options of `attach`. */
export interface AttachOptions {
  stdout?: boolean;
  stderr?: boolean;
  /** Follow output until the container stops (default true). */
  stream?: boolean;
  /** Replay the output produced so far first. */
  logs?: boolean;
  signal?: AbortSignal;
}

/** Options of `logs`. Times in virtual ms since the epoch. */
export interface LogsOptions {
  stdout?: boolean;
  stderr?: boolean;
  since?: number;
  until?: number;
  /** Last N lines (Docker counts lines; a chunk may hold several); undefined or "all" = everything. */
  tail?: number | "all";
  follow?: boolean;
  signal?: AbortSignal;
}

/** A container's resource use as the VCH samples it, in no client's shape (Docker's is built from it in bindings/docker/stats.ts). */
export interface StatsSample {
  id: string;
  /** `/web` */
  name: string;
  running: boolean;
  /** Virtual ms of the sample. */
  read: number;
  vcpus: number;
  /** CPU ns the container used so far, and the host's CPU ns for its vCPUs since the epoch. */
  cpuNs: number;
  systemNs: number;
  /** The sample the previous guest tick took (null before the first tick of a run). */
  previous: { cpuNs: number; systemNs: number; read: number } | null;
  /** Processes: the main one and running execs (0 when stopped). */
  pids: number;
  /** Bytes: the memory limit (the container VM's guest size). */
  memoryLimit: number;
  /** The container VM's memory in pages; null without a container VM. */
  vm: VmMemory | null;
  /** Networks the container has an interface on while running (eth0, eth1, … in this order). */
  interfaces: string[];
}

/** A VM's memory in 4 KiB pages, vSphere's counter names (the engine's figures without its handles). */
export type VmMemory = Omit<VmMemoryStats, "vm" | "host">;

/** Docker's `top` answer. */
export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

// ───────────────────────────── exec ─────────────────────────────

/** The body of Docker's `POST /containers/{id}/exec`. */
export interface ExecConfig {
  Cmd: string[] | string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Tty?: boolean;
  Env?: string[] | null;
  User?: string;
  WorkingDir?: string;
  Privileged?: boolean;
  DetachKeys?: string;
}

/** Docker's exec inspect object. */
export interface ExecRecord {
  ID: string;
  Running: boolean;
  /** null until the process has exited. */
  ExitCode: number | null;
  ProcessConfig: { tty: boolean; entrypoint: string; arguments: string[]; privileged: boolean; user: string };
  OpenStdin: boolean;
  OpenStderr: boolean;
  OpenStdout: boolean;
  CanRemove: boolean;
  ContainerID: string;
  DetachKeys: string;
  Pid: number;
}

/** What `startExec` hands back: the output (ends when the process exits) and its exit code. */
export interface ExecRun {
  output: AsyncIterable<OutputChunk>;
  /** Resolves with the exit code; `inspectExec` shows it before `output` ends. */
  done: Promise<number>;
}

// ───────────────────────────── events ─────────────────────────────

/** Event types: Docker's plus `cluster` for vSphere-style events (drs-migrate, ha-restart, host-failed, …). */
export type VchEventType = "container" | "image" | "network" | "volume" | "cluster";

/** An event in Docker's shape (`docker events`). */
export interface VchEvent {
  Type: VchEventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: "local";
  /** Unix seconds. */
  time: number;
  /** Unix nanoseconds (virtual). */
  timeNano: number;
}

/** Options of `events`: times in virtual ms since the epoch; filters by Docker's names (type, event, container, image, label, …). */
export interface EventsOptions {
  since?: number;
  until?: number;
  filters?: Record<string, string[]>;
  signal?: AbortSignal;
}

// ───────────────────────────── networks & volumes ─────────────────────────────

/** A network record (Docker's network inspect). */
export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  Scope: "local";
  Driver: string;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: { Subnet: string; Gateway: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> }[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  Containers: Record<string, { Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string }>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** The body of Docker's `POST /networks/create`. */
export interface NetworkCreate {
  Name: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Labels?: Record<string, string>;
  Options?: Record<string, string>;
  EnableIPv6?: boolean;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> }[] };
}

/** A volume record (Docker's volume inspect). */
export interface VolumeRecord {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  Scope: "local";
}

/** The body of Docker's `POST /volumes/create`. */
export interface VolumeCreate {
  Name?: string;
  Driver?: string;
  Labels?: Record<string, string>;
  DriverOpts?: Record<string, string>;
}

// ───────────────────────────── cluster view ─────────────────────────────

/** ESXi host states. */
export type HostState = "connected" | "maintenance" | "failed" | "standby";

/** Host memory in 4 KiB pages (vSphere's counter names) and its reclamation state. */
export interface HostMemory {
  capacity: number;
  used: number;
  free: number;
  sharedSaved: number;
  minFree: number;
  state: "high" | "clear" | "soft" | "hard" | "low";
}

/** One host as `info()` shows it. */
export interface HostInfo {
  name: string;
  index: number;
  state: HostState;
  cpuMHz: number;
  memoryMiB: number;
  /** Container VMs on the host (running or paused). */
  containers: number;
  /** Images whose template VM is materialised on the host. */
  templates: string[];
  /** DRS load (Σ entitlements / capacity). */
  load: number;
  memory: HostMemory;
}

/** What `info()` returns. */
export interface VchInfo {
  name: string;
  /** Virtual ms since the epoch. */
  now: number;
  containers: number;
  containersRunning: number;
  containersPaused: number;
  containersStopped: number;
  images: number;
  hosts: HostInfo[];
  /** Total CPU threads Docker-style (`NCPU`) and memory in bytes (`MemTotal`). */
  ncpu: number;
  memTotal: number;
  drs: { threshold: number; automation: DrsAutomation; imbalance: number; targetImbalance: number; lastPass: number | null; migrations: number };
  ha: { policy: HaPolicyModel; failoverCapacity: number };
  /** TPS: the salting, what sharing saves now, and the frames TPS scans merged since the VCH opened. */
  tps: { salting: TpsSalting; sharedSavedPages: number; mergedPages: number };
  /**
   * Faults met and reported (each also as a `cluster` event): guest writes a full host refused
   * (`guest-write-failed`), subscribers that threw (`subscriber-error`), events dropped for a
   * reader that stopped reading, output chunks dropped for a logs/attach reader that stopped reading.
   */
  faults: { guestWriteFailures: number; restartFailures: number; subscriberErrors: number; eventsDropped: number; outputDropped: number };
}

/** One DRS recommendation (what a pass would move, or moved). */
export interface DrsRecommendation {
  container: string;
  from: string;
  to: string;
  priority: number;
  reason: string;
}

/** What a DRS pass did. */
export interface DrsPassResult {
  recommendations: DrsRecommendation[];
  applied: boolean;
  imbalanceBefore: number;
  imbalanceAfter: number;
}

/** What a host failure did. */
export interface HostFailureResult {
  host: string;
  /** Ids of the container VMs that were running on the host: stopped now (exit 255). */
  stopped: string[];
  /**
   * Virtual time (ms since the epoch) at which HA declares the host dead and restarts them
   * (`ha-restart`, or `ha-restart-failed` with the reason), unless the host recovers first.
   */
  declaredDeadAt: number;
}

/** Docker's `system df` summary. */
export interface DiskUsage {
  LayersSize: number;
  Images: { Id: string; RepoTags: string[]; Size: number; Containers: number; Created: number }[];
  Containers: { Id: string; Names: string[]; Image: string; SizeRw: number; State: string }[];
  Volumes: { Name: string; UsageData: { Size: number; RefCount: number } }[];
}

/** A host named by its name (`H3`) or its index. */
export type HostRef = string | number;

// ───────────────────────────── the VCH ─────────────────────────────

/**
 * The Virtual Container Host. Every mutating method is journaled before it returns (or resolves)
 * when the VCH has a state folder. Errors are `VchError`s with Docker's messages.
 * Containers are named by full id, unique id prefix, name or `/name`; images by `name[:tag]`,
 * `sha256:` id or unique id prefix.
 */
export interface VirtualContainerHostApi {
  /** Flushes and closes the state folder; the VCH is unusable afterwards. */
  close(): Promise<void>;
  /** Virtual ms since the epoch. */
  now(): number;
  /** Manual clock: moves virtual time forward by `ms`, running everything due on the way. */
  advance(ms: number): void;
  /** Manual clock: advances until no container will exit or restart by itself (bounded by `limitMs`). */
  runUntilIdle(limitMs?: number): void;

  // images
  pullImage(ref: string, onProgress?: (p: PullProgress) => void): Promise<ImageRecord>;
  listImages(): ImageRecord[];
  getImage(ref: string): ImageRecord;
  tagImage(ref: string, repo: string, tag?: string): void;
  /** Registers an image made here (`docker build`, `load`, `import`, `commit`) under `tags` (`repo:tag`); it gets a template VM profile like a pulled one. */
  addImage(image: AddedImage, options: { tags?: string[]; action: "build" | "load" | "import" | "commit"; commit?: { container: string; comment?: string } }): ImageRecord;
  /** An image's root filesystem layers, top first (shared, read-only). */
  imageLayers(ref: string): Promise<Layer[]>;
  /**
   * The catalogue's shared layers, bottom first, that are the bottom layers named by `diffIds`
   * (bottom first), or null: a loaded image that is (or was built on) a pulled one gets its base back.
   * `tags` (the image's `repo:tag` names) say where to look first.
   */
  catalogueBase(diffIds: string[], tags?: string[]): Promise<Layer[] | null>;
  /** The builder's cache steps kept in the state folder (a `docker build` after a restart reuses them), by cache key. */
  keptBuildSteps(): Map<string, KeptBuildStep>;
  /** Keeps a builder cache step in the state folder (with the layer it added), or (null) forgets it. */
  keepBuildStep(key: string, step: KeptBuildStep | null): void;
  /** A build's RUN step's network, /etc/hosts and resolv.conf (`docker build --network --add-host`); 404 for an unknown network. */
  buildSandbox(o: { networkMode: string; extraHosts: string[] }): { net: Network; hosts: string; resolvConf: string; address?: string };
  removeImage(ref: string, options?: { force?: boolean; noprune?: boolean }): ImageRemoval;
  /** `docker image prune`: filters dangling, until, label, label! (any other is refused). */
  /** Removes the legacy link `alias` of container `parent` (`docker rm --link PARENT/ALIAS`). */
  removeLink(parent: string, alias: string): void;
  /** What the registry answers for a reference, without pulling it (GET /distribution/{name}/json). */
  distribution(ref: string): { digest: string; mediaType: string; size: number; platforms: { os: string; architecture: string }[] };
  /** Removes unused images: the tags it untagged and the image ids it deleted, as dockerd reports them. */
  pruneImages(options?: { dangling?: boolean; filters?: Record<string, string[]> }): { untagged: string[]; deleted: string[]; spaceReclaimed: number };

  // containers
  createContainer(config: ContainerConfig, name?: string): ContainerRecord;
  /** Creates a container as `createContainer` does; only its id back (the docker door answers with no more). */
  createContainerId(config: ContainerConfig, name?: string): string;
  start(ref: string): Promise<void>;
  stop(ref: string, options?: { timeout?: number; signal?: string }): Promise<void>;
  kill(ref: string, signal?: string | number): void;
  restart(ref: string, options?: { timeout?: number; signal?: string }): Promise<void>;
  pause(ref: string): void;
  unpause(ref: string): void;
  wait(ref: string, condition?: "not-running" | "next-exit" | "removed", signal?: AbortSignal): Promise<{ StatusCode: number }>;
  remove(ref: string, options?: { force?: boolean; volumes?: boolean }): void;
  rename(ref: string, newName: string): void;
  /** `docker update`: resources and restart policy; the container VM's allocation follows. Returns warnings. */
  updateContainer(ref: string, update: ContainerUpdate): string[];
  getContainer(ref: string): ContainerRecord;
  listContainers(options?: ListContainersOptions): ContainerRecord[];
  /** `docker container prune`: filters until, label, label! (any other is refused). */
  pruneContainers(options?: { filters?: ContainerFilters }): { deleted: string[]; spaceReclaimed: number };

  // IO
  attach(ref: string, options?: AttachOptions): AsyncIterable<OutputChunk>;
  writeStdin(ref: string, data: Uint8Array): void;
  closeStdin(ref: string): void;
  logs(ref: string, options?: LogsOptions): AsyncIterable<OutputChunk>;
  /** A neutral sample: CPU ns so far (reading changes nothing), the last guest tick's sample, memory pages, interfaces. */
  statsSample(ref: string): StatsSample;
  top(ref: string, psArgs?: string): TopResult;
  resize(ref: string, height: number, width: number): void;

  // exec
  createExec(ref: string, config: ExecConfig): string;
  startExec(id: string, options?: { detach?: boolean; stdin?: AsyncIterable<Uint8Array> }): ExecRun;
  inspectExec(id: string): ExecRecord;
  resizeExec(id: string, height: number, width: number): void;

  // events
  events(options?: EventsOptions): AsyncIterable<VchEvent>;
  subscribe(listener: (event: VchEvent) => void): () => void;

  // cluster
  info(): VchInfo;
  failHost(host: HostRef): HostFailureResult;
  recoverHost(host: HostRef): void;
  /** Changes the TPS salting policy for container VMs powered on from now on (running ones keep theirs). */
  setSalting(policy: TpsSalting): void;
  enterMaintenance(host: HostRef): { moved: { container: string; to: string }[] };
  exitMaintenance(host: HostRef): void;
  setDrs(options: { threshold?: 1 | 2 | 3 | 4 | 5; automation?: DrsAutomation }): void;
  /** Runs a DRS pass now (applies it in fully automated mode). */
  drsNow(): DrsPassResult;
  /** Runs a TPS scan on every host now; returns the pages merged. */
  tpsNow(): { scanned: number; merged: number };
  diskUsage(): DiskUsage;

  // vSphere door additions (port onto the redesigned VCH)
  /** vMotion of a powered-on container VM to `host` (pre-copy model; a `drs-migrate` event with reason `user`). */
  migrateContainer(ref: string, host: HostRef): { from: string; to: string };
  /** The container VM's memory in pages, vSphere's counter names; null when it has no VM. */
  vmMemory(ref: string): VmMemory | null;
  /** The container VM's CPU use in MHz, as the placement engine entitles it; null when it is not placed on a host. */
  vmCpuMHz(ref: string): number | null;

  // networks
  listNetworks(filters?: Record<string, string[]>): NetworkRecord[];
  createNetwork(body: NetworkCreate): NetworkRecord;
  getNetwork(ref: string): NetworkRecord;
  removeNetwork(ref: string): void;
  connectNetwork(network: string, container: string, config?: EndpointConfig): void;
  disconnectNetwork(network: string, container: string, force?: boolean): void;
  /** `docker network prune`: filters until, label, label! (any other is refused). */
  pruneNetworks(options?: { filters?: Record<string, string[]> }): { deleted: string[] };

  // volumes
  listVolumes(filters?: Record<string, string[]>): VolumeRecord[];
  createVolume(body?: VolumeCreate): VolumeRecord;
  getVolume(name: string): VolumeRecord;
  removeVolume(name: string, force?: boolean): void;
  /** `docker volume prune`: filters all, label, label! (any other is refused). */
  pruneVolumes(options?: { all?: boolean; filters?: Record<string, string[]> }): { deleted: string[]; spaceReclaimed: number };

  // ── container files (filesystems.ts) ──
  /** `HEAD /containers/{id}/archive`: the stat of a path in the container. */
  statPath(ref: string, path: string): PathStat;
  /** `docker cp CONTAINER:path`: the path's stat and its tar. */
  getArchive(ref: string, path: string): Promise<{ stat: PathStat; tar: Uint8Array }>;
  /** `docker cp … CONTAINER:dir`: extracts a tar into a directory of the container. */
  putArchive(ref: string, path: string, tar: Uint8Array, options?: { copyUIDGID?: boolean; noOverwriteDirNonDir?: boolean }): Promise<void>;
  /** `docker export`: the container's merged tree as a tar. */
  exportContainer(ref: string): Promise<Uint8Array>;
  /** `docker diff`: the container layer's changes (Kind 0 modified, 1 added, 2 deleted). */
  containerChanges(ref: string): FileChange[];
  /** `docker commit`: a copy of the container's layer, and its image's layers below it (top first). */
  containerLayer(ref: string): { layer: Layer; imageLayers: Layer[] };
  /** Registers the layers (top first) of an image made here (`docker build`, `commit`, `load`). */
  defineImageLayers(imageId: string, layers: Layer[]): void;
}
