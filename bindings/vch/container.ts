/**
 * A container as the VCH holds it: the record (what Docker shows and the journal keeps: its config,
 * state, networks, mounts, log and whether a client stopped it) apart from its runtime (the guest
 * process, stdio, timers, waiters, CPU accounting, exec ids) and its container VM's handles (the
 * cluster VM, the memory engine VM, the host, the working set written), which only the container VM
 * binding (container-vm.ts) reads and writes.
 */
import type { Cancel } from "./clock.js";
import type { GuestProcess } from "./guest.js";
import { Ring } from "./ring.js";
import type { ContainerRecord, OutputChunk } from "./types.js";

/** Output chunks kept per container (and journaled: the most recent `LOG_JOURNAL`). */
export const LOG_RING = 2000;
export const LOG_JOURNAL = 200;

/** One chunk of output: stream (0 stdout, 1 stderr), virtual ms, text. */
export interface LogLine {
  s: 0 | 1;
  t: number;
  d: string;
}

/** The fields of a container's record the VCH keeps (the rest of `ContainerRecord` is computed for a view). */
export type ContainerRec = Omit<ContainerRecord, "statusText" | "commandText" | "host" | "vm" | "execIds" | "sizeRw" | "sizeRootFs">;

export interface Waiter {
  condition: "not-running" | "next-exit" | "removed";
  resolve: (r: { StatusCode: number }) => void;
  /** Settles the wait with an error (the VCH closes under it). */
  reject: (e: Error) => void;
}

/** What lives only while the VCH is open: the guest, its stdio, timers and waiters. */
export interface ContainerRuntime {
  process: GuestProcess | null;
  /** Incremented at every start: callbacks of an older run are ignored. */
  run: number;
  frozen: boolean;
  frozenQueue: (() => void)[];
  pendingExit: number | null;
  listeners: Set<(chunk: OutputChunk | null) => void>;
  /** Attached readers following the run: an exit is reported to waiters once they have drained. */
  attachReaders: Set<{ readonly drained: Promise<void> }>;
  waiters: Waiter[];
  restartTimer: Cancel | null;
  /** Due time of the pending restart (restart policy backoff), or null. */
  restartDue: number | null;
  stdin: Uint8Array[];
  stdinClosed: boolean;
  attachedOnce: boolean;
  /** Log sequence number where the current run began (the first attach replays from here). */
  runLogStart: number;
  cpuNs: number;
  cpuSince: number;
  cpuRate: number;
  /** CPU sample taken at the previous guest tick (Docker's precpu): reads never take samples. */
  precpuSample: { total: number; system: number; read: number } | null;
  /** Running exec instances. */
  execs: Set<string>;
  /** Every exec record of the container still kept (`ExecIDs`), and the ended ones, oldest first. */
  execRecords: Set<string>;
  endedExecs: string[];
  /** Due times (virtual ms) of the guest's own pending timers: when it will act by itself. */
  guestTimers: Map<number, number>;
}

/** The container VM's handles: owned by the container VM binding. */
export interface ContainerVm {
  /** The cluster (placement core) VM: registered at create, removed with the container. */
  readonly cluster: number;
  /** The memory engine VM while powered on. */
  mem: number | null;
  host: number | null;
  /** Guest writes: pages written so far in the working set, and a content counter. */
  wsWritten: number;
  wsCursor: number;
  serial: number;
}

export interface Container {
  /** What Docker shows and the journal keeps. */
  rec: ContainerRec;
  /** The log ring: the last `LOG_RING` chunks, O(1) per line (the last `LOG_JOURNAL` journaled). */
  logs: Ring<LogLine>;
  /** A client stopped it (the restart policy `unless-stopped` reads it after a reopen). */
  manuallyStopped: boolean;
  /** Creation order (Docker's before/since compare it). */
  seq: number;
  removed: boolean;
  rt: ContainerRuntime;
  vm: ContainerVm;
}

/**
 * The empty set and map every fresh runtime shares (most containers never get a listener, an
 * attached reader, an exec or a tracked guest timer: an empty Set or Map of their own costs ~150
 * bytes each). Reading, deleting and clearing them is harmless; adding goes through `own`.
 */
class SharedEmptySet extends Set<never> {
  override add(): never {
    throw new Error("the shared empty set is read-only: add through ownSet()");
  }
}
class SharedEmptyMap extends Map<never, never> {
  override set(): never {
    throw new Error("the shared empty map is read-only: set through ownMap()");
  }
}
const NO_SET: Set<never> = new SharedEmptySet();
const NO_MAP: Map<never, never> = new SharedEmptyMap();

/** `s` when it is a runtime's own set, else a new one to store in its place. */
export function ownSet<T>(s: Set<T>): Set<T> {
  return s === NO_SET ? new Set<T>() : s;
}

/** `m` when it is a runtime's own map, else a new one to store in its place. */
export function ownMap<K, V>(m: Map<K, V>): Map<K, V> {
  return m === NO_MAP ? new Map<K, V>() : m;
}

/** A container around its record, its runtime fresh. */
export function newContainer(rec: ContainerRec, clusterVm: number, seq: number, now: number, logs: LogLine[] = [], manuallyStopped = false): Container {
  const ring = new Ring<LogLine>(LOG_RING);
  for (const l of logs) ring.push(l);
  return {
    rec, logs: ring, manuallyStopped, seq, removed: false,
    rt: {
      process: null, run: 0, frozen: false, frozenQueue: [], pendingExit: null, listeners: NO_SET, attachReaders: NO_SET, waiters: [], restartTimer: null, restartDue: null,
      stdin: [], stdinClosed: false, attachedOnce: false, runLogStart: 0, cpuNs: 0, cpuSince: now, cpuRate: 0, precpuSample: null,
      execs: NO_SET, execRecords: NO_SET, endedExecs: [], guestTimers: NO_MAP,
    },
    vm: { cluster: clusterVm, mem: null, host: null, wsWritten: 0, wsCursor: 0, serial: 0 },
  };
}

/** Event attributes of a container: its labels, image and name. */
export function containerAttrs(c: Container): Record<string, string> {
  return { ...c.rec.config.Labels, image: c.rec.image, name: c.rec.name.slice(1) };
}

const encoder = new TextEncoder();

export function chunkOf(l: LogLine): OutputChunk {
  return { stream: l.s === 0 ? "stdout" : "stderr", data: encoder.encode(l.d), time: l.t };
}

/** The last `n` lines of a run of chunks, each line a chunk of its own (stream and time kept). */
export function lastLines(chunks: LogLine[], n: number): LogLine[] {
  const out: LogLine[] = [];
  for (let i = chunks.length - 1; i >= 0 && out.length < n; i--) {
    const parts = chunks[i].d.split(/(?<=\n)/).filter((p) => p !== "");
    for (let k = parts.length - 1; k >= 0 && out.length < n; k--) out.push({ s: chunks[i].s, t: chunks[i].t, d: parts[k] });
  }
  return out.reverse();
}
