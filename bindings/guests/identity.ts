/**
 * Who a guest process runs as: the container's `User` ("name", "uid", "uid:gid", "name:group") and
 * its `GroupAdd`, as runc sets them in a busybox image (root is 0 and in wheel, 10; a uid that
 * /etc/passwd does not know runs with gid 0 and no groups of its own), and what `id` prints of it.
 */

/** busybox's /etc/passwd and /etc/group, by name: [id, primary gid, supplementary groups]. */
const USERS: Record<string, [number, number, number[]]> = {
  root: [0, 0, [0, 10]], daemon: [1, 1, [1]], bin: [2, 2, [2]], sys: [3, 3, [3]], sync: [4, 100, []],
  mail: [8, 8, [8]], www: [33, 33, [33]], operator: [37, 37, [37]], nobody: [65534, 65534, [65534]],
};
const GROUPS: Record<string, number> = {
  root: 0, daemon: 1, bin: 2, sys: 3, adm: 4, tty: 5, disk: 6, lp: 7, mail: 8, kmem: 9, wheel: 10, floppy: 11,
  news: 13, uucp: 14, audio: 29, www: 33, operator: 37, staff: 50, users: 100, nogroup: 65534,
};
const nameOf = (table: Record<string, number | [number, ...unknown[]]>, id: number): string | undefined =>
  Object.entries(table).find(([, v]) => (Array.isArray(v) ? v[0] : v) === id)?.[0];

export interface Identity {
  uid: number;
  gid: number;
  /** Supplementary groups, the primary first when it is one of them. */
  groups: number[];
}

/** The identity of `user` with `groupAdd`; undefined when a name is unknown (runc refuses to start). */
export function identityOf(user: string, groupAdd: readonly string[] = []): Identity | undefined {
  const [u, g] = (user || "root").split(":", 2);
  let uid: number, gid: number, groups: number[];
  if (/^\d+$/.test(u)) {
    uid = Number(u);
    const known = USERS[nameOf(USERS, uid) ?? ""];
    gid = known ? known[1] : 0;
    groups = known ? [...known[2]] : [];
  } else {
    const known = USERS[u];
    if (!known) return undefined;
    [uid, gid] = known;
    groups = [...known[2]];
  }
  if (g !== undefined) {
    const group = /^\d+$/.test(g) ? Number(g) : GROUPS[g];
    if (group === undefined) return undefined;
    gid = group;
    groups = [];
  }
  for (const a of groupAdd) {
    const n = /^\d+$/.test(a) ? Number(a) : GROUPS[a];
    if (n !== undefined && !groups.includes(n)) groups.push(n);
  }
  return { uid, gid, groups };
}

/** busybox `id [-u|-g|-G] [-n]`: its output, or an error for an option it does not know. */
export function idCommand(who: Identity, args: string[]): { out: string } | { err: string } {
  const flags = new Set<string>();
  for (const a of args) {
    if (!/^-[ugGnr]+$/.test(a)) return { err: `id: unrecognized option '${a}'\nBusyBox v1.36.1 multi-call binary.\n` };
    for (const f of a.slice(1)) flags.add(f);
  }
  const user = (id: number): string => (flags.has("n") ? (nameOf(USERS, id) ?? String(id)) : String(id));
  const group = (id: number): string => (flags.has("n") ? (nameOf(GROUPS, id) ?? String(id)) : String(id));
  const all = [who.gid, ...who.groups.filter((x) => x !== who.gid)];
  if (flags.has("u")) return { out: `${user(who.uid)}\n` };
  if (flags.has("g")) return { out: `${group(who.gid)}\n` };
  if (flags.has("G")) return { out: `${all.map(group).join(" ")}\n` };
  const named = (id: number, name: string | undefined): string => (name ? `${id}(${name})` : String(id));
  return { out: `uid=${named(who.uid, nameOf(USERS, who.uid))} gid=${named(who.gid, nameOf(GROUPS, who.gid))} groups=${all.map((x) => named(x, nameOf(GROUPS, x))).join(",")}\n` };
}
