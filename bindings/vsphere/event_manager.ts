/**
 * EventManager and EventHistoryCollector: the VCH's event stream in vSphere's event types
 * (VmPoweredOnEvent, DrsVmMigratedEvent, VmRestartedOnAlternateHostEvent, EnteredMaintenanceModeEvent,
 * HostConnectionLostEvent, …). A collector filters by entity (self, children or all below it) and
 * event type, and shows the newest `pageSize` events as `latestPage`, newest first.
 */
import type { VchEvent } from "../vch/types.js";
import { ManagedEntity, ManagedObject, type Ctx, type Getter, type Method } from "./managed.js";
import { CLUSTER, DATACENTER } from "./inventory.js";
import { child, childrenNamed, intOf, refChild, textOf } from "./soap.js";
import { Arr, Ref, VimFault, type DataObject } from "./values.js";

const KEEP = 10_000;

/** Event types this door emits, with their category (what `govc events` prints beside each). */
const EVENT_INFO: [string, "info" | "warning" | "error", string][] = [
  ["VmCreatedEvent", "info", "Created virtual machine"],
  ["VmStartingEvent", "info", "VM is starting"],
  ["VmPoweredOnEvent", "info", "VM powered on"],
  ["VmPoweredOffEvent", "info", "VM powered off"],
  ["VmSuspendedEvent", "info", "VM suspended"],
  ["VmResumingEvent", "info", "VM resuming"],
  ["VmResettingEvent", "info", "VM resetting"],
  ["VmRemovedEvent", "info", "VM removed"],
  ["VmRenamedEvent", "info", "VM renamed"],
  ["VmMigratedEvent", "info", "VM migrated"],
  ["DrsVmMigratedEvent", "info", "DRS VM migrated"],
  ["VmRestartedOnAlternateHostEvent", "info", "VM restarted on alternate host"],
  ["VmFailoverFailed", "error", "vSphere HA virtual machine failover failed"],
  ["HostConnectionLostEvent", "error", "Host connection lost"],
  ["HostConnectedEvent", "info", "Host connected"],
  ["EnteredMaintenanceModeEvent", "info", "Entered maintenance mode"],
  ["ExitMaintenanceModeEvent", "info", "Exit maintenance mode"],
  ["GeneralEvent", "info", "General event"],
];

export class EventManager extends ManagedObject {
  readonly getters: Record<string, Getter<EventManager>> = eventManagerGetters;
  override readonly methods: Record<string, Method<EventManager>> = eventManagerMethods;
  /** Oldest first. */
  readonly history: DataObject[] = [];
  private key = 0;

