/**
 * Why this file is long: it is the one module allowed to touch the engines, so every way a container
 * VM meets them (place, clone, writes, real guests' pages, page cache, vMotion, DRS demand) is here.
 * The container VM binding: the only code that calls the memory engine and the cluster core. It
 * registers container VMs with the cluster, places and powers them on (template VM on the host,
 * instant clone, boot writes: an out-of-memory undoes all of it), writes the guest's working set,
 * hands the memory engine's view to DRS as memory demand, moves VMs by vMotion, keeps template VMs
 * bounded per host, and answers for the cluster's hosts, DRS, HA and TPS.
 *
 * Why this file is long: every call into the two cores is here, by design, so that no other module
 * can change the cores' state behind the binding's bookkeeping (templates, handles, demand).
 */
import type {
  Automation, BalanceResult, ClusterApi, FailoverPlan, HaAdmission, HaPolicy, HostLoad, HostState, MaintenancePlan, MigrationThreshold, VmSpec,
} from "../core/cluster-types.js";
import type { MemoryEngineApi } from "../core/memory-types.js";
import { GuestMemoryMap, type GuestScan, type GuestVm } from "../guests/real/memory-map.js";
import { GUEST_OVERHEAD_MIB, MIB, type normaliseHosts } from "./config.js";
import type { Container } from "./container.js";
import type { VchContext } from "./context.js";
import type { VchEngines } from "./engines.js";
import { VchError } from "./errors.js";
import { hash32, mix32, setToken, token } from "./rng.js";
import type { ImageRecord, TpsSalting, VmMemory } from "./types.js";

/** Pages a container VM dirties while booting from its template (hostname, hosts, process heap). */
const BOOT_DIRTY_PAGES = 64;
/** Distinct duplicate contents per image: writes drawing from this pool are what TPS merges. */
const DUPLICATE_POOL = 16;
/** Pages of a container VM's page cache that file writes cycle through (16 MiB). */
const PAGE_CACHE_PAGES = 4096;
/** Template VMs kept per host (least recently used retired first). */
const TEMPLATES_PER_HOST = 8;
/** Datastore read bandwidth when a template VM is built on a host (MB/s). */
const DATASTORE_MBPS = 500;
/** CPU demand of a guest: idle floor plus its activity (0..1) times a busy service's draw. */
const cpuDemand = (activity: number) => Math.round(10 + activity * 250);

interface TemplateVm {
  imageId: string;
  memoryMiB: number;
  host: number;
  /** Memory engine handle. */
  vm: number;
}

/** The cluster's settings the binding is built with. */
export interface ContainerVmOptions {
  hosts: ReturnType<typeof normaliseHosts>;
  salting: TpsSalting;
  tpsBudget: number;
  vmotionMBps: number;
  threshold: MigrationThreshold;
  automation: Automation;
  ha: HaPolicy;
}

export class ContainerVms {
  readonly hostNames: string[];
  readonly hostCpu: number[];
  readonly hostMem: number[];
  private readonly mem: MemoryEngineApi;
  private readonly cluster: ClusterApi;
  private salting: TpsSalting;
  private readonly tpsBudget: number;
  private readonly vmotionMBps: number;
  /** Template VMs by `image/size/host`; the map's order is least recently used first. */
  private readonly templates = new Map<string, TemplateVm>();
  /** Cluster template ids by `image/size`: one template VM per (image, size) per host. */
  private readonly templateIds = new Map<string, number>();
  private nextTemplateId = 1;
  /** Frames TPS scans merged since the VCH opened. */
  tpsMerged = 0;
  drsMigrations = 0;
  /** Real guests' memories (made on first use), their template VMs by `runtime key/host`, their container VMs by container id. */
  private realMap: GuestMemoryMap | null = null;
  private readonly realTemplates = new Map<string, GuestVm>();
  private readonly realVms = new Map<string, GuestVm>();
  private readonly realImages = new Map<string, { key: string; image: Uint8Array }>();

