/**
 * Health checks as dockerd runs them: a probe (the check's command, in the container's guest)
 * every interval; exit 0 is healthy, anything else (or a timeout) a failure; `Retries` failures in
 * a row make the container unhealthy, except during the start period. `State.Health` keeps the
 * status, the failing streak and the last five probes; a change of status is a `health_status`
 * event. This module decides; the facade runs the probes on the container's timers.
 */
import type { HealthConfig, HealthState } from "./types.js";

/** dockerd's defaults (ns). */
const DEFAULT_INTERVAL_NS = 30e9;
const DEFAULT_TIMEOUT_NS = 30e9;
const DEFAULT_RETRIES = 3;
/** Probes kept in `State.Health.Log`, and bytes of output per probe (dockerd's). */
const LOG_ENTRIES = 5;
const OUTPUT_LIMIT = 4096;

/** A health check ready to run: argv for the guest and its times in virtual ms. */
export interface HealthPlan {
  argv: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  retries: number;
}

/** The plan of a check, or null when there is none (`NONE`, or no test). */
export function healthPlan(check: HealthConfig | undefined): HealthPlan | null {
  const test = check?.Test;
  if (!test?.length || test[0] === "NONE") return null;
  const argv = test[0] === "CMD-SHELL" ? ["/bin/sh", "-c", test.slice(1).join(" ")] : test[0] === "CMD" ? test.slice(1) : test;
  if (!argv.length) return null;
  return {
    argv,
    intervalMs: (check!.Interval || DEFAULT_INTERVAL_NS) / 1e6,
    timeoutMs: (check!.Timeout || DEFAULT_TIMEOUT_NS) / 1e6,
    startPeriodMs: (check!.StartPeriod || 0) / 1e6,
    retries: check!.Retries || DEFAULT_RETRIES,
  };
}

/** Docker's checks of a health check at create (400 otherwise). */
export function checkHealthConfig(check: HealthConfig | null | undefined): string | null {
  if (!check) return null;
  for (const k of ["Interval", "Timeout", "StartPeriod", "StartInterval"] as const) {
    const v = check[k];
    // null is absent, as Go decodes it (docker-py sends every field, null when not given)
    if (v !== undefined && v !== null && v !== 0 && (typeof v !== "number" || v < 1e6)) return `${k} in Healthcheck cannot be less than 1ms`;
  }
  if (check.Retries !== undefined && check.Retries !== null && (typeof check.Retries !== "number" || check.Retries < 0)) return "Retries in Healthcheck cannot be negative";
  const t = check.Test;
  if (t !== undefined && t.length && !["NONE", "CMD", "CMD-SHELL"].includes(t[0])) return `unknown Healthcheck type '${t[0]}'`;
  return null;
}

/**
 * Health as a container starts: `starting`, no streak; the probes of earlier runs stay in the log
 * (dockerd's initHealthMonitor), so a container restarted, or brought back by a reopened state
 * folder, shows its journaled probes before its first new one.
 */
export function startingHealth(previous?: HealthState): HealthState {
  return { Status: "starting", FailingStreak: 0, Log: previous?.Log ?? [] };
}

/**
 * Records one probe into `health`; returns the new status when it changed (an event is due).
 * `inStartPeriod`: failures then do not count (dockerd's start period).
 */
export function recordProbe(health: HealthState, plan: HealthPlan, probe: { start: string; end: string; exitCode: number; output: string }, inStartPeriod: boolean): HealthState["Status"] | null {
  const before = health.Status;
  health.Log.push({ Start: probe.start, End: probe.end, ExitCode: probe.exitCode, Output: probe.output.slice(0, OUTPUT_LIMIT) });
  if (health.Log.length > LOG_ENTRIES) health.Log.splice(0, health.Log.length - LOG_ENTRIES);
  if (probe.exitCode === 0) {
    health.FailingStreak = 0;
    health.Status = "healthy";
  } else if (!inStartPeriod) {
    health.FailingStreak++;
    if (health.FailingStreak >= plan.retries) health.Status = "unhealthy";
  }
  return health.Status !== before ? health.Status : null;
}

/** What `docker ps` adds to `Up …`: ` (healthy)`, ` (unhealthy)`, ` (health: starting)`. */
export function healthSuffix(health: HealthState | undefined): string {
  if (!health) return "";
  return health.Status === "starting" ? " (health: starting)" : ` (${health.Status})`;
}
