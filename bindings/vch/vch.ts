/**
 * Why this file is long: it is the facade, the one public surface of the VCH (about seventy
 * methods, each documented, the doors call them), and every mutating method is one transaction
 * here. Every subsystem lives in a module of its own; docs/architecture.md maps them.
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
 * One transaction per mutating call (`tx`): validate → apply (the modules change their state,
 * mark records dirty and queue events) → settle the clock (zero-delay guest work runs) → journal
 * (one store commit) → emit (ring and subscribers, after the commit). Timers that fire on their
 * own end the same way: the clock's settle journals and emits.
 */
import type { VchStore } from "../store/types.js";

import { ClusterOps } from "./cluster-ops.js";
import { VirtualClock } from "./clock.js";
import { type BuildSandbox, buildSandbox } from "./build-sandbox.js";

import { clusterVmSpec, MIN_MEMORY_MIB, NAME_RE, normaliseHosts, resolveHostConfig, validateModel } from "./config.js";
import { containerAttrs, type Container } from "./container.js";
import { ContainerVms } from "./container-vm.js";
import { ContainerFactory } from "./create.js";
import { VchContext } from "./context.js";
import { wasmEngines, type VchEngines } from "./engines.js";
import { conflict, invalid, notFound, notModified, VchError } from "./errors.js";
import { EventLog } from "./events.js";
import { Execs } from "./execs.js";
import { VchFilesystems } from "./filesystems.js";
import type { FileChange, PathStat } from "./fs-types.js";
import { noHostFolders, type HostFolders, type Layer } from "../fs/index.js";
import { checkFilterKeys, createdBefore, eventMatches, FILTER_KEYS, filterBool, labelsMatch, untilCutoff, type Filters } from "./filters.js";
import { parseTime } from "./format.js";
import { EmulatedGuest, type Guest } from "./guest.js";
import { RealGuestAdapter } from "../guests/real-adapter.js";

import { parseReference } from "./catalogue.js";
import { Images } from "./images.js";
import { ImageLayers } from "./image-layers.js";
import { Journal } from "./journal.js";
import { ContainerLifecycle } from "./lifecycle.js";
import { endpointRecord, Networks } from "./networks.js";
import { ContainerRegistry } from "./registry.js";
import { restore, serialise, type VchParts } from "./restore.js";
import { Rng } from "./rng.js";
import { sample, type StatsSample } from "./stats.js";
import { Stdio } from "./stdio.js";
import { Views } from "./views.js";
import type {
  AttachOptions, ContainerConfig, ContainerFilters, ContainerRecord, ContainerUpdate, RestartPolicy, DiskUsage, DrsAutomation, DrsPassResult, EndpointConfig,
  AddedImage, EventsOptions, ExecConfig, ExecRecord, ExecRun, HaPolicyModel, HostFailureResult, HostRef, ImageRecord, ImageRemoval, ListContainersOptions,
  LogsOptions, NetworkCreate, NetworkRecord, OutputChunk, PullProgress, TopResult, TpsSalting, VchEvent, VchInfo, VchOptions,
  VirtualContainerHostApi, VmMemory, VolumeCreate, VolumeRecord, KeptBuildStep,
} from "./types.js";
import { Volumes } from "./volumes.js";

/** Options of `open` beyond the public model: injected cores, guest, store. */
export interface VchOpenOptions extends VchOptions {
  /** The cores (default: the wasm ones). */
  engines?: Partial<VchEngines>;
  /** The guest implementation (default: the emulated guest). */
  guest?: Guest;
  /** A journal to use instead of the state folder (e.g. `new MemoryStore()` in a browser). */
  store?: VchStore;
  /** Host folders for bind mounts (Node's entry passes real folders; default: Docker's refusal). */
  hostFolders?: HostFolders;
}

/** A Virtual Container Host over a simulated vSphere cluster. Use `VirtualContainerHost.open`. */
export class VirtualContainerHost implements VirtualContainerHostApi {
  readonly name: string;
  readonly seed: number;
  private readonly ctx: VchContext;
  private readonly clock: VirtualClock;
  private readonly store: VchStore | null;
  private readonly eventLog: EventLog;
  private readonly registry = new ContainerRegistry();
  private readonly images: Images;
  private readonly vms: ContainerVms;
  private readonly nets = new Networks();
  private readonly vols = new Volumes();
  private readonly lifecycle: ContainerLifecycle;
  private readonly execs: Execs;
  private readonly clusterOps: ClusterOps;
  private readonly factory: ContainerFactory;
  private readonly stdio: Stdio;
  private readonly views: Views;
  private readonly parts: VchParts;
  /** The containers' files and the volumes (filesystems.ts). */
  private readonly fsys: VchFilesystems;

