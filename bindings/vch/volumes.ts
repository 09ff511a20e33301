/**
 * Volumes: the local driver's named and anonymous volumes. The facade journals and emits around
 * these calls (each returns the records it created or removed) and says which volumes containers
 * use; this module never calls back into the VCH.
 */
import { conflict, invalid, notFound } from "./errors.js";
import { checkFilterKeys, FILTER_KEYS, filterBool, labelsMatch, type Filters } from "./filters.js";
import { NAME_RE } from "./config.js";
import { rfc3339Seconds } from "./format.js";
import type { Rng } from "./rng.js";
import type { VolumeCreate, VolumeRecord } from "./types.js";

/** The label Docker puts on a volume made for an image's or a create's `Volumes` (prune removes these). */
export const ANONYMOUS_VOLUME_LABEL = "com.docker.volume.anonymous";

export class Volumes {
  private readonly byName = new Map<string, VolumeRecord>();

  /** Every volume (filters: name, label, dangling, driver); `inUse` names the volumes containers mount. */
  list(filters: Record<string, string[]>, inUse: Set<string>): VolumeRecord[] {
    checkFilterKeys(filters, FILTER_KEYS.volumeList);
    return [...this.byName.values()]
      .filter((v) =>
        (!filters.name?.length || filters.name.some((x) => v.Name.includes(x))) &&
        (!filters.driver?.length || filters.driver.includes(v.Driver)) &&
        (!filters.dangling?.length || filters.dangling.some((d) => (d === "true" || d === "1") === !inUse.has(v.Name))) &&
        (filters.label ?? []).every((x) => (x.includes("=") ? v.Labels[x.split("=")[0]] === x.slice(x.indexOf("=") + 1) : x in v.Labels)))
      .map((v) => structuredClone(v));
  }

  /**
   * A create body checked and carried out: a random name when none is given; an existing name is
   * returned as it is (`created` false).
   */
  create(body: VolumeCreate, rng: Rng, now: number): { volume: VolumeRecord; created: boolean } {
    if (body.Name !== undefined && body.Name !== "" && !NAME_RE.test(body.Name)) {
      throw invalid(`create ${body.Name}: "${body.Name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
    }
    if (body.Driver && body.Driver !== "local") throw notFound(`error looking up volume plugin ${body.Driver}: plugin "${body.Driver}" not found`);
    const existing = body.Name ? this.byName.get(body.Name) : undefined;
    if (existing) return { volume: existing, created: false };
    // A volume created without a name is anonymous, as dockerd (API 1.42+) marks it: a plain prune removes it.
    const labels = body.Name ? (body.Labels ?? {}) : { ...(body.Labels ?? {}), [ANONYMOUS_VOLUME_LABEL]: "" };
    return { volume: this.add(body.Name || rng.hex(64), labels, now, body.DriverOpts ?? {}), created: true };
  }

  /** A new local volume. */
  add(name: string, labels: Record<string, string>, now: number, options: Record<string, string> = {}): VolumeRecord {
    const v: VolumeRecord = {
      Name: name, Driver: "local", Mountpoint: `/var/lib/docker/volumes/${name}/_data`, CreatedAt: rfc3339Seconds(now),
      Labels: labels, Options: options, Scope: "local",
    };
    this.byName.set(name, v);
    return v;
  }

  /** Removes a volume no container uses (`users`: the container ids that do); false when there is none and `force`. */
  remove(name: string, force: boolean, users: string[]): boolean {
    if (!this.byName.has(name)) {
      if (force) return false;
      throw notFound(`get ${name}: no such volume`);
    }
    if (users.length) throw conflict(`remove ${name}: volume is in use - [${users.join(", ")}]`);
    this.byName.delete(name);
    return true;
  }

  /** Removes unused anonymous volumes (every unused one with `all`) and returns their names. */
  prune(options: { all?: boolean; filters?: Filters }, inUse: Set<string>): string[] {
    const filters = options.filters ?? {};
    checkFilterKeys(filters, FILTER_KEYS.volumePrune);
    const all = filters.all?.length ? filterBool("all", filters.all[0]) : !!options.all;
    const deleted: string[] = [];
    for (const v of [...this.byName.values()]) {
      if (inUse.has(v.Name)) continue;
      if (!all && !(ANONYMOUS_VOLUME_LABEL in v.Labels)) continue;
      if (!labelsMatch(filters, v.Labels)) continue;
      this.byName.delete(v.Name);
      deleted.push(v.Name);
    }
    return deleted;
  }

  /** Forgets a volume (its container went with `--rm` or `rm -v`). */
  delete(name: string): void {
    this.byName.delete(name);
  }

  /** A volume by name (the record itself: callers copy what they hand out). */
  get(name: string): VolumeRecord | undefined {
    return this.byName.get(name);
  }

  all(): VolumeRecord[] {
    return [...this.byName.values()];
  }

  /** A journaled volume back. */
  restore(name: string, v: VolumeRecord): void {
    this.byName.set(name, v);
  }
}
