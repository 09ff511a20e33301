/**
 * What clients read, computed and never stored: a container's view (its record plus host, VM,
 * status text, exec ids, size), `docker ps` with Docker's filters (newest first; without `all` only
 * the running and restarting sets are read), `info()` (the cluster as `docker info` and a vSphere
 * client show it) and `docker system df`. Reading changes nothing.
 */
import type { ClusterOps } from "./cluster-ops.js";
import { cloneRecord } from "./clone.js";
import { MIB, VCPU_MHZ } from "./config.js";
import type { Container } from "./container.js";
import type { ContainerVms } from "./container-vm.js";
import type { VchContext } from "./context.js";
import { invalid } from "./errors.js";
import type { EventLog } from "./events.js";
import { checkFilterKeys, FILTER_KEYS, filterBool, labelsMatch } from "./filters.js";
import { commandText, humanDuration, parseTime, ZERO_TIME } from "./format.js";
import { healthSuffix } from "./health.js";
import type { Images } from "./images.js";
import type { ContainerLifecycle } from "./lifecycle.js";
import type { ContainerRegistry } from "./registry.js";
import type { ContainerRecord, DiskUsage, HostInfo, ListContainersOptions, VchInfo } from "./types.js";
import type { Volumes } from "./volumes.js";

export class Views {
  constructor(
    private readonly ctx: VchContext,
    private readonly registry: ContainerRegistry,
    private readonly images: Images,
    private readonly vms: ContainerVms,
    private readonly vols: Volumes,
    private readonly lifecycle: ContainerLifecycle,
    private readonly clusterOps: ClusterOps,
    private readonly eventLog: EventLog,
  ) {}

