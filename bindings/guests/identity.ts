/**
 * Who a guest process runs as: the container's `User` ("name", "uid", "name:group", "uid:gid") looked
 * up in the container's own /etc/passwd and /etc/group as dockerd does before runc starts the process
 * (moby's getUser, runc's GetExecUser): a name must be in passwd, a uid need not be (then gid 0 and
 * home "/"); the supplementary groups are the group file's memberships (only when no group is
 * given), then `GroupAdd`. And what busybox `id` prints of it.
 */
import type { ContainerFs } from "../fs/index.js";
import { BUSYBOX_GROUP, BUSYBOX_PASSWD } from "../fs/distro.js";

/** The rows of /etc/passwd and /etc/group, split at ":". */
export interface Accounts {
  passwd: string[][];
  group: string[][];
}

export interface Identity {
  uid: number;
  gid: number;
  /** Every group the process is in (the primary among them), ascending, as the kernel keeps them. */
  groups: number[];
  /** The passwd entry's name and home, when the user has one. */
  name?: string;
  home?: string;
}

const utf8 = new TextDecoder();
const rows = (text: string): string[][] => text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(":"));
const read = (fs: ContainerFs, path: string): string => {
  try { return utf8.decode(fs.readFile(path)); } catch { return ""; }
};

/** The container's accounts; busybox's own without a filesystem. */
export function accountsOf(fs?: ContainerFs): Accounts {
  if (!fs) return { passwd: rows(BUSYBOX_PASSWD), group: rows(BUSYBOX_GROUP) };
  return { passwd: rows(read(fs, "/etc/passwd")), group: rows(read(fs, "/etc/group")) };
}

const numeric = (s: string): boolean => /^\d+$/.test(s);

/**
 * The identity of `user` with `groupAdd`, or dockerd's error when a name is unknown (`unable to find
 * user NAME: no matching entries in passwd file`; the same for a group).
 */
export function resolveUser(user: string, accounts: Accounts, groupAdd: readonly string[] = []): Identity | { error: string } {
  // No user is uid 0, whatever passwd says of it (a scratch image has none).
  const [given, g] = user.split(":", 2);
  const u = given || "0";
  const entry = accounts.passwd.find((p) => p[0] === u || (numeric(u) && Number(p[2]) === Number(u)));
  if (!entry && !numeric(u)) return { error: `unable to find user ${u}: no matching entries in passwd file` };
  const uid = entry ? Number(entry[2]) : Number(u);
  let gid = entry ? Number(entry[3]) : 0;
  let groups: number[] = [];
  if (g !== undefined && g !== "") {
    const ge = accounts.group.find((x) => x[0] === g || (numeric(g) && Number(x[2]) === Number(g)));
    if (!ge && !numeric(g)) return { error: `unable to find group ${g}: no matching entries in group file` };
    gid = ge ? Number(ge[2]) : Number(g);
  } else if (entry) {
    groups = accounts.group.filter((x) => (x[3] ?? "").split(",").includes(entry[0])).map((x) => Number(x[2]));
  }
  for (const a of groupAdd) {
    const ge = accounts.group.find((x) => x[0] === a || (numeric(a) && Number(x[2]) === Number(a)));
    if (ge) groups.push(Number(ge[2]));
    else if (numeric(a)) groups.push(Number(a));
  }
  const all = [...new Set([gid, ...groups])].sort((a, b) => a - b);
  return { uid, gid, groups: all, name: entry?.[0], home: entry ? entry[5] || "/" : "/" };
}

/** The name of `id` in the table (passwd or group), or undefined. */
export function nameOf(table: string[][], id: number): string | undefined {
  return table.find((r) => r.length > 2 && Number(r[2]) === id)?.[0];
}

/** busybox `id [-u|-g|-G] [-n]`: its output, or an error for an option it does not know. */
export function idCommand(who: Identity, args: string[], accounts: Accounts): { out: string } | { err: string } {
  const flags = new Set<string>();
  for (const a of args) {
    if (!/^-[ugGnr]+$/.test(a)) return { err: `id: unrecognized option '${a}'\nBusyBox v1.36.1 multi-call binary.\n` };
    for (const f of a.slice(1)) flags.add(f);
  }
  const userName = (id: number) => nameOf(accounts.passwd, id);
  const groupName = (id: number) => nameOf(accounts.group, id);
  const shown = (id: number, name: string | undefined): string => (flags.has("n") ? (name ?? String(id)) : String(id));
  if (flags.has("u")) return { out: `${shown(who.uid, userName(who.uid))}\n` };
  if (flags.has("g")) return { out: `${shown(who.gid, groupName(who.gid))}\n` };
  if (flags.has("G")) return { out: `${who.groups.map((x) => shown(x, groupName(x))).join(" ")}\n` };
  const named = (id: number, name: string | undefined): string => (name ? `${id}(${name})` : String(id));
  const groups = who.groups.length ? ` groups=${who.groups.map((x) => named(x, groupName(x))).join(",")}` : "";
  return { out: `uid=${named(who.uid, userName(who.uid))} gid=${named(who.gid, groupName(who.gid))}${groups}\n` };
}
