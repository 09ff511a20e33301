/**
 * Why this file is long: it is the facade and still holds, as sections of one class, the container
 * registry, Docker's state machine, the container VM binding (the only code that calls the memory
 * engine and the cluster), exec and the journal. Config resolution (config.ts), networks with IPAM
 * (networks.ts), volumes (volumes.ts), filters (filters.ts), events (events.ts), health checks
 * (health.ts), rings and channels (ring.ts, channel.ts) and the guest (bindings/guests/) have moved
 * out; docs/architecture.md maps what is where and what moves next.
 *
 * The Virtual Container Host: images as template VMs, containers as container VMs instant-cloned
 * from them on the hosts of a simulated vSphere cluster, Docker's state machine and events, a
 * virtual clock, and a journal in the state folder.
 *
 *   createContainer ─▶ register the container VM with the cluster (powered off)
 *   start           ─▶ DRS initial placement ─▶ template VM on that host (built on first use)
 *                   ─▶ instant clone ─▶ boot writes ─▶ guest process (emulated)
 *   every 10 s      ─▶ guest dirties its working set (some content duplicate: TPS can merge it)
 *   every 60 s      ─▶ TPS scan per host;   every 300 s ─▶ DRS pass (vMotion when applied)
 *
 * Every mutating method journals its changes before it returns (or resolves).
 */
import type { ClusterApi, FailoverPlan, RestartPriority as ClusterPriority } from "../core/cluster-types.js";
import type { MemoryEngineApi } from "../core/memory-types.js";
import { type RecordKind, type StoreBatch, type VchStore } from "../store/types.js";
import { imageFromCatalogue, parseReference, validReference } from "./catalogue.js";
import { Channel } from "./channel.js";
import { EventLog } from "./events.js";
import { checkHealthConfig, healthPlan, healthSuffix, recordProbe, startingHealth, type HealthPlan } from "./health.js";
import { checkFilterKeys, createdBefore, eventMatches, FILTER_KEYS, filterBool, labelsMatch, untilCutoff, type Filters } from "./filters.js";
import { Networks, PREDEFINED_NETWORKS } from "./networks.js";
import { Ring } from "./ring.js";
import { ANONYMOUS_VOLUME_LABEL, Volumes } from "./volumes.js";
import { cloneRecord } from "./clone.js";
import { type Cancel, VirtualClock } from "./clock.js";
import { wasmEngines, type VchEngines } from "./engines.js";
import {
  clusterVmSpec, GUEST_OVERHEAD_MIB, MIB, serviceCommands, memoryMiBOf, NAME_RE, normaliseHosts, parseBinds, parsePorts, resolveConfig, resolveHostConfig, restartPriorityOf,
  validateModel, VCPU_MHZ, volumeMount,
} from "./config.js";
import { conflict, invalid, notFound, notModified, VchError } from "./errors.js";
import { commandText, humanDuration, parseTime, rfc3339, ZERO_TIME } from "./format.js";
import { EmulatedGuest, type Guest, type GuestContext, type GuestProcess, parseSignal } from "./guest.js";
import { hash32, mix32, randomName, Rng, setToken, token } from "./rng.js";
import type {
  AttachOptions, ClusterModel, ContainerConfig, ContainerFilters, ContainerRecord, ContainerStats, CpuStats, DiskUsage,
  DrsAutomation, DrsPassResult, EndpointConfig, EndpointRecord, EventsOptions, ExecConfig, ExecRecord, ExecRun,
  HaPolicyModel, HostConfig, HostFailureResult, HostInfo, HostRef, ImageRecord, ImageRemoval, ListContainersOptions,
  LogsOptions, MountRecord, NetworkCreate, NetworkRecord, OutputChunk, PortRecord, PullProgress, ResolvedConfig,
  RestartPolicy, TopResult, TpsSalting, VchEvent, VchEventType, VchInfo, VchOptions, VirtualContainerHostApi,
  VmMemory, VolumeCreate, VolumeRecord,
} from "./types.js";

// ───────────────────────────── constants ─────────────────────────────

/** Pages a container VM dirties while booting from its template (hostname, hosts, process heap). */
const BOOT_DIRTY_PAGES = 64;
/** Virtual ms between batches of guest writes. */
const GUEST_TICK_MS = 10_000;
/** Distinct duplicate contents per image: writes drawing from this pool are what TPS merges. */
const DUPLICATE_POOL = 16;
/** Output chunks kept per container (and journaled: the most recent `LOG_JOURNAL`). */
const LOG_RING = 2000;
const LOG_JOURNAL = 200;
/** Template VMs kept per host (least recently used retired first). */
const TEMPLATES_PER_HOST = 8;
/**
 * Ended exec records kept per container (the oldest go first). A count, not a time: at a sped-up
 * clock a virtual retention would forget an exec before its client inspects its exit code.
 */
const EXEC_RECORDS = 256;
/** Docker's restart backoff: 100 ms doubling, capped at one minute. */
const RESTART_BACKOFF_MS = 100;
const RESTART_BACKOFF_MAX_MS = 60_000;
/** CPU demand of a guest: idle floor plus its activity (0..1) times a busy service's draw. */
const cpuDemand = (activity: number) => Math.round(10 + activity * 250);
/** Datastore read bandwidth when a template VM is built on a host (MB/s). */
const DATASTORE_MBPS = 500;

// ───────────────────────────── internal state ─────────────────────────────

interface ImageState {
  rec: ImageRecord;
  /** Cluster template ids by guest size (MiB): one template VM per (image, size) per host. */
  templateIds: Map<number, number>;
}

interface TemplateVm {
  imageId: string;
  memoryMiB: number;
  host: number;
  /** Memory engine handle. */
  vm: number;
}

interface LogLine {
  s: 0 | 1;
  t: number;
  d: string;
}

interface Waiter {
  condition: "not-running" | "next-exit" | "removed";
  resolve: (r: { StatusCode: number }) => void;
  /** Settles the wait with an error (the VCH closes under it). */
  reject: (e: Error) => void;
}

interface Container {
  rec: Omit<ContainerRecord, "statusText" | "commandText" | "host" | "vm" | "execIds" | "sizeRw">;
  clusterVm: number;
  memVm: number | null;
  host: number | null;
  process: GuestProcess | null;
  /** Incremented at every start: callbacks of an older run are ignored. */
  run: number;
  frozen: boolean;
  frozenQueue: (() => void)[];
  pendingExit: number | null;
  /** The log ring: the last `LOG_RING` chunks, O(1) per line. */
  logs: Ring<LogLine>;
  listeners: Set<(chunk: OutputChunk | null) => void>;
  waiters: Waiter[];
  manuallyStopped: boolean;
  restartTimer: Cancel | null;
  stdin: Uint8Array[];
  stdinClosed: boolean;
  attachedOnce: boolean;
  /** Log sequence number where the current run began (the first attach replays from here). */
  runLogStart: number;
  /** Guest writes: pages written so far in the working set, and a content counter. */
  wsWritten: number;
  wsCursor: number;
  serial: number;
  cpuNs: number;
  cpuSince: number;
  cpuRate: number;
  removed: boolean;
  /** Creation order (Docker's before/since compare it). */
  seq: number;
  /** Running exec instances. */
  execs: Set<string>;
  /** Every exec record of the container still kept (`ExecIDs`), and the ended ones, oldest first. */
  execRecords: Set<string>;
  endedExecs: string[];
  /** Due times (virtual ms) of the guest's own pending timers: when it will act by itself. */
  guestTimers: Map<number, number>;
  /** Due time of the pending restart (restart policy backoff), or null. */
  restartDue: number | null;
  /** CPU sample taken at the previous guest tick (Docker's precpu): reads never take samples. */
  precpuSample: { total: number; system: number; read: number } | null;
}

interface Exec {
  rec: ExecRecord;
  config: ExecConfig;
  container: string;
  process: GuestProcess | null;
  channel: Channel<OutputChunk> | null;
  /** Resolves `done` of a started exec. */
  finish: ((code: number) => void) | null;
}

/** Options of `open` beyond the public model: injected cores, guest, store. */
export interface VchOpenOptions extends VchOptions {
  /** The cores (default: the wasm ones). */
  engines?: Partial<VchEngines>;
  /** The guest implementation (default: the emulated guest). */
  guest?: Guest;
  /** A journal to use instead of the state folder (e.g. `new MemoryStore()` in a browser). */
  store?: VchStore;
}

const encoder = new TextEncoder();

// ───────────────────────────── the VCH ─────────────────────────────

/** A Virtual Container Host over a simulated vSphere cluster. Use `VirtualContainerHost.open`. */
export class VirtualContainerHost implements VirtualContainerHostApi {
  readonly name: string;
  readonly seed: number;
  private readonly clock: VirtualClock;
  private rng: Rng;
  private readonly mem: MemoryEngineApi;
  private readonly cluster: ClusterApi;
  private readonly guest: Guest;
  private store: VchStore | null;
  private readonly hostNames: string[];
  private readonly hostCpu: number[];
  private readonly hostMem: number[];
  private salting: TpsSalting;
  private readonly tpsInterval: number;
  private readonly tpsBudget: number;
  private readonly drsInterval: number;
  private readonly vmotionMBps: number;
  private haPolicy: HaPolicyModel;
  private drsLast: number | null = null;
  /** Frames TPS scans merged since the VCH opened. */
  private tpsMerged = 0;
  private drsMigrations = 0;

  private readonly images = new Map<string, ImageState>();
  /** `repo:tag` → image id. */
  private readonly tags = new Map<string, string>();
  private readonly templates = new Map<string, TemplateVm>();
  private nextTemplateId = 1;
  private readonly containers = new Map<string, Container>();
  private readonly names = new Map<string, string>();
  private readonly byClusterVm = new Map<number, string>();
  private readonly nets = new Networks();
  private readonly vols = new Volumes();
  private readonly execs = new Map<string, Exec>();
  private readonly eventLog = new EventLog(() => this.clock.now(), (e) => this.pending.events.push(e));
  /** Faults the VCH met and reported (as events too): `info().faults`. */
  private readonly faults = { guestWriteFailures: 0, outputDropped: 0 };
  private guestTickArmed = false;
  private nextTimerKey = 1;
  /** Creation order of containers. */
  private nextSeq = 0;
  private closed = false;
  /** Failed hosts HA has not declared dead yet: the failover plan, the container VMs lost, the declaration timer. */
  private readonly haPending = new Map<number, { plan: FailoverPlan; victims: string[]; declaredDeadAt: number; cancel: Cancel }>();

  private pending: StoreBatch = { put: [], delete: [], events: [] };
  private dirty = new Map<string, { kind: RecordKind; key: string }>();

  private constructor(options: VchOpenOptions, engines: VchEngines, store: VchStore | null) {
    this.name = options.name ?? "vicsim";
    this.seed = options.seed ?? 1;
    this.clock = new VirtualClock(options.clock);
    this.clock.onSettled = () => this.commit();
    this.guest = options.guest ?? new EmulatedGuest();
    this.store = store;
    const model = options.cluster ?? {};
    const hosts = normaliseHosts(model);
    this.hostNames = hosts.map((h) => h.name);
    this.hostCpu = hosts.map((h) => h.cpuMHz);
    this.hostMem = hosts.map((h) => h.memoryMiB);
    this.salting = model.tps?.salting ?? "vm";
    this.tpsInterval = model.tps?.intervalMs ?? 60_000;
    this.tpsBudget = model.tps?.pagesPerScan ?? 65_536;
    this.drsInterval = model.drs?.intervalMs ?? 300_000;
    this.vmotionMBps = model.vmotionMBps ?? 1250;
    // vSphere HA tolerates one host failure by default; a one-host cluster has nothing to fail over to.
    this.haPolicy = model.ha ?? (hosts.length > 1 ? { kind: "slots", failuresToTolerate: 1 } : { kind: "disabled" });
    this.mem = engines.memory({ hosts: hosts.length, hostMemoryMiB: this.hostMem });
    this.cluster = engines.cluster({
      hosts: hosts.map((h) => ({ cpuMHz: h.cpuMHz, memoryMiB: h.memoryMiB, name: h.name })),
      migrationThreshold: model.drs?.threshold ?? 3,
      automation: model.drs?.automation ?? "fullyAutomated",
      ha: this.clusterHaPolicy(this.haPolicy),
    });
    this.rng = new Rng(this.seed);
  }

  /** Opens a VCH: a fresh one, or the one journaled in `stateDir` (containers come back per restart policy). */
  static async open(options: VchOpenOptions = {}): Promise<VirtualContainerHost> {
    validateModel(options.cluster ?? {});
    const wasm = options.engines?.memory && options.engines?.cluster ? null : await wasmEngines();
    const engines: VchEngines = {
      memory: options.engines?.memory ?? wasm!.memory,
      cluster: options.engines?.cluster ?? wasm!.cluster,
    };
    let store: VchStore | null = options.store ?? null;
    if (!store && options.stateDir !== undefined) {
      const { openSqliteStore } = await import("../store/sqlite.js");
      store = await openSqliteStore(options.stateDir);
    }
    const vch = new VirtualContainerHost(options, engines, store);
    try {
      vch.restore();
    } catch (e) {
      store?.close();
      throw e;
    }
    return vch;
  }

  // ───────────────────────────── clock ─────────────────────────────

  /** Virtual ms since the epoch. */
  now(): number {
    return this.clock.now();
  }

  /** Manual clock: moves virtual time forward by `ms`, running everything due on the way. */
  advance(ms: number): void {
    this.live();
    this.clock.advance(ms);
  }

  /** Manual clock: advances until no container will exit or restart by itself (at most `limitMs`). */
  runUntilIdle(limitMs = 24 * 3_600_000): void {
    this.live();
    const end = this.clock.now() + limitMs;
    for (;;) {
      // Only what a container will do by itself counts (a guest timer, a restart, HA's declaration):
      // `sleep infinity` and services have none, and a sleep that ends after `limitMs` is idle too.
      let next = Infinity;
      for (const c of this.containers.values()) {
        if (c.restartDue !== null) next = Math.min(next, c.restartDue);
        if (!c.rec.state.Running || c.frozen) continue;
        for (const due of c.guestTimers.values()) next = Math.min(next, due);
      }
      for (const p of this.haPending.values()) next = Math.min(next, p.declaredDeadAt);
      if (next > end) break;
      this.clock.runUntil(Math.max(next, this.clock.now()));
    }
  }