  constructor(private readonly ctx: VchContext, engines: VchEngines, options: ContainerVmOptions) {
    const hosts = options.hosts;
    this.hostNames = hosts.map((h) => h.name);
    this.hostCpu = hosts.map((h) => h.cpuMHz);
    this.hostMem = hosts.map((h) => h.memoryMiB);
    this.salting = options.salting;
    this.tpsBudget = options.tpsBudget;
    this.vmotionMBps = options.vmotionMBps;
    this.mem = engines.memory({ hosts: hosts.length, hostMemoryMiB: this.hostMem });
    this.cluster = engines.cluster({
      hosts: hosts.map((h) => ({ cpuMHz: h.cpuMHz, memoryMiB: h.memoryMiB, name: h.name })),
      migrationThreshold: options.threshold,
      automation: options.automation,
      ha: options.ha,
    });
  }

  // ───────────── registration and power ─────────────

  /** Registers a container VM with the cluster (powered off); returns its cluster id. */
  register(spec: VmSpec): number {
    return this.cluster.addVm(spec);
  }

  /** A container VM's new reservations, limits and shares (`docker update`); it stays where it runs. */
  reallocate(c: Container, spec: VmSpec): void {
    const { demand: _cpu, ...cpu } = spec.cpu;
    const { demand: _mem, ...memory } = spec.memory;
    try {
      this.cluster.setAllocation(c.vm.cluster, { cpu, memory });
    } catch (e) {
      throw new VchError("invalid", `Cannot update container ${c.rec.id}: ${(e as Error).message}`);
    }
  }

  /** Unregisters a container VM (it leaves its rules too). */
  unregister(c: Container): void {
    this.cluster.removeVm(c.vm.cluster);
  }

  /**
   * Powers the container VM on: placed by DRS (or where HA put it, or on `placedOn`), cloned from
   * the template VM of its image and size on that host, its boot pages written. Fails as a whole:
   * the clone and the placement go and the container is as it was.
   */
  powerOn(c: Container, img: ImageRecord, placedOn: number | null): void {
    const memoryMiB = Math.ceil(Number(c.rec.hostConfig.Memory) / MIB);
    let host = placedOn;
    // A container VM whose failover placement HA holds (its host failed, not yet declared dead) starts there.
    if (host === null && this.cluster.vmHost(c.vm.cluster) >= 0) host = this.cluster.vmHost(c.vm.cluster);
    if (host === null) {
      try {
        host = this.cluster.placeVm(c.vm.cluster).host;
      } catch (e) {
        throw new VchError("unavailable", `no host of the cluster can run container ${c.rec.name.slice(1)}: ${(e as Error).message}`);
      }
    }
    let vm: number;
    try {
      const template = this.ensureTemplate(img, memoryMiB, host);
      vm = this.mem.instantClone(template.vm, { salt: this.saltFor(img) });
    } catch (e) {
      this.cluster.powerOff(c.vm.cluster);
      throw new VchError("unavailable", `cannot power on the container VM of ${c.rec.name.slice(1)} on host ${this.hostNames[host]}: ${(e as Error).message}`);
    }
    c.vm.mem = vm;
    c.vm.host = host;
    c.vm.wsWritten = 0;
    c.vm.wsCursor = 0;
    try {
      // Boot dirties a few pages of its own (hostname, hosts file, the process's first heap pages).
      this.guestWrite(c, img, BOOT_DIRTY_PAGES, true);
    } catch (e) {
      this.dropVm(c);
      c.vm.host = null;
      this.cluster.powerOff(c.vm.cluster);
      throw new VchError("unavailable", `cannot power on the container VM of ${c.rec.name.slice(1)} on host ${this.hostNames[host]}: ${(e as Error).message}`);
    }
  }

  /** Powers the container VM off: its memory goes, its placement is given back. */
  powerOff(c: Container, placed: boolean): void {
    this.dropVm(c);
    if (placed) this.cluster.powerOff(c.vm.cluster);
    c.vm.host = null;
  }

  /** The host under the container VM failed: its memory is gone (the cluster already knows). */
  lost(c: Container): void {
    this.dropVm(c);
    c.vm.host = null;
  }

  private dropVm(c: Container): void {
    const real = this.realVms.get(c.rec.id);
    if (real) {
      this.realVms.delete(c.rec.id);
      this.realImages.delete(c.rec.id);
      if (this.mem.hasVm(real.vm)) this.realMap!.release(real);
      if (c.vm.mem === real.vm) c.vm.mem = null;
    }
    if (c.vm.mem === null) return;
    if (this.mem.hasVm(c.vm.mem)) this.mem.destroyVm(c.vm.mem);
    c.vm.mem = null;
  }

