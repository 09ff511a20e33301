/**
 * The vSphere door's state for one VCH: the inventory, sessions, tasks, events and performance
 * manager, the objects sessions create, and one change signal that every VCH event and task step
 * raises, on which WaitForUpdates waits. `call` runs one vim25 method on one managed object.
 */
import type { VchEvent, VirtualContainerHostApi } from "../vch/types.js";
import { EventManager } from "./event_manager.js";
import { Inventory, type InventoryNames } from "./inventory.js";
import { ManagedObject, type Ctx } from "./managed.js";
import { PerformanceManager } from "./performance_manager.js";
import { PropertyCollector } from "./property_collector.js";
import {
  EVENT_MANAGER,
  PERF_MANAGER,
  PROPERTY_COLLECTOR,
  SERVICE_INSTANCE,
  SESSION_MANAGER,
  ServiceInstance,
  TASK_MANAGER,
  VIEW_MANAGER,
} from "./service_instance.js";
import { SessionManager, type Credentials, type Session } from "./session_manager.js";
import type { El } from "./soap.js";
import { TaskManager } from "./task.js";
import { VimFault, notAuthenticated, objectNotFound, Ref, type DataObject, type Value } from "./values.js";
import { ViewManager } from "./view_manager.js";

export const API_VERSION = "6.7";
export const PRIOR_API_VERSIONS = ["6.5", "6.0", "5.5"];

/** Methods a client may call before Login. */
const ANONYMOUS = new Set(["RetrieveServiceContent", "Login", "CurrentTime", "SessionIsActive"]);

/** Options of the vSphere door. */
export interface VsphereOptions extends Credentials {
  /** Datacenter name (default `DC0`). */
  datacenter?: string;
  /** Cluster name (default `C0`). */
  cluster?: string;
}

export class VsphereServer {
  readonly inventory: Inventory;
  readonly sessionManager: SessionManager;
  readonly tasks: TaskManager;
  readonly events: EventManager;
  readonly perf: PerformanceManager;
  readonly bootTime: number;
  readonly instanceUuid = crypto.randomUUID();
  private readonly singletons = new Map<string, ManagedObject>();
  /** Objects sessions created, by `type:id`, with the session that owns each. */
  private readonly created = new Map<string, { obj: ManagedObject; owner: Session }>();
  private readonly unsubscribe: () => void;
  private waiters = new Set<() => void>();
  version = 0;

  constructor(
    readonly vch: VirtualContainerHostApi,
    options: VsphereOptions = {},
  ) {
    const names: InventoryNames = { datacenter: options.datacenter ?? "DC0", cluster: options.cluster ?? "C0", imageStore: "images" };
    this.inventory = new Inventory(vch, names);
    this.bootTime = vch.now();
    this.sessionManager = new SessionManager(SESSION_MANAGER, { user: options.user, password: options.password });
    this.tasks = new TaskManager(TASK_MANAGER);
    this.events = new EventManager(EVENT_MANAGER);
    this.perf = new PerformanceManager(PERF_MANAGER, this);
    for (const o of [
      new ServiceInstance(SERVICE_INSTANCE),
      new PropertyCollector(PROPERTY_COLLECTOR, true),
      new ViewManager(VIEW_MANAGER),
      this.sessionManager,
      this.tasks,
      this.events,
      this.perf,
    ]) {
      this.singletons.set(o.ref.key, o);
    }
    const ctx: Ctx = { server: this, session: null };
    // The VCH's past events (its ring, or the state folder's) come first; live ones wait for them.
    const past = vch.events({ since: 0, until: vch.now() });
    let waiting: VchEvent[] | null = [];
    const take = (e: VchEvent): void => {
      this.inventory.markDirty(e);
      this.events.record(e, ctx);
      this.changed();
    };
    this.unsubscribe = vch.subscribe((e) => (waiting ? waiting.push(e) : take(e)));
    void (async () => {
      try {
        for await (const e of past) take(e);
      } finally {
        for (const e of waiting!) take(e);
        waiting = null;
      }
    })();
  }

  /** Stops following the VCH (the VCH itself stays open). */
  close(): void {
    this.unsubscribe();
    this.wake();
  }

