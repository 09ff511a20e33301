/** File utilities over the container filesystem: ls, cat, mkdir, rm, rmdir, cp, mv, touch, ln, du, df, find, chmod… */
import { type ContainerFs, FsError, type Stat } from "../../../fs/index.js";
import type { CommandContext, Utility } from "../context.js";
import { matchPattern } from "../pattern.js";
import { abs, decode, failed, getopt, inputs, lsTime, out, warn } from "./common.js";

/** Names from /etc/passwd or /etc/group by id (numbers when absent). */
export function idName(fs: ContainerFs, file: "passwd" | "group", id: number): string {
  try {
    for (const line of decode(fs.readFile(`/etc/${file}`)).split("\n")) {
      const f = line.split(":");
      if (f.length > 2 && Number(f[2]) === id) return f[0];
    }
  } catch { /* no such file */ }
  return String(id);
}

function modeString(st: Stat): string {
  const t = st.kind === "dir" ? "d" : st.kind === "symlink" ? "l" : "-";
  const m = st.mode;
  const bit = (b: number, c: string) => (m & b ? c : "-");
  let s = t + bit(0o400, "r") + bit(0o200, "w") + bit(0o100, "x") + bit(0o40, "r") + bit(0o20, "w") + bit(0o10, "x") + bit(0o4, "r") + bit(0o2, "w") + bit(0o1, "x");
  const a = s.split("");
  if (m & 0o4000) a[3] = a[3] === "x" ? "s" : "S";
  if (m & 0o2000) a[6] = a[6] === "x" ? "s" : "S";
  if (m & 0o1000) a[9] = a[9] === "x" ? "t" : "T";
  s = a.join("");
  return s;
}

const blocks = (st: Stat): number => (st.kind === "symlink" ? 0 : st.kind === "dir" ? 4 : Math.ceil(st.size / 4096) * 4);

const ls: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "lad1AFRnp");
  // -n is -l with numeric ids; -R lists each directory below, depth first, each under its own header.
  const numeric = flags.has("n"), long = flags.has("l") || numeric, all = flags.has("a"), almost = flags.has("A"), dirSelf = flags.has("d");
  const recursive = flags.has("R") && !dirSelf;
  const args = rest.length ? rest : ["."];
  let status = 0;
  const files: string[] = [], dirs: string[] = [];
  for (const a of args) {
    try {
      const st = ctx.fs.stat(abs(ctx, a));
      (st.kind === "dir" && !dirSelf ? dirs : files).push(a);
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      try { ctx.fs.lstat(abs(ctx, a)); files.push(a); continue; } catch { /* dangling or missing */ }
      await warn(ctx, `${a}: ${e.message}`);
      status = 1;
    }
  }
  const line = (given: string, path: string): string => {
    const name = flags.has("p") && kindOf(ctx.fs, path) === "dir" ? `${given}/` : given; // -p: a slash after each directory
    if (!long) return name + "\n";
    const st = ctx.fs.lstat(path);
    const nlink = st.kind === "dir" ? 2 + safeList(ctx.fs, path).filter((n) => kindOf(ctx.fs, `${path}/${n}`) === "dir").length : 1;
    const user = numeric ? String(st.uid) : idName(ctx.fs, "passwd", st.uid).slice(0, 8), group = numeric ? String(st.gid) : idName(ctx.fs, "group", st.gid).slice(0, 8);
    const link = st.kind === "symlink" ? ` -> ${st.target}` : "";
    return `${modeString(st)} ${String(nlink).padStart(4)} ${user.padEnd(8)} ${group.padEnd(8)} ${String(st.size).padStart(9)} ${lsTime(st.mtime, ctx.system.clock.now())} ${name}${link}\n`;
  };
  let text = "";
  for (const f of files.sort()) text += line(f, abs(ctx, f));
  let first = files.length === 0;
  const listDir = async (d: string, path: string): Promise<void> => {
    if (args.length > 1 || recursive) text += `${first ? "" : "\n"}${d}:\n`;
    first = false;
    let names: string[];
    try { names = ctx.fs.readdir(path, ctx.user); } catch (e) {
      if (!(e instanceof FsError)) throw e;
      await warn(ctx, `can't open '${d}': ${e.message}`);
      status = 2;
      return;
    }
    names = names.filter((n) => all || almost || !n.startsWith("."));
    if (all) names = [".", "..", ...names];
    names.sort(collate);
    const child = (n: string) => (n === "." ? path : n === ".." ? `${path}/..` : `${path === "/" ? "" : path}/${n}`);
    if (long) {
      let total = 0;
      for (const n of names) total += blocks(ctx.fs.lstat(child(n)));
      text += `total ${total}\n`;
    }
    for (const n of names) text += line(n, child(n));
    if (!recursive) return;
    for (const n of names) if (n !== "." && n !== ".." && kindOf(ctx.fs, child(n)) === "dir") await listDir(d.endsWith("/") ? d + n : `${d}/${n}`, child(n));
  };
  for (const d of dirs.sort()) await listDir(d, abs(ctx, d));
  await out(ctx, text);
  return status;
};