  /** Powers a cluster VM on in the placement core on host `h` (a must rule for the one placement); throws when it cannot. */
  placeOnHost(vm: number, h: number): void {
    const rule = this.cluster.addRule({ kind: "vm-host-must", vms: [vm], hosts: [h] });
    try {
      this.cluster.placeVm(vm);
    } finally {
      this.cluster.removeRule(rule);
    }
  }

  /** Gives back a cluster VM's placement (HA's failover reservation included). */
  unplace(vm: number): void {
    if (this.cluster.vmHost(vm) >= 0) this.cluster.powerOff(vm);
  }

  vmHost(vm: number): number {
    return this.cluster.vmHost(vm);
  }

  /** The container VM's memory in pages, or null without one. */
  vmStats(c: Container): VmMemory | null {
    return c.vm.mem === null ? null : this.mem.vmStats(c.vm.mem);
  }

  /** CPU MHz the cluster core entitles a powered-on container VM to (its usage as DRS sees it), or null when it is not placed. */
  vmCpuMHz(c: Container): number | null {
    return c.vm.mem === null || this.cluster.vmHost(c.vm.cluster) < 0 ? null : this.cluster.entitlement(c.vm.cluster).cpu;
  }

  // ───────────── the guest's writes and DRS's view of them ─────────────

  /**
   * One guest tick of a running container VM: it dirties its working set by `activity` (an
   * out-of-memory host refuses: counted and reported, the guest stalls this round), and DRS learns
   * its CPU and memory demand.
   */
  tick(c: Container, img: ImageRecord, activity: number, tickMs: number): void {
    const n = this.realVms.has(c.rec.id) ? 0 : Math.round(img.profile.dirtyPagesPerSecond * activity * (tickMs / 1000));
    try {
      this.guestWrite(c, img, n, false);
    } catch (e) {
      // ESXi would balloon or swap; here the stall is reported, never silent.
      this.ctx.faults.guestWriteFailures++;
      this.ctx.emit("cluster", "guest-write-failed", c.rec.id, {
        name: c.rec.name.slice(1), host: c.vm.host === null ? "" : this.hostNames[c.vm.host], pages: String(n), reason: (e as Error).message,
      });
    }
    this.cluster.setDemand(c.vm.cluster, { cpu: cpuDemand(activity), memory: this.memoryDemand(c) });
  }

  /**
   * A process of the container wrote bytes `[from, to)` of the file `path`: the guest's page cache
   * dirties the pages they span (content unique to the container). A file's pages sit contiguously
   * in a region past the working set, from a slot its path picks, so writing the same page again
   * dirties the same guest page. A host out of memory refuses as for any guest write (counted, reported).
   */
  pageCacheWrite(c: Container, img: ImageRecord | undefined, path: string, from: number, to: number): void {
    // A real guest's pages are its own memory's: no page cache is made up for it.
    if (c.vm.mem === null || to <= from || this.realVms.has(c.rec.id)) return;
    const pages = Math.ceil(Number(c.rec.hostConfig.Memory) / MIB) * 256;
    const base = Math.min(pages - 1, (img ? this.wsBase(img) + img.profile.workingSetPages : 0) + BOOT_DIRTY_PAGES);
    const region = Math.max(1, Math.min(PAGE_CACHE_PAGES, pages - base));
    const first = Math.floor(from / 4096);
    const n = Math.min(region, Math.ceil(to / 4096) - first);
    const slot = hash32(path);
    const gpns = new Uint32Array(n);
    const tokens = new BigUint64Array(n);
    const words = new Uint32Array(tokens.buffer);
    const cid = hash32(c.rec.id) ^ 0x2545f491;
    for (let i = 0; i < n; i++) {
      gpns[i] = base + ((slot + first + i) % region);
      c.vm.serial++;
      setToken(words, i, cid, c.vm.serial);
    }
    try {
      this.mem.writePages(c.vm.mem, gpns, tokens);
    } catch (e) {
      this.ctx.faults.guestWriteFailures++;
      this.ctx.emit("cluster", "guest-write-failed", c.rec.id, {
        name: c.rec.name.slice(1), host: c.vm.host === null ? "" : this.hostNames[c.vm.host], pages: String(n), reason: (e as Error).message,
      });
    }
  }

