/**
 * Config resolution: what a create body (or a journaled record) means for a container VM. Docker's
 * defaults and checks, vIC's sizes, and the one cluster-VM spec that create and restore both use,
 * so a reopened state folder registers exactly what a create registered (reservation, shares).
 */
import type { RestartPriority, VmSpec } from "../core/cluster-types.js";
import { invalid } from "./errors.js";
import { extraHost } from "./extra-hosts.js";
import type {
  ClusterModel, ContainerConfig, HostConfig, ImageConfig, MountRecord, PortRecord, ResolvedConfig, TemplateProfile, VolumeRecord,
} from "./types.js";

/** vIC's container VM sizes. */
export const MIN_MEMORY_MIB = 512;
export const DEFAULT_MEMORY_MIB = 2048;
export const DEFAULT_VCPUS = 2;
/** MHz of one vCPU at full use (a 2.6 GHz core). */
export const VCPU_MHZ = 2600;
export const MIB = 1024 * 1024;
/** CPU demand of a container VM as it powers on (a booting guest is busy); the guest's activity takes over after. */
export const BOOT_CPU_MHZ = 260;
/** Memory a container VM needs beyond its image's resident set before the engine reports (MiB). */
export const GUEST_OVERHEAD_MIB = 32;
export const HA_PRIORITY_LABEL = "vsphere.ha.restart-priority";
export const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
/** A container labelled with this (`true`) says it is a service: any command it runs may run as one. */
export const SERVICE_LABEL = "vicsim.guest.service";
const PRIORITIES = ["highest", "high", "medium", "low", "lowest", "disabled"];

/**
 * Commands a container's guest may run as long-lived services: `"*"` for a declared service,
 * otherwise the image's default command (by basename, past entrypoint wrappers; shells are not
 * services). Anything else outside the emulated vocabulary exits 127.
 */
export function serviceCommands(image: ImageConfig, labels: Record<string, string>): string[] {
  if (/^(1|true|yes)$/i.test(labels[SERVICE_LABEL] ?? "")) return ["*"];
  let argv = [...(image.Entrypoint ?? []), ...(image.Cmd ?? [])];
  while (argv.length && /entrypoint\.sh$/.test(argv[0])) argv = argv.slice(1);
  if (!argv.length) return [];
  const cmd = argv[0].slice(argv[0].lastIndexOf("/") + 1);
  return ["sh", "bash", "ash", "dash", "zsh"].includes(cmd) ? [] : [cmd];
}

/** The container VM's guest memory in MiB (its `-m`). */
export function memoryMiBOf(hc: HostConfig): number {
  return Math.ceil(Number(hc.Memory) / MIB);
}

/** The container VM's vCPUs (its `--cpus`, rounded up). */
export function vcpusOf(hc: HostConfig): number {
  return Math.max(1, Math.ceil(Number(hc.NanoCpus) / 1e9));
}

/** The HA restart priority a container's labels ask for; throws on a value vSphere does not know. */
export function restartPriorityOf(labels: Record<string, string>): RestartPriority {
  const priority = labels[HA_PRIORITY_LABEL] ?? "medium";
  if (!PRIORITIES.includes(priority)) {
    throw invalid(`invalid ${HA_PRIORITY_LABEL} label "${priority}": use highest, high, medium, low, lowest or disabled`);
  }
  return priority as RestartPriority;
}

/**
 * The ONE cluster-VM spec of a container VM, from its resolved host config: CPU limit from its
 * vCPUs, shares, memory limit, reservation (HA admission control counts it) and priority.
 */
export function clusterVmSpec(hc: HostConfig, labels: Record<string, string>, profile: TemplateProfile, template: number, name: string): VmSpec {
  const shares = hc.CpuShares ? Number(hc.CpuShares) : undefined;
  const reservation = Math.ceil(Number(hc.MemoryReservation ?? 0) / MIB) || undefined;
  return {
    cpu: { demand: BOOT_CPU_MHZ, limit: vcpusOf(hc) * VCPU_MHZ, shares },
    memory: { demand: profile.memoryMiB + GUEST_OVERHEAD_MIB, limit: memoryMiBOf(hc), reservation },
    template,
    restartPriority: restartPriorityOf(labels),
    name,
  };
}