  /** Turns one VCH event into vSphere events (none for image pulls and the like). */
  record(e: VchEvent, ctx: Ctx): void {
    const inv = ctx.server.inventory;
    const at = new Date(Math.floor(e.timeNano / 1e6));
    const a = e.Actor.Attributes;
    const dcName = inv.names.datacenter;
    const base = (type: string, message: string, extra: Record<string, unknown> = {}): DataObject => {
      const k = ++this.key;
      return {
        ...({ _type: type } as DataObject),
        key: k,
        chainId: k,
        createdTime: at,
        userName: "",
        datacenter: { _type: "DatacenterEventArgument", name: dcName, datacenter: DATACENTER },
        computeResource: { _type: "ComputeResourceEventArgument", name: inv.names.cluster, computeResource: CLUSTER },
        ...(extra as DataObject),
        fullFormattedMessage: message,
      } as DataObject;
    };
    const hostArg = (name: string | undefined): DataObject | undefined => {
      const h = name ? inv.hostByName(name) : undefined;
      return h ? { _type: "HostEventArgument", name: h.name(), host: h.ref } : undefined;
    };
    const push = (ev: DataObject): void => {
      this.history.push(ev);
      if (this.history.length > KEEP) this.history.shift();
    };
    if (e.Type === "container") {
      const vm = inv.vmOfContainer(e.Actor.ID);
      const ref = vm?.ref ?? ctx.server.inventory.lastRefOf(e.Actor.ID);
      if (!ref) return;
      const name = vm?.name() ?? `${a.name ?? ""}-${e.Actor.ID.slice(0, 12)}`;
      const hostName = vm?.rec.host?.name;
      const host = hostArg(hostName);
      const vmArg = { host, vm: { _type: "VmEventArgument", name, vm: ref } };
      const on = host ? ` on ${host.name} in ${dcName}` : ` in ${dcName}`;
      const vmEvent = (type: string, message: string, extra: Record<string, unknown> = {}): void => push(base(type, message, { ...vmArg, ...extra, template: false }));
      switch (e.Action) {
        case "create":
          return vmEvent("VmCreatedEvent", `Created virtual machine ${name}${on}`);
        case "start":
          return vmEvent("VmPoweredOnEvent", `${name}${on} is powered on`);
        case "die":
          return vmEvent("VmPoweredOffEvent", `${name}${on} is powered off`);
        case "pause":
          return vmEvent("VmSuspendedEvent", `${name}${on} is suspended`);
        case "unpause":
          return vmEvent("VmResumingEvent", `${name}${on} is resumed`);
        case "restart":
          return vmEvent("VmResettingEvent", `${name}${on} is reset`);
        case "destroy":
          return vmEvent("VmRemovedEvent", `Removed ${name}${on}`);
        case "rename":
          return vmEvent("VmRenamedEvent", `Renamed ${a.oldName ?? ""} to ${name} in ${dcName}`, { oldName: a.oldName ?? "", newName: name });
      }
      return;
    }
    if (e.Type !== "cluster") return;
    const vmFor = (id: string): { ref: Ref; name: string } | undefined => {
      const vm = inv.vmOfContainer(id);
      return vm ? { ref: vm.ref, name: vm.name() } : undefined;
    };
    switch (e.Action) {
      case "drs-migrate": {
        const vm = vmFor(e.Actor.ID);
        if (!vm) return;
        const user = a.reason === "user";
        const type = user ? "VmMigratedEvent" : "DrsVmMigratedEvent";
        push(
          base(type, `${user ? "Migration" : "DRS migrated"} of ${vm.name} from ${a.from} to ${a.to} in ${dcName} completed (${a.rounds} pre-copy rounds, ${a.downtimeMs} ms downtime)`, {
            host: hostArg(a.to),
            vm: { _type: "VmEventArgument", name: vm.name, vm: vm.ref },
            template: false,
            sourceHost: hostArg(a.from),
          }),
        );
        if (!user) ctx.server.tasks.record(ctx.server.vch.now(), vm.ref, vm.name, "Drm.ExecuteVMotionLRO", "Drm.ExecuteVMotionLRO");
        return;
      }
      case "ha-restart": {
        const vm = vmFor(e.Actor.ID);
        if (!vm) return;
        push(
          base("VmRestartedOnAlternateHostEvent", `vSphere HA restarted virtual machine ${vm.name} on host ${a.to} in cluster ${inv.names.cluster} (it ran on ${a.from})`, {
            host: hostArg(a.to),
            vm: { _type: "VmEventArgument", name: vm.name, vm: vm.ref },
            template: false,
            sourceHost: hostArg(a.from),
          }),
        );
        ctx.server.tasks.record(ctx.server.vch.now(), vm.ref, vm.name, "PowerOnVM_Task", "VirtualMachine.powerOn");
        return;
      }
      case "ha-restart-failed": {
        const vm = vmFor(e.Actor.ID);
        if (!vm) return;
        push(
          base("VmFailoverFailed", `vSphere HA virtual machine ${vm.name} failover failed: ${a.reason}`, {
            host: hostArg(a.from),
            vm: { _type: "VmEventArgument", name: vm.name, vm: vm.ref },
            template: false,
          }),
        );
        return;
      }
      case "host-failed":
        push(base("HostConnectionLostEvent", `Host ${a.host} in ${dcName} is not responding`, { host: hostArg(a.host) }));
        return;
      case "host-recovered":
        push(base("HostConnectedEvent", `Connected to ${a.host} in ${dcName}`, { host: hostArg(a.host) }));
        return;
      case "host-maintenance-enter":
        push(base("EnteredMaintenanceModeEvent", `Host ${a.host} in ${dcName} has entered maintenance mode`, { host: hostArg(a.host) }));
        return;
      case "host-maintenance-exit":
        push(base("ExitMaintenanceModeEvent", `Host ${a.host} in ${dcName} has exited maintenance mode`, { host: hostArg(a.host) }));
        return;
    }
  }
}

interface EventFilter {
  entity?: Ref;
  recursion: "self" | "children" | "all";
  types: string[];
  begin?: number;
  end?: number;
}

export class EventHistoryCollector extends ManagedObject {
  readonly getters: Record<string, Getter<EventHistoryCollector>> = collectorGetters;
  override readonly methods: Record<string, Method<EventHistoryCollector>> = collectorMethods;
  pageSize = 10;
  /** Index into the matching events (oldest first) where ReadNext/ReadPrevious stand. */
  cursor = -1;
  constructor(
    ref: Ref,
    readonly manager: EventManager,
    readonly filter: EventFilter,
  ) {
    super(ref);
  }

  private under(r: Ref | undefined, ctx: Ctx): boolean {
    const target = this.filter.entity;
    if (!target || !r) return !target;
    if (r.key === target.key) return true;
    if (this.filter.recursion === "self") return false;
    let depth = 0;
    for (let cur: Ref | undefined = r; cur && depth < 16; depth++) {
      const o = ctx.server.inventory.get(cur);
      if (!(o instanceof ManagedEntity)) return false;
      const up: Ref | undefined = o.parent(ctx) ?? (o.type === "VirtualMachine" ? (o.read("parentVApp", ctx) as Ref) : undefined);
      if (up?.key === target.key) return this.filter.recursion === "all" || depth === 0;
      cur = up;
    }
    return false;
  }

