/**
 * Docker's filters as predicates, one allow-list per operation: every key a list or prune accepts
 * is applied, and any other is refused with dockerd's `invalid filter` (a 400 at the Docker door),
 * never accepted and ignored.
 */
import { invalid } from "./errors.js";
import { parseTime } from "./format.js";
import type { VchEvent } from "./types.js";

export type Filters = Record<string, string[]>;

/** The keys each operation applies (dockerd's, less swarm's). */
export const FILTER_KEYS = {
  containerList: ["id", "name", "label", "label!", "status", "ancestor", "exited", "before", "since", "health", "network", "volume", "is-task", "publish", "expose", "isolation"],
  containerPrune: ["until", "label", "label!"],
  imagePrune: ["dangling", "until", "label", "label!"],
  networkList: ["dangling", "driver", "id", "label", "name", "scope", "type"],
  networkPrune: ["until", "label", "label!"],
  volumeList: ["dangling", "driver", "label", "name"],
  volumePrune: ["all", "label", "label!"],
} as const;

/** Refuses any key `allowed` does not name, as dockerd does. */
export function checkFilterKeys(filters: Filters, allowed: readonly string[]): void {
  for (const k of Object.keys(filters)) if (!allowed.includes(k)) throw invalid(`invalid filter '${k}'`);
}

/** One `label` value (`key` or `key=value`) against a set of labels. */
function hasLabel(spec: string, labels: Record<string, string> | null | undefined): boolean {
  const l = labels ?? {};
  const eq = spec.indexOf("=");
  return eq < 0 ? spec in l : l[spec.slice(0, eq)] === spec.slice(eq + 1);
}

/** `label` (every one must match) and `label!` (none may match), as dockerd's prune applies them. */
export function labelsMatch(filters: Filters, labels: Record<string, string> | null | undefined): boolean {
  return (filters.label ?? []).every((v) => hasLabel(v, labels)) && !(filters["label!"] ?? []).some((v) => hasLabel(v, labels));
}

const GO_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The `until` cutoff in virtual ms: a Go duration (`24h`, `1h30m`, `90s`: that long before `now`),
 * a Unix timestamp (`1700000000`, `1700000000.5`) or an RFC 3339 time. Throws dockerd's error otherwise.
 */
export function untilCutoff(values: string[] | undefined, now: number): number | null {
  if (!values?.length) return null;
  if (values.length > 1) throw invalid("more than one until filter specified");
  const v = values[0];
  if (/^-?(\d+(\.\d*)?(ns|us|µs|ms|s|m|h))+$/.test(v)) {
    let ms = 0;
    for (const m of v.replace(/^-/, "").matchAll(/(\d+(?:\.\d*)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * GO_UNITS[m[2]];
    return now - (v.startsWith("-") ? -ms : ms);
  }
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = parseTime(v) ?? Date.parse(v);
  if (Number.isFinite(t)) return t;
  throw invalid(`invalid filter 'until=${v}': not a duration, a Unix timestamp or an RFC 3339 time`);
}

/** A prune's `until`: only what was created before the cutoff goes. */
export function createdBefore(createdMs: number | null, cutoff: number | null): boolean {
  return cutoff === null || (createdMs !== null && createdMs < cutoff);
}

/** A boolean filter value (`true`, `1`, `false`, `0`); throws on anything else. */
export function filterBool(key: string, v: string): boolean {
  if (/^(1|true)$/i.test(v)) return true;
  if (/^(0|false)$/i.test(v)) return false;
  throw invalid(`invalid filter '${key}=${v}'`);
}

/** Does an event pass `docker events` filters (each key: any of its values)? */
export function eventMatches(e: VchEvent, filters: Filters): boolean {
  for (const [key, values] of Object.entries(filters)) {
    if (!values.length) continue;
    const attrs = e.Actor.Attributes;
    const ok = values.some((v) => {
      switch (key) {
        case "type":
          return e.Type === v;
        case "event":
          return e.Action === v || e.Action.startsWith(`${v}:`);
        case "container":
          return e.Type === "container" && (e.Actor.ID.startsWith(v) || attrs.name === v);
        case "image":
          return attrs.image === v || e.Actor.ID === v || attrs.name === v;
        case "label":
          return hasLabel(v, attrs);
        case "network":
          return e.Type === "network" && (e.Actor.ID.startsWith(v) || attrs.name === v);
        case "volume":
          return e.Type === "volume" && e.Actor.ID === v;
        case "host":
          return attrs.host === v || attrs.from === v || attrs.to === v;
        case "daemon":
          return e.Actor.ID === v || attrs.name === v;
        case "scope":
          return e.scope === v;
        default:
          // Swarm's objects (config, node, plugin, secret, service) never occur here: nothing matches.
          return false;
      }
    });
    if (!ok) return false;
  }
  return true;
}
