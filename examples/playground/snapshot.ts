/**
 * One immutable snapshot of the VCH per frame: the loop builds it once, every view reads it and none
 * asks the VCH again. Building it only reads (`info`, `listContainers`, `vmMemory`: no Docker stats
 * CPU deltas), and it copies what the views need into its own frozen objects, so a view cannot
 * change the VCH's records by accident.
 */
import type { VirtualContainerHost } from "../../bindings/browser.js";
import type { History } from "./history.js";

/** A container as the views show it. */
export interface ContainerView {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly status: string;
  readonly statusText: string;
  readonly restartCount: number;
  /** Index of the host running its container VM, or -1. */
  readonly host: number;
}

/** Memory of the container VMs on a host, in pages (sums of vSphere's per-VM counters). */
export interface VmMemoryTotals {
  readonly granted: number;
  readonly shared: number;
  readonly private: number;
  readonly consumed: number;
}

export interface HostView {
  readonly index: number;
  readonly name: string;
  readonly state: string;
  readonly load: number;
  readonly cpuMHz: number;
  /** Host memory in pages: frames in use, capacity, saved by sharing. */
  readonly memory: { readonly used: number; readonly capacity: number; readonly sharedSaved: number };
  readonly templates: readonly string[];
  readonly containers: readonly ContainerView[];
  readonly vmMemory: VmMemoryTotals;
}

export interface Snapshot {
  /** Virtual ms. */
  readonly now: number;
  readonly playing: boolean;
  readonly speed: number;
  readonly hosts: readonly HostView[];
  readonly containers: readonly ContainerView[];
  /** Containers without a container VM (created, exited, not restarted). */
  readonly unplaced: number;
  readonly running: number;
  readonly stopped: number;
  readonly images: number;
  readonly drs: { readonly threshold: number; readonly automation: string; readonly imbalance: number; readonly targetImbalance: number; readonly migrations: number };
  readonly ha: { readonly policy: string; readonly failoverCapacity: number; readonly restarts: number; readonly notRestarted: number; readonly lastFailure: string };
  readonly tps: { readonly salting: string; readonly mergedSinceSalting: number };
  /** Cluster totals in pages. */
  readonly totals: { readonly capacity: number; readonly used: number; readonly saved: number } & VmMemoryTotals;
  readonly history: History["view"];
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object" && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

/** Reads the VCH once and returns the frame's frozen snapshot. */
export function takeSnapshot(vch: VirtualContainerHost, clock: { playing: boolean; speed: number }, history: History): Snapshot {
  const info = vch.info();
  const records = vch.listContainers({ all: true });
  const containers: ContainerView[] = records.map((c) => ({
    id: c.id,
    name: c.name.slice(1),
    image: c.image,
    status: c.state.Status,
    statusText: c.statusText,
    restartCount: c.restartCount,
    host: c.host ? c.host.index : -1,
  }));
  const byHost = new Map<number, { list: ContainerView[]; mem: { granted: number; shared: number; private: number; consumed: number } }>();
  for (const h of info.hosts) byHost.set(h.index, { list: [], mem: { granted: 0, shared: 0, private: 0, consumed: 0 } });
  let unplaced = 0;
  records.forEach((c, i) => {
    const slot = c.host ? byHost.get(c.host.index) : undefined;
    if (!slot) {
      unplaced++;
      return;
    }
    slot.list.push(containers[i]);
    const vm = c.vm !== null ? vch.vmMemory(c.id) : null;
    if (vm) {
      slot.mem.granted += vm.granted;
      slot.mem.shared += vm.shared;
      slot.mem.private += vm.private;
      slot.mem.consumed += vm.consumed;
    }
  });
  const totals = { capacity: 0, used: 0, saved: 0, granted: 0, shared: 0, private: 0, consumed: 0 };
  const hosts: HostView[] = info.hosts.map((h) => {
    const slot = byHost.get(h.index)!;
    totals.capacity += h.memory.capacity;
    totals.used += h.memory.used;
    totals.saved += h.memory.sharedSaved;
    totals.granted += slot.mem.granted;
    totals.shared += slot.mem.shared;
    totals.private += slot.mem.private;
    totals.consumed += slot.mem.consumed;
    return {
      index: h.index,
      name: h.name,
      state: h.state,
      load: h.load,
      cpuMHz: h.cpuMHz,
      memory: { used: h.memory.used, capacity: h.memory.capacity, sharedSaved: h.memory.sharedSaved },
      templates: [...h.templates],
      containers: slot.list,
      vmMemory: slot.mem,
    };
  });
  return deepFreeze({
    now: info.now,
    playing: clock.playing,
    speed: clock.speed,
    hosts,
    containers,
    unplaced,
    running: info.containersRunning,
    stopped: info.containersStopped,
    images: info.images,
    drs: { ...info.drs },
    ha: { policy: info.ha.policy.kind, failoverCapacity: info.ha.failoverCapacity, restarts: history.haRestarts, notRestarted: history.haNotRestarted, lastFailure: history.lastFailure },
    tps: { salting: info.tps.salting, mergedSinceSalting: info.tps.mergedPages - history.tpsMergedBase },
    totals,
    history: history.view,
  } satisfies Snapshot);
}
