/**
 * The Guest interface: what runs inside a container VM. The VCH starts a process for an argv with
 * a context (hostname, environment, files it may read) and the container VM's side (timers on the
 * virtual clock, output, exit); a guest answers with a process it can signal and feed stdin.
 *
 * Implementations: the emulated guest (./emulated.ts, a documented vocabulary, deterministic), and
 * real runtimes (./real-adapter.ts: Python, Ruby, QuickJS in workers) in front of it.
 */
import type { Cancel } from "../vch/clock.js";
import type { ContainerFs } from "../fs/index.js";
import type { Network } from "./shell/context.js";


/** Signal numbers (Linux x86-64) by name, without the SIG prefix. */
export const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22,
  URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, PWR: 30, SYS: 31,
};

/** Parses `SIGTERM`, `TERM`, `15`, `sigkill` into a signal number; null when unknown. */
export function parseSignal(signal: string | number): number | null {
  if (typeof signal === "number") return Number.isInteger(signal) && signal >= 1 && signal <= 64 ? signal : null;
  const s = signal.trim().toUpperCase();
  if (/^\d+$/.test(s)) return parseSignal(Number(s));
  const name = s.startsWith("SIG") ? s.slice(3) : s;
  if (/^RTMIN(\+\d+)?$/.test(name)) return 34 + Number(name.slice(6) || 0);
  return SIGNALS[name] ?? null;
}

/** What the guest knows about the container VM it runs in. */
export interface GuestContext {
  containerId: string;
  hostname: string;
  /** Contents of /etc/hosts. */
  hostsFile: string;
  env: string[];
  workingDir: string;
  user: string;
  /** The container's HostConfig.GroupAdd: supplementary groups of every process. */
  groupAdd?: readonly string[];
  tty: boolean;
  /** Stdin is attached and may deliver data. */
  openStdin: boolean;
  /** Virtual ms since the epoch (for `date`). */
  now(): number;
  /**
   * Commands that may run as long-lived services (the image's default service command, by
   * basename); any command when the container declared itself a service (`"*"`). Anything else the
   * guest cannot run exits 127.
   */
  services?: readonly string[];
  /** The container's filesystem: with it, commands outside the vocabulary run in the shell over it. */
  fs?: ContainerFs;
  /** `--read-only` (HostConfig.ReadonlyRootfs): the root refuses changes; volumes and bind mounts keep their mode. */
  readOnlyRoot?: boolean;
  /** HTTP to the other containers' services on the container's networks (wget, curl). */
  net?: Network;
  /** The image's repository, last path part (`python`, `node`), or the catalogue image a local build was FROM: real guests run only in their images. */
  image?: string;
  /** Bytes of memory the container may use (HostConfig.Memory; 0: unbounded). */
  memoryLimit?: number;
  /** Real guests' entropy (label `vicsim.guest.entropy`): `seeded` from the image's seed, or `random` (boots cold). */
  entropy?: { mode: "seeded" | "random"; seed: number };
  /** The image's `os/architecture`: `wasi/wasm` images run their command as a WASI program. */
  platform?: string;
  /** CPUs the container may use (HostConfig.NanoCpus / 1e9): a real guest under 1 is throttled in virtual time. */
  cpus?: number;
}

/** A real guest's memory as the container VM's memory (bindings/guests/real-adapter.ts). */
export interface GuestMemoryPort {
  /** Makes the container VM an instant clone of the runtime template `key` whose booted memory is `image`. */
  cloneFrom(key: string, image: Uint8Array): void;
  /** Writes the guest's linear memory, page by page, to the container VM. */
  write(memory: Uint8Array): void;
}

/** The guest's side of the container VM: timers on the virtual clock, output, exit. */
export interface GuestIo {
  after(ms: number, fn: () => void): Cancel;
  write(stream: "stdout" | "stderr", text: string): void;
  /** The process ended with `status` (`oomKilled`: the kernel's OOM killer ended it); called once. */
  exit(status: number, how?: { oomKilled?: boolean }): void;
  /**
   * Journals and publishes what the guest did outside a timer (the shell runs on promises): called
   * after its output and its exit.
   */
  settle?(): void;
  /** The container VM's memory, for a guest whose pages are real (absent for execs and probes). */
  memory?: GuestMemoryPort;
  /** The process runs on a real runtime: what it is, said in `docker inspect`. */
  runtime?(description: string): void;
}

/** A running guest process. */
export interface GuestProcess {
  /** Delivers a signal (the process may call `io.exit`). */
  signal(signal: number): void;
  stdin(data: Uint8Array): void;
  closeStdin(): void;
  /** 0 (idle) … 1 (serving): scales the container VM's dirty rate. */
  activity(): number;
  /** The process table as `top` shows it: [pid, command line]. */
  processes(): [number, string][];
  /** Docker's pause and unpause: a real guest holds at its next checkpoint. */
  pause?(paused: boolean): void;
  /** Ends the process without an exit (its run is over: the host was lost, the VCH is closing): a real guest's worker goes. */
  release?(): void;
}

/** A guest implementation: starts a process for an argv inside a container VM. */
export interface Guest {
  spawn(argv: string[], ctx: GuestContext, io: GuestIo): GuestProcess;
}