/** busybox ls sorts with strcmp in the C locale. */
const collate = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const safeList = (fs: ContainerFs, p: string): string[] => { try { return fs.readdir(p); } catch { return []; } };
const kindOf = (fs: ContainerFs, p: string): string | null => { try { return fs.lstat(p).kind; } catch { return null; } };

const cat: Utility = async (ctx) => {
  const { rest } = getopt(ctx.argv, "nu");
  for await (const f of inputs(ctx, rest)) await out(ctx, f.data);
  return failed.has(ctx) ? 1 : 0;
};

const mkdir: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "pm:");
  const mode = flags.has("m") ? Number.parseInt(flags.get("m")![0], 8) : 0o755;
  let status = 0;
  for (const d of rest) {
    if (flags.has("p")) {
      // busybox names the first component that is not a directory, with its slash.
      const comps = d.split("/");
      const bad = comps.findIndex((_c, i) => {
        const prefix = comps.slice(0, i + 1).join("/");
        return prefix !== "" && ctx.fs.exists(abs(ctx, prefix)) && ctx.fs.stat(abs(ctx, prefix)).kind !== "dir";
      });
      if (bad >= 0) {
        const last = comps.slice(bad + 1).every((c) => c === "");
        await warn(ctx, last ? `can't create directory '${d}': File exists` : `can't create directory '${comps.slice(0, bad + 1).join("/")}/': Not a directory`);
        status = 1;
        continue;
      }
    }
    try { ctx.fs.mkdir(abs(ctx, d), { parents: flags.has("p"), mode, cred: ctx.user }); } catch (e) {
      if (!(e instanceof FsError)) throw e;
      await warn(ctx, `can't create directory '${d}': ${e.message}`);
      status = 1;
    }
  }
  return status;
};

const rm: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "rRfiv");
  const recursive = flags.has("r") || flags.has("R"), force = flags.has("f");
  let status = 0;
  for (const f of rest) {
    const p = abs(ctx, f);
    let st: Stat;
    try { st = ctx.fs.lstat(p); } catch (e) {
      if (!(e instanceof FsError)) throw e;
      if (!force) { await warn(ctx, `can't remove '${f}': ${e.message}`); status = 1; }
      continue;
    }
    if (st.kind === "dir" && !recursive) { await warn(ctx, `'${f}' is a directory`); status = 1; continue; }
    try { ctx.fs.removeAll(p); } catch (e) {
      if (!(e instanceof FsError)) throw e;
      await warn(ctx, `can't remove '${f}': ${e.message}`);
      status = 1;
    }
  }
  return status;
};

const rmdir: Utility = async (ctx) => {
  const { rest } = getopt(ctx.argv, "p");
  let status = 0;
  for (const d of rest) {
    try { ctx.fs.rmdir(abs(ctx, d), ctx.user); } catch (e) {
      if (!(e instanceof FsError)) throw e;
      await warn(ctx, `'${d}': ${e.message}`);
      status = 1;
    }
  }
  return status;
};