  /** First guest page of the container's own writes: half overlaps the template's boot pages (CoW). */
  private wsBase(img: ImageRecord): number {
    return Math.floor(img.profile.bootPages / 2);
  }

  /** Writes `n` pages of the container VM's working set (`boot`: its first pages). */
  private guestWrite(c: Container, img: ImageRecord, n: number, boot: boolean): void {
    if (c.vm.mem === null || n <= 0) return;
    const p = img.profile;
    const pages = Math.ceil(Number(c.rec.hostConfig.Memory) / MIB) * 256;
    const base = this.wsBase(img);
    const ws = Math.max(1, Math.min(p.workingSetPages + BOOT_DIRTY_PAGES, pages - base));
    n = Math.min(n, ws);
    const gpns = new Uint32Array(n);
    const tokens = new BigUint64Array(n);
    const words = new Uint32Array(tokens.buffer);
    const cid = hash32(c.rec.id);
    const pool = hash32(img.id) ^ 0x5bd1e995;
    const vm = c.vm;
    for (let i = 0; i < n; i++) {
      gpns[i] = base + vm.wsCursor;
      vm.wsCursor = (vm.wsCursor + 1) % ws;
      vm.serial++;
      // A share of content duplicates (same across the image's containers): what TPS merges.
      const dup = mix32(cid ^ vm.serial) / 0x1_0000_0000 < p.duplicateShare;
      if (dup) setToken(words, i, pool, vm.serial % DUPLICATE_POOL);
      else setToken(words, i, cid, vm.serial);
    }
    vm.wsWritten = Math.min(ws, vm.wsWritten + n);
    if (boot) vm.wsWritten = Math.max(vm.wsWritten, n);
    this.mem.writePages(vm.mem!, gpns, tokens);
  }

  /**
   * What DRS sees of a container VM's memory: what the memory engine says it consumes (frames that
   * back it alone: merged or template-shared pages are not its own) plus the VM's overhead, in MiB.
   * TPS merging lowers it and copy-on-write breaks raise it.
   */
  private memoryDemand(c: Container): number {
    if (c.vm.mem === null || !this.mem.hasVm(c.vm.mem)) return GUEST_OVERHEAD_MIB;
    return Math.ceil(this.mem.vmStats(c.vm.mem).consumed / 256) + GUEST_OVERHEAD_MIB;
  }

  /** Hands the memory engine's view of the running container VMs to the cluster (before DRS decides). */
  refreshMemoryDemand(running: Iterable<Container>): void {
    for (const c of running) if (c.vm.mem !== null) this.cluster.setDemand(c.vm.cluster, { memory: this.memoryDemand(c) });
  }

  // ───────────── DRS, TPS, vMotion ─────────────

  /** One DRS balancing pass of the cluster core (applied moves are the caller's to carry out by `migrate`). */
  balance(): BalanceResult {
    return this.cluster.balance();
  }

