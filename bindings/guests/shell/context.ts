/**
 * What a command sees when it runs: its argv, three streams, the environment, the working
 * directory, the container filesystem, who it runs as, and the system around it (clock, network,
 * process table, host facts). Utilities are functions of this context returning an exit status.
 */
import type { ContainerFs, Credentials } from "../../fs/index.js";
import type { ProcessTable } from "./processes.js";
import type { Input, Output } from "./streams.js";

/** Virtual time: `now` in ms since the epoch, `sleep` resolves after `ms` of virtual time. */
export interface ShellClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * An HTTP request from wget/curl, answered by the container's network (other containers' services); a
 * `tcp://host:port` URL sends `body` as raw bytes (redis-cli) and the answer's body is what came back.
 * `address` is the peer's `ip:port` (on a refusal too, as a property of the Error).
 */
export interface NetRequest { url: string; method: string; headers: Record<string, string>; body?: Uint8Array }
export interface NetResponse { status: number; statusText?: string; headers?: Record<string, string>; body: Uint8Array; address?: string }
/**
 * Resolves a request, or rejects with an Error whose message is the reason (`Connection refused`, `bad address 'x'`);
 * `dns` is the name server the container's /etc/resolv.conf names (Docker's embedded one, 127.0.0.11).
 */
export type Network = ((req: NetRequest) => Promise<NetResponse>) & {
  dns?: NameServer;
  /** What an echo request to an address meets (ping): a reply, silence, or no route (no network but loopback). */
  ping?(address: string): "answers" | "silent" | "unreachable";
};

/** A DNS server as a resolver asks it: what it answers for a name or an address. */
export interface NameServer {
  /** Its address (`127.0.0.11`). */
  address: string;
  /** A name's IPv4 and IPv6 addresses (empty for a family it has none of: NODATA); null when unknown (NXDOMAIN). */
  lookup(name: string): { v4: string[]; v6: string[] } | null;
  /** The name of an address (a PTR answer), or null (NXDOMAIN). */
  reverse(ip: string): string | null;
}

/** The user a shell runs as, with names for `id` and `whoami`. */
export interface ShellUser extends Credentials { name?: string; group?: string }

/** Facts of the machine the guest runs on (uname, free, df). */
export interface SystemInfo {
  hostname: string;
  kernelRelease: string;
  machine: string;
  /** Memory in KiB, as /proc/meminfo gives it. */
  memTotalKiB: number;
  memFreeKiB: number;
  /** Size of the container's root filesystem in KiB (df). */
  diskKiB: number;
}

export interface System {
  clock: ShellClock;
  net?: Network;
  processes: ProcessTable;
  info: SystemInfo;
}

export interface CommandContext {
  argv: string[];
  stdin: Input;
  stdout: Output;
  stderr: Output;
  /** Exported variables (the command's environment). */
  env: Map<string, string>;
  cwd: string;
  fs: ContainerFs;
  user: ShellUser;
  system: System;
  signal: AbortSignal;
  /** Runs another command (for xargs, env, …) with this context's streams unless overridden. */
  run(argv: string[], io?: { stdin?: Input; stdout?: Output }): Promise<number>;
}

export type Utility = (ctx: CommandContext) => Promise<number>;
