/**
 * `PhotonPlatform`: the facade of a Photon Controller deployment. It owns every document, the fleet and
 * its scheduler, and the transaction: nouns validate and apply changes through `put`/`remove`, and the
 * door calls `commit` before answering, so what the API acknowledged is in the store.
 */
import { maintainAll } from "./cluster-maintenance.js";
import { ApiError } from "./errors.js";
import { Fleet } from "./fleet.js";
import { MemoryStore, type PhotonStore, type StoredDoc } from "./store.js";
import { Placer } from "./placement.js";
import { Tasks } from "./tasks.js";
import { PageLinks } from "./wire.js";
import type {
  ClusterDoc,
  DeploymentDoc,
  DiskDoc,
  DocKind,
  FlavorDoc,
  HostOverride,
  ImageDoc,
  ProjectDoc,
  SubnetDoc,
  TaskDoc,
  TenantDoc,
  TicketDoc,
  VmDoc,
  ZoneDoc,
} from "./types.js";

/** After the current turn of the event loop: setImmediate in Node, a zero timeout elsewhere. */
const soon: (f: () => void) => void = typeof setImmediate === "function" ? (f) => void setImmediate(f) : (f) => void setTimeout(f, 0);

export interface PhotonOptions {
  /** Hosts in the deployment (default 1,000). */
  hosts?: number;
  /** Availability zones the hosts are spread over (default 4). */
  zones?: number;
  /** Seed of host ids and of the scheduler's sampling (default 1). */
  seed?: number;
  /** Where documents are kept (default: memory only). */
  store?: PhotonStore;
  /** Wall-clock pause before each task step, in ms (default 0). */
  stepDelayMs?: number;
  /** Lightwave's security groups of the deployment when auth is on (`domain\group`). */
  securityGroups?: string[];
  /** Period of the clusters' background maintenance, in ms (default one hour, as the controller's). */
  clusterMaintenanceMs?: number;
}

type Docs = {
  tenant: Map<string, TenantDoc>;
  ticket: Map<string, TicketDoc>;
  project: Map<string, ProjectDoc>;
  flavor: Map<string, FlavorDoc>;
  image: Map<string, ImageDoc>;
  vm: Map<string, VmDoc>;
  disk: Map<string, DiskDoc>;
  cluster: Map<string, ClusterDoc>;
  zone: Map<string, ZoneDoc>;
  host: Map<string, HostOverride>;
  task: Map<string, TaskDoc>;
  deployment: Map<string, DeploymentDoc>;
  subnet: Map<string, SubnetDoc>;
  meta: Map<string, { id: string; value: unknown }>;
};

export class PhotonPlatform {
  readonly docs: Docs = {
    tenant: new Map(),
    ticket: new Map(),
    project: new Map(),
    flavor: new Map(),
    image: new Map(),
    vm: new Map(),
    disk: new Map(),
    cluster: new Map(),
    zone: new Map(),
    host: new Map(),
    task: new Map(),
    deployment: new Map(),
    subnet: new Map(),
    meta: new Map(),
  };
  readonly tasks = new Tasks(this);
  readonly pages = new PageLinks();
  readonly placer = new Placer(this);
  /** Auth as `/auth` and the deployment show it (set by the door when `--auth` is on). */
  authShown: { enabled: boolean; endpoint?: string; port?: number; tenant?: string } = { enabled: false };
  readonly fleet: Fleet;
  /** Lightwave's domain when auth is on (lists are filtered for non-administrators), else null. */
  authDomain: string | null = null;
  readonly deployment: DeploymentDoc;
  /** Zones by label bit. */
  readonly zoneByBit: ZoneDoc[] = [];
  private readonly store: PhotonStore;
  private readonly stepDelayMs: number;
  /** The store keeps nothing: changes need no bookkeeping. */
  private readonly inMemory: boolean;
  private pending = new Map<string, StoredDoc>();
  private deleted = new Map<string, { kind: DocKind; id: string }>();
  private imageSeq = 0;
  private closed = false;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  private constructor(options: PhotonOptions) {
    this.store = options.store ?? new MemoryStore();
    this.inMemory = this.store instanceof MemoryStore;
    this.stepDelayMs = options.stepDelayMs ?? 0;
    const stored = this.store.load();
    for (const d of stored) (this.docs[d.kind] as Map<string, unknown>).set(d.id, d.body);
    let dep = [...this.docs.deployment.values()][0];
    if (!dep) {
      const hosts = options.hosts ?? 1000;
      const zones = options.zones ?? 4;
      if (!Number.isInteger(hosts) || hosts < 1 || hosts > 1_000_000) throw new Error(`hosts must be an integer from 1 to 1000000, not ${hosts}`);
      if (!Number.isInteger(zones) || zones < 1 || zones > 8 || zones > hosts) throw new Error(`zones must be an integer from 1 to 8 (and at most the hosts), not ${zones}`);
      dep = {
        id: crypto.randomUUID(),
        state: "READY",
        imageDatastores: [],
        useImageDatastoreForVms: true,
        loadBalancerEnabled: true,
        securityGroups: options.securityGroups ?? [],
        clusterConfigurations: [],
        hostCount: hosts,
        racks: zones,
        seed: options.seed ?? 1,
      };
      for (let z = 0; z < zones; z++) this.put("zone", { id: crypto.randomUUID(), name: `zone-${z + 1}`, state: "READY", bit: z } satisfies ZoneDoc);
    }
    this.deployment = dep;
    const zones = [...this.docs.zone.values()];
    for (const z of zones) this.zoneByBit[z.bit] = z;
    this.fleet = new Fleet(dep.hostCount, dep.racks, dep.seed);
    if (dep.imageDatastores.length === 0) dep.imageDatastores = this.fleet.datastores.filter((d) => d.type === "SHARED_VMFS").map((d) => d.name);
    this.put("deployment", dep);
    for (const h of [...this.docs.host.values()].filter((x) => x.added).sort((a, b) => a.id - b.id)) {
      this.fleet.add(h.added!, this.docs.zone.get(h.zone)?.bit ?? null, h.state as never);
    }
    for (const h of this.docs.host.values()) {
      this.fleet.setState(h.id, h.state as never);
      const z = this.docs.zone.get(h.zone);
      if (z && z.bit !== this.fleet.zone[h.id]) this.fleet.setZone(h.id, z.bit);
    }
    for (const img of this.docs.image.values()) this.imageSeq = Math.max(this.imageSeq, img.seq + 1);
    this.restoreVms();
    this.endInterrupted();
    this.commit();
    const every = options.clusterMaintenanceMs ?? 3_600_000;
    this.maintenance = setInterval(() => {
      if (!this.closed) maintainAll(this);
    }, every);
    // the hourly pass never keeps a process alive on its own
    (this.maintenance as { unref?: () => void }).unref?.();
  }
  private readonly maintenance: ReturnType<typeof setInterval>;

