/**
 * Request bodies as dockerd decodes them: each field's JSON type checked (null and absent pass, as Go
 * decodes them to zero values), and the create and exec bodies validated before a route builds its action.
 */
import type { CreateBody, ExecBody } from "./actions.js";
import { badRequest } from "./http.js";

export type FieldType = "string" | "boolean" | "integer" | "number" | "strings" | "strslice" | "stringMap" | "object" | "array";

/** Checks one body field's JSON type (null and absent pass: Go decodes them as zero values). */
export function checkField(body: Record<string, unknown>, key: string, type: FieldType, what: string): void {
  const v = body[key];
  if (v === undefined || v === null) return;
  const ok =
    type === "string" ? typeof v === "string"
    : type === "boolean" ? typeof v === "boolean"
    : type === "integer" ? typeof v === "number" && Number.isInteger(v)
    : type === "number" ? typeof v === "number" && Number.isFinite(v)
    : type === "strings" ? Array.isArray(v) && v.every((x) => typeof x === "string")
    : type === "strslice" ? typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string"))
    : type === "stringMap" ? isObject(v) && Object.values(v).every((x) => typeof x === "string")
    : type === "array" ? Array.isArray(v)
    : isObject(v);
  if (!ok) {
    const expected = { string: "a string", boolean: "a boolean", integer: "an integer", number: "a number", strings: "an array of strings", strslice: "a string or an array of strings", stringMap: "an object of strings", object: "an object", array: "an array" }[type];
    throw badRequest(`invalid ${what} body: ${key} must be ${expected}, got ${describe(v)}`);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v).slice(0, 40)}`;
}

export function objectBody(body: unknown, what: string): Record<string, unknown> {
  if (!isObject(body)) throw badRequest(`invalid ${what} body: expected a JSON object`);
  return body;
}

const CREATE_FIELDS: [string, FieldType][] = [
  ["Image", "string"], ["Cmd", "strslice"], ["Entrypoint", "strslice"], ["Env", "strings"], ["Labels", "stringMap"],
  ["Tty", "boolean"], ["OpenStdin", "boolean"], ["StdinOnce", "boolean"], ["AttachStdin", "boolean"], ["AttachStdout", "boolean"],
  ["AttachStderr", "boolean"], ["WorkingDir", "string"], ["User", "string"], ["Hostname", "string"], ["Domainname", "string"],
  ["ExposedPorts", "object"], ["Volumes", "object"], ["StopSignal", "string"], ["StopTimeout", "integer"], ["HostConfig", "object"],
  ["NetworkingConfig", "object"], ["NetworkDisabled", "boolean"], ["Shell", "strings"], ["Healthcheck", "object"], ["MacAddress", "string"],
];
const HOST_CONFIG_FIELDS: [string, FieldType][] = [
  ["Memory", "integer"], ["MemoryReservation", "integer"], ["MemorySwap", "integer"], ["NanoCpus", "integer"], ["CpuShares", "integer"],
  ["CpuQuota", "integer"], ["CpuPeriod", "integer"], ["RestartPolicy", "object"], ["AutoRemove", "boolean"], ["PortBindings", "object"],
  ["Binds", "strings"], ["NetworkMode", "string"], ["LogConfig", "object"], ["Privileged", "boolean"], ["PublishAllPorts", "boolean"],
  ["Mounts", "array"], ["Dns", "strings"], ["ExtraHosts", "strings"], ["CapAdd", "strings"], ["CapDrop", "strings"], ["Init", "boolean"],
  ["ReadonlyRootfs", "boolean"], ["Tmpfs", "stringMap"], ["ShmSize", "integer"], ["VolumesFrom", "strings"], ["Links", "strings"],
  ["GroupAdd", "strings"],
];

export const UPDATE_FIELDS: [string, FieldType][] = [
  ["Memory", "integer"], ["MemoryReservation", "integer"], ["MemorySwap", "integer"], ["NanoCpus", "integer"], ["CpuShares", "integer"],
  ["CpuQuota", "integer"], ["CpuPeriod", "integer"], ["CpusetCpus", "string"], ["CpusetMems", "string"], ["BlkioWeight", "integer"],
  ["KernelMemory", "integer"], ["PidsLimit", "integer"], ["RestartPolicy", "object"],
];

/** Type-checks the create body the way Go's JSON decoder would refuse it, and normalises strslices. */
export function checkCreateBody(body: unknown): CreateBody {
  if (body === undefined) throw badRequest("invalid create body: expected a JSON object with Image");
  const b = objectBody(body, "create");
  for (const [k, t] of CREATE_FIELDS) checkField(b, k, t, "create");
  if (typeof b.Image !== "string" || b.Image.trim() === "") throw badRequest("no image specified: the create body needs Image, e.g. busybox");
  checkReference(b.Image, "Image");
  const out = { ...b, Image: b.Image } as CreateBody;
  if (typeof b.Cmd === "string") out.Cmd = [b.Cmd];
  if (typeof b.Entrypoint === "string") out.Entrypoint = [b.Entrypoint];
  if (b.ExposedPorts != null) checkPortKeys(b.ExposedPorts as Record<string, unknown>, "ExposedPorts");
  // Go reads a null duration as zero and leaves it out of inspect (docker-py sends null for each unset one).
  if (isObject(b.Healthcheck)) out.Healthcheck = Object.fromEntries(Object.entries(b.Healthcheck).filter(([, v]) => v !== null)) as CreateBody["Healthcheck"];
  if (b.HostConfig != null) {
    const h = b.HostConfig as Record<string, unknown>;
    for (const [k, t] of HOST_CONFIG_FIELDS) checkField(h, k, t, "create HostConfig");
    if (h.RestartPolicy != null) {
      const r = h.RestartPolicy as Record<string, unknown>;
      checkField(r, "Name", "string", "create HostConfig.RestartPolicy");
      checkField(r, "MaximumRetryCount", "integer", "create HostConfig.RestartPolicy");
      if (r.Name == null) r.Name = "";
      if (r.Name && !["no", "always", "unless-stopped", "on-failure", ""].includes(r.Name as string))
        throw badRequest(`invalid restart policy '${String(r.Name).slice(0, 100)}': expected no, always, unless-stopped or on-failure`);
    }
    if (h.LogConfig != null) {
      const l = h.LogConfig as Record<string, unknown>;
      checkField(l, "Type", "string", "create HostConfig.LogConfig");
      checkField(l, "Config", "stringMap", "create HostConfig.LogConfig");
    }
    if (h.PortBindings != null) {
      checkPortKeys(h.PortBindings as Record<string, unknown>, "PortBindings");
      for (const [port, list] of Object.entries(h.PortBindings as Record<string, unknown>)) {
        if (list === null) continue;
        if (!Array.isArray(list) || !list.every((x) => isObject(x) && (x.HostIp == null || typeof x.HostIp === "string") && (x.HostPort == null || typeof x.HostPort === "string")))
          throw badRequest(`invalid create HostConfig body: PortBindings["${port}"] must be an array of {HostIp, HostPort} strings`);
      }
    }
    // dockerd's default network: "default" (what the CLI sends) and "" mean the bridge.
    if (h.NetworkMode === "default" || h.NetworkMode === "" || h.NetworkMode == null) out.HostConfig = { ...(out.HostConfig ?? {}), NetworkMode: "bridge" };
    if (typeof h.Memory === "number" && h.Memory < 0) throw badRequest("invalid HostConfig.Memory: must not be negative");
    if (typeof h.NanoCpus === "number" && h.NanoCpus < 0) throw badRequest("invalid HostConfig.NanoCpus: must not be negative");
  }
  if (b.NetworkingConfig != null) {
    const n = b.NetworkingConfig as Record<string, unknown>;
    checkField(n, "EndpointsConfig", "object", "create NetworkingConfig");
    const endpoints = n.EndpointsConfig as Record<string, unknown> | null | undefined;
    if (endpoints && "default" in endpoints) {
      const { default: d, ...rest } = endpoints;
      out.NetworkingConfig = { EndpointsConfig: { ...rest, bridge: d } } as CreateBody["NetworkingConfig"];
    }
  }
  return out;
}

function checkPortKeys(ports: Record<string, unknown>, what: string): void {
  for (const key of Object.keys(ports))
    if (!/^\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/.test(key)) throw badRequest(`invalid port specification in ${what}: "${key.slice(0, 100)}"`);
}

/** Type-checks the exec create body. */
export function checkExecBody(body: unknown): ExecBody {
  const b = objectBody(body, "exec create");
  for (const [k, t] of [["Cmd", "strslice"], ["AttachStdin", "boolean"], ["AttachStdout", "boolean"], ["AttachStderr", "boolean"], ["Tty", "boolean"], ["Env", "strings"], ["User", "string"], ["WorkingDir", "string"], ["Privileged", "boolean"], ["DetachKeys", "string"]] as const)
    checkField(b, k, t, "exec create");
  const cmd = typeof b.Cmd === "string" ? [b.Cmd] : (b.Cmd as string[] | undefined);
  if (!cmd || cmd.length === 0) throw badRequest("No exec command specified");
  return { ...(b as Omit<ExecBody, "Cmd">), Cmd: cmd };
}

/** Image references: what a registry accepts, so nothing odd reaches the VCH. */

/** An image reference as dockerd accepts it in a body or query (`invalid reference format` otherwise). */
export function checkReference(ref: string, what: string): string {
  if (ref.length > 512 || !/^[a-zA-Z0-9][a-zA-Z0-9._/:@+-]*$/.test(ref) || ref.includes("..") || ref.includes("//"))
    throw badRequest(`invalid reference format: ${what} ${JSON.stringify(ref.slice(0, 200))}`);
  return ref;
}
