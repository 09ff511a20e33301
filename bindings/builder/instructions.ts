/**
 * The instructions that change only the image's config (no layer): ENV, LABEL, EXPOSE, VOLUME,
 * CMD, ENTRYPOINT, HEALTHCHECK, SHELL, USER, WORKDIR (its directory is made by the driver),
 * STOPSIGNAL, MAINTAINER, ONBUILD. Each returns the comment the classic builder records in the
 * history (`/bin/sh -c #(nop)  ENV A=b`).
 */
import { execForm, type Instruction } from "./dockerfile.js";
import { BuildError } from "./errors.js";
import type { ContainerConfigDoc } from "./image.js";
import { expandWord, expandWords, keyValues } from "./substitute.js";

export interface StageConfig {
  config: ContainerConfigDoc;
  /** True once the stage set CMD itself (ENTRYPOINT then keeps it). */
  cmdSet: boolean;
  author?: string;
}

/** The shell of shell-form commands (`SHELL`, default `/bin/sh -c`). */
export const shellOf = (c: ContainerConfigDoc): string[] => c.Shell?.length ? c.Shell : ["/bin/sh", "-c"];

/** Go's `%q` of a string slice: `["sh" "-c" "echo hi"]`. */
export const goQuoted = (a: string[]): string => `[${a.map((s) => JSON.stringify(s)).join(" ")}]`;

function command(ins: Instruction, c: ContainerConfigDoc): string[] {
  return execForm(ins.args) ?? [...shellOf(c), ins.args];
}

/** Applies a config-only instruction; returns its history comment. */
export function applyMetadata(ins: Instruction, s: StageConfig, vars: ReadonlyMap<string, string>): string {
  const c = s.config;
  switch (ins.keyword) {
    case "ENV": {
      const pairs = keyValues("ENV", ins.args, vars);
      for (const [k, v] of pairs) {
        c.Env = c.Env.filter((e) => e.slice(0, e.indexOf("=") < 0 ? e.length : e.indexOf("=")) !== k);
        c.Env.push(`${k}=${v ?? ""}`);
      }
      return "ENV " + pairs.map(([k, v]) => `${k}=${v}`).join(" ");
    }
    case "LABEL": {
      const pairs = keyValues("LABEL", ins.args, vars);
      c.Labels = { ...(c.Labels ?? {}) };
      for (const [k, v] of pairs) c.Labels[k] = v ?? "";
      return "LABEL " + pairs.map(([k, v]) => `${k}=${v}`).join(" ");
    }
    case "MAINTAINER":
      s.author = expandWord(ins.args.trim(), vars);
      return "MAINTAINER " + s.author;
    case "EXPOSE": {
      const ports: string[] = [];
      for (const w of expandWords(ins.args, vars)) {
        const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(w);
        if (!m) throw new BuildError(`invalid containerPort: ${w.split("/")[0]}`, { status: 400 });
        const lo = Number(m[1]), hi = m[2] ? Number(m[2]) : lo;
        if (lo < 1 || hi > 65535 || hi < lo) throw new BuildError(`invalid range format for --expose: ${w}`, { status: 400 });
        for (let p = lo; p <= hi; p++) ports.push(`${p}/${(m[3] ?? "tcp").toLowerCase()}`);
      }
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const p of ports) c.ExposedPorts[p] = {};
      return "EXPOSE " + ports.map((p) => p.replace(/\/tcp$/, "/tcp")).join(" ");
    }
    case "VOLUME": {
      const vols = execForm(ins.args) ?? expandWords(ins.args, vars);
      if (vols.length === 0 || vols.some((v) => v.trim() === "")) throw new BuildError("VOLUME specified can not be an empty string", { status: 400 });
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const v of vols) c.Volumes[v] = {};
      return `VOLUME [${vols.join(" ")}]`;
    }
    case "CMD": {
      c.Cmd = command(ins, c);
      s.cmdSet = true;
      return "CMD " + goQuoted(c.Cmd);
    }
    case "ENTRYPOINT": {
      const e = execForm(ins.args);
      c.Entrypoint = e ?? (ins.args.trim() === "" ? null : [...shellOf(c), ins.args]);
      // An ENTRYPOINT clears a CMD inherited from the base image (Docker's rule).
      if (!s.cmdSet) c.Cmd = null;
      return "ENTRYPOINT " + goQuoted(c.Entrypoint ?? []);
    }
    case "SHELL": {
      const sh = execForm(ins.args);
      if (!sh || sh.length === 0) throw new BuildError("SHELL requires the arguments to be in JSON form", { status: 400 });
      c.Shell = sh;
      return `SHELL [${sh.join(" ")}]`;
    }
    case "USER": {
      const u = expandWord(ins.args.trim(), vars);
      if (u === "") throw new BuildError("USER requires exactly one argument", { status: 400 });
      c.User = u;
      return "USER " + u;
    }
    case "WORKDIR": {
      const w = expandWord(ins.args.trim(), vars);
      if (w === "") throw new BuildError("WORKDIR requires exactly one argument", { status: 400 });
      c.WorkingDir = normalise(w.startsWith("/") ? w : `${c.WorkingDir || "/"}/${w}`);
      return "WORKDIR " + c.WorkingDir;
    }
    case "STOPSIGNAL": {
      const sig = expandWord(ins.args.trim(), vars);
      if (!/^(SIG)?[A-Z0-9+-]+$/.test(sig)) throw new BuildError(`Invalid signal: ${sig}`, { status: 400 });
      c.StopSignal = sig;
      return "STOPSIGNAL " + sig;
    }
    case "ONBUILD": {
      const trigger = ins.args.trim();
      const kw = trigger.split(/\s+/)[0].toUpperCase();
      if (kw === "ONBUILD") throw new BuildError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", { status: 400 });
      if (kw === "FROM" || kw === "MAINTAINER") throw new BuildError(`${kw} isn't allowed as an ONBUILD trigger`, { status: 400 });
      c.OnBuild = [...(c.OnBuild ?? []), trigger];
      return "ONBUILD " + trigger;
    }
    case "HEALTHCHECK":
      c.Healthcheck = healthcheck(ins);
      return `HEALTHCHECK &{${goQuoted(c.Healthcheck.Test ?? [])} "${goDuration(c.Healthcheck.Interval ?? 0)}" "${goDuration(c.Healthcheck.Timeout ?? 0)}" "${goDuration(c.Healthcheck.StartPeriod ?? 0)}" "${goDuration(c.Healthcheck.StartInterval ?? 0)}" '\\x${(c.Healthcheck.Retries ?? 0).toString(16).padStart(2, "0")}'}`;
    default:
      throw new BuildError(`unknown instruction: ${ins.keyword}`, { status: 400 });
  }
}