  /** Opens a deployment: from the store's documents when it has them, else a new one of `options.hosts`. */
  static open(options: PhotonOptions = {}): PhotonPlatform {
    return new PhotonPlatform(options);
  }

  /** VMs placed before a restart hold their hosts' resources again. */
  private restoreVms(): void {
    for (const vm of this.docs.vm.values()) {
      if (vm.host < 0) continue;
      this.fleet.scheduler.reserve(vm.host, vm.vcpus, vm.memoryMiB);
      this.fleet.vmCount[vm.host]++;
      const img = this.docs.image.get(vm.sourceImageId);
      if (img) this.fleet.scheduler.addImage(vm.host, img.seq);
    }
  }

  /** Tasks that were running when the process died end ERROR, and so do the entities they were making. */
  private endInterrupted(): void {
    for (const t of this.docs.task.values()) {
      if (t.state === "COMPLETED" || t.state === "ERROR") continue;
      this.tasks.interrupted(t);
    }
    for (const vm of this.docs.vm.values()) if (vm.state === "CREATING") this.put("vm", { ...vm, state: "ERROR" });
    for (const d of this.docs.disk.values()) if (d.state === "CREATING") this.put("disk", { ...d, state: "ERROR" });
    for (const c of this.docs.cluster.values()) {
      if (c.state === "CREATING" || c.state === "RESIZING" || c.state === "PENDING_DELETE") {
        this.put("cluster", { ...c, state: "FATAL_ERROR", errorReason: `the controller restarted while the cluster was ${c.state}` });
      }
    }
  }

  /** Records a new or changed document, stored at the next commit. */
  put<K extends DocKind>(kind: K, doc: Docs[K] extends Map<string, infer D> ? D : never): void {
    const d = doc as { id: string | number };
    const id = String(d.id);
    (this.docs[kind] as Map<string, unknown>).set(id, doc);
    if (this.inMemory) return;
    const key = `${kind}\u0000${id}`;
    this.deleted.delete(key);
    this.pending.set(key, { kind, id, body: doc });
  }
  /** Removes a document, at the next commit. */
  remove(kind: DocKind, id: string): void {
    (this.docs[kind] as Map<string, unknown>).delete(id);
    if (this.inMemory) return;
    const key = `${kind}\u0000${id}`;
    this.pending.delete(key);
    this.deleted.set(key, { kind, id });
  }
  /** Writes every change since the last commit in one transaction. */
  commit(): void {
    if (this.closed || (this.pending.size === 0 && this.deleted.size === 0)) return;
    const puts = [...this.pending.values()];
    const dels = [...this.deleted.values()];
    this.pending = new Map();
    this.deleted = new Map();
    this.store.write(puts, dels);
  }

  /**
   * Runs `work` after the current request has answered (a task's steps). Work queued in one turn of the
   * event loop starts together right after it (setImmediate where there is one), so that a task ends
   * before its client's first poll and the creates of many clients reach the scheduler in one batch.
   */
  later(work: () => Promise<void>): void {
    this.queued.push(work);
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    soon(() => {
      this.drainScheduled = false;
      const batch = this.queued;
      this.queued = [];
      if (!this.closed) for (const w of batch) void w().catch(() => undefined);
    });
  }
  private queued: (() => Promise<void>)[] = [];
  private drainScheduled = false;
  /** The pause before a task step (none by default). */
  pause(): Promise<void> {
    if (this.stepDelayMs === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, this.stepDelayMs);
      this.timers.add(t);
    });
  }
  /** True once closed: running tasks stop where they are. */
  get isClosed(): boolean {
    return this.closed;
  }
  nextImageSeq(): number {
    return this.imageSeq++;
  }

  /** A document or its kind's 404. */
  get<K extends DocKind>(kind: K, id: string, code: string, label: string): Docs[K] extends Map<string, infer D> ? D : never {
    const d = (this.docs[kind] as Map<string, unknown>).get(id);
    if (!d) throw new ApiError(404, code, `${label} #${id} not found`, { id });
    return d as never;
  }

  /** Stops running tasks and closes the store (flushing what was committed). */
  close(): void {
    if (this.closed) return;
    this.commit();
    this.closed = true;
    clearInterval(this.maintenance);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.store.close();
  }
}