const touch: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "cd:t:r:");
  let status = 0;
  const when = flags.has("d") ? Date.parse(flags.get("d")![0].replace(" ", "T") + (/[zZ]|[+-]\d\d:?\d\d$/.test(flags.get("d")![0]) ? "" : "Z")) : ctx.system.clock.now();
  for (const f of rest) {
    const p = abs(ctx, f);
    try {
      if (!ctx.fs.exists(p)) {
        if (flags.has("c")) continue;
        ctx.fs.writeFile(p, new Uint8Array(0), { cred: ctx.user });
      }
      ctx.fs.utimes(p, when);
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      await warn(ctx, `${f}: ${e.message}`);
      status = 1;
    }
  }
  return status;
};

/** Copies `src` to `dst` (recursively with `recursive`), keeping modes with `preserve`. */
function copy(ctx: CommandContext, src: string, dst: string, recursive: boolean, preserve: boolean, deref: boolean): void {
  const st = deref ? ctx.fs.stat(src) : ctx.fs.lstat(src);
  if (st.kind === "dir") {
    if (!ctx.fs.exists(dst)) ctx.fs.mkdir(dst, { mode: st.mode, cred: ctx.user });
    for (const n of ctx.fs.readdir(src)) copy(ctx, `${src}/${n}`, `${dst}/${n}`, recursive, preserve, false);
  } else if (st.kind === "symlink") {
    if (ctx.fs.resolve(dst, false).stat) ctx.fs.unlink(dst);
    ctx.fs.symlink(st.target!, dst, ctx.user);
  } else {
    const existed = ctx.fs.exists(dst);
    ctx.fs.writeFile(dst, ctx.fs.readFile(src, ctx.user), { mode: st.mode, cred: ctx.user });
    if (!existed) ctx.fs.chmod(dst, st.mode);
  }
  if (preserve && st.kind !== "symlink") { ctx.fs.chmod(dst, st.mode); ctx.fs.utimes(dst, st.mtime); }
}

/** Where `s` lands when copied, moved or linked to `tp`: inside it when it is a directory, else `tp` itself. */
function destination(s: string, tp: string, intoDir: boolean): string {
  return intoDir ? `${tp}/${s.replace(/\/+$/, "").split("/").pop()}` : tp;
}

/**
 * The operands of cp and mv: SOURCE... TARGET, where several sources need TARGET to be a directory.
 * Null (after busybox's message) when the operands do not make sense.
 */
async function operands(ctx: CommandContext, rest: string[]): Promise<{ target: string; tp: string; intoDir: boolean } | null> {
  if (rest.length < 2) { await warn(ctx, "missing file operand"); return null; }
  const target = rest[rest.length - 1];
  const tp = abs(ctx, target);
  const intoDir = ctx.fs.exists(tp) && ctx.fs.stat(tp).kind === "dir";
  if (rest.length > 2 && !intoDir) { await warn(ctx, `'${target}' is not a directory`); return null; }
  return { target, tp, intoDir };
}

/** Why `dst` cannot even be looked at (a file where a directory should be, …); null when it exists or is merely absent. */
function destinationError(ctx: CommandContext, dst: string): FsError | null {
  try {
    ctx.fs.lstat(dst);
    return null;
  } catch (e) {
    if (!(e instanceof FsError)) throw e;
    return e.code === "ENOENT" ? null : e;
  }
}