  /**
   * Stops the clock (no host timer is left behind) and closes the journal; the VCH is unusable
   * afterwards. Pending `wait()`s (and stops waiting for an exit) reject with an `unavailable` VchError.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.commit();
    this.closed = true;
    this.clock.close();
    this.haPending.clear();
    for (const c of this.containers.values()) {
      for (const l of c.listeners) l(null);
      c.listeners.clear();
      const waiters = c.waiters;
      c.waiters = [];
      for (const w of waiters) w.reject(new VchError("unavailable", "the Virtual Container Host is closing"));
    }
    this.store?.close();
    this.store = null;
  }

  // ───────────────────────────── images ─────────────────────────────

  /** Pulls an image (from the built-in catalogue; any other name gets a deterministic profile). */
  async pullImage(ref: string, onProgress?: (p: PullProgress) => void): Promise<ImageRecord> {
    this.live();
    const { repo, tag } = this.parseRef(ref);
    const key = `${repo}:${tag}`;
    const progress = onProgress ?? (() => {});
    const fromCat = imageFromCatalogue(repo, tag);
    const id = `sha256:${fromCat.idHex}`;
    const path = repo.includes("/") ? repo : `library/${repo}`;
    progress({ status: `Pulling from ${path}`, id: tag });
    const existing = this.images.get(id);
    if (existing && this.tags.get(key) === id) {
      progress({ status: `Digest: sha256:${fromCat.digestHex}` });
      progress({ status: `Status: Image is up to date for ${key}` });
      return structuredClone(existing.rec);
    }
    for (const layer of fromCat.profile.layers) {
      const short = layer.digest.slice(7, 19);
      progress({ status: "Pulling fs layer", id: short, progressDetail: {} });
    }
    for (const layer of fromCat.profile.layers) {
      const short = layer.digest.slice(7, 19);
      const step = Math.max(1, Math.ceil(layer.size / 3));
      for (let got = Math.min(step, layer.size); ; got = Math.min(got + step, layer.size)) {
        progress({ status: "Downloading", id: short, progress: bar(got, layer.size), progressDetail: { current: got, total: layer.size } });
        if (got >= layer.size) break;
      }
      progress({ status: "Verifying Checksum", id: short, progressDetail: {} });
      progress({ status: "Download complete", id: short, progressDetail: {} });
    }
    for (const layer of fromCat.profile.layers) {
      const short = layer.digest.slice(7, 19);
      progress({ status: "Extracting", id: short, progress: bar(layer.size, layer.size), progressDetail: { current: layer.size, total: layer.size } });
      progress({ status: "Pull complete", id: short, progressDetail: {} });
    }
    let state = existing;
    if (!state) {
      state = {
        rec: {
          id,
          repoTags: [],
          repoDigests: [`${repo}@sha256:${fromCat.digestHex}`],
          created: fromCat.created,
          size: fromCat.size,
          architecture: "amd64",
          os: "linux",
          config: fromCat.config,
          profile: fromCat.profile,
        },
        templateIds: new Map(),
      };
      this.images.set(id, state);
    }
    this.setTag(key, id);
    this.markImage(id);
    this.emit("image", "pull", key, { name: key });
    progress({ status: `Digest: sha256:${fromCat.digestHex}` });
    progress({ status: `Status: Downloaded newer image for ${key}` });
    this.commit();
    return structuredClone(state.rec);
  }

  /** Every image, newest first. */
  listImages(): ImageRecord[] {
    return [...this.images.values()].map((i) => structuredClone(i.rec)).sort((a, b) => b.created - a.created || a.id.localeCompare(b.id));
  }

  /** An image by `name[:tag]`, `sha256:` id, or unique id prefix; throws `No such image`. */
  getImage(ref: string): ImageRecord {
    return structuredClone(this.image(ref).rec);
  }

  /** Tags an image as `repo:tag` (moving the tag if another image had it). */
  tagImage(ref: string, repo: string, tag = "latest"): void {
    this.live();
    const img = this.image(ref);
    const parsed = parseReference(`${repo}:${tag || "latest"}`);
    if (!validReference(parsed.repo, parsed.tag)) throw invalid(`invalid reference format`);
    const key = `${parsed.repo}:${parsed.tag}`;
    this.setTag(key, img.rec.id);
    this.emit("image", "tag", img.rec.id, { name: key });
    this.commit();
  }

  /** Removes a tag or an image (`docker rmi`); refused while a container uses it unless forced. */
  removeImage(ref: string, options: { force?: boolean; noprune?: boolean } = {}): ImageRemoval {
    this.live();
    const img = this.image(ref);
    const id = img.rec.id;
    const short = id.slice(7, 19);
    const users = [...this.containers.values()].filter((c) => c.rec.imageId === id);
    const byTag = this.tagKeyOf(ref);
    const result: ImageRemoval = { untagged: [], deleted: [] };
    if (byTag && img.rec.repoTags.length > 1) {
      // Only the tag goes; the image keeps its other names.
      this.dropTag(byTag, result);
      this.commit();
      return result;
    }
    if (!byTag && img.rec.repoTags.length > 1 && !options.force) {
      throw conflict(`conflict: unable to delete ${short} (must be forced) - image is referenced in multiple repositories`);
    }
    const running = users.find((c) => c.rec.state.Running || c.rec.state.Restarting);
    if (running) {
      throw conflict(`conflict: unable to delete ${short} (cannot be forced) - image is being used by running container ${running.rec.id.slice(0, 12)}`);
    }
    if (users.length && !options.force) {
      const what = byTag ? `remove repository reference "${ref}"` : `delete ${short}`;
      throw conflict(`conflict: unable to ${what} (must force) - container ${users[0].rec.id.slice(0, 12)} is using its referenced image ${short}`);
    }
    for (const t of [...img.rec.repoTags]) this.dropTag(t, result);
    this.deleteImage(id, result);
    this.commit();
    return result;
  }

  /** Removes dangling images (no tag, no container); `dangling: false` removes every unused image. */
  pruneImages(options: { dangling?: boolean; filters?: Filters } = {}): { deleted: string[]; spaceReclaimed: number } {
    this.live();
    const filters = options.filters ?? {};
    checkFilterKeys(filters, FILTER_KEYS.imagePrune);
    const cutoff = untilCutoff(filters.until, this.now());
    const dangling = filters.dangling?.length ? filterBool("dangling", filters.dangling[0]) : (options.dangling ?? true);
    const used = new Set([...this.containers.values()].map((c) => c.rec.imageId));
    const result: ImageRemoval = { untagged: [], deleted: [] };
    let space = 0;
    for (const img of [...this.images.values()]) {
      if (used.has(img.rec.id)) continue;
      if (dangling && img.rec.repoTags.length) continue;
      if (!labelsMatch(filters, img.rec.config.Labels) || !createdBefore(img.rec.created * 1000, cutoff)) continue;
      for (const t of [...img.rec.repoTags]) this.dropTag(t, result);
      space += img.rec.size;
      this.deleteImage(img.rec.id, result);
    }
    this.commit();
    return { deleted: [...result.untagged, ...result.deleted], spaceReclaimed: space };
  }

  // ───────────────────────────── containers ─────────────────────────────