  /** Matching events, oldest first. */
  matching(ctx: Ctx): DataObject[] {
    const f = this.filter;
    const refsOf = (ev: DataObject): (Ref | undefined)[] =>
      ["vm", "host", "computeResource", "datacenter"].map((k) => {
        const arg = ev[k] as DataObject | undefined;
        return arg ? (arg[k] as Ref) : undefined;
      });
    return this.manager.history.filter((ev) => {
      if (f.types.length && !f.types.includes(ev._type)) return false;
      const t = (ev.createdTime as Date).getTime();
      if (f.begin !== undefined && t < f.begin) return false;
      if (f.end !== undefined && t > f.end) return false;
      if (!f.entity || f.entity.key === "Folder:group-d1") return true;
      return refsOf(ev).some((r) => this.under(r, ctx));
    });
  }
}

const events = (list: DataObject[]): Arr => new Arr("Event", list);

const collectorGetters: Record<string, Getter<EventHistoryCollector>> = {
  latestPage: (o, ctx) => events(o.matching(ctx).slice(-o.pageSize).reverse()),
  filter: (o) => ({ _type: "EventFilterSpec", entity: o.filter.entity ? { _type: "EventFilterSpecByEntity", entity: o.filter.entity, recursion: o.filter.recursion } : undefined }),
};

const collectorMethods: Record<string, Method<EventHistoryCollector>> = {
  SetCollectorPageSize: (o, args, ctx) => {
    const n = intOf(args, "maxCount");
    if (n === undefined || n < 0 || n > 1000) throw new VimFault("InvalidArgument", "maxCount must be from 0 to 1000", { invalidProperty: "maxCount" });
    o.pageSize = n;
    ctx.server.changed();
    return undefined;
  },
  DestroyCollector: (o, _args, ctx) => {
    ctx.server.destroy(o.ref, ctx);
    return undefined;
  },
  RewindCollector: (o) => {
    o.cursor = -1;
    return undefined;
  },
  ResetCollector: (o) => {
    o.cursor = -1;
    return undefined;
  },
  ReadNextEvents: (o, args, ctx) => {
    const all = o.matching(ctx);
    const n = intOf(args, "maxCount") ?? 10;
    const start = o.cursor + 1;
    const out = all.slice(start, start + n);
    o.cursor = start + out.length - 1;
    return out;
  },
  ReadPreviousEvents: (o, args, ctx) => {
    const all = o.matching(ctx);
    const n = intOf(args, "maxCount") ?? 10;
    const end = o.cursor < 0 ? all.length : o.cursor;
    const out = all.slice(Math.max(0, end - n), end).reverse();
    o.cursor = Math.max(0, end - n);
    return out;
  },
};

function parseEventFilter(el: El | undefined): EventFilter {
  const entity = el ? child(el, "entity") : undefined;
  const time = el ? child(el, "time") : undefined;
  const when = (name: string): number | undefined => {
    const t = time ? textOf(time, name) : undefined;
    return t ? Date.parse(t) : undefined;
  };
  const recursion = (entity ? textOf(entity, "recursion") : undefined) ?? "all";
  if (!["self", "children", "all"].includes(recursion)) throw new VimFault("InvalidArgument", `recursion ${recursion} is not self, children or all`, { invalidProperty: "filter.entity.recursion" });
  return {
    entity: entity ? refChild(entity, "entity") : undefined,
    recursion: recursion as EventFilter["recursion"],
    types: el ? [...childrenNamed(el, "eventTypeId"), ...childrenNamed(el, "type")].map((t) => t.text.trim()) : [],
    begin: when("beginTime"),
    end: when("endTime"),
  };
}

type El = Parameters<typeof child>[0];

const eventManagerGetters: Record<string, Getter<EventManager>> = {
  description: () => ({
    _type: "EventDescription",
    category: [
      { _type: "ElementDescription", label: "info", summary: "info", key: "info" },
      { _type: "ElementDescription", label: "warning", summary: "warning", key: "warning" },
      { _type: "ElementDescription", label: "error", summary: "error", key: "error" },
    ],
    eventInfo: EVENT_INFO.map(([key, category, description]) => ({ _type: "EventDescriptionEventDetail", key, description, category, fullFormat: description })),
  }),
  "description.eventInfo": () =>
    new Arr(
      "EventDescriptionEventDetail",
      EVENT_INFO.map(([key, category, description]) => ({ _type: "EventDescriptionEventDetail", key, description, category, fullFormat: description })),
    ),
  latestEvent: (o) => o.history[o.history.length - 1],
  maxCollector: () => 32,
};

const eventManagerMethods: Record<string, Method<EventManager>> = {
  CreateCollectorForEvents: (o, args, ctx) => {
    const filter = parseEventFilter(child(args, "filter"));
    if (filter.entity && !ctx.server.lookup(filter.entity, ctx)) {
      throw new VimFault("ManagedObjectNotFound", `The object '${filter.entity.type}:${filter.entity.value}' has already been deleted or has not been completely created`, { obj: filter.entity });
    }
    const c = new EventHistoryCollector(ctx.server.newSessionRef("EventHistoryCollector", ctx), o, filter);
    ctx.server.own(c, ctx);
    return c.ref;
  },
  QueryEvents: (o, args, ctx) => {
    const c = new EventHistoryCollector(new Ref("EventHistoryCollector", "query"), o, parseEventFilter(child(args, "filter")));
    return c.matching(ctx).slice().reverse();
  },
};