const cp: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "rRapfdPLv");
  const recursive = flags.has("r") || flags.has("R") || flags.has("a");
  const preserve = flags.has("p") || flags.has("a");
  const ops = await operands(ctx, rest);
  if (!ops) return 1;
  const { target, tp, intoDir } = ops;
  let status = 0;
  for (const s of rest.slice(0, -1)) {
    const sp = abs(ctx, s);
    let dst = destination(s, tp, intoDir);
    try {
      const st = ctx.fs.stat(sp);
      // busybox copies a directory INTO an existing TARGET even when TARGET is not a directory, and
      // stats that destination before anything else: `cp dir file` fails on 'file/dir'.
      const into = intoDir || (st.kind === "dir" && ctx.fs.exists(tp));
      dst = destination(s, tp, into);
      const shown = into ? destination(s, target.replace(/\/+$/, ""), true) : target;
      const unreachable = destinationError(ctx, dst);
      if (unreachable) { await warn(ctx, `can't stat '${shown}': ${unreachable.message}`); status = 1; continue; }
      if (st.kind === "dir" && !recursive) { await warn(ctx, `omitting directory '${s}'`); status = 1; continue; }
      if (st.kind === "dir" && (dst + "/").startsWith(ctx.fs.realpath(sp) + "/")) { await warn(ctx, `can't copy a directory into itself`); status = 1; continue; }
      if (ctx.fs.exists(dst) && ctx.fs.realpath(dst) === ctx.fs.realpath(sp)) { await warn(ctx, `'${s}' and '${into ? dst : target}' are the same file`); status = 1; continue; }
      copy(ctx, sp, dst, recursive, preserve, true);
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      const missing = !ctx.fs.exists(sp);
      await warn(ctx, missing ? `can't stat '${s}': ${e.message}` : `can't create '${dst.startsWith(tp) && !intoDir ? target : dst}': ${e.message}`);
      status = 1;
    }
  }
  return status;
};

const mv: Utility = async (ctx) => {
  const { rest } = getopt(ctx.argv, "fin");
  const ops = await operands(ctx, rest);
  if (!ops) return 1;
  const { tp, intoDir } = ops;
  let status = 0;
  for (const s of rest.slice(0, -1)) {
    const sp = abs(ctx, s);
    const dst = destination(s, tp, intoDir);
    try {
      ctx.fs.lstat(sp);
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      await warn(ctx, `can't rename '${s}': ${e.message}`);
      status = 1;
      continue;
    }
    try {
      ctx.fs.rename(sp, dst, ctx.user);
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      if (e.code === "EXDEV") {
        // Across mounts: copy, then remove (busybox mv does the same).
        copy(ctx, sp, dst, true, true, false);
        ctx.fs.removeAll(sp);
        continue;
      }
      await warn(ctx, `can't rename '${s}': ${e.message}`);
      status = 1;
    }
  }
  return status;
};

const ln: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "sfnv");
  if (!flags.has("s")) { await warn(ctx, "hard links are not supported by the container filesystem: use ln -s"); return 1; }
  if (rest.length === 0) { await warn(ctx, "missing file operand"); return 1; }
  const target = rest.length === 1 ? "." : rest[rest.length - 1];
  const tp = abs(ctx, target);
  const intoDir = ctx.fs.exists(tp) && ctx.fs.stat(tp).kind === "dir" && !flags.has("n");
  let status = 0;
  for (const s of rest.length === 1 ? rest : rest.slice(0, -1)) {
    const link = destination(s, tp, intoDir);
    try {
      if (flags.has("f") && ctx.fs.resolve(link, false).stat) ctx.fs.unlink(link);
      ctx.fs.symlink(s, link, ctx.user);
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      await warn(ctx, `${intoDir ? link.slice(ctx.cwd.length + 1) : target}: ${e.message}`);
      status = 1;
    }
  }
  return status;
};

const du: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "skhacm");
  const summary = flags.has("s"), allFiles = flags.has("a"), human = flags.has("h");
  const fmt = (kb: number) => (human ? humanSize(kb * 1024) : String(kb));
  let text = "";
  let status = 0;
  const walk = (p: string, shown: string, top: boolean): number => {
    const st = ctx.fs.lstat(p);
    if (st.kind !== "dir") {
      const kb = blocks(st);
      if (top || allFiles) text += `${fmt(kb)}\t${shown}\n`;
      return kb;
    }
    let total = 4;
    for (const n of ctx.fs.readdir(p)) total += walk(`${p === "/" ? "" : p}/${n}`, `${shown === "/" ? "" : shown}/${n}`, false);
    if (top || !summary) text += `${fmt(total)}\t${shown}\n`;
    return total;
  };
  for (const a of rest.length ? rest : ["."]) {
    try { walk(abs(ctx, a), a, true); } catch (e) {
      if (!(e instanceof FsError)) throw e;
      await warn(ctx, `${a}: ${e.message}`);
      status = 1;
    }
  }
  await out(ctx, text);
  return status;
};