  private constructor(options: VchOpenOptions, engines: VchEngines, store: VchStore | null) {
    this.name = options.name ?? "vicsim";
    this.seed = options.seed ?? 1;
    this.clock = new VirtualClock(options.clock);
    this.store = store;
    const ctx = (this.ctx = new VchContext(this.clock, new Rng(this.seed)));
    if (options.minMemoryMiB !== undefined) ctx.minMemoryMiB = options.minMemoryMiB;
    this.eventLog = new EventLog(() => this.clock.now(), (e) => ctx.journal.journalEvent(e));
    const model = options.cluster ?? {};
    const hosts = normaliseHosts(model);
    // vSphere HA tolerates one host failure by default; a one-host cluster has nothing to fail over to.
    const haPolicy: HaPolicyModel = model.ha ?? (hosts.length > 1 ? { kind: "slots", failuresToTolerate: 1 } : { kind: "disabled" });
    const hostNames = hosts.map((h) => h.name);
    this.vms = new ContainerVms(ctx, engines, {
      hosts, salting: model.tps?.salting ?? "vm", tpsBudget: model.tps?.pagesPerScan ?? 65_536, vmotionMBps: model.vmotionMBps ?? 1250,
      threshold: model.drs?.threshold ?? 3, automation: model.drs?.automation ?? "fullyAutomated", ha: clusterHaPolicy(haPolicy, hostNames),
    });
    this.images = new Images(ctx, (id) => { this.vms.dropTemplatesOf(id); this.layerStore.forget(id); });
    // python/ruby/node programs in their images run on real runtimes; everything else on the emulated guest.
    const guest = options.guest ?? new RealGuestAdapter(new EmulatedGuest());
    this.stdio = new Stdio(ctx);
    this.fsys = new VchFilesystems({
      now: () => this.clock.now(), hostFolders: options.hostFolders ?? noHostFolders,
      changed: (key) => ctx.journal.mark("layer", key),
      wrote: (id, path, from, to) => { const c = this.registry.get(id); if (c) this.vms.pageCacheWrite(c, this.images.get(c.rec.imageId), path, from, to); },
    });
    this.lifecycle = new ContainerLifecycle({
      ctx, registry: this.registry, images: this.images, vms: this.vms, nets: this.nets, vols: this.vols, guest, stdio: this.stdio, fs: this.fsys,
      onFirstRun: () => this.clusterOps.armPeriodic(),
    });
    this.execs = new Execs(ctx, this.registry, this.lifecycle, guest);
    this.lifecycle.execs = this.execs;
    this.clusterOps = new ClusterOps(ctx, this.registry, this.images, this.vms, this.lifecycle, haPolicy, model.drs?.intervalMs ?? 300_000, model.tps?.intervalMs ?? 60_000);
    this.views = new Views(ctx, this.registry, this.images, this.vms, this.vols, this.lifecycle, this.clusterOps, this.eventLog);
    this.factory = new ContainerFactory(ctx, this.registry, this.images, this.vms, this.nets, this.vols, this.lifecycle);
    this.parts = {
      ctx, seed: this.seed, registry: this.registry, images: this.images, vms: this.vms, nets: this.nets, vols: this.vols,
      eventLog: this.eventLog, lifecycle: this.lifecycle, clusterOps: this.clusterOps, fs: this.fsys, buildSteps: new Map(),
    };
    ctx.journal = new Journal(store, this.eventLog, (kind, key) => serialise(this.parts, kind, key));
    this.clock.onSettled = () => ctx.journal.settled(this.clock.now());
  }