  /** A TPS scan of every connected host. */
  tpsPass(): { scanned: number; merged: number } {
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

  /** vMotion of a container VM: clone the template on the destination, carry its own pages, drop the source. */
  migrate(c: Container, img: ImageRecord, to: number, reason: string, priority: number, activity: number): void {
    if (c.vm.mem === null || c.vm.host === null || c.vm.host === to) return;
    if (this.realVms.has(c.rec.id)) return this.migrateReal(c, to, reason, priority);
    const memoryMiB = Math.ceil(Number(c.rec.hostConfig.Memory) / MIB);
    const from = c.vm.host;
    const old = c.vm.mem;
    const stats = this.mem.vmStats(old);
    const template = this.ensureTemplate(img, memoryMiB, to);
    const fresh = this.mem.instantClone(template.vm, { salt: this.saltFor(img) });
    const base = this.wsBase(img);
    const n = c.vm.wsWritten;
    if (n > 0) {
      const gpns = new Uint32Array(n);
      for (let i = 0; i < n; i++) gpns[i] = base + i;
      this.mem.writePages(fresh, gpns, this.mem.readPages(old, gpns));
    }
    this.mem.destroyVm(old);
    c.vm.mem = fresh;
    c.vm.host = to;
    this.cluster.setDemand(c.vm.cluster, { memory: this.memoryDemand(c) });
    const est = this.cluster.migrationEstimate({
      memoryPages: stats.granted,
      dirtyPagesPerSecond: img.profile.dirtyPagesPerSecond * activity,
      workingSetPages: img.profile.workingSetPages,
      bandwidthMBps: this.vmotionMBps,
      pagesAtDestination: Math.min(img.profile.bootPages, stats.granted),
    });
    this.drsMigrations++;
    this.ctx.markContainer(c);
    this.ctx.emit("cluster", "drs-migrate", c.rec.id, {
      name: c.rec.name.slice(1), from: this.hostNames[from], to: this.hostNames[to], reason, priority: String(priority),
      rounds: String(est.rounds), bytesSent: String(est.bytesSent), downtimeMs: est.downtimeMs.toFixed(1), durationMs: est.durationMs.toFixed(1),
    });
  }

  // ───────────── real guests' pages ─────────────

  /**
   * A real guest starts in the container VM: the VM becomes an instant clone of its runtime's
   * template VM on the VM's host (built from the runtime's booted memory `image` on first use), in
   * place of the image profile's clone.
   */
  realClone(c: Container, key: string, image: Uint8Array): void {
    if (c.vm.mem === null || c.vm.host === null) return;
    const template = this.realTemplate(key, image, c.vm.host);
    const vm = this.realMap!.clone(template, this.realSalt(key));
    this.dropVm(c);
    c.vm.mem = vm.vm;
    this.realVms.set(c.rec.id, vm);
    this.realImages.set(c.rec.id, { key, image });
    this.ctx.markContainer(c);
  }

  /** Writes a real guest's memory to its container VM (only changed pages reach the engine); null when it has none. */
  realWrite(c: Container, memory: Uint8Array): GuestScan | null {
    const g = this.realVms.get(c.rec.id);
    if (!g || c.vm.mem !== g.vm) return null;
    try {
      return this.realMap!.scan(g, memory);
    } catch (e) {
      this.ctx.faults.guestWriteFailures++;
      this.ctx.emit("cluster", "guest-write-failed", c.rec.id, {
        name: c.rec.name.slice(1), host: c.vm.host === null ? "" : this.hostNames[c.vm.host], pages: String(memory.byteLength >> 12), reason: (e as Error).message,
      });
      return null;
    }
  }

  private realTemplate(key: string, image: Uint8Array, host: number): GuestVm {
    this.realMap ??= new GuestMemoryMap(this.mem);
    let t = this.realTemplates.get(`${key}/${host}`);
    if (!t || !this.mem.hasVm(t.vm)) {
      t = this.realMap.createTemplate(host, image, this.realSalt(key)).vm;
      this.realTemplates.set(`${key}/${host}`, t);
    }
    return t;
  }

  /** Real guests of one runtime share their template's salt unless every VM is salted alone. */
  private realSalt(key: string): number | undefined {
    if (this.salting === "global") return 0;
    if (this.salting === "image") return (hash32(key) & 0x7fffffff) || 1;
    return undefined;
  }

  /** vMotion of a real guest's VM: a clone of its runtime's template on `to`, its own pages carried over. */
  private migrateReal(c: Container, to: number, reason: string, priority: number): void {
    const g = this.realVms.get(c.rec.id)!;
    const { key, image } = this.realImages.get(c.rec.id)!;
    const from = c.vm.host!;
    const fresh = this.realMap!.relocate(g, this.realTemplate(key, image, to), this.realSalt(key));
    this.realVms.set(c.rec.id, fresh);
    c.vm.mem = fresh.vm;
    c.vm.host = to;
    this.cluster.setDemand(c.vm.cluster, { memory: this.memoryDemand(c) });
    this.drsMigrations++;
    this.ctx.markContainer(c);
    this.ctx.emit("cluster", "drs-migrate", c.rec.id, { name: c.rec.name.slice(1), from: this.hostNames[from], to: this.hostNames[to], reason, priority: String(priority) });
  }

  // ───────────── template VMs ─────────────

  /** The cluster's template id of (image, size). */
  templateId(imageId: string, memoryMiB: number): number {
    const key = `${imageId}/${memoryMiB}`;
    let id = this.templateIds.get(key);
    if (id === undefined) {
      id = this.nextTemplateId++;
      this.templateIds.set(key, id);
    }
    return id;
  }

  /** The template VM of (image, size) on `host`, built on first use: boot pages written into it. */
  private ensureTemplate(img: ImageRecord, memoryMiB: number, host: number): TemplateVm {
    const key = `${img.id}/${memoryMiB}/${host}`;
    const found = this.templates.get(key);
    if (found) {
      // Most recently used last: the map's order is the eviction order.
      this.templates.delete(key);
      this.templates.set(key, found);
      return found;
    }
    this.evictTemplates(host);
    const vm = this.mem.createVm({ host, memoryMiB, salt: this.saltFor(img) });
    const p = img.profile;
    const pages = Math.min(p.bootPages, memoryMiB * 256);
    const seed = hash32(img.id);
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
    const t: TemplateVm = { imageId: img.id, memoryMiB, host, vm };
    this.templates.set(key, t);
    this.cluster.setTemplateOnHost(this.templateId(img.id, memoryMiB), host, true);
    // What building it costs in virtual time: the image's layers read from the datastore, then one boot.
    const buildMs = (img.size / (DATASTORE_MBPS * 1e6)) * 1000 + img.profile.bootMs;
    this.ctx.emit("cluster", "template-create", img.repoTags[0] ?? img.id, {
      image: img.id, host: this.hostNames[host], memoryMiB: String(memoryMiB), pages: String(pages), durationMs: buildMs.toFixed(0),
    });
    return t;
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
    this.cluster.setTemplateOnHost(this.templateId(t.imageId, t.memoryMiB), t.host, false);
  }

  /** Retires every template VM on `host` (it failed, went into maintenance, or the salting changed). */
  dropTemplatesOn(host: number): void {
    for (const [key, t] of [...this.templates]) if (t.host === host) this.retireTemplate(key, t);
  }

  /** Retires every template VM of an image being deleted, and forgets its template ids. */
  dropTemplatesOf(imageId: string): void {
    for (const [key, t] of [...this.templates]) if (t.imageId === imageId) this.retireTemplate(key, t);
    for (const key of [...this.templateIds.keys()]) if (key.startsWith(`${imageId}/`)) this.templateIds.delete(key);
  }

  /** Image ids of the template VMs on `host`. */
  templatesOn(host: number): string[] {
    return [...this.templates.values()].filter((t) => t.host === host).map((t) => t.imageId);
  }

  get tpsSalting(): TpsSalting {
    return this.salting;
  }

  /**
   * Changes the salting policy for VMs powered on from now on: template VMs carry the old salt and
   * clones inherit it, so they are retired (their frames live on in the running clones that share them).
   */
  setSalting(policy: TpsSalting): void {
    this.salting = policy;
    for (let h = 0; h < this.hostNames.length; h++) this.dropTemplatesOn(h);
  }

  private saltFor(img: ImageRecord): number | undefined {
    if (this.salting === "global") return 0;
    if (this.salting === "image") return (hash32(img.id) & 0x7fffffff) || 1;
    return undefined;
  }

  // ───────────── the cluster's hosts, DRS and HA settings ─────────────

  hostState(h: number): HostState {
    return this.cluster.hostState(h);
  }

  hostLoads(): HostLoad[] {
    return this.cluster.hostLoads();
  }

  hostMemory(h: number) {
    return this.mem.hostStats(h);
  }

  failHosts(hosts: number[]): FailoverPlan {
    return this.cluster.failHosts(hosts);
  }

  recoverHost(h: number): void {
    this.cluster.recoverHost(h);
  }

  maintenancePlan(h: number): MaintenancePlan {
    return this.cluster.maintenancePlan(h);
  }

  enterMaintenance(h: number): MaintenancePlan {
    return this.cluster.enterMaintenance(h);
  }

  exitMaintenance(h: number): void {
    this.cluster.exitMaintenance(h);
  }

  get migrationThreshold(): MigrationThreshold {
    return this.cluster.migrationThreshold;
  }

  get automation(): Automation {
    return this.cluster.automation;
  }

  setMigrationThreshold(t: MigrationThreshold): void {
    this.cluster.setMigrationThreshold(t);
  }

  setAutomation(a: Automation): void {
    this.cluster.setAutomation(a);
  }

  imbalance(): number {
    return this.cluster.imbalance();
  }

  targetImbalance(): number {
    return this.cluster.targetImbalance();
  }

  haAdmission(): HaAdmission {
    return this.cluster.haAdmission();
  }
}