/** dockerd's built-in log drivers (no logging plugins on a VCH). */
const LOG_DRIVERS = ["json-file", "local", "none", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "etwlogs", "gcplogs", "logentries"];

export function resolveHostConfig(h: HostConfig, minMemoryMiB = MIN_MEMORY_MIB): HostConfig {
  const memory = h.Memory ?? 0;
  if (typeof memory !== "number" || !Number.isFinite(memory)) throw invalid(`invalid memory limit: ${memory}`);
  if (memory < 0) throw invalid(`invalid memory limit ${memory}: a memory limit cannot be negative`);
  if (memory > 0 && memory < minMemoryMiB * MIB) throw invalid(`Minimum memory limit allowed is ${minMemoryMiB}MB (a container VM needs at least ${minMemoryMiB} MiB)`);
  const nano = h.NanoCpus ?? 0;
  if (typeof nano !== "number" || nano < 0) throw invalid(`invalid CPU limit: NanoCpus ${nano} cannot be negative`);
  if (h.CpuShares !== undefined && (typeof h.CpuShares !== "number" || h.CpuShares < 0)) throw invalid(`invalid CPU shares ${h.CpuShares}`);
  const rp = h.RestartPolicy ?? { Name: "no" };
  const name = rp.Name ?? "";
  if (!["", "no", "always", "unless-stopped", "on-failure"].includes(name)) {
    throw invalid(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
  const retries = rp.MaximumRetryCount ?? 0;
  if (retries < 0) throw invalid("invalid restart policy: maximum retry count cannot be negative");
  if (retries > 0 && name !== "on-failure") throw invalid("invalid restart policy: maximum retry count can only be used with 'on-failure'");
  if (h.AutoRemove && name !== "" && name !== "no") throw invalid("can't create 'AutoRemove' container with restart policy");
  const logDriver = h.LogConfig?.Type;
  if (logDriver && !LOG_DRIVERS.includes(logDriver)) throw invalid(`logger: no log driver named '${logDriver}' is registered`);
  for (const entry of (h.ExtraHosts as string[] | null | undefined) ?? []) extraHost(String(entry));
  let mode = h.NetworkMode ?? "default";
  if (mode === "default" || mode === "") mode = "bridge";
  return {
    ...h,
    Memory: memory > 0 ? memory : DEFAULT_MEMORY_MIB * MIB,
    NanoCpus: nano > 0 ? nano : DEFAULT_VCPUS * 1e9,
    RestartPolicy: { Name: name === "" ? "no" : name, MaximumRetryCount: retries },
    AutoRemove: !!h.AutoRemove,
    NetworkMode: mode,
    // An empty type is the default driver; its options are kept (docker-py's LogConfig(type="", config=…)).
    LogConfig: { Type: h.LogConfig?.Type || "json-file", Config: { ...(h.LogConfig?.Config ?? {}) } },
    PortBindings: h.PortBindings ?? {},
    Binds: h.Binds ?? null,
  };
}

export function resolveConfig(config: ContainerConfig, image: ImageConfig, id: string, labels: Record<string, string>): ResolvedConfig {
  const asArgv = (v: string[] | string | null | undefined): string[] | null =>
    v === undefined || v === null ? null : typeof v === "string" ? ["/bin/sh", "-c", v] : v;
  const entry = config.Entrypoint !== undefined && config.Entrypoint !== null ? asArgv(config.Entrypoint) : image.Entrypoint;
  let cmd = asArgv(config.Cmd);
  const entryGiven = config.Entrypoint !== undefined && config.Entrypoint !== null;
  if ((cmd === null || cmd.length === 0) && !entryGiven) cmd = image.Cmd;
  const env = new Map<string, string>();
  for (const e of [...image.Env, ...(config.Env ?? [])]) {
    const eq = e.indexOf("=");
    env.set(eq < 0 ? e : e.slice(0, eq), e);
  }
  const hostname = config.Hostname || id.slice(0, 12);
  return {
    Hostname: hostname,
    Domainname: config.Domainname ?? "",
    User: config.User ?? image.User ?? "",
    AttachStdin: !!config.AttachStdin,
    AttachStdout: config.AttachStdout ?? false,
    AttachStderr: config.AttachStderr ?? false,
    ExposedPorts: { ...(image.ExposedPorts ?? {}), ...(config.ExposedPorts ?? {}) },
    Tty: !!config.Tty,
    OpenStdin: !!config.OpenStdin,
    StdinOnce: !!config.StdinOnce,
    Env: [...env.values()],
    Cmd: cmd && cmd.length ? cmd : null,
    Image: config.Image,
    Volumes: config.Volumes ?? image.Volumes ?? null,
    WorkingDir: config.WorkingDir || image.WorkingDir || "",
    Entrypoint: entry && entry.length ? entry : null,
    Labels: labels,
    ...(config.StopSignal || image.StopSignal ? { StopSignal: config.StopSignal || image.StopSignal } : {}),
    ...(config.StopTimeout !== undefined && config.StopTimeout !== null ? { StopTimeout: config.StopTimeout } : {}),
    ...(config.Healthcheck ? { Healthcheck: config.Healthcheck } : image.Healthcheck ? { Healthcheck: image.Healthcheck } : {}),
  };
}

export function normaliseHosts(model: ClusterModel): { name: string; cpuMHz: number; memoryMiB: number }[] {
  const cpu = model.hostCpuMHz ?? 64_000;
  const mem = model.hostMemoryMiB ?? 262_144;
  const list = typeof model.hosts === "number" || model.hosts === undefined ? new Array(model.hosts ?? 8).fill({}) : model.hosts;
  return list.map((h: { name?: string; cpuMHz?: number; memoryMiB?: number }, i: number) => ({ name: h.name ?? `H${i}`, cpuMHz: h.cpuMHz ?? cpu, memoryMiB: h.memoryMiB ?? mem }));
}

export function validateModel(model: ClusterModel): void {
  const hosts = normaliseHosts(model);
  if (!hosts.length) throw invalid("a cluster needs at least one host");
  if (typeof model.hosts === "number" && (!Number.isInteger(model.hosts) || model.hosts < 1)) throw invalid(`host count must be a positive integer, got ${model.hosts}`);
  const seen = new Set<string>();
  for (const h of hosts) {
    if (seen.has(h.name)) throw invalid(`two hosts are named ${h.name}`);
    seen.add(h.name);
    if (!(h.cpuMHz > 0)) throw invalid(`host ${h.name} needs a positive CPU capacity, got ${h.cpuMHz} MHz`);
    if (!Number.isInteger(h.memoryMiB) || h.memoryMiB < 1024) throw invalid(`host ${h.name} needs at least 1024 MiB of memory, got ${h.memoryMiB}`);
  }
  const t = model.drs?.threshold;
  if (t !== undefined && ![1, 2, 3, 4, 5].includes(t)) throw invalid(`DRS migration threshold must be 1 to 5, got ${t}`);
}

export function parsePorts(exposed: Record<string, object> | null | undefined, bindings: HostConfig["PortBindings"]): PortRecord[] {
  const out: PortRecord[] = [];
  const keys = new Set([...Object.keys(exposed ?? {}), ...Object.keys(bindings ?? {})]);
  for (const k of keys) {
    const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(k);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) throw invalid(`invalid port specification: "${k}"`);
    const port = Number(m[1]);
    const type = (m[2] ?? "tcp") as PortRecord["Type"];
    const bs = bindings?.[k] ?? [];
    if (!bs?.length) out.push({ PrivatePort: port, Type: type });
    for (const b of bs ?? []) {
      const hp = b.HostPort ? Number(b.HostPort) : port;
      if (!Number.isInteger(hp) || hp < 0 || hp > 65535) throw invalid(`invalid port specification: "${b.HostPort}"`);
      out.push({ IP: b.HostIp || "0.0.0.0", PrivatePort: port, PublicPort: hp, Type: type });
    }
  }
  return out;
}

export function parseBinds(binds: string[] | null | undefined): { type: "volume" | "bind"; source: string; destination: string; rw: boolean; mode: string }[] {
  return (binds ?? []).map((b) => {
    const parts = b.split(":");
    if (parts.length < 2 || parts.length > 3 || !parts[1].startsWith("/")) throw invalid(`invalid volume specification: '${b}'`);
    const mode = parts[2] ?? "";
    const rw = !mode.split(",").includes("ro");
    const source = parts[0];
    if (!source) throw invalid(`invalid volume specification: '${b}'`);
    if (source.startsWith("/")) return { type: "bind" as const, source, destination: parts[1], rw, mode };
    if (!NAME_RE.test(source)) throw invalid(`invalid volume specification: '${b}'`);
    return { type: "volume" as const, source, destination: parts[1], rw, mode: mode || "z" };
  });
}

/** Propagation modes a bind may name (in its Binds mode or BindOptions); dockerd's default is rprivate. */
const PROPAGATIONS = ["private", "rprivate", "shared", "rshared", "slave", "rslave"];
export const propagationOf = (mode: string): string => mode.split(",").find((o) => PROPAGATIONS.includes(o)) ?? "rprivate";

/** `HostConfig.Mounts` (`docker run --mount`) of type bind or volume: the same mounts `Binds` makes. */
export function parseMounts(mounts: unknown): (ReturnType<typeof parseBinds>[number] & { labels?: Record<string, string> })[] {
  if (mounts == null) return [];
  if (!Array.isArray(mounts)) throw invalid("invalid mount config: HostConfig.Mounts must be an array");
  return mounts.map((raw) => {
    const m = (raw ?? {}) as { Type?: string; Source?: string; Target?: string; ReadOnly?: boolean; BindOptions?: { Propagation?: string }; VolumeOptions?: { Labels?: Record<string, string> } };
    const type = m.Type ?? "";
    if (type !== "bind" && type !== "volume") throw invalid(`invalid mount config: mount type "${String(type).slice(0, 50)}" is not supported (vicsim mounts bind and volume)`);
    if (!m.Target) throw invalid(`invalid mount config for type "${type}": field Target must not be empty`);
    if (!m.Target.startsWith("/")) throw invalid(`invalid mount config for type "${type}": invalid mount path: '${m.Target.slice(0, 200)}' mount path must be absolute`);
    const rw = !m.ReadOnly;
    if (type === "bind") {
      if (!m.Source) throw invalid(`invalid mount config for type "bind": field Source must not be empty`);
      if (!m.Source.startsWith("/")) throw invalid(`invalid mount config for type "bind": invalid mount path: '${m.Source.slice(0, 200)}' mount path must be absolute`);
      return { type: "bind" as const, source: m.Source, destination: m.Target, rw, mode: m.BindOptions?.Propagation ?? "" };
    }
    if (m.Source && !NAME_RE.test(m.Source)) throw invalid(`invalid mount config for type "volume": invalid volume name: '${m.Source.slice(0, 200)}'`);
    return { type: "volume" as const, source: m.Source ?? "", destination: m.Target, rw, mode: "", labels: m.VolumeOptions?.Labels ?? {} };
  });
}

export function volumeMount(v: VolumeRecord, dest: string, rw: boolean, mode: string): MountRecord {
  return { Type: "volume", Name: v.Name, Source: v.Mountpoint, Destination: dest, Driver: "local", Mode: mode, RW: rw, Propagation: "" };
}