  /** `AboutInfo` of the server (`VirtualCenter`) or of a host (`HostAgent`). */
  about(apiType: "VirtualCenter" | "HostAgent"): DataObject {
    const vc = apiType === "VirtualCenter";
    return {
      _type: "AboutInfo",
      name: vc ? "VMware vCenter Server" : "VMware ESXi",
      fullName: vc ? "VMware vCenter Server 6.7.0 build-vicsim (vicsim)" : "VMware ESXi 6.7.0 build-vicsim (vicsim)",
      vendor: "VMware, Inc.",
      version: "6.7.0",
      build: "vicsim",
      localeVersion: "INTL",
      localeBuild: "000",
      osType: vc ? "linux-x64" : "vmnix-x86",
      productLineId: vc ? "vpx" : "embeddedEsx",
      apiType,
      apiVersion: API_VERSION,
      instanceUuid: vc ? this.instanceUuid : undefined,
      licenseProductName: vc ? "VMware VirtualCenter Server" : "VMware ESX Server",
      licenseProductVersion: "6.0",
    };
  }

  // ───────────── change signal ─────────────

  /** Something a client may watch changed: wake every WaitForUpdates. */
  changed(): void {
    this.version++;
    this.wake();
  }

  wake(): void {
    const w = this.waiters;
    this.waiters = new Set();
    for (const f of w) f();
  }

  /** Resolves after the next change past `seen`, after `timeoutMs`, or when `cancelled()` turns true on a wake. */
  nextChange(seen: number, timeoutMs: number | undefined, cancelled: () => boolean): Promise<void> {
    if (this.version !== seen || cancelled()) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
      if (timeoutMs !== undefined) timer = setTimeout(done, Math.max(0, timeoutMs));
    });
  }

  // ───────────── objects ─────────────

  /** The object `ref` names for this caller: singletons, the inventory, tasks, and what its session created. */
  lookup(ref: Ref, ctx: Ctx): ManagedObject | undefined {
    const s = this.singletons.get(ref.key);
    if (s) return s;
    if (ref.type === "Task") return this.tasks.get(ref.value);
    const c = this.created.get(ref.key);
    if (c) return c.owner === ctx.session ? c.obj : undefined;
    return this.inventory.get(ref);
  }

  /** A new moref for an object a session creates, vCenter style: `session[key]uuid`. */
  newSessionRef(type: string, ctx: Ctx): Ref {
    return new Ref(type, `session[${ctx.session!.key}]${crypto.randomUUID()}`);
  }

  own(obj: ManagedObject, ctx: Ctx): void {
    this.created.set(obj.ref.key, { obj, owner: ctx.session! });
    ctx.session!.owned.add(obj.ref.key);
  }

  destroy(ref: Ref, ctx: Ctx): void {
    this.created.delete(ref.key);
    ctx.session?.owned.delete(ref.key);
  }

  /** Refs of the objects of `type` the caller's session created. */
  sessionObjects(ctx: Ctx, type: string): Ref[] {
    return [...(ctx.session?.owned ?? [])].map((k) => this.created.get(k)?.obj.ref).filter((r): r is Ref => !!r && r.type === type);
  }

  /** Logout: everything the session created goes with it. */
  endSession(session: Session): void {
    session.rootCollector?.cancel?.();
    for (const k of session.owned) {
      const c = this.created.get(k);
      const state = (c?.obj as { state?: (ctx: Ctx) => { cancel: (() => void) | null } }).state;
      if (c && c.obj instanceof PropertyCollector && state) state.call(c.obj, { server: this, session })?.cancel?.();
      this.created.delete(k);
    }
    session.owned.clear();
  }

  /** The session a cookie names, if it is live. */
  session(key: string | undefined): Session | undefined {
    return key ? this.sessionManager.sessions.get(key) : undefined;
  }

  /** Runs `method` on `_this` for the caller; faults are VimFaults. */
  async call(method: string, thisRef: Ref, args: El, ctx: Ctx): Promise<Value> {
    if (!ctx.session && !ANONYMOUS.has(method)) throw notAuthenticated(thisRef);
    if (ctx.session) {
      ctx.session.callCount++;
      ctx.session.lastActive = this.vch.now();
    }
    const obj = this.lookup(thisRef, ctx);
    if (!obj) throw objectNotFound(thisRef);
    return obj.invoke(method, args, ctx);
  }
}

export { VimFault };
