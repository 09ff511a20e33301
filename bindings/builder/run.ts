/**
 * RUN: the command runs in vicsim's emulated guest (the POSIX shell and busybox-like utilities of
 * bindings/guests/shell) over the build's filesystem, as the image's user, in its working
 * directory, with its environment and the build args in scope, on the build's network (`--network`).
 */
import type { ContainerFs } from "../fs/index.js";
import type { Network, ShellClock, ShellUser } from "../guests/shell/index.js";
import { accountsOf, nameOf, resolveUser as identityOf } from "../guests/identity.js";
import { BuildError } from "./errors.js";

export interface RunStep {
  fs: ContainerFs;
  argv: string[];
  env: string[];
  cwd: string;
  /** The image's USER (`name`, `uid`, `name:group`, `uid:gid`), "" for root. */
  user: string;
  clock: ShellClock;
  /** The step container's hostname (its short id, as the classic builder's containers have). */
  hostname: string;
  /** The step container's network (none: only loopback). */
  net?: Network;
  stdout: (chunk: Uint8Array) => void;
  stderr: (chunk: Uint8Array) => void;
}

/** Runs the step and resolves with its exit status. */
export async function runStep(r: RunStep): Promise<number> {
  // The step's container runs as the image's USER, looked up as for any container (runc's rules).
  const accounts = accountsOf(r.fs);
  const who = identityOf(r.user, accounts);
  if ("error" in who) throw new BuildError(who.error);
  const user = { user: { uid: who.uid, gid: who.gid, groups: who.groups, name: who.name, group: nameOf(accounts.group, who.gid) }, home: who.home ?? "/" };
  if (!r.fs.exists(r.cwd)) r.fs.mkdir(r.cwd, { parents: true });
  const home = r.env.some((e) => e.startsWith("HOME=")) ? [] : [`HOME=${user.home}`];
  // The shell (and mvdan-sh, which reads the environment as it loads) loads on the first RUN, so
  // an entry that never builds, Deno's without --allow-env among them, never loads it.
  const { runShell } = await import("../guests/shell/index.js");
  return runShell({
    argv: r.argv, fs: r.fs, cwd: r.cwd, env: [...home, ...r.env], user: user.user, stdin: null,
    stdout: r.stdout, stderr: r.stderr, clock: r.clock, net: r.net,
    info: { hostname: r.hostname },
  });
}

/** A `--chown` owner as uid/gid with names, looked up in the image's /etc/passwd and /etc/group (a lone uid is also the gid). */
export function resolveUser(fs: ContainerFs, spec: string): { user: ShellUser; home: string } {
  if (spec === "" || spec === "root") return { user: { uid: 0, gid: 0, name: "root", group: "root" }, home: "/root" };
  const [u, g] = spec.split(":");
  const passwd = table(fs, "/etc/passwd");
  const groups = table(fs, "/etc/group");
  const entry = passwd.find((p) => p[0] === u || p[2] === u);
  let uid: number, gid: number, name: string | undefined, home = "/";
  if (entry) { uid = Number(entry[2]); gid = Number(entry[3]); name = entry[0]; home = entry[5] || "/"; }
  else if (/^\d+$/.test(u)) { uid = Number(u); gid = uid; }
  else throw new BuildError(`unable to find user ${u}: no matching entries in passwd file`);
  if (g !== undefined) {
    const ge = groups.find((x) => x[0] === g || x[2] === g);
    if (ge) gid = Number(ge[2]);
    else if (/^\d+$/.test(g)) gid = Number(g);
    else throw new BuildError(`unable to find group ${g}: no matching entries in group file`);
  }
  const group = groups.find((x) => Number(x[2]) === gid)?.[0];
  return { user: { uid, gid, name, group }, home };
}

function table(fs: ContainerFs, path: string): string[][] {
  try {
    return new TextDecoder().decode(fs.readFile(path)).split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(":"));
  } catch {
    return [];
  }
}