function humanSize(bytes: number): string {
  const units = ["", "K", "M", "G", "T"];
  let v = bytes, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? String(v) : `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[i]}`;
}

const df: Utility = async (ctx) => {
  const { flags } = getopt(ctx.argv, "hkPT");
  const total = ctx.system.info.diskKiB;
  const used = Math.ceil(ctx.fs.sizeRootFs() / 1024);
  const free = Math.max(0, total - used);
  const pct = total ? Math.ceil((used * 100) / total) : 0;
  const h = flags.has("h");
  const f = (kb: number) => (h ? humanSize(kb * 1024) : String(kb));
  let text = `Filesystem           ${h ? "     Size" : "1K-blocks"}      Used Available Use% Mounted on\n`;
  text += `${"overlay".padEnd(20)} ${f(total).padStart(9)} ${f(used).padStart(9)} ${f(free).padStart(9)} ${String(pct).padStart(3)}% /\n`;
  for (const m of ctx.fs.mountPoints()) text += `${"/dev/sda1".padEnd(20)} ${f(total).padStart(9)} ${f(used).padStart(9)} ${f(free).padStart(9)} ${String(pct).padStart(3)}% ${m}\n`;
  await out(ctx, text);
  return 0;
};

const find: Utility = async (ctx) => {
  const args = ctx.argv.slice(1);
  const paths: string[] = [];
  while (args.length && !args[0].startsWith("-") && args[0] !== "!" && args[0] !== "(") paths.push(args.shift()!);
  if (paths.length === 0) paths.push(".");
  type Test = (p: string, st: Stat, name: string, depth: number) => boolean;
  const tests: Test[] = [];
  let maxDepth = Infinity, minDepth = 0;
  let negate = false;
  while (args.length) {
    const a = args.shift()!;
    let t: Test | null = null;
    if (a === "!") { negate = true; continue; }
    if (a === "-name" || a === "-iname") {
      const pat = args.shift() ?? "";
      t = a === "-name" ? (_p, _s, n) => matchPattern(pat, n) : (_p, _s, n) => matchPattern(pat.toLowerCase(), n.toLowerCase());
    } else if (a === "-type") {
      const ty = args.shift() ?? "";
      const k = { f: "file", d: "dir", l: "symlink" }[ty];
      if (!k) { await warn(ctx, `bad arg '${ty}'`); return 1; }
      t = (_p, s) => s.kind === k;
    } else if (a === "-path") { const pat = args.shift() ?? ""; t = (p) => matchPattern(pat, p); }
    else if (a === "-maxdepth") { maxDepth = Number(args.shift()); continue; }
    else if (a === "-mindepth") { minDepth = Number(args.shift()); continue; }
    else if (a === "-print") continue;
    else if (a === "-empty") t = (p, s) => (s.kind === "dir" ? ctx.fs.readdir(p).length === 0 : s.size === 0);
    else { await warn(ctx, `unrecognized: ${a}`); return 1; }
    if (negate) { const inner = t; t = (...x) => !inner(...x); negate = false; }
    tests.push(t);
  }
  let text = "";
  let status = 0;
  const walk = (p: string, shown: string, depth: number): void => {
    const st = ctx.fs.lstat(p);
    const name = depth === 0 ? shown.replace(/\/+$/, "").split("/").pop() || shown : p.split("/").pop()!;
    if (depth >= minDepth && tests.every((t) => t(shown, st, name, depth))) text += shown + "\n";
    if (st.kind === "dir" && depth < maxDepth) {
      for (const n of ctx.fs.readdir(p)) walk(`${p === "/" ? "" : p}/${n}`, `${shown.endsWith("/") ? shown : shown + "/"}${n}`, depth + 1);
    }
  };
  for (const p of paths) {
    try { walk(abs(ctx, p), p, 0); } catch (e) {
      if (!(e instanceof FsError)) throw e;
      await warn(ctx, `${p}: ${e.message}`);
      status = 1;
    }
  }
  await out(ctx, text);
  return status;
};