  /** `docker ps`: running containers (all with `all`), newest first, with Docker's filters. */
  list(options: ListContainersOptions): ContainerRecord[] {
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
    const all = options.all || filters.status?.length || filters.exited?.length;
    // Newest first (creation order). Without `all`, only the running and restarting sets are read.
    let list = all ? [...this.registry.all()].reverse() : [...this.lifecycle.running, ...this.lifecycle.restarting].sort((a, b) => b.seq - a.seq);
    const match = (values: string[] | undefined, test: (v: string) => boolean) => !values?.length || values.some(test);
    const ancestorIds = new Map((filters.ancestor ?? []).map((v) => [v, this.images.idOf(v)]));
    // Creation order numbers: one comparison per container (no index scans).
    const before = filters.before?.length ? this.registry.resolve(filters.before[0]).seq : null;
    const since = filters.since?.length ? this.registry.resolve(filters.since[0]).seq : null;
    list = list.filter((c) => {
      const r = c.rec;
      return (
        match(filters.id, (v) => r.id.startsWith(v)) &&
        match(filters.name, (v) => new RegExp(v).test(r.name.slice(1)) || r.name === v) &&
        labelsMatch(filters, r.config.Labels) &&
        match(filters.status, (v) => r.state.Status === v) &&
        match(filters.exited, (v) => r.state.Status === "exited" && r.state.ExitCode === Number(v)) &&
        match(filters.ancestor, (v) => r.image === v || r.imageId === ancestorIds.get(v) || r.imageId.slice(7).startsWith(v)) &&
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

  /** The cluster as `docker info` and a vSphere client would show it. */
  info(name: string): VchInfo {
    const vms = this.vms;
    const loads = vms.hostLoads();
    const list = [...this.registry.all()];
    const perHost = new Array<number>(vms.hostNames.length).fill(0);
    for (const c of this.lifecycle.running) if (c.vm.host !== null) perHost[c.vm.host]++;
    const hosts: HostInfo[] = vms.hostNames.map((name, i) => {
      const m = vms.hostMemory(i);
      return {
        name, index: i, state: vms.hostState(i), cpuMHz: vms.hostCpu[i], memoryMiB: vms.hostMem[i],
        containers: perHost[i],
        templates: vms.templatesOn(i).map((id) => this.images.get(id)?.repoTags[0] ?? id),
        load: loads[i]?.load ?? 0,
        memory: { capacity: m.capacity, used: m.used, free: m.free, sharedSaved: m.sharedSaved, minFree: m.minFree, state: m.state },
      };
    });
    const ha = vms.haAdmission();
    return {
      name,
      now: this.ctx.now(),
      containers: list.length,
      containersRunning: list.filter((c) => c.rec.state.Running && !c.rec.state.Paused).length,
      containersPaused: list.filter((c) => c.rec.state.Paused).length,
      containersStopped: list.filter((c) => !c.rec.state.Running).length,
      images: this.images.size,
      hosts,
      ncpu: vms.hostCpu.reduce((s, x) => s + Math.floor(x / VCPU_MHZ), 0),
      memTotal: vms.hostMem.reduce((s, x) => s + x, 0) * MIB,
      drs: {
        threshold: vms.migrationThreshold, automation: vms.automation, imbalance: vms.imbalance(),
        targetImbalance: vms.targetImbalance(), lastPass: this.clusterOps.drsLast, migrations: vms.drsMigrations,
      },
      ha: { policy: this.clusterOps.haPolicy, failoverCapacity: ha.failoverCapacity },
      tps: { salting: vms.tpsSalting, sharedSavedPages: hosts.reduce((s, h) => s + h.memory.sharedSaved, 0), mergedPages: vms.tpsMerged },
      faults: { ...this.ctx.faults, ...this.eventLog.faults },
    };
  }

  /** `docker system df`. */
  diskUsage(): DiskUsage {
    const list = [...this.registry.all()];
    const images = [...this.images.all()];
    return {
      LayersSize: images.reduce((s, i) => s + i.size, 0),
      Images: images.map((i) => ({ Id: i.id, RepoTags: i.repoTags, Size: i.size, Containers: this.registry.usersOfImage(i.id).length, Created: i.created })),
      Containers: list.map((c) => ({ Id: c.rec.id, Names: [c.rec.name], Image: c.rec.image, SizeRw: this.sizes(c).rw, State: c.rec.state.Status })),
      Volumes: this.vols.all().map((v) => ({ Name: v.Name, UsageData: { Size: this.lifecycle.fs.volumeSize(v.Name), RefCount: this.registry.volumeUsers(v.Name).length } })),
    };
  }

  view(c: Container): ContainerRecord {
    const r = cloneRecord(c.rec) as ContainerRecord;
    r.host = c.vm.host === null ? null : { name: this.vms.hostNames[c.vm.host], index: c.vm.host };
    r.vm = c.vm.mem;
    r.statusText = this.statusText(c);
    r.commandText = commandText(c.rec.path, c.rec.args);
    r.execIds = [...c.rt.execRecords];
    const sizes = this.sizes(c);
    r.sizeRw = sizes.rw;
    r.sizeRootFs = sizes.rootFs;
    return r;
  }

  /** Bytes of the container's layer, and of its whole root filesystem: the image's size and its layer (SizeRw, SizeRootFs). */
  private sizes(c: Container): { rw: number; rootFs: number } {
    const rw = this.lifecycle.fs.sizeRw(c);
    return { rw, rootFs: (this.images.get(c.rec.imageId)?.size ?? 0) + rw };
  }

  private statusText(c: Container): string {
    const s = c.rec.state;
    const now = this.ctx.now();
    if (s.Status === "removing") return "Removal In Progress";
    if (s.Dead) return "Dead";
    if (s.Restarting) return `Restarting (${s.ExitCode}) ${humanDuration(now - (parseTime(s.FinishedAt) ?? now))} ago`;
    if (s.Running) return `Up ${humanDuration(now - (parseTime(s.StartedAt) ?? now))}${s.Paused ? " (Paused)" : healthSuffix(s.Health)}`;
    if (s.FinishedAt !== ZERO_TIME) return `Exited (${s.ExitCode}) ${humanDuration(now - (parseTime(s.FinishedAt) ?? now))} ago`;
    return "Created";
  }
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