function healthcheck(ins: Instruction): NonNullable<ContainerConfigDoc["Healthcheck"]> {
  const rest = ins.args.trim();
  const words = rest.split(/\s+/);
  const kind = (words[0] ?? "").toUpperCase();
  if (kind === "NONE") {
    if (words.length > 1) throw new BuildError("HEALTHCHECK NONE takes no arguments", { status: 400 });
    return { Test: ["NONE"] };
  }
  if (kind !== "CMD") throw new BuildError(`Unknown type "${words[0] ?? ""}" in HEALTHCHECK (try CMD)`, { status: 400 });
  const cmdText = rest.slice(words[0].length).trim();
  const exec = execForm(cmdText);
  const h: NonNullable<ContainerConfigDoc["Healthcheck"]> = { Test: exec ? ["CMD", ...exec] : ["CMD-SHELL", cmdText] };
  for (const [name, value] of Object.entries(ins.flags)) {
    if (name === "retries") {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new BuildError(`--retries must be at least 0 (not ${value})`, { status: 400 });
      h.Retries = n;
      continue;
    }
    const key = ({ interval: "Interval", timeout: "Timeout", "start-period": "StartPeriod", "start-interval": "StartInterval" } as const)[name];
    if (!key) throw new BuildError(`Unknown flag: ${name}`, { status: 400 });
    h[key] = parseDuration(value);
  }
  return h;
}

/** A Go duration (`30s`, `1m30s`, `500ms`) in nanoseconds. */
export function parseDuration(v: string): number {
  const unit: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let consumed = 0;
  for (const m of v.matchAll(re)) { total += Number(m[1]) * unit[m[2]]; consumed += m[0].length; }
  if (v === "0") return 0;
  if (consumed !== v.length || v === "") throw new BuildError(`time: invalid duration "${v}"`, { status: 400 });
  return Math.round(total);
}

function goDuration(ns: number): string {
  if (ns === 0) return "0s";
  const s = ns / 1e9;
  if (s < 1) return `${ns / 1e6}ms`;
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return `${h ? h + "h" : ""}${h || m ? m + "m" : ""}${sec}s`;
}

/** A clean absolute path (no `.`, `..` or doubled slashes). */
export function normalise(p: string): string {
  const out: string[] = [];
  for (const c of p.split("/")) {
    if (!c || c === ".") continue;
    if (c === "..") out.pop();
    else out.push(c);
  }
  return "/" + out.join("/");
}
