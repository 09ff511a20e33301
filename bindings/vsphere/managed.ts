/**
 * What every managed object of the door shares: its reference, a table of property getters
 * (nested paths walk the data object a getter returns), a table of methods, vim25's type
 * hierarchy for PropertySpec.type and TraversalSpec.type matching, and ManagedEntity's properties.
 */
import type { El } from "./soap.js";
import { Arr, Enum, Ref, VimFault, invalidProperty, type DataObject, type Value } from "./values.js";
import type { Session } from "./session_manager.js";
import type { VsphereServer } from "./server.js";

/** What a property getter or a method sees besides its object. */
export interface Ctx {
  server: VsphereServer;
  /** null only for the few calls allowed before Login; Login and Logout change it. */
  session: Session | null;
  userAgent?: string;
  ip?: string;
  /** Aborts when the client has gone: a blocked WaitForUpdates gives up. */
  signal?: AbortSignal;
}

export type Getter<T> = (o: T, ctx: Ctx) => Value;
export type Method<T> = (o: T, args: El, ctx: Ctx) => Value | Promise<Value>;

/** vim25 supertypes of the types this door serves (ManagedEntity ⊃ ComputeResource ⊃ ClusterComputeResource, …). */
const SUPERTYPE: Record<string, string> = {
  ManagedEntity: "ExtensibleManagedObject",
  Folder: "ManagedEntity",
  Datacenter: "ManagedEntity",
  ComputeResource: "ManagedEntity",
  ClusterComputeResource: "ComputeResource",
  HostSystem: "ManagedEntity",
  ResourcePool: "ManagedEntity",
  VirtualApp: "ResourcePool",
  VirtualMachine: "ManagedEntity",
  Datastore: "ManagedEntity",
  Network: "ManagedEntity",
  DistributedVirtualPortgroup: "Network",
  Task: "ExtensibleManagedObject",
  ContainerView: "ManagedObjectView",
  ManagedObjectView: "View",
  EventHistoryCollector: "HistoryCollector",
};

/** True when `type` is `base` or one of its subtypes. */
export function isA(type: string, base: string): boolean {
  for (let t: string | undefined = type; t; t = SUPERTYPE[t]) if (t === base) return true;
  return false;
}

/** A managed object: `getters` and `methods` are static tables shared by every object of a type. */
export abstract class ManagedObject {
  abstract readonly getters: Record<string, Getter<never>>;
  readonly methods: Record<string, Method<never>> = {};
  constructor(readonly ref: Ref) {}

  get type(): string {
    return this.ref.type;
  }

  /** Names `all=true` returns (those with a getter, nested fast paths excluded). */
  propertyNames(): string[] {
    return Object.keys(this.getters).filter((k) => !k.includes("."));
  }

  /** The value at `path` (`summary.config.name`); undefined when unset; InvalidProperty when the type has no such property. */
  read(path: string, ctx: Ctx): Value {
    const g = this.getters as Record<string, Getter<this>>;
    const direct = g[path];
    if (direct) return direct(this, ctx);
    const dot = path.indexOf(".");
    const top = dot < 0 ? undefined : g[path.slice(0, dot)];
    if (!top) throw invalidProperty(path);
    let v: Value = top(this, ctx);
    for (const part of path.slice(dot + 1).split(".")) {
      if (v === undefined || v === null) return undefined;
      if (typeof v !== "object" || v instanceof Ref || v instanceof Enum || v instanceof Date || Array.isArray(v) || !("_type" in v)) throw invalidProperty(path);
      v = (v as DataObject)[part];
    }
    return v;
  }

  /** Runs a method of this object's type; InvalidRequest (vCenter's answer) for methods it does not have. */
  invoke(method: string, args: El, ctx: Ctx): Value | Promise<Value> {
    const m = (this.methods as Record<string, Method<this>>)[method];
    if (!m) throw new VimFault("InvalidRequest", `${method} is not a method of ${this.type}`);
    return m(this, args, ctx);
  }
}

const GREEN = new Enum("ManagedEntityStatus", "green");

/** ManagedEntity: name, parent and status; subclasses add theirs. */
export abstract class ManagedEntity extends ManagedObject {
  abstract name(ctx: Ctx): string;
  abstract parent(ctx: Ctx): Ref | undefined;
  /** Entities below this one in the inventory (what a recursive ContainerView walks). */
  contents(_ctx: Ctx): Ref[] {
    return [];
  }
  overallStatus(_ctx: Ctx): Enum {
    return GREEN;
  }
}

export const entityGetters: Record<string, Getter<ManagedEntity>> = {
  name: (o, ctx) => o.name(ctx),
  parent: (o, ctx) => o.parent(ctx),
  overallStatus: (o, ctx) => o.overallStatus(ctx),
  configStatus: () => GREEN,
  alarmActionsEnabled: () => true,
  value: () => new Arr("CustomFieldValue", []),
  availableField: () => new Arr("CustomFieldDef", []),
};