  /** Opens a VCH: a fresh one, or the one journaled in `stateDir` (containers come back per restart policy). */
  static async open(options: VchOpenOptions = {}): Promise<VirtualContainerHost> {
    validateModel(options.cluster ?? {});
    const minMiB = options.minMemoryMiB;
    if (minMiB !== undefined && !(Number.isInteger(minMiB) && minMiB >= 1 && minMiB <= MIN_MEMORY_MIB))
      throw invalid(`minMemoryMiB ${minMiB}: expected an integer from 1 to ${MIN_MEMORY_MIB} (MiB)`);
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
      const snapshot = store?.load();
      // Images made here get their layers back before any container of theirs is restored.
      for (const img of await vch.layerStore.hydrate((snapshot?.records.image.values() ?? []) as Iterable<ImageRecord>)) vch.fsys.defineImageLayers(img.id, img.layers);
      restore(vch.parts, snapshot);
      vch.ctx.settle();
    } catch (e) {
      store?.close();
      throw e;
    }
    return vch;
  }

  // ───────────────────────────── the transaction ─────────────────────────────

  /**
   * One transaction: `apply` validates (throwing before it changes anything) and applies; then the
   * clock settles (what is due now runs), the journal commits every dirty record and queued event
   * in one store commit, and the events are published. Settled even when `apply` throws after a
   * change (a failed power-on undoes itself; what did happen is journaled).
   */
  private tx<T>(apply: () => T): T {
    this.live();
    try {
      return apply();
    } finally {
      this.ctx.settle();
    }
  }

  /** The same for an operation that waits on virtual time (stop, restart): settled at its end. */
  private async txAsync<T>(apply: () => Promise<T>): Promise<T> {
    this.live();
    try {
      return await apply();
    } finally {
      if (!this.ctx.closed) this.ctx.settle();
    }
  }

  private live(): void {
    if (this.ctx.closed) throw new VchError("unavailable", "the Virtual Container Host is closed");
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
      let next = this.clusterOps.nextDeclaration();
      for (const c of this.lifecycle.restarting) if (c.rt.restartDue !== null) next = Math.min(next, c.rt.restartDue);
      for (const c of this.lifecycle.running) {
        if (!c.rec.state.Running || c.rt.frozen) continue;
        for (const due of c.rt.guestTimers.values()) next = Math.min(next, due);
      }
      if (next > end) break;
      this.clock.runUntil(Math.max(next, this.clock.now()));
    }
  }

  /**
   * Stops the clock (no host timer is left behind) and closes the journal; the VCH is unusable
   * afterwards. Pending `wait()`s (and stops waiting for an exit) reject with an `unavailable` VchError.
   */
  async close(): Promise<void> {
    if (this.ctx.closed) return;
    this.ctx.journal.commit();
    this.ctx.closed = true;
    this.clock.close();
    this.clusterOps.close();
    for (const c of this.registry.all()) {
      c.rt.process?.release?.(); // a real guest's worker ends with the VCH; the journal keeps the container running
      for (const l of c.rt.listeners) l(null);
      c.rt.listeners.clear();
      const waiters = c.rt.waiters;
      c.rt.waiters = [];
      for (const w of waiters) w.reject(new VchError("unavailable", "the Virtual Container Host is closing"));
    }
    this.ctx.journal.close();
  }

  // ───────────────────────────── images ─────────────────────────────

  /** Pulls an image (from the built-in catalogue; any other name the registry model has gets a deterministic profile). */
  async pullImage(ref: string, onProgress?: (p: PullProgress) => void): Promise<ImageRecord> {
    this.live();
    // The config document names the layers by diff id (the sha256 of their tars), so it is made first.
    const { repo, tag, image } = this.images.served(ref);
    const document = await this.layerStore.pulledConfig(repo, tag, image.config, image.created);
    return this.tx(() => structuredClone(this.images.pull(ref, document, onProgress ?? (() => {})).image));
  }

  /** Every image, newest first. */
  listImages(): ImageRecord[] {
    return [...this.images.all()].map((i) => structuredClone(i)).sort((a, b) => b.created - a.created || a.id.localeCompare(b.id));
  }

  /** An image by `name[:tag]`, `sha256:` id, or unique id prefix; throws `No such image`. */
  getImage(ref: string): ImageRecord {
    return structuredClone(this.images.resolve(ref));
  }

  /** Tags an image as `repo:tag` (moving the tag if another image had it). */
  tagImage(ref: string, repo: string, tag = "latest"): void {
    this.tx(() => {
      const img = this.images.resolve(ref);
      const parsed = this.images.parseRef(`${repo}:${tag || "latest"}`);
      const key = `${parsed.repo}:${parsed.tag}`;
      this.images.setTag(key, img.id);
      this.ctx.emit("image", "tag", img.id, { name: key });
    });
  }

  // ── images made here (docker build, load, import, commit): their layers live in `layerStore` ──
  private readonly layerStore = new ImageLayers();

  /** Registers an image made here under `tags`; its template VM profile is its base's with its layers on top. */
  addImage(image: AddedImage, options: { tags?: string[]; action: "build" | "load" | "import" | "commit"; commit?: { container: string; comment?: string } }): ImageRecord {
    return this.tx(() => {
      const keys = (options.tags ?? []).map((t) => {
        const { repo, tag } = this.images.parseRef(t);
        return `${repo}:${tag}`;
      });
      // An image already here (a `docker load` of a saved image that was not removed) keeps its record and layers.
      let rec = this.images.get(image.id);
      if (!rec) {
        const { rootfs, profile, size } = this.layerStore.describe(image);
        this.fsys.defineImageLayers(image.id, image.layers.map((l) => l.layer).reverse());
        rec = this.images.add({
          id: image.id, repoTags: [], repoDigests: [], created: image.created, size, architecture: image.architecture, os: image.os,
          config: image.config, profile, rootfs,
        });
      }
      if (options.action === "load" || options.action === "import") this.ctx.emit("image", options.action, rec.id, { name: keys[0] ?? rec.id });
      for (const key of keys) {
        this.images.setTag(key, rec.id);
        this.ctx.emit("image", "tag", rec.id, { name: key });
      }
      // dockerd logs the container's `commit` after tagging the new image.
      if (options.commit) {
        const c = this.container(options.commit.container);
        this.ctx.emit("container", "commit", c.rec.id, { ...containerAttrs(c), comment: options.commit.comment ?? "", imageID: rec.id, imageRef: keys[0] ?? "" });
      }
      return structuredClone(rec);
    });
  }

  /** An image's root filesystem layers, top first (shared, read-only). */
  async imageLayers(ref: string): Promise<Layer[]> {
    return this.layerStore.of(this.images.resolve(ref));
  }

  /** The catalogue's shared layers, bottom first, under the layers `diffIds` names (bottom first), or null. */
  async catalogueBase(diffIds: string[], tags: string[] = []): Promise<Layer[] | null> {
    return this.layerStore.catalogueBase(diffIds, tags);
  }

  keptBuildSteps(): Map<string, KeptBuildStep> {
    return new Map(this.parts.buildSteps);
  }

  keepBuildStep(key: string, step: KeptBuildStep | null): void {
    // Without a journal there is no restart to outlive: the builder's own cache holds its steps.
    if (!this.ctx.journal.durable) return;
    this.tx(() => {
      if (step) {
        this.parts.buildSteps.set(key, { ...step });
        this.ctx.journal.mark("build", key);
      } else if (this.parts.buildSteps.delete(key)) this.ctx.journal.unmark("build", key);
    });
  }

  buildSandbox(o: { networkMode: string; extraHosts: string[] }): BuildSandbox {
    return buildSandbox(o, { network: (ref) => this.nets.resolve(ref), container: (ref) => this.container(ref) }, this.lifecycle.netDeps);
  }

  /** Removes a tag or an image (`docker rmi`); refused while a container uses it unless forced. */
  removeImage(ref: string, options: { force?: boolean; noprune?: boolean } = {}): ImageRemoval {
    return this.tx(() => {
      const img = this.images.resolve(ref);
      const id = img.id;
      const short = id.slice(7, 19);
      const users = this.registry.usersOfImage(id);
      const byTag = this.images.tagKeyOf(ref);
      const result: ImageRemoval = { untagged: [], deleted: [] };
      if (byTag && img.repoTags.length > 1) {
        // Only the tag goes; the image keeps its other names.
        this.images.dropTag(byTag, result);
        return result;
      }
      if (!byTag && img.repoTags.length > 1 && !options.force) {
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
      for (const t of [...img.repoTags]) this.images.dropTag(t, result);
      this.images.delete(id, result);
      return result;
    });
  }

  distribution(ref: string): { digest: string; mediaType: string; size: number; platforms: { os: string; architecture: string }[] } {
    return this.images.distribution(ref);
  }

  /** Removes dangling images (no tag, no container); `dangling: false` removes every unused image. */
  pruneImages(options: { dangling?: boolean; filters?: Filters } = {}): { untagged: string[]; deleted: string[]; spaceReclaimed: number } {
    return this.tx(() => {
      const filters = options.filters ?? {};
      checkFilterKeys(filters, FILTER_KEYS.imagePrune);
      const cutoff = untilCutoff(filters.until, this.now());
      const dangling = filters.dangling?.length ? filterBool("dangling", filters.dangling[0]) : (options.dangling ?? true);
      const result: ImageRemoval = { untagged: [], deleted: [] };
      let space = 0;
      for (const img of [...this.images.all()]) {
        if (this.registry.imageInUse(img.id)) continue;
        if (dangling && img.repoTags.length) continue;
        if (!labelsMatch(filters, img.config.Labels) || !createdBefore(img.created * 1000, cutoff)) continue;
        for (const t of [...img.repoTags]) this.images.dropTag(t, result);
        space += img.size;
        this.images.delete(img.id, result);
      }
      return { untagged: result.untagged, deleted: result.deleted, spaceReclaimed: space };
    });
  }

  // ───────────────────────────── containers ─────────────────────────────

  /** Creates a container (Docker's create body); its container VM is registered, powered off. */
  createContainer(config: ContainerConfig, name?: string): ContainerRecord {
    return this.tx(() => this.view(this.factory.create(config, name)));
  }

  /** Creates a container as `createContainer` does and returns only its id (no copy of its record made). */
  createContainerId(config: ContainerConfig, name?: string): string {
    return this.tx(() => this.factory.create(config, name).rec.id);
  }

  /** Starts a container; resolves when it runs (or has already exited). `notModified` if running. */
  async start(ref: string): Promise<void> {
    this.tx(() => this.lifecycle.start(this.container(ref)));
  }

  /** Stops a container: SIGTERM (or its stop signal), SIGKILL after `timeout` seconds. */
  async stop(ref: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    await this.txAsync(() => this.lifecycle.stop(this.container(ref), options));
  }

  /** Sends a signal (default SIGKILL) to a running container. */
  kill(ref: string, signal: string | number = "SIGKILL"): void {
    this.tx(() => this.lifecycle.kill(this.container(ref), ref, signal));
  }

  /** Stops (if running) and starts a container; emits `restart`. */
  async restart(ref: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    await this.txAsync(() => this.lifecycle.restart(this.container(ref), ref, options));
  }

  /** Freezes a running container (its container VM stops dirtying memory). */
  pause(ref: string): void {
    this.tx(() => this.lifecycle.pause(this.container(ref)));
  }

  /** Thaws a paused container (what came due while frozen runs now). */
  unpause(ref: string): void {
    this.tx(() => this.lifecycle.unpause(this.container(ref)));
  }

  /** Waits for a condition: `not-running` (default), `next-exit` or `removed`. */
  wait(ref: string, condition: "not-running" | "next-exit" | "removed" = "not-running", signal?: AbortSignal): Promise<{ StatusCode: number }> {
    this.live();
    return this.lifecycle.wait(this.container(ref), condition, signal);
  }

  /** Removes a container; a running one only when forced (SIGKILL first). */
  remove(ref: string, options: { force?: boolean; volumes?: boolean } = {}): void {
    this.tx(() => this.lifecycle.remove(this.container(ref), options));
  }

  /** Renames a container. */
  rename(ref: string, newName: string): void {
    this.tx(() => {
      const c = this.container(ref);
      if (!newName || !NAME_RE.test(newName)) throw invalid(`Invalid container name (${newName}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      const clean = newName.replace(/^\//, "");
      const old = c.rec.name.slice(1);
      if (clean === old) throw conflict(`Renaming a container with the same name as its current name`);
      this.factory.checkNameFree(clean);
      this.registry.renamed(c, clean);
      c.rec.name = `/${clean}`;
      this.ctx.markContainer(c);
      this.ctx.emit("container", "rename", c.rec.id, { ...containerAttrs(c), oldName: `/${old}` });
    });
  }

  removeLink(parent: string, alias: string): void {
    this.tx(() => {
      const c = this.container(parent);
      const links = (c.rec.hostConfig.Links as string[] | null | undefined) ?? [];
      // Links are kept as NAME:ALIAS (docker-py, the CLI); a link without an alias is its name.
      const keep = links.filter((l) => (l.includes(":") ? l.slice(l.lastIndexOf(":") + 1) : l).replace(/^.*\//, "") !== alias);
      if (keep.length === links.length) throw notFound(`Could not find entity for ${c.rec.name}/${alias}`);
      c.rec.hostConfig = { ...c.rec.hostConfig, Links: keep };
      this.ctx.markContainer(c);
    });
  }

  updateContainer(ref: string, update: ContainerUpdate): string[] {
    return this.tx(() => {
      const c = this.container(ref);
      // The new host config checked as a create's is, before anything changes.
      const given = Object.fromEntries(Object.entries(update ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== 0 && v !== ""));
      if (given.RestartPolicy && !(given.RestartPolicy as RestartPolicy).Name) delete given.RestartPolicy;
      const hc = resolveHostConfig({ ...c.rec.hostConfig, ...given }, this.ctx.minMemoryMiB);
      if (c.rec.hostConfig.AutoRemove && given.RestartPolicy && !["", "no"].includes((given.RestartPolicy as RestartPolicy).Name))
        throw invalid("Restart policy cannot be updated because AutoRemove is enabled for the container");
      const img = this.images.get(c.rec.imageId);
      if (img) this.vms.reallocate(c, clusterVmSpec(hc, c.rec.config.Labels ?? {}, img.profile, -1, c.rec.name.slice(1)));
      c.rec.hostConfig = hc;
      this.ctx.markContainer(c);
      this.ctx.emit("container", "update", c.rec.id, containerAttrs(c));
      return [];
    });
  }

  /** A container by full id, unique id prefix, name or `/name`. */
  getContainer(ref: string): ContainerRecord {
    return this.view(this.container(ref));
  }

  /** `docker ps`: running containers (all with `all`), newest first, with Docker's filters. */
  listContainers(options: ListContainersOptions = {}): ContainerRecord[] {
    return this.views.list(options);
  }

  /** Removes every stopped container (`docker container prune`; filters until, label, label!). */
  pruneContainers(options: { filters?: ContainerFilters } = {}): { deleted: string[]; spaceReclaimed: number } {
    return this.tx(() => {
      const filters = options.filters ?? {};
      checkFilterKeys(filters, FILTER_KEYS.containerPrune);
      const cutoff = untilCutoff(filters.until, this.now());
      const deleted: string[] = [];
      let space = 0;
      for (const c of [...this.registry.all()]) {
        const s = c.rec.state;
        if (c.removed || s.Running || s.Restarting || s.Status === "removing") continue;
        if (!labelsMatch(filters, c.rec.config.Labels) || !createdBefore(parseTime(c.rec.created), cutoff)) continue;
        space += this.fsys.sizeRw(c);
        this.lifecycle.destroy(c, false);
        deleted.push(c.rec.id);
      }
      return { deleted, spaceReclaimed: space };
    });
  }

  // ───────────────────────────── IO ─────────────────────────────

  /** Attaches to a container's output: replays with `logs`, follows with `stream` until it stops. */
  attach(ref: string, options: AttachOptions = {}): AsyncIterable<OutputChunk> {
    return this.tx(() => this.stdio.attach(this.container(ref), options));
  }

  /** Sends bytes to the container's stdin (kept until it starts when it has not yet). */
  writeStdin(ref: string, data: Uint8Array): void {
    this.tx(() => this.stdio.writeStdin(this.container(ref), data));
  }

  /** Closes the container's stdin. */
  closeStdin(ref: string): void {
    this.tx(() => this.stdio.closeStdin(this.container(ref)));
  }

  /** `docker logs`: stdout/stderr with times (virtual ms), optionally following. */
  logs(ref: string, options: LogsOptions = {}): AsyncIterable<OutputChunk> {
    return this.stdio.logs(this.container(ref), options);
  }

  /** A neutral stats sample: CPU ns used so far (reading changes nothing), the last tick's sample, memory pages. */
  statsSample(ref: string): StatsSample {
    const c = this.container(ref);
    return sample(c, this.lifecycle, this.vms.vmStats(c), this.now());
  }


  /** `docker top`: the guest's process table. */
  top(ref: string, _psArgs?: string): TopResult {
    const c = this.container(ref);
    if (!c.rec.state.Running) throw conflict(`Container ${c.rec.id} is not running`);
    const started = new Date(parseTime(c.rec.state.StartedAt) ?? this.now()).toISOString().slice(11, 16);
    const rows: string[][] = [];
    const basePid = c.rec.state.Pid;
    for (const [pid, cmd] of c.rt.process?.processes() ?? []) rows.push(["root", String(basePid + pid - 1), "0", "0", started, "?", "00:00:00", cmd]);
    rows.push(...this.execs.topRows(c, started));
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
    return this.tx(() => this.execs.create(this.container(ref), config));
  }

  /** Starts an exec: output until the process exits, and its exit code (set before the output ends). */
  startExec(id: string, options: { detach?: boolean; stdin?: AsyncIterable<Uint8Array> } = {}): ExecRun {
    return this.tx(() => this.execs.start(id, options));
  }

  /** Docker's exec inspect. */
  inspectExec(id: string): ExecRecord {
    return this.execs.inspect(id);
  }

  /** Resizes an exec's TTY. */
  resizeExec(id: string, height: number, width: number): void {
    this.execs.resize(id, height, width);
  }

  // ───────────────────────────── events ─────────────────────────────

  /** Events from the ring (since/until, virtual ms) then live ones, ending at `until`. */
  events(options: EventsOptions = {}): AsyncIterable<VchEvent> {
    const filters = options.filters ?? {};
    // The end comes after the settle that reaches `until` has published its events: events are
    // published once journaled, at the end of the settle, so ending in the timer itself would drop
    // the ones stamped before `until` by timers of the same settle.
    return this.eventLog.reader(options, (e) => eventMatches(e, filters), (ms, fn) => this.clock.after(ms, () => queueMicrotask(fn)));
  }

  /** Calls `listener` for every new event; returns the unsubscribe function. */
  subscribe(listener: (event: VchEvent) => void): () => void {
    return this.eventLog.subscribe(listener);
  }

  // ───────────────────────────── cluster ─────────────────────────────

  /** The cluster as `docker info` and a vSphere client would show it. */
  info(): VchInfo {
    return this.views.info(this.name);
  }

  /**
   * A host fails: its container VMs stop at once (exit 255, `host Hn failed`) and `host-failed` is
   * emitted. HA declares the host dead after the placement core's `declaredDeadAfterMs` (15 s of
   * virtual time) and then restarts them on the survivors by priority (`ha-restart`), reporting
   * the ones it cannot restart (`ha-restart-failed`). The core reserves the failover placements now,
   * so nothing new takes their room meanwhile.
   */
  failHost(host: HostRef): HostFailureResult {
    return this.tx(() => this.clusterOps.failHost(host));
  }

  /**
   * A failed host comes back, empty. Before HA declared it dead, nothing restarts elsewhere: its
   * container VMs restart on it (`ha-restart` from and to the same host).
   */
  recoverHost(host: HostRef): void {
    this.tx(() => this.clusterOps.recoverHost(host));
  }

  /** Evacuates a host by vMotion (pre-copy cost per move) and puts it in maintenance mode. */
  enterMaintenance(host: HostRef): { moved: { container: string; to: string }[] } {
    return this.tx(() => this.clusterOps.enterMaintenance(host));
  }

  /** Takes a host out of maintenance mode. */
  exitMaintenance(host: HostRef): void {
    this.tx(() => this.clusterOps.exitMaintenance(host));
  }

  /** Changes DRS settings (journaled). */
  setDrs(options: { threshold?: 1 | 2 | 3 | 4 | 5; automation?: DrsAutomation }): void {
    this.tx(() => this.clusterOps.setDrs(options));
  }

  /**
   * Changes the TPS salting policy (journaled). Like ESXi's Mem.ShareForceSalting it applies when a
   * VM powers on: container VMs started from now on (and their template VMs, rebuilt under the new
   * policy) get it; running ones keep their salt until they restart, because the memory engine has
   * no operation to re-salt a live VM.
   */
  setSalting(policy: TpsSalting): void {
    this.tx(() => this.clusterOps.setSalting(policy));
  }

  /** Runs a DRS pass now: migrations are applied in fully automated mode, recommended otherwise. */
  drsNow(): DrsPassResult {
    return this.tx(() => this.clusterOps.drsPass());
  }

  /** Runs a TPS scan of every connected host now. */
  tpsNow(): { scanned: number; merged: number } {
    return this.tx(() => this.vms.tpsPass());
  }

  // ───────────── for the vSphere door: vMotion to a chosen host, memory without CPU accounting ─────────────

  /**
   * vMotion of a powered-on container VM to `host`, as vCenter's MigrateVM does (pre-copy model,
   * a `drs-migrate` event with reason `user`). Throws a conflict when the VM is not running or the
   * host cannot take it (the VM then stays where it was).
   */
  migrateContainer(ref: string, host: HostRef): { from: string; to: string } {
    return this.tx(() => this.clusterOps.migrateContainer(this.container(ref), host));
  }

  /** The container VM's memory in pages (vSphere's counter names) without touching Docker's CPU deltas; null without a VM. */
  vmMemory(ref: string): VmMemory | null {
    return this.vms.vmStats(this.container(ref));
  }

  /** The container VM's CPU use in MHz, as the placement engine entitles it; null when it is not placed on a host. */
  vmCpuMHz(ref: string): number | null {
    return this.vms.vmCpuMHz(this.container(ref));
  }

  /** `docker system df`. */
  diskUsage(): DiskUsage {
    return this.views.diskUsage();
  }

  // ───────────────────────────── networks ─────────────────────────────

  /** Every network (filters: name, id, driver, label, type). */
  listNetworks(filters: Record<string, string[]> = {}): NetworkRecord[] {
    return this.nets.list(filters, this.registry.networksInUse());
  }

  /** Creates a network (bridge driver, next free 172.x.0.0/16). */
  createNetwork(body: NetworkCreate): NetworkRecord {
    return this.tx(() => {
      const n = this.nets.create(body, this.ctx.rng, this.now());
      this.ctx.journal.mark("network", n.Id);
      this.ctx.emit("network", "create", n.Id, { name: n.Name, type: n.Driver });
      return this.nets.view(n);
    });
  }

  /** A network by id, id prefix or name. */
  getNetwork(ref: string): NetworkRecord {
    return this.nets.view(this.nets.resolve(ref));
  }

  /** Removes a network; refused for predefined ones and while containers are attached. */
  removeNetwork(ref: string): void {
    this.tx(() => {
      const n = this.nets.remove(ref, this.registry.networksInUse());
      this.ctx.journal.unmark("network", n.Id);
      this.ctx.emit("network", "destroy", n.Id, { name: n.Name, type: n.Driver });
    });
  }

  /** Connects a container to a network (an address at once if it runs). */
  connectNetwork(network: string, container: string, config: EndpointConfig = {}): void {
    this.tx(() => {
      const n = this.nets.resolve(network);
      const c = this.container(container);
      if (n.Name in c.rec.networks) throw conflict(`endpoint with name ${c.rec.name.slice(1)} already exists in network ${n.Name}`);
      const mode = String(c.rec.hostConfig.NetworkMode);
      if (mode === "host" || mode === "none" || n.Name === "host" || n.Name === "none") {
        throw invalid(`container cannot be disconnected from host network or connected to host network`);
      }
      c.rec.networks[n.Name] = endpointRecord(n.Id, config);
      this.registry.connected(c, n.Name);
      if (c.rec.state.Running) this.lifecycle.attachEndpoint(c, n.Name);
      this.ctx.markContainer(c);
    });
  }

  /** Disconnects a container from a network. */
  disconnectNetwork(network: string, container: string, _force = false): void {
    this.tx(() => {
      const n = this.nets.resolve(network);
      const c = this.container(container);
      if (!(n.Name in c.rec.networks)) throw notFound(`container ${c.rec.id} is not connected to network ${n.Name}`);
      if (c.rec.state.Running) this.lifecycle.detachEndpoint(c, n.Name);
      delete c.rec.networks[n.Name];
      this.registry.disconnected(c, n.Name);
      this.ctx.markContainer(c);
    });
  }

  /** Removes unused custom networks. */
  pruneNetworks(options: { filters?: Filters } = {}): { deleted: string[] } {
    return this.tx(() => {
      const deleted = this.nets.prune(options.filters ?? {}, this.now(), this.registry.networksInUse());
      for (const n of deleted) {
        this.ctx.journal.unmark("network", n.Id);
        this.ctx.emit("network", "destroy", n.Id, { name: n.Name, type: n.Driver });
      }
      return { deleted: deleted.map((n) => n.Name) };
    });
  }

  // ───────────────────────────── volumes ─────────────────────────────

  /** Every volume (filters: name, label, dangling, driver). */
  listVolumes(filters: Record<string, string[]> = {}): VolumeRecord[] {
    return this.vols.list(filters, this.registry.volumesInUse());
  }

  /** Creates a volume (a random name when none is given); creating an existing name returns it. */
  createVolume(body: VolumeCreate = {}): VolumeRecord {
    return this.tx(() => {
      const { volume, created } = this.vols.create(body, this.ctx.rng, this.now());
      if (created) {
        this.ctx.journal.mark("volume", volume.Name);
        this.ctx.emit("volume", "create", volume.Name, { driver: "local" });
      }
      return structuredClone(volume);
    });
  }

  /** A volume by name. */
  getVolume(name: string): VolumeRecord {
    const v = this.vols.get(name);
    if (!v) throw notFound(`get ${name}: no such volume`);
    return structuredClone(v);
  }

  /** Removes a volume; refused while a container uses it. */
  removeVolume(name: string, force = false): void {
    this.tx(() => {
      if (this.vols.remove(name, force, this.registry.volumeUsers(name))) this.lifecycle.volumeDeleted(name);
    });
  }

  /** Removes unused anonymous volumes (every unused one with `all`). */
  pruneVolumes(options: { all?: boolean; filters?: Filters } = {}): { deleted: string[]; spaceReclaimed: number } {
    return this.tx(() => {
      const deleted = this.vols.prune(options, this.registry.volumesInUse());
      const space = deleted.reduce((sum, name) => sum + this.fsys.volumeSize(name), 0);
      for (const name of deleted) this.lifecycle.volumeDeleted(name);
      return { deleted, spaceReclaimed: space };
    });
  }

  // ───────────────────────────── container files (filesystems.ts) ─────────────────────────────

  /** `HEAD /containers/{id}/archive`: the stat of a path in the container. */
  statPath(ref: string, path: string): PathStat {
    const c = this.container(ref);
    return this.tx(() => this.fsys.stat(this.lifecycle.filesOf(c), ref, path));
  }

  /** `GET /containers/{id}/archive` (`docker cp CONTAINER:path`): the path's stat and its tar. */
  async getArchive(ref: string, path: string): Promise<{ stat: PathStat; tar: Uint8Array }> {
    const c = this.container(ref);
    return this.txAsync(() => this.fsys.archive(this.lifecycle.filesOf(c), ref, path));
  }

  /** `PUT /containers/{id}/archive` (`docker cp … CONTAINER:dir`): extracts a tar into a directory. */
  async putArchive(ref: string, path: string, tar: Uint8Array, options: { copyUIDGID?: boolean; noOverwriteDirNonDir?: boolean } = {}): Promise<void> {
    const c = this.container(ref);
    await this.txAsync(() => this.fsys.extract(c, this.lifecycle.filesOf(c), ref, path, tar, !!options.copyUIDGID, !!options.noOverwriteDirNonDir));
  }

  /** `docker export`: the container's merged tree as a tar (volumes and bind mounts left out). */
  async exportContainer(ref: string): Promise<Uint8Array> {
    const c = this.container(ref);
    return this.txAsync(() => this.fsys.exportTar(this.lifecycle.filesOf(c)));
  }

  /** `docker diff`: what the container's layer changed against its image. */
  containerChanges(ref: string): FileChange[] {
    const c = this.container(ref);
    return this.tx(() => this.fsys.changes(this.lifecycle.filesOf(c)));
  }

  /** The container's writable layer as an image layer, top of `imageLayers` (`docker commit`; a copy). */
  containerLayer(ref: string): { layer: Layer; imageLayers: Layer[] } {
    const c = this.container(ref);
    return this.tx(() => ({ layer: this.fsys.layerForCommit(c, this.images.get(c.rec.imageId), this.lifecycle.hostsFile(c)), imageLayers: this.fsys.imageLayers(this.images.get(c.rec.imageId)) }));
  }

  /** Registers the layers (top first) of an image made here (`docker build`, `commit`, `load`). */
  defineImageLayers(imageId: string, layers: Layer[]): void {
    this.fsys.defineImageLayers(imageId, layers);
  }

  // ───────────────────────────── lookups and views ─────────────────────────────

  private container(ref: string): Container {
    return this.registry.resolve(ref);
  }

  private view(c: Container): ContainerRecord {
    return this.views.view(c);
  }
}

// ───────────────────────────── helpers ─────────────────────────────

function clusterHaPolicy(p: HaPolicyModel, hostNames: string[]) {
  if (p.kind !== "failoverHosts") return p;
  return {
    kind: "failoverHosts" as const,
    hosts: p.hosts.map((h) => {
      const i = typeof h === "number" ? h : hostNames.indexOf(h);
      if (i < 0 || i >= hostNames.length) throw invalid(`HA failover host ${h} is not a host of the cluster`);
      return i;
    }),
  };
}