const chmod: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "Rv");
  const [spec, ...files] = rest;
  let status = 0;
  const apply = (p: string): void => {
    const st = ctx.fs.stat(p);
    ctx.fs.chmod(p, newMode(spec, st.mode));
    if (flags.has("R") && st.kind === "dir") for (const n of ctx.fs.readdir(p)) apply(`${p}/${n}`);
  };
  for (const f of files) {
    try { apply(abs(ctx, f)); } catch (e) {
      if (!(e instanceof FsError)) throw e;
      await warn(ctx, `${f}: ${e.message}`);
      status = 1;
    }
  }
  return status;
};

function newMode(spec: string, mode: number): number {
  if (/^[0-7]+$/.test(spec)) return Number.parseInt(spec, 8);
  for (const clause of spec.split(",")) {
    const m = /^([ugoa]*)([+=-])([rwxst]*)$/.exec(clause);
    if (!m) continue;
    const who = m[1] || "a";
    let bits = 0;
    for (const p of m[3]) {
      const b = p === "r" ? 4 : p === "w" ? 2 : p === "x" ? 1 : 0;
      if (who.includes("u") || who.includes("a")) bits |= b << 6;
      if (who.includes("g") || who.includes("a")) bits |= b << 3;
      if (who.includes("o") || who.includes("a")) bits |= b;
    }
    if (m[2] === "+") mode |= bits; else if (m[2] === "-") mode &= ~bits; else mode = (mode & ~0o777) | bits;
  }
  return mode;
}

const readlink: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "fn");
  try {
    const p = abs(ctx, rest[0] ?? "");
    await out(ctx, (flags.has("f") ? ctx.fs.realpath(p) : ctx.fs.readlink(p)) + (flags.has("n") ? "" : "\n"));
    return 0;
  } catch { return 1; }
};

const realpath: Utility = async (ctx) => {
  let status = 0;
  for (const a of ctx.argv.slice(1)) {
    try { await out(ctx, ctx.fs.realpath(abs(ctx, a)) + "\n"); } catch (e) {
      if (!(e instanceof FsError)) throw e;
      await warn(ctx, `${a}: ${e.message}`);
      status = 1;
    }
  }
  return status;
};

const stat: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "c:L");
  let status = 0;
  for (const f of rest) {
    try {
      const st = flags.has("L") ? ctx.fs.stat(abs(ctx, f)) : ctx.fs.lstat(abs(ctx, f));
      const fmt = flags.get("c")?.[0] ?? "  File: %N\n  Size: %s\n Access: (%a/%A)  Uid: %u  Gid: %g\n";
      await out(ctx, fmt.replace(/%([nNsaAugF])/g, (_m, c: string) => ({
        n: f, N: st.kind === "symlink" ? `'${f}' -> '${st.target}'` : `'${f}'`, s: String(st.size), a: st.mode.toString(8),
        A: modeString(st), u: String(st.uid), g: String(st.gid),
        F: st.kind === "dir" ? "directory" : st.kind === "symlink" ? "symbolic link" : st.size ? "regular file" : "regular empty file",
      } as Record<string, string>)[c]) + (flags.has("c") ? "\n" : ""));
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      await warn(ctx, `can't stat '${f}': ${e.message}`);
      status = 1;
    }
  }
  return status;
};

export const FILE_UTILITIES: Record<string, Utility> = { ls, cat, mkdir, rm, rmdir, touch, cp, mv, ln, du, df, find, chmod, readlink, realpath, stat };