  /** Creates a container (Docker's create body); its container VM is registered, powered off. */
  createContainer(config: ContainerConfig, name?: string): ContainerRecord {
    this.live();
    if (!config || typeof config !== "object") throw invalid("config cannot be empty in order to create a container");
    if (typeof config.Image !== "string" || !config.Image) throw invalid("no image specified");
    if (name !== undefined && name !== "") {
      if (!NAME_RE.test(name)) throw invalid(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      const clean = name.replace(/^\//, "");
      const holder = this.names.get(clean);
      if (holder) {
        throw conflict(`Conflict. The container name "/${clean}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
      }
    }
    const img = this.imageForCreate(config.Image);
    const badHealth = checkHealthConfig(config.Healthcheck);
    if (badHealth) throw invalid(badHealth);
    const hc = resolveHostConfig(config.HostConfig ?? {});
    const memoryMiB = memoryMiBOf(hc);
    const networkMode = hc.NetworkMode as string;
    if (!PREDEFINED_NETWORKS.includes(networkMode) && !networkMode.startsWith("container:")) this.nets.resolve(networkMode);
    const labels = { ...(img.rec.config.Labels ?? {}), ...(config.Labels ?? {}) };
    restartPriorityOf(labels);
    const ports = parsePorts(config.ExposedPorts, hc.PortBindings);
    const binds = parseBinds(hc.Binds);
    const endpoints = config.NetworkingConfig?.EndpointsConfig ?? {};
    for (const n of Object.keys(endpoints)) if (!PREDEFINED_NETWORKS.includes(n)) this.nets.resolve(n);

    // Everything is valid: from here on the create happens.
    const id = this.newId();
    const clean = name ? name.replace(/^\//, "") : this.newName();
    const resolved = resolveConfig(config, img.rec.config, id, labels);
    const [path, ...args] = [...(resolved.Entrypoint ?? []), ...(resolved.Cmd ?? [])];
    const mounts: MountRecord[] = [];
    for (const b of binds) {
      if (b.type === "volume") {
        const v = this.vols.get(b.source) ?? this.createVolumeRecord(b.source, {});
        mounts.push(volumeMount(v, b.destination, b.rw, b.mode));
      } else {
        mounts.push({ Type: "bind", Source: b.source, Destination: b.destination, Mode: b.mode, RW: b.rw, Propagation: "rprivate" });
      }
    }
    for (const dest of Object.keys({ ...(img.rec.config.Volumes ?? {}), ...(config.Volumes ?? {}) })) {
      if (mounts.some((m) => m.Destination === dest)) continue;
      const v = this.createVolumeRecord(this.rng.hex(64), { [ANONYMOUS_VOLUME_LABEL]: "" });
      mounts.push(volumeMount(v, dest, true, ""));
    }
    const networks: Record<string, EndpointRecord> = {};
    const netNames = networkMode === "host" || networkMode === "none" || networkMode.startsWith("container:") ? [networkMode] : [networkMode, ...Object.keys(endpoints).filter((n) => n !== networkMode)];
    for (const n of netNames) {
      if (n.startsWith("container:")) continue;
      networks[n] = {
        NetworkID: this.nets.get(n)?.Id ?? "", EndpointID: "", Gateway: "", IPAddress: "", IPPrefixLen: 0, MacAddress: "",
        Aliases: (endpoints[n]?.Aliases as string[] | undefined) ?? null,
      };
    }
    const templateId = this.templateId(img, memoryMiB);
    const clusterVm = this.cluster.addVm(clusterVmSpec(hc, labels, img.rec.profile, templateId, clean));
    const now = this.now();
    const c: Container = {
      rec: {
        id,
        name: `/${clean}`,
        created: rfc3339(now),
        path: path ?? "",
        args,
        image: config.Image,
        imageId: img.rec.id,
        config: resolved,
        hostConfig: hc,
        state: { Status: "created", Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: "", StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME },
        restartCount: 0,
        networks,
        ports,
        mounts,
      },
      clusterVm, memVm: null, host: null, process: null, run: 0, frozen: false, frozenQueue: [], pendingExit: null,
      logs: new Ring<LogLine>(LOG_RING), listeners: new Set(), waiters: [], manuallyStopped: false, restartTimer: null, stdin: [], stdinClosed: false,
      attachedOnce: false, runLogStart: 0, wsWritten: 0, wsCursor: 0, serial: 0, cpuNs: 0, cpuSince: now, cpuRate: 0,
      removed: false, seq: this.nextSeq++, execs: new Set(), execRecords: new Set(), endedExecs: [], guestTimers: new Map(), restartDue: null, precpuSample: null,
    };
    this.containers.set(id, c);
    this.names.set(clean, id);
    this.byClusterVm.set(clusterVm, id);
    this.markContainer(c);
    this.emit("container", "create", id, this.containerAttrs(c));
    this.commit();
    return this.view(c);
  }

  /** Starts a container; resolves when it runs (or has already exited). `notModified` if running. */
  async start(ref: string): Promise<void> {
    this.live();
    const c = this.container(ref);
    const s = c.rec.state;
    if (s.Paused) throw conflict(`cannot start a paused container, try unpause instead`);
    if (s.Running) throw notModified(`container ${c.rec.id} is already running`);
    if (s.Status === "removing" || s.Dead) throw conflict(`container ${c.rec.id} is marked for removal and cannot be started`);
    this.cancelRestart(c);
    c.manuallyStopped = false;
    try {
      this.bootContainer(c, null);
    } finally {
      this.settle();
    }
  }

  /** Stops a container: SIGTERM (or its stop signal), SIGKILL after `timeout` seconds. */
  async stop(ref: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    this.live();
    const c = this.container(ref);
    const sig = this.stopSignal(c, options.signal);
    if (c.rec.state.Restarting) {
      this.cancelRestart(c);
      c.manuallyStopped = true;
      this.setExited(c, c.rec.state.ExitCode, false);
      this.emit("container", "stop", c.rec.id, this.containerAttrs(c));
      this.settle();
      return;
    }
    if (!c.rec.state.Running) throw notModified(`container ${c.rec.id} is already stopped`);
    c.manuallyStopped = true;
    await this.terminate(c, sig, options.timeout ?? c.rec.config.StopTimeout ?? 10);
    this.emit("container", "stop", c.rec.id, this.containerAttrs(c));
    this.settle();
  }

  /** Sends a signal (default SIGKILL) to a running container. */
  kill(ref: string, signal: string | number = "SIGKILL"): void {
    this.live();
    const c = this.container(ref);
    const sig = parseSignal(signal);
    if (sig === null) throw invalid(`Invalid signal: ${signal}`);
    if (!c.rec.state.Running) throw conflict(`Cannot kill container: ${ref}: Container ${c.rec.id} is not running`);
    this.emit("container", "kill", c.rec.id, { ...this.containerAttrs(c), signal: String(sig) });
    if (sig === 9 || sig === 15 || sig === 2) c.manuallyStopped = true;
    if (c.rec.state.Paused && sig === 9) {
      c.frozen = false;
      c.rec.state.Paused = false;
    }
    c.process?.signal(sig);
    this.settle();
  }

  /** Stops (if running) and starts a container; emits `restart`. */
  async restart(ref: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    this.live();
    const c = this.container(ref);
    this.cancelRestart(c);
    if (c.rec.state.Running) {
      if (c.rec.state.Paused) this.unpause(ref);
      c.manuallyStopped = true;
      await this.terminate(c, this.stopSignal(c, options.signal), options.timeout ?? c.rec.config.StopTimeout ?? 10);
      this.emit("container", "stop", c.rec.id, this.containerAttrs(c));
    }
    if (c.removed) throw notFound(`No such container: ${ref}`);
    c.manuallyStopped = false;
    try {
      this.bootContainer(c, null);
      this.emit("container", "restart", c.rec.id, this.containerAttrs(c));
    } finally {
      this.settle();
    }
  }

  /** Freezes a running container (its container VM stops dirtying memory). */
  pause(ref: string): void {
    this.live();
    const c = this.container(ref);
    if (!c.rec.state.Running) throw conflict(`Container ${c.rec.id} is not running`);
    if (c.rec.state.Paused) throw conflict(`Container ${c.rec.id} is already paused`);
    this.accountCpu(c);
    c.frozen = true;
    c.rec.state.Paused = true;
    c.rec.state.Status = "paused";
    this.markContainer(c);
    this.emit("container", "pause", c.rec.id, this.containerAttrs(c));
    this.commit();
  }

  /** Thaws a paused container (what came due while frozen runs now). */
  unpause(ref: string): void {
    this.live();
    const c = this.container(ref);
    if (!c.rec.state.Paused) throw conflict(`Container ${c.rec.id} is not paused`);
    c.frozen = false;
    c.rec.state.Paused = false;
    c.rec.state.Status = "running";
    c.cpuSince = this.now();
    this.markContainer(c);
    this.emit("container", "unpause", c.rec.id, this.containerAttrs(c));
    this.thaw(c);
    this.settle();
  }

  /** Runs what came due while the container was frozen, and an exit that happened meanwhile. */
  private thaw(c: Container): void {
    const queued = c.frozenQueue;
    c.frozenQueue = [];
    for (const fn of queued) fn();
    const pending = c.pendingExit;
    c.pendingExit = null;
    if (pending !== null && c.rec.state.Running) this.processExited(c, pending);
  }

  /** Waits for a condition: `not-running` (default), `next-exit` or `removed`. */
  wait(ref: string, condition: "not-running" | "next-exit" | "removed" = "not-running", signal?: AbortSignal): Promise<{ StatusCode: number }> {
    this.live();
    const c = this.container(ref);
    if (!["not-running", "next-exit", "removed"].includes(condition)) {
      throw invalid(`invalid condition: "${condition}"`);
    }
    if (condition === "not-running" && !c.rec.state.Running && !c.rec.state.Restarting) {
      return Promise.resolve({ StatusCode: c.rec.state.ExitCode });
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = { condition, resolve, reject };
      c.waiters.push(w);
      signal?.addEventListener("abort", () => {
        c.waiters = c.waiters.filter((x) => x !== w);
        reject(signal.reason instanceof Error ? signal.reason : new Error("wait aborted"));
      }, { once: true });
    });
  }

  /** Removes a container; a running one only when forced (SIGKILL first). */
  remove(ref: string, options: { force?: boolean; volumes?: boolean } = {}): void {
    this.live();
    const c = this.container(ref);
    if (c.rec.state.Status === "removing") throw conflict(`removal of container ${c.rec.id} is already in progress`);
    if ((c.rec.state.Running || c.rec.state.Restarting) && !options.force) {
      const what = c.rec.state.Paused ? "container is paused and must be unpaused first" : c.rec.state.Restarting ? "container is restarting: stop the container before removing or force remove" : "container is running: stop the container before removing or force remove";
      throw conflict(`cannot remove container "${c.rec.name}": ${what}`);
    }
    if (c.rec.state.Restarting) {
      this.cancelRestart(c);
      this.setExited(c, c.rec.state.ExitCode, false);
    }
    if (c.rec.state.Running) {
      c.manuallyStopped = true;
      this.emit("container", "kill", c.rec.id, { ...this.containerAttrs(c), signal: "9" });
      c.frozen = false;
      c.rec.state.Paused = false;
      c.process?.signal(9);
    }
    this.destroy(c, options.volumes ?? false);
    this.settle();
  }

  /** Renames a container. */
  rename(ref: string, newName: string): void {
    this.live();
    const c = this.container(ref);
    if (!newName || !NAME_RE.test(newName)) throw invalid(`Invalid container name (${newName}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    const clean = newName.replace(/^\//, "");
    const old = c.rec.name.slice(1);
    if (clean === old) throw conflict(`Renaming a container with the same name as its current name`);
    const holder = this.names.get(clean);
    if (holder) {
      throw conflict(`Conflict. The container name "/${clean}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    this.names.delete(old);
    this.names.set(clean, c.rec.id);
    c.rec.name = `/${clean}`;
    this.markContainer(c);
    this.emit("container", "rename", c.rec.id, { ...this.containerAttrs(c), oldName: `/${old}` });
    this.commit();
  }

  /** A container by full id, unique id prefix, name or `/name`. */
  getContainer(ref: string): ContainerRecord {
    return this.view(this.container(ref));
  }

  /** `docker ps`: running containers (all with `all`), newest first, with Docker's filters. */
  listContainers(options: ListContainersOptions = {}): ContainerRecord[] {
    const filters = options.filters ?? {};
    checkFilterKeys(filters, FILTER_KEYS.containerList);
    for (const s of filters.status ?? []) {
      if (!["created", "restarting", "running", "removing", "paused", "exited", "dead"].includes(s)) {
        throw invalid(`invalid filter 'status=${s}'`);
      }
    }
    for (const h of filters.health ?? []) {
      if (!["starting", "healthy", "unhealthy", "none"].includes(h)) throw invalid(`Unrecognised filter value for health: ${h}`);
    }
    const isTask = (filters["is-task"] ?? []).map((v) => filterBool("is-task", v));
    const publish = (filters.publish ?? []).map((v) => portFilter("publish", v));
    const expose = (filters.expose ?? []).map((v) => portFilter("expose", v));
    let list = [...this.containers.values()].filter((c) => !c.removed);
    list.reverse(); // insertion order is creation order: newest first
    const all = options.all || filters.status?.length || filters.exited?.length;
    if (!all) list = list.filter((c) => c.rec.state.Running || c.rec.state.Restarting);
    const match = (values: string[] | undefined, test: (v: string) => boolean) => !values?.length || values.some(test);
    const imageIdsOf = (v: string) => {
      try {
        return this.image(v).rec.id;
      } catch {
        return null;
      }
    };
    // Creation order numbers: one comparison per container (no index scans).
    const before = filters.before?.length ? this.container(filters.before[0]).seq : null;
    const since = filters.since?.length ? this.container(filters.since[0]).seq : null;
    list = list.filter((c) => {
      const r = c.rec;
      return (
        match(filters.id, (v) => r.id.startsWith(v)) &&
        match(filters.name, (v) => new RegExp(v).test(r.name.slice(1)) || r.name === v) &&
        labelsMatch(filters, r.config.Labels) &&
        match(filters.status, (v) => r.state.Status === v) &&
        match(filters.exited, (v) => r.state.Status === "exited" && r.state.ExitCode === Number(v)) &&
        match(filters.ancestor, (v) => r.image === v || r.imageId === imageIdsOf(v) || r.imageId.slice(7).startsWith(v)) &&
        match(filters.network, (v) => v in r.networks || Object.values(r.networks).some((n) => n.NetworkID === v)) &&
        match(filters.volume, (v) => r.mounts.some((m) => m.Name === v || m.Destination === v)) &&
        match(filters.health, (v) => (r.state.Health?.Status ?? "none") === v) &&
        // No container here is a swarm task.
        isTask.every((want) => want === false) &&
        match(filters.isolation, (v) => String(r.hostConfig.Isolation || "default") === v) &&
        publish.every((p) => r.ports.some((x) => x.PublicPort !== undefined && p.matches(x.PublicPort, x.Type))) &&
        expose.every((p) => r.ports.some((x) => p.matches(x.PrivatePort, x.Type))) &&
        (before === null || c.seq < before) &&
        (since === null || c.seq > since)
      );
    });
    if (options.limit && options.limit > 0) list = list.slice(0, options.limit);
    return list.map((c) => this.view(c));
  }

  /** Removes every stopped container (`docker container prune`; filters until, label, label!). */
  pruneContainers(options: { filters?: ContainerFilters } = {}): { deleted: string[]; spaceReclaimed: number } {
    this.live();
    const filters = options.filters ?? {};
    checkFilterKeys(filters, FILTER_KEYS.containerPrune);
    const cutoff = untilCutoff(filters.until, this.now());
    const deleted: string[] = [];
    let space = 0;
    for (const c of [...this.containers.values()]) {
      const s = c.rec.state;
      if (c.removed || s.Running || s.Restarting || s.Status === "removing") continue;
      if (!labelsMatch(filters, c.rec.config.Labels) || !createdBefore(parseTime(c.rec.created), cutoff)) continue;
      space += c.wsWritten * 4096;
      this.destroy(c, false);
      deleted.push(c.rec.id);
    }
    this.commit();
    return { deleted, spaceReclaimed: space };
  }

  // ───────────────────────────── IO ─────────────────────────────

  /** Attaches to a container's output: replays with `logs`, follows with `stream` until it stops. */
  attach(ref: string, options: AttachOptions = {}): AsyncIterable<OutputChunk> {
    this.live();
    const c = this.container(ref);
    const wantOut = options.stdout ?? true;
    const wantErr = options.stderr ?? true;
    const stream = options.stream ?? true;
    const ch = this.outputReader(options.signal);
    const push = (l: LogLine) => {
      if ((l.s === 0 && wantOut) || (l.s === 1 && wantErr)) ch.push(chunkOf(l));
    };
    // Output produced before the first attach of a run is kept for it (`docker run` attaches late).
    const replayFrom = options.logs ? 0 : !c.attachedOnce && c.rec.state.StartedAt !== ZERO_TIME ? c.runLogStart : c.logs.next;
    c.attachedOnce = true;
    for (const l of c.logs.from(replayFrom)) push(l);
    this.emit("container", "attach", c.rec.id, this.containerAttrs(c));
    this.commit();
    const running = c.rec.state.Running || c.rec.state.Restarting || c.rec.state.Status === "created";
    if (!stream || (!running && c.rec.state.Status !== "created")) {
      ch.end();
      return ch;
    }
    const listener = (chunk: OutputChunk | null) => {
      if (chunk === null) ch.end();
      else if ((chunk.stream === "stdout" && wantOut) || (chunk.stream === "stderr" && wantErr)) ch.push(chunk);
    };
    c.listeners.add(listener);
    ch.onClose = () => c.listeners.delete(listener);
    return ch;
  }

  /**
   * A logs/attach reader's queue: at most a log ring's worth queued; a reader that stops reading
   * loses its oldest chunks (as a follower behind a rotated log does), counted in `info().faults`.
   */
  private outputReader(signal: AbortSignal | undefined): Channel<OutputChunk> {
    return new Channel<OutputChunk>(signal, { cap: LOG_RING, overflow: "drop-oldest", onDrop: () => this.faults.outputDropped++ });
  }

  /** Sends bytes to the container's stdin (kept until it starts when it has not yet). */
  writeStdin(ref: string, data: Uint8Array): void {
    const c = this.container(ref);
    if (!c.rec.config.OpenStdin) return;
    if (c.process && c.rec.state.Running) c.process.stdin(data);
    else c.stdin.push(data);
    this.settle();
  }

  /** Closes the container's stdin. */
  closeStdin(ref: string): void {
    const c = this.container(ref);
    c.stdinClosed = true;
    if (c.process && c.rec.state.Running) c.process.closeStdin();
    this.settle();
  }

  /** `docker logs`: stdout/stderr with times (virtual ms), optionally following. */
  logs(ref: string, options: LogsOptions = {}): AsyncIterable<OutputChunk> {
    const c = this.container(ref);
    const wantOut = options.stdout ?? true;
    const wantErr = options.stderr ?? true;
    const since = options.since ?? -Infinity;
    const until = options.until ?? Infinity;
    const ch = this.outputReader(options.signal);
    let lines = c.logs.toArray().filter((l) => ((l.s === 0 && wantOut) || (l.s === 1 && wantErr)) && l.t >= since && l.t <= until);
    if (options.tail !== undefined && options.tail !== "all") {
      // Docker's tail counts lines, and a chunk (one write) may hold several: cut the history here,
      // where it is known, so no reader has to guess where history ends and live output begins.
      const n = Math.max(0, Math.floor(options.tail));
      lines = n === 0 ? [] : lastLines(lines, n);
    }
    for (const l of lines) ch.push(chunkOf(l));
    if (!options.follow || !(c.rec.state.Running || c.rec.state.Restarting) || until <= this.now()) {
      ch.end();
      return ch;
    }
    const listener = (chunk: OutputChunk | null) => {
      if (chunk === null || chunk.time > until) ch.end();
      else if (chunk.time < since) return;
      else if ((chunk.stream === "stdout" && wantOut) || (chunk.stream === "stderr" && wantErr)) ch.push(chunk);
    };
    c.listeners.add(listener);
    ch.onClose = () => c.listeners.delete(listener);
    return ch;
  }

  /** Docker's stats object; memory comes from the memory engine (consumed, shared, private). */
  stats(ref: string): ContainerStats {
    const c = this.container(ref);
    const now = this.now();
    const running = c.rec.state.Running;
    const vcpus = Math.max(1, Math.ceil(Number(c.rec.hostConfig.NanoCpus) / 1e9));
    const system = Math.round(now * 1e6 * vcpus);
    // A read: the CPU used so far is computed, not accounted (nothing changes by looking).
    const total = Math.round(this.cpuNsAt(c, now));
    const cpu: CpuStats = {
      cpu_usage: { total_usage: total, usage_in_kernelmode: Math.round(total * 0.2), usage_in_usermode: Math.round(total * 0.8) },
      system_cpu_usage: running ? system : 0,
      online_cpus: running ? vcpus : 0,
      throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
    };
    // Docker's precpu: the sample the periodic guest tick took before this read.
    const pre = c.precpuSample;
    const precpu: CpuStats = {
      cpu_usage: { total_usage: pre?.total ?? 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
      system_cpu_usage: pre?.system ?? 0,
      online_cpus: running ? vcpus : 0,
      throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
    };
    const vm = c.memVm !== null ? this.mem.vmStats(c.memVm) : null;
    const page = 4096;
    const limit = Number(c.rec.hostConfig.Memory);
    const networks: ContainerStats["networks"] = {};
    if (running) {
      for (const n of Object.keys(c.rec.networks)) {
        if (n === "host" || n === "none") continue;
        // The emulated guest sends and receives nothing: its interfaces exist, their counters stay zero.
        networks[`eth${Object.keys(networks).length}`] = { rx_bytes: 0, rx_packets: 0, rx_errors: 0, rx_dropped: 0, tx_bytes: 0, tx_packets: 0, tx_errors: 0, tx_dropped: 0 };
      }
    }
    return {
      read: running ? rfc3339(now) : ZERO_TIME,
      preread: pre && running ? rfc3339(pre.read) : ZERO_TIME,
      id: c.rec.id,
      name: c.rec.name,
      pids_stats: running ? { current: 1 + c.execs.size, limit: 4194304 } : { current: 0 },
      num_procs: 0,
      cpu_stats: cpu,
      precpu_stats: precpu,
      memory_stats: running && vm
        ? {
            usage: vm.consumed * page,
            limit,
            stats: {
              granted: vm.granted * page, consumed: vm.consumed * page, shared: vm.shared * page, private: vm.private * page,
              shared_common: vm.sharedCommon * page, swapped: vm.swapped * page, ballooned: vm.ballooned * page,
              compressed: vm.compressed * page, rss: vm.private * page, cache: 0, total_rss: vm.private * page, hierarchical_memory_limit: limit,
            },
          }
        : { usage: 0, limit: 0, stats: {} },
      networks,
      blkio_stats: { io_service_bytes_recursive: null },
      storage_stats: {},
      vm: running && vm
        ? { granted: vm.granted, consumed: vm.consumed, shared: vm.shared, sharedCommon: vm.sharedCommon, private: vm.private, swapped: vm.swapped, ballooned: vm.ballooned, compressed: vm.compressed }
        : null,
    };
  }

  /** `docker top`: the guest's process table. */
  top(ref: string, _psArgs?: string): TopResult {
    const c = this.container(ref);
    if (!c.rec.state.Running) throw conflict(`Container ${c.rec.id} is not running`);
    const started = new Date(parseTime(c.rec.state.StartedAt) ?? this.now()).toISOString().slice(11, 16);
    const rows: string[][] = [];
    const basePid = c.rec.state.Pid;
    for (const [pid, cmd] of c.process?.processes() ?? []) rows.push(["root", String(basePid + pid - 1), "0", "0", started, "?", "00:00:00", cmd]);
    for (const execId of c.execs) {
      const e = this.execs.get(execId);
      for (const [, cmd] of e?.process?.processes() ?? []) rows.push(["root", String(e!.rec.Pid), String(basePid), "0", started, "?", "00:00:00", cmd]);
    }
    return { Titles: ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"], Processes: rows };
  }

  /** Resizes the container's TTY (checked, otherwise a no-op in the emulated guest). */
  resize(ref: string, height: number, width: number): void {
    const c = this.container(ref);
    if (!(height >= 0 && width >= 0)) throw invalid(`invalid TTY size ${height}x${width}`);
    if (!c.rec.state.Running) throw conflict(`Container ${c.rec.id} is not running`);
  }

  // ───────────────────────────── exec ─────────────────────────────

  /** Creates an exec instance in a running container. */
  createExec(ref: string, config: ExecConfig): string {
    this.live();
    const c = this.container(ref);
    if (!c.rec.state.Running) throw conflict(`Container ${c.rec.id} is not running`);
    if (c.rec.state.Paused) throw conflict(`Container ${c.rec.id} is paused, unpause the container before exec`);
    const argv = typeof config.Cmd === "string" ? ["/bin/sh", "-c", config.Cmd] : config.Cmd;
    if (!Array.isArray(argv) || !argv.length) throw invalid("No exec command specified");
    const id = this.rng.hex(64);
    c.execRecords.add(id);
    this.execs.set(id, {
      config: { ...config, Cmd: argv },
      container: c.rec.id,
      process: null,
      channel: null,
      finish: null,
      rec: {
        ID: id, Running: false, ExitCode: null,
        ProcessConfig: { tty: !!config.Tty, entrypoint: argv[0], arguments: argv.slice(1), privileged: !!config.Privileged, user: config.User ?? "" },
        OpenStdin: !!config.AttachStdin, OpenStderr: !!config.AttachStderr, OpenStdout: !!config.AttachStdout,
        CanRemove: false, ContainerID: c.rec.id, DetachKeys: config.DetachKeys ?? "", Pid: 0,
      },
    });
    this.emit("container", `exec_create: ${argv.join(" ")}`, c.rec.id, { ...this.containerAttrs(c), execID: id });
    this.commit();
    return id;
  }

  /** Starts an exec: output until the process exits, and its exit code (set before the output ends). */
  startExec(id: string, options: { detach?: boolean; stdin?: AsyncIterable<Uint8Array> } = {}): ExecRun {
    this.live();
    const e = this.execs.get(id);
    if (!e) throw notFound(`No such exec instance: ${id}`);
    if (e.rec.Running || e.rec.ExitCode !== null) throw conflict(`Error: Exec command ${id} has already run`);
    const c = this.containers.get(e.container);
    if (!c || c.removed || !c.rec.state.Running) throw conflict(`Container ${e.container} is not running`);
    if (c.rec.state.Paused) throw conflict(`Container ${e.container} is paused, unpause the container before exec`);
    const argv = e.config.Cmd as string[];
    const ch = new Channel<OutputChunk>();
    e.channel = ch;
    e.rec.Running = true;
    e.rec.Pid = c.rec.state.Pid + 1 + (hash32(id) % 5000);
    c.execs.add(id);
    let resolveDone!: (code: number) => void;
    const done = new Promise<number>((r) => (resolveDone = r));
    e.finish = (code) => resolveDone(code);
    const run = c.run;
    const attachOut = !options.detach && e.config.AttachStdout !== false;
    const attachErr = !options.detach && e.config.AttachStderr !== false;
    this.emit("container", `exec_start: ${argv.join(" ")}`, c.rec.id, { ...this.containerAttrs(c), execID: id });
    const ctx = this.guestContext(c, e.config.Env ?? [], !!e.config.Tty, !!e.config.AttachStdin && !options.detach, e.config.WorkingDir, e.config.User, "exec");
    e.process = this.guest.spawn(argv, ctx, {
      after: (ms, fn) => this.containerTimer(c, run, ms, fn),
      write: (stream, text) => {
        if ((stream === "stdout" && attachOut) || (stream === "stderr" && attachErr)) {
          ch.push({ stream: e.config.Tty ? "stdout" : stream, data: encoder.encode(text), time: this.now() });
        }
      },
      exit: (status) => {
        if (!e.rec.Running) return;
        e.rec.Running = false;
        e.rec.ExitCode = status;
        e.process = null;
        c.execs.delete(id);
        this.execEnded(c, id);
        this.emit("container", "exec_die", c.rec.id, { ...this.containerAttrs(c), execID: id, exitCode: String(status) });
        ch.end();
        resolveDone(status);
      },
    });
    if (options.stdin) {
      const proc = e.process;
      void (async () => {
        try {
          for await (const chunk of options.stdin!) {
            if (!e.rec.Running) break;
            proc.stdin(chunk);
            this.settle();
          }
        } catch {
          // the client went away: treat as end of input
        }
        if (e.rec.Running) {
          proc.closeStdin();
          this.settle();
        }
      })();
    } else if (!e.config.AttachStdin || options.detach) {
      e.process.closeStdin();
    }
    this.settle();
    return { output: ch, done };
  }

  /** Docker's exec inspect. */
  inspectExec(id: string): ExecRecord {
    const e = this.execs.get(id);
    if (!e) throw notFound(`No such exec instance: ${id}`);
    return structuredClone(e.rec);
  }

  /** Resizes an exec's TTY. */
  resizeExec(id: string, height: number, width: number): void {
    const e = this.execs.get(id);
    if (!e) throw notFound(`No such exec instance: ${id}`);
    if (!(height >= 0 && width >= 0)) throw invalid(`invalid TTY size ${height}x${width}`);
  }

  // ───────────────────────────── events ─────────────────────────────

  /** Events from the ring (since/until, virtual ms) then live ones, ending at `until`. */
  events(options: EventsOptions = {}): AsyncIterable<VchEvent> {
    const filters = options.filters ?? {};
    return this.eventLog.reader(options, (e) => eventMatches(e, filters), (ms, fn) => this.clock.after(ms, fn));
  }

  /** Calls `listener` for every new event; returns the unsubscribe function. */
  subscribe(listener: (event: VchEvent) => void): () => void {
    return this.eventLog.subscribe(listener);
  }

  // ───────────────────────────── cluster ─────────────────────────────

  /** The cluster as `docker info` and a vSphere client would show it. */
  info(): VchInfo {
    const loads = this.cluster.hostLoads();
    const list = [...this.containers.values()].filter((c) => !c.removed);
    const hosts: HostInfo[] = this.hostNames.map((name, i) => {
      const m = this.mem.hostStats(i);
      return {
        name, index: i, state: this.cluster.hostState(i), cpuMHz: this.hostCpu[i], memoryMiB: this.hostMem[i],
        containers: list.filter((c) => c.host === i).length,
        templates: [...this.templates.values()].filter((t) => t.host === i).map((t) => this.images.get(t.imageId)?.rec.repoTags[0] ?? t.imageId),
        load: loads[i]?.load ?? 0,
        memory: { capacity: m.capacity, used: m.used, free: m.free, sharedSaved: m.sharedSaved, minFree: m.minFree, state: m.state },
      };
    });
    const ha = this.cluster.haAdmission();
    return {
      name: this.name,
      now: this.now(),
      containers: list.length,
      containersRunning: list.filter((c) => c.rec.state.Running && !c.rec.state.Paused).length,
      containersPaused: list.filter((c) => c.rec.state.Paused).length,
      containersStopped: list.filter((c) => !c.rec.state.Running).length,
      images: this.images.size,
      hosts,
      ncpu: this.hostCpu.reduce((s, x) => s + Math.floor(x / VCPU_MHZ), 0),
      memTotal: this.hostMem.reduce((s, x) => s + x, 0) * MIB,
      drs: {
        threshold: this.cluster.migrationThreshold, automation: this.cluster.automation, imbalance: this.cluster.imbalance(),
        targetImbalance: this.cluster.targetImbalance(), lastPass: this.drsLast, migrations: this.drsMigrations,
      },
      ha: { policy: this.haPolicy, failoverCapacity: ha.failoverCapacity },
      tps: { salting: this.salting, sharedSavedPages: hosts.reduce((s, h) => s + h.memory.sharedSaved, 0), mergedPages: this.tpsMerged },
      faults: { ...this.faults, ...this.eventLog.faults },
    };
  }

  /**
   * A host fails: its container VMs stop at once (exit 255, `host Hn failed`) and `host-failed` is
   * emitted. HA declares the host dead after the placement core's `declaredDeadAfterMs` (15 s of
   * virtual time) and then restarts them on the survivors by priority (`ha-restart`), reporting
   * the ones it cannot restart (`ha-restart-failed`). The core reserves the failover placements now,
   * so nothing new takes their room meanwhile.
   */
  failHost(host: HostRef): HostFailureResult {
    this.live();
    const h = this.hostIndex(host);
    const state = this.cluster.hostState(h);
    if (state === "failed") throw conflict(`host ${this.hostNames[h]} has already failed`);
    const victims = [...this.containers.values()].filter((c) => c.host === h && c.memVm !== null);
    const plan = this.cluster.failHosts([h]);
    this.markMeta();
    this.emit("cluster", "host-failed", this.hostNames[h], { host: this.hostNames[h], containers: String(victims.length) });
    // The host's memory is gone: its container VMs and template VMs with it.
    for (const c of victims) this.dropVm(c);
    this.dropTemplatesOn(h);
    for (const c of victims) this.abandonRun(c, 255, `host ${this.hostNames[h]} failed`);
    const cancel = this.clock.after(plan.declaredDeadAfterMs, () => this.declareDead(h));
    const stopped = victims.map((c) => c.rec.id);
    const declaredDeadAt = this.now() + plan.declaredDeadAfterMs;
    this.haPending.set(h, { plan, victims: stopped, declaredDeadAt, cancel });
    this.settle();
    return { host: this.hostNames[h], stopped, declaredDeadAt };
  }

  /** HA declares a failed host dead: it restarts the host's container VMs where the failover plan put them. */
  private declareDead(h: number): void {
    const pending = this.haPending.get(h);
    if (!pending) return;
    this.haPending.delete(h);
    this.markMeta();
    const from = this.hostNames[h];
    const reasons = new Map(pending.plan.notRestarted.map((b) => [b.vm, b.reason]));
    const restarted = new Set<string>();
    const victims = new Set(pending.victims);
    for (const r of pending.plan.restarts) {
      const c = this.containerOfVm(r.vm);
      // Removed (its cluster VM id may since belong to a new container), or started again by a
      // client in the meantime (on its reserved host): nothing to do.
      if (!c || c.removed || !victims.has(c.rec.id) || c.rec.state.Running || c.rec.state.Restarting) continue;
      const to = this.cluster.vmHost(r.vm);
      if (to < 0) continue;
      restarted.add(c.rec.id);
      c.rec.restartCount++;
      this.emit("cluster", "ha-restart", c.rec.id, { name: c.rec.name.slice(1), from, to: this.hostNames[to], priority: r.priority });
      try {
        this.bootContainer(c, to);
      } catch (e) {
        c.rec.state.Error = (e as Error).message;
        this.markContainer(c);
        this.emit("cluster", "ha-restart-failed", c.rec.id, { name: c.rec.name.slice(1), from, reason: (e as Error).message });
      }
    }
    for (const id of pending.victims) {
      const c = this.containers.get(id);
      if (!c || restarted.has(id) || c.rec.state.Running || c.rec.state.Restarting) continue;
      const reason = reasons.get(c.clusterVm) ?? "not restarted";
      this.emit("cluster", "ha-restart-failed", c.rec.id, { name: c.rec.name.slice(1), from, reason });
    }
  }

  /** Powers a cluster VM on in the placement core on host `h` (a must rule for the one placement); throws when it cannot. */
  private placeOnHost(vm: number, h: number): void {
    const rule = this.cluster.addRule({ kind: "vm-host-must", vms: [vm], hosts: [h] });
    try {
      this.cluster.placeVm(vm);
    } finally {
      this.cluster.removeRule(rule);
    }
  }

  /**
   * A failed host comes back, empty. Before HA declared it dead, nothing restarts elsewhere: its
   * container VMs restart on it (`ha-restart` from and to the same host).
   */
  recoverHost(host: HostRef): void {
    this.live();
    const h = this.hostIndex(host);
    const state = this.cluster.hostState(h);
    if (state !== "failed" && state !== "standby") throw conflict(`host ${this.hostNames[h]} is ${state}, not failed`);
    this.cluster.recoverHost(h);
    this.markMeta();
    this.emit("cluster", "host-recovered", this.hostNames[h], { host: this.hostNames[h] });
    const pending = this.haPending.get(h);
    if (pending) {
      pending.cancel();
      this.haPending.delete(h);
      const priority = new Map(pending.plan.restarts.map((r) => [r.vm, r.priority]));
      for (const id of pending.victims) {
        const c = this.containers.get(id);
        if (!c || c.removed || c.rec.state.Running || c.rec.state.Restarting || !priority.has(c.clusterVm)) continue;
        // Give back the failover placement and power on again on the recovered host.
        if (this.cluster.vmHost(c.clusterVm) >= 0) this.cluster.powerOff(c.clusterVm);
        try {
          this.placeOnHost(c.clusterVm, h);
        } catch (e) {
          this.emit("cluster", "ha-restart-failed", c.rec.id, { name: c.rec.name.slice(1), from: this.hostNames[h], reason: (e as Error).message });
          continue;
        }
        c.rec.restartCount++;
        this.emit("cluster", "ha-restart", c.rec.id, { name: c.rec.name.slice(1), from: this.hostNames[h], to: this.hostNames[h], priority: priority.get(c.clusterVm)! });
        try {
          this.bootContainer(c, h);
        } catch (e) {
          c.rec.state.Error = (e as Error).message;
          this.markContainer(c);
          this.emit("cluster", "ha-restart-failed", c.rec.id, { name: c.rec.name.slice(1), from: this.hostNames[h], reason: (e as Error).message });
        }
      }
    }
    this.settle();
  }

  /** Evacuates a host by vMotion (pre-copy cost per move) and puts it in maintenance mode. */
  enterMaintenance(host: HostRef): { moved: { container: string; to: string }[] } {
    this.live();
    const h = this.hostIndex(host);
    const state = this.cluster.hostState(h);
    if (state !== "connected") throw conflict(`host ${this.hostNames[h]} is ${state}: only a connected host can enter maintenance mode`);
    const plan = this.cluster.maintenancePlan(h);
    if (plan.blockers.length) {
      const b = plan.blockers[0];
      const name = this.containers.get(this.byClusterVm.get(b.vm) ?? "")?.rec.name ?? `VM ${b.vm}`;
      throw conflict(`host ${this.hostNames[h]} cannot enter maintenance mode: container ${name} ${b.reason}`);
    }
    const applied = this.cluster.enterMaintenance(h);
    const moved: { container: string; to: string }[] = [];
    for (const m of applied.moves) {
      const c = this.containerOfVm(m.vm);
      // A failover placement HA holds for a container VM not yet restarted moves with no vMotion.
      if (!c || c.memVm === null) continue;
      this.migrate(c, m.to, "maintenance", m.priority);
      moved.push({ container: c.rec.id, to: this.hostNames[m.to] });
    }
    this.dropTemplatesOn(h);
    this.markMeta();
    this.emit("cluster", "host-maintenance-enter", this.hostNames[h], { host: this.hostNames[h], moved: String(moved.length) });
    this.settle();
    return { moved };
  }

  /** Takes a host out of maintenance mode. */
  exitMaintenance(host: HostRef): void {
    this.live();
    const h = this.hostIndex(host);
    if (this.cluster.hostState(h) !== "maintenance") throw conflict(`host ${this.hostNames[h]} is not in maintenance mode`);
    this.cluster.exitMaintenance(h);
    this.markMeta();
    this.emit("cluster", "host-maintenance-exit", this.hostNames[h], { host: this.hostNames[h] });
    this.commit();
  }

  /** Changes DRS settings (journaled). */
  setDrs(options: { threshold?: 1 | 2 | 3 | 4 | 5; automation?: DrsAutomation }): void {
    this.live();
    if (options.threshold !== undefined && ![1, 2, 3, 4, 5].includes(options.threshold)) throw invalid(`DRS migration threshold must be 1 to 5, got ${options.threshold}`);
    if (options.automation !== undefined && !["manual", "partiallyAutomated", "fullyAutomated"].includes(options.automation)) {
      throw invalid(`DRS automation must be manual, partiallyAutomated or fullyAutomated, got ${options.automation}`);
    }
    if (options.threshold !== undefined) this.cluster.setMigrationThreshold(options.threshold);
    if (options.automation !== undefined) this.cluster.setAutomation(options.automation);
    this.markMeta();
    this.commit();
  }

  /**
   * Changes the TPS salting policy (journaled). Like ESXi's Mem.ShareForceSalting it applies when a
   * VM powers on: container VMs started from now on (and their template VMs, rebuilt under the new
   * policy) get it; running ones keep their salt until they restart, because the memory engine has
   * no operation to re-salt a live VM.
   */
  setSalting(policy: TpsSalting): void {
    this.live();
    if (!["vm", "image", "global"].includes(policy)) throw invalid(`TPS salting must be vm, image or global, got ${policy}`);
    if (policy === this.salting) return;
    this.salting = policy;
    // Template VMs carry the old salt and clones inherit it: retire them (their frames live on in
    // the running clones that share them); the next container VM builds one under the new policy.
    for (let h = 0; h < this.hostNames.length; h++) this.dropTemplatesOn(h);
    this.markMeta();
    this.commit();
  }

  /** Runs a DRS pass now: migrations are applied in fully automated mode, recommended otherwise. */
  drsNow(): DrsPassResult {
    this.live();
    const r = this.drsPass();
    this.settle();
    return r;
  }

  /** Runs a TPS scan of every connected host now. */
  tpsNow(): { scanned: number; merged: number } {
    this.live();
    const r = this.tpsPass();
    this.commit();
    return r;
  }

  // ───────────── for the vSphere door: vMotion to a chosen host, memory without CPU accounting ─────────────

  /**
   * vMotion of a powered-on container VM to `host`, as vCenter's MigrateVM does (pre-copy model,
   * a `drs-migrate` event with reason `user`). Throws a conflict when the VM is not running or the
   * host cannot take it (the VM then stays where it was).
   */
  migrateContainer(ref: string, host: HostRef): { from: string; to: string } {
    this.live();
    const c = this.container(ref);
    const h = this.hostIndex(host);
    if (c.memVm === null || c.host === null) throw conflict(`container ${c.rec.name.slice(1)} is not running: only a powered-on container VM moves by vMotion`);
    const from = c.host;
    if (from === h) return { from: this.hostNames[from], to: this.hostNames[h] };
    const state = this.cluster.hostState(h);
    if (state !== "connected") throw conflict(`host ${this.hostNames[h]} is ${state}: only a connected host takes a migrating VM`);
    this.cluster.powerOff(c.clusterVm);
    try {
      this.placeOnHost(c.clusterVm, h);
    } catch (e) {
      this.placeOnHost(c.clusterVm, from);
      throw conflict(`container ${c.rec.name.slice(1)} cannot move to ${this.hostNames[h]}: ${(e as Error).message}`);
    }
    this.migrate(c, h, "user", 0);
    this.settle();
    return { from: this.hostNames[from], to: this.hostNames[h] };
  }

  /** The container VM's memory in pages (vSphere's counter names) without touching Docker's CPU deltas; null without a VM. */
  vmMemory(ref: string): VmMemory | null {
    const c = this.container(ref);
    return c.memVm === null ? null : this.mem.vmStats(c.memVm);
  }

  /** `docker system df`. */
  diskUsage(): DiskUsage {
    const list = [...this.containers.values()].filter((c) => !c.removed);
    const images = [...this.images.values()];
    return {
      LayersSize: images.reduce((s, i) => s + i.rec.size, 0),
      Images: images.map((i) => ({ Id: i.rec.id, RepoTags: i.rec.repoTags, Size: i.rec.size, Containers: list.filter((c) => c.rec.imageId === i.rec.id).length, Created: i.rec.created })),
      Containers: list.map((c) => ({ Id: c.rec.id, Names: [c.rec.name], Image: c.rec.image, SizeRw: c.wsWritten * 4096, State: c.rec.state.Status })),
      Volumes: this.vols.all().map((v) => ({ Name: v.Name, UsageData: { Size: -1, RefCount: this.volumeUsers(v.Name).length } })),
    };
  }

  // ───────────────────────────── networks ─────────────────────────────

  /** Every network (filters: name, id, driver, label, type). */
  listNetworks(filters: Record<string, string[]> = {}): NetworkRecord[] {
    return this.nets.list(filters, this.networksInUse());
  }

  /** Creates a network (bridge driver, next free 172.x.0.0/16). */
  createNetwork(body: NetworkCreate): NetworkRecord {
    this.live();
    const n = this.nets.create(body, this.rng, this.now());
    this.mark("network", n.Id);
    this.emit("network", "create", n.Id, { name: n.Name, type: n.Driver });
    this.commit();
    return this.nets.view(n);
  }

  /** A network by id, id prefix or name. */
  getNetwork(ref: string): NetworkRecord {
    return this.nets.view(this.nets.resolve(ref));
  }

  /** Removes a network; refused for predefined ones and while containers are attached. */
  removeNetwork(ref: string): void {
    this.live();
    const n = this.nets.remove(ref, this.networksInUse());
    this.unmark("network", n.Id);
    this.emit("network", "destroy", n.Id, { name: n.Name, type: n.Driver });
    this.commit();
  }

  /** Connects a container to a network (an address at once if it runs). */
  connectNetwork(network: string, container: string, config: EndpointConfig = {}): void {
    this.live();
    const n = this.nets.resolve(network);
    const c = this.container(container);
    if (n.Name in c.rec.networks) throw conflict(`endpoint with name ${c.rec.name.slice(1)} already exists in network ${n.Name}`);
    const mode = String(c.rec.hostConfig.NetworkMode);
    if (mode === "host" || mode === "none" || n.Name === "host" || n.Name === "none") {
      throw invalid(`container cannot be disconnected from host network or connected to host network`);
    }
    c.rec.networks[n.Name] = { NetworkID: n.Id, EndpointID: "", Gateway: "", IPAddress: "", IPPrefixLen: 0, MacAddress: "", Aliases: (config.Aliases as string[] | undefined) ?? null };
    if (c.rec.state.Running) this.attachEndpoint(c, n.Name);
    this.markContainer(c);
    this.commit();
  }

  /** Disconnects a container from a network. */
  disconnectNetwork(network: string, container: string, _force = false): void {
    this.live();
    const n = this.nets.resolve(network);
    const c = this.container(container);
    if (!(n.Name in c.rec.networks)) throw notFound(`container ${c.rec.id} is not connected to network ${n.Name}`);
    if (c.rec.state.Running) this.detachEndpoint(c, n.Name);
    delete c.rec.networks[n.Name];
    this.markContainer(c);
    this.commit();
  }

  /** Removes unused custom networks. */
  pruneNetworks(options: { filters?: Filters } = {}): { deleted: string[] } {
    this.live();
    const deleted = this.nets.prune(options.filters ?? {}, this.now(), this.networksInUse());
    for (const n of deleted) {
      this.unmark("network", n.Id);
      this.emit("network", "destroy", n.Id, { name: n.Name, type: n.Driver });
    }
    this.commit();
    return { deleted: deleted.map((n) => n.Name) };
  }

  // ───────────────────────────── volumes ─────────────────────────────

  /** Every volume (filters: name, label, dangling, driver). */
  listVolumes(filters: Record<string, string[]> = {}): VolumeRecord[] {
    return this.vols.list(filters, this.volumesInUse());
  }

  /** Creates a volume (a random name when none is given); creating an existing name returns it. */
  createVolume(body: VolumeCreate = {}): VolumeRecord {
    this.live();
    const { volume, created } = this.vols.create(body, this.rng, this.now());
    if (!created) return structuredClone(volume);
    this.mark("volume", volume.Name);
    this.emit("volume", "create", volume.Name, { driver: "local" });
    this.commit();
    return structuredClone(volume);
  }

  /** A volume by name. */
  getVolume(name: string): VolumeRecord {
    const v = this.vols.get(name);
    if (!v) throw notFound(`get ${name}: no such volume`);
    return structuredClone(v);
  }

  /** Removes a volume; refused while a container uses it. */
  removeVolume(name: string, force = false): void {
    this.live();
    if (!this.vols.remove(name, force, this.volumeUsers(name))) return;
    this.unmark("volume", name);
    this.emit("volume", "destroy", name, { driver: "local" });
    this.commit();
  }

  /** Removes unused anonymous volumes (every unused one with `all`). */
  pruneVolumes(options: { all?: boolean; filters?: Filters } = {}): { deleted: string[]; spaceReclaimed: number } {
    this.live();
    const deleted = this.vols.prune(options, this.volumesInUse());
    for (const name of deleted) {
      this.unmark("volume", name);
      this.emit("volume", "destroy", name, { driver: "local" });
    }
    this.commit();
    return { deleted, spaceReclaimed: 0 };
  }

  // ───────────────────────────── container VM lifecycle (internal) ─────────────────────────────

  /** Powers the container VM on (placing it, unless HA already chose `placedOn`) and starts the guest. */
  private bootContainer(c: Container, placedOn: number | null): void {
    const img = this.images.get(c.rec.imageId);
    if (!img) throw conflict(`image ${c.rec.imageId} of container ${c.rec.id} no longer exists`);
    const memoryMiB = Math.ceil(Number(c.rec.hostConfig.Memory) / MIB);
    let host = placedOn;
    // A container VM whose failover placement HA holds (its host failed, not yet declared dead) starts there.
    if (host === null && this.cluster.vmHost(c.clusterVm) >= 0) host = this.cluster.vmHost(c.clusterVm);
    if (host === null) {
      try {
        host = this.cluster.placeVm(c.clusterVm).host;
      } catch (e) {
        throw new VchError("unavailable", `no host of the cluster can run container ${c.rec.name.slice(1)}: ${(e as Error).message}`);
      }
    }
    let vm: number;
    try {
      const template = this.ensureTemplate(img, memoryMiB, host);
      vm = this.mem.instantClone(template.vm, { salt: this.saltFor(img) });
    } catch (e) {
      this.cluster.powerOff(c.clusterVm);
      throw new VchError("unavailable", `cannot power on the container VM of ${c.rec.name.slice(1)} on host ${this.hostNames[host]}: ${(e as Error).message}`);
    }
    c.memVm = vm;
    c.host = host;
    c.wsWritten = 0;
    c.wsCursor = 0;
    try {
      // Boot dirties a few pages of its own (hostname, hosts file, the process's first heap pages).
      this.guestWrite(c, img, BOOT_DIRTY_PAGES, true);
    } catch (e) {
      // The power-on fails as a whole: the clone and the placement go, the container is as it was.
      this.dropVm(c);
      c.host = null;
      this.cluster.powerOff(c.clusterVm);
      throw new VchError("unavailable", `cannot power on the container VM of ${c.rec.name.slice(1)} on host ${this.hostNames[host]}: ${(e as Error).message}`);
    }
    const now = this.now();
    c.run++;
    c.guestTimers.clear();
    const run = c.run;
    const s = c.rec.state;
    Object.assign(s, { Status: "running", Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Error: "", ExitCode: 0, StartedAt: rfc3339(now) });
    s.Pid = 1000 + (hash32(`${c.rec.id}/${run}`) % 60000);
    c.frozen = false;
    c.frozenQueue = [];
    c.pendingExit = null;
    c.cpuSince = now;
    c.cpuRate = 0;
    c.precpuSample = null;
    c.runLogStart = c.logs.next;
    for (const n of Object.keys(c.rec.networks)) this.attachEndpoint(c, n);
    for (const m of c.rec.mounts) if (m.Type === "volume") this.emit("volume", "mount", m.Name!, { container: c.rec.id, destination: m.Destination, driver: "local", propagation: "", "read/write": String(m.RW) });
    this.markContainer(c);
    this.emit("container", "start", c.rec.id, this.containerAttrs(c));
    const ctx = this.guestContext(c, [], c.rec.config.Tty, c.rec.config.OpenStdin, undefined, undefined, "main");
    const proc = this.guest.spawn([c.rec.path, ...c.rec.args].filter((x, i) => i > 0 || x !== ""), ctx, {
      after: (ms, fn) => this.containerTimer(c, run, ms, fn),
      write: (stream, text) => {
        if (c.run === run) this.output(c, c.rec.config.Tty ? "stdout" : stream, text);
      },
      exit: (status) => {
        if (c.run !== run) return;
        if (c.frozen) c.pendingExit = status;
        else this.processExited(c, status);
      },
    });
    c.process = proc;
    for (const d of c.stdin) proc.stdin(d);
    c.stdin = [];
    if (c.stdinClosed || !c.rec.config.OpenStdin) proc.closeStdin();
    const plan = healthPlan(c.rec.config.Healthcheck);
    if (plan) {
      s.Health = startingHealth();
      this.scheduleProbe(c, run, plan, now);
    }
    this.armGuestTick();
  }

  /**
   * The next health probe of run `run` in `plan.intervalMs`: the check's command in the guest,
   * killed at its timeout; the result goes into `State.Health` (a change of status is an event).
   * Probes do not count as work `runUntilIdle` waits for (they never end a container).
   */
  private scheduleProbe(c: Container, run: number, plan: HealthPlan, startedAt: number): void {
    this.containerTimer(c, run, plan.intervalMs, () => {
      const health = c.rec.state.Health;
      if (!health || !c.rec.state.Running) return;
      const start = this.now();
      let output = "";
      let done = false;
      const finish = (exitCode: number) => {
        if (done || c.run !== run) return;
        done = true;
        cancelTimeout();
        const changed = recordProbe(health, plan, { start: rfc3339(start), end: rfc3339(this.now()), exitCode, output }, this.now() - startedAt < plan.startPeriodMs);
        this.markContainer(c);
        if (changed) this.emit("container", `health_status: ${changed}`, c.rec.id, this.containerAttrs(c));
        this.scheduleProbe(c, run, plan, startedAt);
      };
      const ctx = this.guestContext(c, [], false, false, undefined, undefined, "exec");
      const probe = this.guest.spawn(plan.argv, ctx, {
        after: (ms, fn) => this.containerTimer(c, run, ms, fn),
        write: (_stream, text) => {
          output += text;
        },
        exit: (status) => finish(status),
      });
      probe.closeStdin();
      const cancelTimeout = this.containerTimer(c, run, plan.timeoutMs, () => {
        if (done) return;
        output = `Health check exceeded timeout (${plan.timeoutMs / 1000}s)`;
        probe.signal(9);
        finish(-1);
      }, false);
    }, false);
  }

  /** A timer of the guest of run `run`: deferred while paused, dropped once the run ended. */
  private containerTimer(c: Container, run: number, ms: number, fn: () => void, tracked = true): Cancel {
    const key = this.nextTimerKey++;
    if (tracked) c.guestTimers.set(key, this.now() + ms);
    const cancel = this.clock.after(ms, () => {
      c.guestTimers.delete(key);
      if (c.run !== run || c.removed) return;
      if (c.frozen) c.frozenQueue.push(fn);
      else fn();
    });
    return () => {
      c.guestTimers.delete(key);
      cancel();
    };
  }

  /** The guest process ended by itself or by a signal: die, then the restart policy or auto-remove. */
  private processExited(c: Container, status: number): void {
    const policy = (c.rec.hostConfig.RestartPolicy ?? { Name: "no" }) as RestartPolicy;
    this.setExited(c, status, true);
    if (c.removed) return;
    const restart =
      !c.manuallyStopped &&
      (policy.Name === "always" || policy.Name === "unless-stopped" ||
        (policy.Name === "on-failure" && status !== 0 && (!policy.MaximumRetryCount || c.rec.restartCount < policy.MaximumRetryCount)));
    if (restart) {
      const delay = Math.min(RESTART_BACKOFF_MS * 2 ** Math.min(c.rec.restartCount, 20), RESTART_BACKOFF_MAX_MS);
      c.rec.state.Restarting = true;
      c.rec.state.Status = "restarting";
      this.markContainer(c);
      c.restartDue = this.now() + delay;
      c.restartTimer = this.clock.after(delay, () => {
        c.restartTimer = null;
        c.restartDue = null;
        if (c.removed || !c.rec.state.Restarting) return;
        c.rec.restartCount++;
        try {
          this.bootContainer(c, null);
        } catch (e) {
          c.rec.state.Restarting = false;
          c.rec.state.Status = "exited";
          c.rec.state.Error = (e as Error).message;
          this.markContainer(c);
          this.wakeWaiters(c, "exit");
        }
      });
      return;
    }
    if (c.rec.hostConfig.AutoRemove) this.destroy(c, true);
  }

  /** Marks the container exited with `status`, powering its container VM off. */
  private setExited(c: Container, status: number, emitDie: boolean): void {
    const wasRunning = c.rec.state.Running;
    this.accountCpu(c);
    c.run++; // ignore the old guest from now on
    c.guestTimers.clear();
    for (const execId of c.execs) this.killExec(execId);
    c.process = null;
    if (c.memVm !== null) this.dropVm(c);
    if (wasRunning) this.cluster.powerOff(c.clusterVm);
    c.host = null;
    const s = c.rec.state;
    const now = this.now();
    Object.assign(s, { Status: "exited", Running: false, Paused: false, Restarting: false, Pid: 0, ExitCode: status, FinishedAt: rfc3339(now) });
    c.frozen = false;
    c.frozenQueue = [];
    if (wasRunning) {
      if (emitDie) {
        const started = parseTime(s.StartedAt) ?? now;
        this.emit("container", "die", c.rec.id, { ...this.containerAttrs(c), exitCode: String(status), execDuration: String(Math.round((now - started) / 1000)) });
      }
      for (const n of Object.keys(c.rec.networks)) this.detachEndpoint(c, n);
      for (const m of c.rec.mounts) if (m.Type === "volume") this.emit("volume", "unmount", m.Name!, { container: c.rec.id, driver: "local" });
    }
    this.markContainer(c);
    for (const l of c.listeners) l(null);
    c.listeners.clear();
    this.wakeWaiters(c, "exit");
  }

  /** The container VM was lost with its host: the run ends (status 255) without a guest exit. */
  private abandonRun(c: Container, status: number, error: string): void {
    const wasRunning = c.rec.state.Running;
    this.accountCpu(c);
    c.run++;
    c.guestTimers.clear();
    for (const execId of c.execs) this.killExec(execId);
    c.process = null;
    c.host = null;
    Object.assign(c.rec.state, { Status: "exited", Running: false, Paused: false, Restarting: false, Pid: 0, ExitCode: status, Error: error, FinishedAt: rfc3339(this.now()) });
    if (wasRunning) {
      this.emit("container", "die", c.rec.id, { ...this.containerAttrs(c), exitCode: String(status) });
      for (const n of Object.keys(c.rec.networks)) this.detachEndpoint(c, n);
    }
    this.markContainer(c);
    if (error) {
      for (const l of c.listeners) l(null);
      c.listeners.clear();
      this.wakeWaiters(c, "exit");
    }
  }

  /** Signals the container and waits (virtual time) until it exits; SIGKILL after `timeout` s. */
  private async terminate(c: Container, sig: number, timeout: number): Promise<void> {
    if (c.rec.state.Paused) {
      c.frozen = false;
      c.rec.state.Paused = false;
      c.rec.state.Status = "running";
      this.thaw(c);
      if (!c.rec.state.Running) return;
    }
    const run = c.run;
    this.emit("container", "kill", c.rec.id, { ...this.containerAttrs(c), signal: String(sig) });
    c.process?.signal(sig);
    this.settle();
    if (c.run !== run || !c.rec.state.Running) return;
    if (timeout >= 0) {
      const exited = new Promise<void>((resolve, reject) => {
        const w: Waiter = { condition: "next-exit", resolve: () => resolve(), reject };
        c.waiters.push(w);
      });
      const cancel = this.clock.after(timeout * 1000, () => {
        if (c.run === run && c.rec.state.Running) {
          this.emit("container", "kill", c.rec.id, { ...this.containerAttrs(c), signal: "9" });
          c.process?.signal(9);
        }
      });
      this.settle();
      await exited;
      cancel();
    } else {
      await new Promise<void>((resolve, reject) => c.waiters.push({ condition: "next-exit", resolve: () => resolve(), reject }));
    }
  }

  /** Removes the container: its container VM, its name, its anonymous volumes with `volumes`. */
  private destroy(c: Container, volumes: boolean): void {
    if (c.removed) return;
    if (c.rec.state.Running) this.setExited(c, c.rec.state.ExitCode, false);
    this.cancelRestart(c);
    c.removed = true;
    this.cluster.removeVm(c.clusterVm);
    this.byClusterVm.delete(c.clusterVm);
    this.containers.delete(c.rec.id);
    this.names.delete(c.rec.name.slice(1));
    for (const id of c.execRecords) this.execs.delete(id);
    c.execRecords.clear();
    c.endedExecs = [];
    this.unmark("container", c.rec.id);
    this.emit("container", "destroy", c.rec.id, this.containerAttrs(c));
    for (const m of c.rec.mounts) {
      if (m.Type !== "volume" || !m.Name) continue;
      const v = this.vols.get(m.Name);
      if (v && (volumes || c.rec.hostConfig.AutoRemove) && ANONYMOUS_VOLUME_LABEL in v.Labels && !this.volumeUsers(m.Name).length) this.deleteVolume(m.Name);
    }
    for (const l of c.listeners) l(null);
    c.listeners.clear();
    this.wakeWaiters(c, "removed");
  }

  private wakeWaiters(c: Container, what: "exit" | "removed"): void {
    const code = { StatusCode: c.rec.state.ExitCode };
    const keep: Waiter[] = [];
    for (const w of c.waiters) {
      if (what === "removed" || w.condition !== "removed") w.resolve(code);
      else keep.push(w);
    }
    c.waiters = keep;
  }

  private cancelRestart(c: Container): void {
    c.restartTimer?.();
    c.restartTimer = null;
    c.restartDue = null;
  }

  /**
   * An exec ended: its record stays for inspection (`docker exec` reads its exit code), and at most
   * `EXEC_RECORDS` ended ones per container are kept; removing the container drops its own.
   */
  private execEnded(c: Container, id: string): void {
    c.endedExecs.push(id);
    if (c.endedExecs.length > EXEC_RECORDS) this.forgetExec(c, c.endedExecs[0]);
  }

  private forgetExec(c: Container, id: string): void {
    if (!c.execRecords.delete(id)) return;
    this.execs.delete(id);
    const i = c.endedExecs.indexOf(id);
    if (i >= 0) c.endedExecs.splice(i, 1);
  }

  private killExec(id: string): void {
    const e = this.execs.get(id);
    if (!e || !e.rec.Running) return;
    // The container stopped under the exec: its process died with the container VM.
    e.rec.Running = false;
    e.rec.ExitCode = 137;
    e.process = null;
    const c = this.containers.get(e.container);
    if (c) this.execEnded(c, id);
    e.channel?.end();
    e.finish?.(137);
  }

  /** Drops the container VM from the memory engine. */
  private dropVm(c: Container): void {
    if (c.memVm === null) return;
    if (this.mem.hasVm(c.memVm)) this.mem.destroyVm(c.memVm);
    c.memVm = null;
  }

  /** Appends output to the container's log and hands it to attached readers. */
  private output(c: Container, stream: "stdout" | "stderr", text: string): void {
    const line: LogLine = { s: stream === "stdout" ? 0 : 1, t: this.now(), d: text };
    c.logs.push(line);
    this.markContainer(c);
    const chunk = chunkOf(line);
    for (const l of c.listeners) l(chunk);
  }

  private guestContext(c: Container, extraEnv: string[], tty: boolean, openStdin: boolean, workdir: string | undefined, user: string | undefined, role: "main" | "exec"): GuestContext {
    // The main process may run the image's service command; an exec only when the container declared itself a service.
    const image = this.images.get(c.rec.imageId)?.rec.config ?? { Cmd: null, Entrypoint: null, Env: [], WorkingDir: "", User: "", ExposedPorts: null, Labels: null, Volumes: null };
    const services = serviceCommands(image, c.rec.config.Labels);
    return {
      services: role === "main" || services.includes("*") ? services : [],
      containerId: c.rec.id,
      hostname: c.rec.config.Hostname,
      hostsFile: this.hostsFile(c),
      env: [...c.rec.config.Env, ...extraEnv],
      workingDir: workdir || c.rec.config.WorkingDir,
      user: user || c.rec.config.User,
      tty,
      openStdin,
      now: () => this.now(),
    };
  }

  private hostsFile(c: Container): string {
    const ip = Object.values(c.rec.networks).find((n) => n.IPAddress)?.IPAddress;
    let s = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";
    if (ip) s += `${ip}\t${c.rec.config.Hostname}\n`;
    return s;
  }

  // ───────────────────────────── memory: templates and guest writes ─────────────────────────────

  /** The template VM of (image, size) on `host`, built on first use: boot pages written into it. */
  private ensureTemplate(img: ImageState, memoryMiB: number, host: number): TemplateVm {
    const key = `${img.rec.id}/${memoryMiB}/${host}`;
    const found = this.templates.get(key);
    if (found) {
      // Most recently used last: the map's order is the eviction order.
      this.templates.delete(key);
      this.templates.set(key, found);
      return found;
    }
    this.evictTemplates(host);
    const vm = this.mem.createVm({ host, memoryMiB, salt: this.saltFor(img) });
    const p = img.rec.profile;
    const pages = Math.min(p.bootPages, memoryMiB * 256);
    const seed = hash32(img.rec.id);
    try {
      const chunk = 16_384;
      for (let base = 0; base < pages; base += chunk) {
        const n = Math.min(chunk, pages - base);
        const gpns = new Uint32Array(n);
        const tokens = new BigUint64Array(n);
        for (let i = 0; i < n; i++) {
          const gpn = base + i;
          gpns[i] = gpn;
          // Image content is the same on every host (what lets vMotion skip template pages);
          // one page in eight is zero-filled (bss, page-cache slack), the zero page's token is 0.
          tokens[i] = gpn % 8 === 7 ? 0n : token(seed, mix32(gpn ^ seed));
        }
        this.mem.writePages(vm, gpns, tokens);
      }
    } catch (e) {
      this.mem.destroyVm(vm);
      throw e;
    }
    const t: TemplateVm = { imageId: img.rec.id, memoryMiB, host, vm };
    this.templates.set(key, t);
    this.cluster.setTemplateOnHost(this.templateId(img, memoryMiB), host, true);
    // What building it costs in virtual time: the image's layers read from the datastore, then one boot.
    const buildMs = (img.rec.size / (DATASTORE_MBPS * 1e6)) * 1000 + img.rec.profile.bootMs;
    this.emit("cluster", "template-create", img.rec.repoTags[0] ?? img.rec.id, {
      image: img.rec.id, host: this.hostNames[host], memoryMiB: String(memoryMiB), pages: String(pages), durationMs: buildMs.toFixed(0),
    });
    return t;
  }

  private templateId(img: ImageState, memoryMiB: number): number {
    let id = img.templateIds.get(memoryMiB);
    if (id === undefined) {
      id = this.nextTemplateId++;
      img.templateIds.set(memoryMiB, id);
    }
    return id;
  }

  /**
   * Keeps at most `TEMPLATES_PER_HOST - 1` template VMs on `host` before another is built, retiring
   * the least recently used: one per (image, size) kept until the image went let 41 sizes fill a
   * 1 GiB host. A retired template's frames live on in the running clones that share them.
   */
  private evictTemplates(host: number): void {
    const onHost = [...this.templates].filter(([, t]) => t.host === host);
    for (let i = 0; i <= onHost.length - TEMPLATES_PER_HOST; i++) this.retireTemplate(onHost[i][0], onHost[i][1]);
  }

  private retireTemplate(key: string, t: TemplateVm): void {
    if (this.mem.hasVm(t.vm)) this.mem.destroyVm(t.vm);
    this.templates.delete(key);
    const img = this.images.get(t.imageId);
    if (img) this.cluster.setTemplateOnHost(this.templateId(img, t.memoryMiB), t.host, false);
  }

  private dropTemplatesOn(host: number): void {
    for (const [key, t] of [...this.templates]) {
      if (t.host !== host) continue;
      if (this.mem.hasVm(t.vm)) this.mem.destroyVm(t.vm);
      this.templates.delete(key);
      const img = this.images.get(t.imageId);
      if (img) this.cluster.setTemplateOnHost(this.templateId(img, t.memoryMiB), host, false);
    }
  }

  private saltFor(img: ImageState): number | undefined {
    if (this.salting === "global") return 0;
    if (this.salting === "image") return (hash32(img.rec.id) & 0x7fffffff) || 1;
    return undefined;
  }

  /** First guest page of the container's own writes: half overlaps the template's boot pages (CoW). */
  private wsBase(img: ImageState): number {
    return Math.floor(img.rec.profile.bootPages / 2);
  }

  /** Writes `n` pages of the container VM's working set (`boot`: its first pages). */
  private guestWrite(c: Container, img: ImageState, n: number, boot: boolean): void {
    if (c.memVm === null || n <= 0) return;
    const p = img.rec.profile;
    const pages = Math.ceil(Number(c.rec.hostConfig.Memory) / MIB) * 256;
    const base = this.wsBase(img);
    const ws = Math.max(1, Math.min(p.workingSetPages + BOOT_DIRTY_PAGES, pages - base));
    n = Math.min(n, ws);
    const gpns = new Uint32Array(n);
    const tokens = new BigUint64Array(n);
    const words = new Uint32Array(tokens.buffer);
    const cid = hash32(c.rec.id);
    const pool = hash32(img.rec.id) ^ 0x5bd1e995;
    for (let i = 0; i < n; i++) {
      gpns[i] = base + c.wsCursor;
      c.wsCursor = (c.wsCursor + 1) % ws;
      c.serial++;
      // A share of content duplicates (same across the image's containers): what TPS merges.
      const dup = mix32(cid ^ c.serial) / 0x1_0000_0000 < p.duplicateShare;
      if (dup) setToken(words, i, pool, c.serial % DUPLICATE_POOL);
      else setToken(words, i, cid, c.serial);
    }
    c.wsWritten = Math.min(ws, c.wsWritten + n);
    if (boot) c.wsWritten = Math.max(c.wsWritten, n);
    this.mem.writePages(c.memVm, gpns, tokens);
  }

  /** Periodic guest writes of every running, unpaused container VM. */
  private armGuestTick(): void {
    if (this.guestTickArmed || this.closed) return;
    this.guestTickArmed = true;
    this.clock.after(GUEST_TICK_MS, () => {
      this.guestTickArmed = false;
      let any = false;
      for (const c of this.containers.values()) {
        if (!c.rec.state.Running || c.memVm === null) continue;
        any = true;
        if (c.frozen) continue;
        const img = this.images.get(c.rec.imageId);
        if (!img || !c.process) continue;
        this.accountCpu(c);
        const vcpus = Math.max(1, Math.ceil(Number(c.rec.hostConfig.NanoCpus) / 1e9));
        c.precpuSample = { total: Math.round(c.cpuNs), system: Math.round(this.now() * 1e6 * vcpus), read: this.now() };
        const activity = c.process.activity();
        c.cpuRate = activity * 0.1;
        const n = Math.round(img.rec.profile.dirtyPagesPerSecond * activity * (GUEST_TICK_MS / 1000));
        try {
          this.guestWrite(c, img, n, false);
        } catch (e) {
          // The host is out of memory: the guest stalls this round (ESXi would balloon or swap),
          // and the stall is reported, never silent.
          this.faults.guestWriteFailures++;
          this.emit("cluster", "guest-write-failed", c.rec.id, {
            name: c.rec.name.slice(1), host: c.host === null ? "" : this.hostNames[c.host], pages: String(n), reason: (e as Error).message,
          });
        }
        this.cluster.setDemand(c.clusterVm, { cpu: cpuDemand(activity), memory: this.memoryDemand(c) });
      }
      if (any) this.armGuestTick();
    });
    this.armPeriodic();
  }

  private periodicArmed = false;

  /** DRS and TPS timers (armed once the first container VM runs). */
  private armPeriodic(): void {
    if (this.periodicArmed) return;
    this.periodicArmed = true;
    const drs = () => {
      if (this.closed) return;
      this.drsPass();
      this.clock.after(this.drsInterval, drs);
    };
    const tps = () => {
      if (this.closed) return;
      this.tpsPass();
      this.clock.after(this.tpsInterval, tps);
    };
    this.clock.after(this.drsInterval, drs);
    this.clock.after(this.tpsInterval, tps);
  }

  /** CPU ns the container has used by `now` (what `accountCpu` would record), without recording it. */
  private cpuNsAt(c: Container, now: number): number {
    return c.cpuNs + (c.rec.state.Running && !c.frozen ? (now - c.cpuSince) * 1e6 * c.cpuRate : 0);
  }

  private accountCpu(c: Container): void {
    const now = this.now();
    if (c.rec.state.Running && !c.frozen) c.cpuNs += (now - c.cpuSince) * 1e6 * c.cpuRate;
    c.cpuSince = now;
  }

  /**
   * What DRS sees of a container VM's memory: what the memory engine says it consumes (frames that
   * back it alone: merged or template-shared pages are not its own) plus the VM's overhead, in MiB.
   * TPS merging lowers it and copy-on-write breaks raise it.
   */
  private memoryDemand(c: Container): number {
    if (c.memVm === null || !this.mem.hasVm(c.memVm)) return GUEST_OVERHEAD_MIB;
    return Math.ceil(this.mem.vmStats(c.memVm).consumed / 256) + GUEST_OVERHEAD_MIB;
  }

  /** Hands the memory engine's view of every running container VM to the cluster (before DRS decides). */
  private refreshMemoryDemand(): void {
    for (const c of this.containers.values()) {
      if (c.memVm !== null && c.rec.state.Running) this.cluster.setDemand(c.clusterVm, { memory: this.memoryDemand(c) });
    }
  }

  private tpsPass(): { scanned: number; merged: number } {
    let scanned = 0;
    let merged = 0;
    for (let h = 0; h < this.hostNames.length; h++) {
      if (this.cluster.hostState(h) !== "connected") continue;
      const r = this.mem.tpsScan(h, this.tpsBudget);
      scanned += r.scanned;
      merged += r.merged;
    }
    this.tpsMerged += merged;
    return { scanned, merged };
  }

  /** One DRS pass; applied moves become vMotions of container VMs. */
  private drsPass(): DrsPassResult {
    this.drsLast = this.now();
    this.refreshMemoryDemand();
    const r = this.cluster.balance();
    const recs = r.recommendations.map((m) => ({
      container: this.byClusterVm.get(m.vm) ?? String(m.vm),
      from: this.hostNames[m.from], to: this.hostNames[m.to], priority: m.priority, reason: m.reason,
    }));
    if (r.applied) {
      for (const m of r.recommendations) {
        const c = this.containerOfVm(m.vm);
        if (c) this.migrate(c, m.to, m.reason, m.priority);
      }
    }
    return { recommendations: recs, applied: r.applied, imbalanceBefore: r.imbalanceBefore, imbalanceAfter: r.imbalanceAfter };
  }

  /** vMotion of a container VM: clone the template on the destination, carry its own pages, drop the source. */
  private migrate(c: Container, to: number, reason: string, priority: number): void {
    if (c.memVm === null || c.host === null || c.host === to) return;
    const img = this.images.get(c.rec.imageId)!;
    const memoryMiB = Math.ceil(Number(c.rec.hostConfig.Memory) / MIB);
    const from = c.host;
    const old = c.memVm;
    const stats = this.mem.vmStats(old);
    const template = this.ensureTemplate(img, memoryMiB, to);
    const fresh = this.mem.instantClone(template.vm, { salt: this.saltFor(img) });
    const base = this.wsBase(img);
    const n = c.wsWritten;
    if (n > 0) {
      const gpns = new Uint32Array(n);
      for (let i = 0; i < n; i++) gpns[i] = base + i;
      this.mem.writePages(fresh, gpns, this.mem.readPages(old, gpns));
    }
    this.mem.destroyVm(old);
    c.memVm = fresh;
    c.host = to;
    this.cluster.setDemand(c.clusterVm, { memory: this.memoryDemand(c) });
    const est = this.cluster.migrationEstimate({
      memoryPages: stats.granted,
      dirtyPagesPerSecond: img.rec.profile.dirtyPagesPerSecond * (c.process?.activity() ?? 0),
      workingSetPages: img.rec.profile.workingSetPages,
      bandwidthMBps: this.vmotionMBps,
      pagesAtDestination: Math.min(img.rec.profile.bootPages, stats.granted),
    });
    this.drsMigrations++;
    this.markContainer(c);
    this.emit("cluster", "drs-migrate", c.rec.id, {
      name: c.rec.name.slice(1), from: this.hostNames[from], to: this.hostNames[to], reason, priority: String(priority),
      rounds: String(est.rounds), bytesSent: String(est.bytesSent), downtimeMs: est.downtimeMs.toFixed(1), durationMs: est.durationMs.toFixed(1),
    });
  }

  private containerOfVm(vm: number): Container | undefined {
    const id = this.byClusterVm.get(vm);
    return id ? this.containers.get(id) : undefined;
  }

  // ───────────────────────────── networks & volumes (internal) ─────────────────────────────

  private attachEndpoint(c: Container, name: string): void {
    const done = this.nets.attach(c.rec.id, c.rec.name.slice(1), name, c.rec.networks[name], this.rng);
    if (!done) return;
    const n = done.network;
    if (done.addressed) this.mark("network", n.Id);
    this.emit("network", "connect", n.Id, { container: c.rec.id, name: n.Name, type: n.Driver });
  }

  private detachEndpoint(c: Container, name: string): void {
    const n = this.nets.detach(c.rec.id, name, c.rec.networks[name]);
    if (!n) return;
    this.mark("network", n.Id);
    this.emit("network", "disconnect", n.Id, { container: c.rec.id, name: n.Name, type: n.Driver });
  }

  /** Names of the networks some container has an endpoint on. */
  private networksInUse(): Set<string> {
    const used = new Set<string>();
    for (const c of this.containers.values()) if (!c.removed) for (const n of Object.keys(c.rec.networks)) used.add(n);
    return used;
  }

  private createVolumeRecord(name: string, labels: Record<string, string>): VolumeRecord {
    const v = this.vols.add(name, labels, this.now());
    this.mark("volume", name);
    this.emit("volume", "create", name, { driver: "local" });
    return v;
  }

  private deleteVolume(name: string): void {
    this.vols.delete(name);
    this.unmark("volume", name);
    this.emit("volume", "destroy", name, { driver: "local" });
  }

  /** Names of the volumes some container mounts. */
  private volumesInUse(): Set<string> {
    const used = new Set<string>();
    for (const c of this.containers.values()) if (!c.removed) for (const m of c.rec.mounts) if (m.Name !== undefined) used.add(m.Name);
    return used;
  }

  private volumeUsers(name: string): string[] {
    return [...this.containers.values()].filter((c) => !c.removed && c.rec.mounts.some((m) => m.Name === name)).map((c) => c.rec.id);
  }

  // ───────────────────────────── lookups, records, validation ─────────────────────────────

  private container(ref: string): Container {
    if (typeof ref !== "string" || !ref) throw notFound(`No such container: ${ref}`);
    const direct = this.containers.get(ref);
    if (direct && !direct.removed) return direct;
    const byName = this.names.get(ref.replace(/^\//, ""));
    if (byName) return this.containers.get(byName)!;
    if (/^[0-9a-f]+$/.test(ref)) {
      const matches = [...this.containers.keys()].filter((id) => id.startsWith(ref));
      if (matches.length === 1) return this.containers.get(matches[0])!;
      if (matches.length > 1) throw invalid(`multiple IDs found with provided prefix: ${ref}`);
    }
    throw notFound(`No such container: ${ref}`);
  }

  private parseRef(ref: string): { repo: string; tag: string } {
    if (typeof ref !== "string" || !ref.trim()) throw invalid("invalid reference format");
    const { repo, tag } = parseReference(ref);
    if (!validReference(repo, tag)) throw invalid(`invalid reference format${/[A-Z]/.test(repo) ? ": repository name (" + repo + ") must be lowercase" : ""}`);
    return { repo, tag };
  }

  private tagKeyOf(ref: string): string | null {
    if (/^sha256:/.test(ref) || (/^[0-9a-f]{4,64}$/.test(ref) && !this.tags.has(`${ref}:latest`))) return null;
    const { repo, tag } = parseReference(ref);
    const key = `${repo}:${tag}`;
    return this.tags.has(key) ? key : null;
  }

  private image(ref: string): ImageState {
    if (typeof ref !== "string" || !ref) throw notFound(`No such image: ${ref}`);
    const byTag = this.tagKeyOf(ref);
    if (byTag) return this.images.get(this.tags.get(byTag)!)!;
    const full = ref.startsWith("sha256:") ? ref : `sha256:${ref}`;
    if (this.images.has(full)) return this.images.get(full)!;
    const hex = ref.replace(/^sha256:/, "");
    if (/^[0-9a-f]+$/.test(hex) && hex.length >= 1) {
      const m = [...this.images.keys()].filter((id) => id.slice(7).startsWith(hex));
      if (m.length === 1) return this.images.get(m[0])!;
    }
    const at = ref.indexOf("@");
    if (at > 0) {
      const img = [...this.images.values()].find((i) => i.rec.repoDigests.some((d) => d === ref || `${parseReference(ref).repo}@${ref.slice(at + 1)}` === d));
      if (img) return img;
    }
    const { repo, tag } = parseReference(ref);
    throw notFound(`No such image: ${repo}:${tag}`);
  }

  private imageForCreate(ref: string): ImageState {
    try {
      return this.image(ref);
    } catch (e) {
      if (e instanceof VchError && e.kind === "notFound") {
        const { repo, tag } = parseReference(ref);
        throw notFound(`No such image: ${repo}:${tag}`);
      }
      throw e;
    }
  }

  private setTag(key: string, id: string): void {
    const prev = this.tags.get(key);
    if (prev === id) return;
    if (prev) {
      const old = this.images.get(prev);
      if (old) {
        old.rec.repoTags = old.rec.repoTags.filter((t) => t !== key);
        this.markImage(prev);
      }
    }
    this.tags.set(key, id);
    const img = this.images.get(id)!;
    if (!img.rec.repoTags.includes(key)) img.rec.repoTags.push(key);
    this.markImage(id);
  }

  private dropTag(key: string, result: ImageRemoval): void {
    const id = this.tags.get(key);
    if (!id) return;
    this.tags.delete(key);
    const img = this.images.get(id)!;
    img.rec.repoTags = img.rec.repoTags.filter((t) => t !== key);
    this.markImage(id);
    result.untagged.push(key);
    this.emit("image", "untag", id, { name: key });
  }

  private deleteImage(id: string, result: ImageRemoval): void {
    const img = this.images.get(id);
    if (!img) return;
    for (const d of img.rec.repoDigests) result.untagged.push(d);
    for (const [key, t] of [...this.templates]) {
      if (t.imageId !== id) continue;
      if (this.mem.hasVm(t.vm)) this.mem.destroyVm(t.vm);
      this.templates.delete(key);
      this.cluster.setTemplateOnHost(this.templateId(img, t.memoryMiB), t.host, false);
    }
    this.images.delete(id);
    this.unmark("image", id);
    result.deleted.push(id);
    this.emit("image", "delete", id, { name: id });
  }

  private hostIndex(ref: HostRef): number {
    if (typeof ref === "number") {
      if (Number.isInteger(ref) && ref >= 0 && ref < this.hostNames.length) return ref;
    } else {
      const i = this.hostNames.indexOf(ref);
      if (i >= 0) return i;
      if (/^\d+$/.test(ref) && Number(ref) < this.hostNames.length) return Number(ref);
    }
    throw notFound(`No such host: ${ref} (the cluster has ${this.hostNames.join(", ")})`);
  }

  private stopSignal(c: Container, override?: string): number {
    const s = override ?? c.rec.config.StopSignal ?? "SIGTERM";
    const n = parseSignal(s);
    if (n === null) throw invalid(`Invalid signal: ${s}`);
    return n;
  }

  private containerAttrs(c: Container): Record<string, string> {
    return { ...c.rec.config.Labels, image: c.rec.image, name: c.rec.name.slice(1) };
  }

  private view(c: Container): ContainerRecord {
    const r = cloneRecord(c.rec) as ContainerRecord;
    r.host = c.host === null ? null : { name: this.hostNames[c.host], index: c.host };
    r.vm = c.memVm;
    r.statusText = this.statusText(c);
    r.commandText = commandText(c.rec.path, c.rec.args);
    r.execIds = [...c.execRecords];
    r.sizeRw = c.wsWritten * 4096;
    return r;
  }

  private statusText(c: Container): string {
    const s = c.rec.state;
    const now = this.now();
    if (s.Status === "removing") return "Removal In Progress";
    if (s.Dead) return "Dead";
    if (s.Restarting) return `Restarting (${s.ExitCode}) ${humanDuration(now - (parseTime(s.FinishedAt) ?? now))} ago`;
    if (s.Running) return `Up ${humanDuration(now - (parseTime(s.StartedAt) ?? now))}${s.Paused ? " (Paused)" : healthSuffix(s.Health)}`;
    if (s.FinishedAt !== ZERO_TIME) return `Exited (${s.ExitCode}) ${humanDuration(now - (parseTime(s.FinishedAt) ?? now))} ago`;
    return "Created";
  }

  private newId(): string {
    for (;;) {
      const id = this.rng.hex(64);
      if (!this.containers.has(id) && !/^\d+$/.test(id.slice(0, 12))) return id;
    }
  }

  private newName(): string {
    for (let retry = 0; ; retry++) {
      const n = randomName(this.rng, retry > 3 ? retry : 0);
      if (!this.names.has(n)) return n;
    }
  }

  private clusterHaPolicy(p: HaPolicyModel) {
    if (p.kind === "failoverHosts") return { kind: "failoverHosts" as const, hosts: p.hosts.map((h) => this.hostIndexIn(h)) };
    return p;
  }

  private hostIndexIn(h: number | string): number {
    const i = typeof h === "number" ? h : this.hostNames.indexOf(h);
    if (i < 0 || i >= this.hostNames.length) throw invalid(`HA failover host ${h} is not a host of the cluster`);
    return i;
  }

  private live(): void {
    if (this.closed) throw new VchError("unavailable", "the Virtual Container Host is closed");
  }

  // ───────────────────────────── events and journal ─────────────────────────────

  private emit(type: VchEventType, action: string, id: string, attributes: Record<string, string>): void {
    this.eventLog.record(type, action, id, attributes);
  }

  private mark(kind: RecordKind, key: string): void {
    this.dirty.set(`${kind}\t${key}`, { kind, key });
  }

  private unmark(kind: RecordKind, key: string): void {
    this.dirty.delete(`${kind}\t${key}`);
    this.pending.delete.push({ kind, key });
  }

  private markContainer(c: Container): void {
    if (!c.removed) this.mark("container", c.rec.id);
  }

  private markImage(id: string): void {
    this.mark("image", id);
  }

  private markMeta(): void {
    this.mark("meta", "settings");
  }

  /** Runs what is due now (zero-delay guest work), then journals. */
  private settle(): void {
    if (this.clock.mode === "manual") this.clock.runUntil(this.clock.now());
    else this.commit();
  }

  /** Writes every pending change in one transaction (durable before the caller hears back). */
  private commit(): void {
    if (!this.store) {
      this.pending = { put: [], delete: [], events: [] };
      this.dirty.clear();
      return;
    }
    const batch = this.pending;
    for (const { kind, key } of this.dirty.values()) {
      const value = this.serialise(kind, key);
      if (value !== undefined) batch.put.push({ kind, key, value });
    }
    this.pending = { put: [], delete: [], events: [] };
    this.dirty.clear();
    this.store.commit(batch);
  }

  private serialise(kind: RecordKind, key: string): unknown {
    switch (kind) {
      case "image":
        return this.images.get(key)?.rec;
      case "network":
        return this.nets.get(key);
      case "volume":
        return this.vols.get(key);
      case "container": {
        const c = this.containers.get(key);
        if (!c) return undefined;
        return { rec: c.rec, logs: c.logs.last(LOG_JOURNAL), manuallyStopped: c.manuallyStopped, host: c.host };
      }
      case "meta":
        return {
          threshold: this.cluster.migrationThreshold, automation: this.cluster.automation, seed: this.seed, salting: this.salting,
          hostStates: this.hostNames.map((_, h) => this.cluster.hostState(h)),
          // Failed hosts HA has not declared dead yet: reopening resumes the wait and the restarts.
          haPending: [...this.haPending].map(([host, p]) => ({ host, victims: p.victims, declaredDeadAt: p.declaredDeadAt })),
        };
    }
  }

  /** Loads the journal: images, networks, volumes, containers (running ones per restart policy). */
  private restore(): void {
    const snap = this.store?.load();
    const settings = snap?.records.meta.get("settings") as
      | { threshold: 1 | 2 | 3 | 4 | 5; automation: DrsAutomation; salting?: TpsSalting; hostStates?: string[]; haPending?: PendingDeclaration[] }
      | undefined;
    const declarations = (settings?.haPending ?? []).filter((p) => p.host < this.hostNames.length && settings?.hostStates?.[p.host] === "failed");
    if (settings) {
      if (settings.salting) this.salting = settings.salting;
      this.cluster.setMigrationThreshold(settings.threshold);
      this.cluster.setAutomation(settings.automation);
      // Hosts come back as they were: failed ones stay failed, maintenance stays (before any container VM is placed).
      (settings.hostStates ?? []).forEach((state, h) => {
        if (h >= this.hostNames.length) return;
        if (state === "maintenance") this.cluster.enterMaintenance(h);
        else if (state === "failed" && !declarations.some((p) => p.host === h)) this.cluster.failHosts([h]);
      });
    }
    const generation = Number((snap?.records.meta.get("generation") as number | undefined) ?? 0) + 1;
    if (generation > 1) {
      // A reopened VCH draws from a stream of its own: same seed, different opening, fresh ids.
      this.rng = new Rng(mix32(this.seed ^ mix32(generation * 0x9e3779b1)));
    }
    if (this.store) this.pending.put.push({ kind: "meta", key: "generation", value: generation });
    if (!snap || ![...snap.records.network.values()].length) {
      for (const id of this.nets.createDefaults(this.rng, this.now())) this.mark("network", id);
    } else {
      for (const [k, v] of snap.records.network) this.nets.restore(k, v as NetworkRecord);
    }
    if (snap) {
      for (const [id, v] of snap.records.image) {
        const rec = v as ImageRecord;
        this.images.set(id, { rec, templateIds: new Map() });
        for (const t of rec.repoTags) this.tags.set(t, id);
      }
      for (const [name, v] of snap.records.volume) this.vols.restore(name, v as VolumeRecord);
      this.eventLog.restore(snap.events as VchEvent[]);
      const restartLater: Container[] = [];
      const removeLater: Container[] = [];
      /** Containers that were running when the VCH closed (a failed host's victim started again by a client among them). */
      const runningAtClose = new Set<string>();
      for (const [id, v] of snap.records.container) {
        const stored = v as { rec: Container["rec"]; logs: LogLine[]; manuallyStopped: boolean };
        const rec = stored.rec;
        const img = this.images.get(rec.imageId);
        if (!img) continue;
        const template = this.templateId(img, memoryMiBOf(rec.hostConfig));
        const clusterVm = this.cluster.addVm(clusterVmSpec(rec.hostConfig, rec.config.Labels, img.rec.profile, template, rec.name.slice(1)));
        const c: Container = {
          rec, clusterVm, memVm: null, host: null, process: null, run: 0, frozen: false, frozenQueue: [], pendingExit: null,
          logs: ringOf(stored.logs ?? []), listeners: new Set(), waiters: [], manuallyStopped: !!stored.manuallyStopped, restartTimer: null,
          stdin: [], stdinClosed: false, attachedOnce: true, runLogStart: 0, wsWritten: 0, wsCursor: 0, serial: 0, cpuNs: 0,
          cpuSince: this.now(), cpuRate: 0, removed: false, seq: this.nextSeq++, execs: new Set(), execRecords: new Set(), endedExecs: [], guestTimers: new Map(), restartDue: null,
          precpuSample: null,
        };
        for (const ep of Object.values(rec.networks)) Object.assign(ep, { EndpointID: "", Gateway: "", IPAddress: "", IPPrefixLen: 0, MacAddress: "" });
        this.containers.set(id, c);
        this.names.set(rec.name.slice(1), id);
        this.byClusterVm.set(clusterVm, id);
        const s = rec.state;
        if (s.Running || s.Restarting || s.Paused) {
          runningAtClose.add(id);
          const policy = String(rec.hostConfig.RestartPolicy?.Name ?? "no");
          Object.assign(s, { Status: "exited", Running: false, Paused: false, Restarting: false, Pid: 0, ExitCode: 255, FinishedAt: rfc3339(this.now()) });
          if (policy === "always" || (policy === "unless-stopped" && !c.manuallyStopped)) restartLater.push(c);
          else if (rec.hostConfig.AutoRemove) removeLater.push(c); // it ended with the old process: --rm applies
          this.markContainer(c);
        }
      }
      for (const p of declarations) this.resumeDeclaration({ ...p, victims: p.victims.filter((id) => !runningAtClose.has(id)) });
      for (const c of removeLater) this.destroy(c, true);
      for (const c of restartLater) {
        try {
          this.bootContainer(c, null);
        } catch (e) {
          c.rec.state.Error = (e as Error).message;
        }
      }
    }
    if (this.clock.mode === "manual") this.clock.runUntil(this.clock.now());
    this.commit();
  }

  /**
   * A host failed and the VCH closed before HA declared it dead: its container VMs (less those a
   * client started again meanwhile, which the caller leaves out) go back on it in the placement core
   * only, the host fails again (HA reserves their failover placements as it did then, no
   * `host-failed` a second time), and the declaration comes when it was due, or at once.
   */
  private resumeDeclaration(p: PendingDeclaration): void {
    const h = p.host;
    for (const id of p.victims) {
      const c = this.containers.get(id);
      if (!c) continue;
      try {
        this.placeOnHost(c.clusterVm, h);
      } catch {
        // No room on it any more (admission control, reservations): HA reports it as not restarted.
      }
    }
    const plan = this.cluster.failHosts([h]);
    // A manual clock reopens at its start time: never wait more than a whole declaration.
    const wait = Math.min(plan.declaredDeadAfterMs, Math.max(0, p.declaredDeadAt - this.now()));
    const cancel = this.clock.after(wait, () => this.declareDead(h));
    this.haPending.set(h, { plan, victims: p.victims, declaredDeadAt: this.now() + wait, cancel });
  }
}

// ───────────────────────────── helpers ─────────────────────────────

/** A failed host's HA declaration as journaled. */
interface PendingDeclaration {
  host: number;
  victims: string[];
  declaredDeadAt: number;
}

/** The last `n` lines of a run of chunks, each line a chunk of its own (stream and time kept). */
function lastLines(chunks: LogLine[], n: number): LogLine[] {
  const out: LogLine[] = [];
  for (let i = chunks.length - 1; i >= 0 && out.length < n; i--) {
    const parts = chunks[i].d.split(/(?<=\n)/).filter((p) => p !== "");
    for (let k = parts.length - 1; k >= 0 && out.length < n; k--) out.push({ s: chunks[i].s, t: chunks[i].t, d: parts[k] });
  }
  return out.reverse();
}

function ringOf(lines: LogLine[]): Ring<LogLine> {
  const ring = new Ring<LogLine>(LOG_RING);
  for (const l of lines) ring.push(l);
  return ring;
}

function chunkOf(l: LogLine): OutputChunk {
  return { stream: l.s === 0 ? "stdout" : "stderr", data: encoder.encode(l.d), time: l.t };
}

/** Docker's progress bar text: `[=====>      ]  1.2MB/3.4MB`. */
function bar(current: number, total: number): string {
  const width = 50;
  const done = Math.min(width, Math.floor((current / Math.max(1, total)) * width));
  const arrow = done < width ? ">" : "=";
  return `[${"=".repeat(Math.max(0, done - (done < width ? 0 : 1)))}${arrow}${" ".repeat(Math.max(0, width - done - 1))}] ${size(current)}/${size(total)}`;
}

function size(b: number): string {
  if (b >= 1e9) return `${(b / 1e9).toFixed(2)}GB`;
  if (b >= 1e6) return `${(b / 1e6).toFixed(2)}MB`;
  if (b >= 1e3) return `${(b / 1e3).toFixed(2)}kB`;
  return `${b}B`;
}

/** A `publish` / `expose` filter value: `80`, `80/tcp`, `8000-8080/udp`. */
function portFilter(key: string, v: string): { matches: (port: number, type: string) => boolean } {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/.exec(v);
  if (!m) throw invalid(`invalid filter '${key}=${v}'`);
  const lo = Number(m[1]);
  const hi = m[2] ? Number(m[2]) : lo;
  const proto = m[3] ?? "tcp";
  return { matches: (port, type) => port >= lo && port <= hi && type === proto };
}
