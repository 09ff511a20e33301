/**
 * The shell's builtins (ash's set): the special ones that change the shell itself (cd, export,
 * set, exit, …) and the regular ones ash runs in-process (echo, printf, test, read, kill, wait).
 */
import { FsError } from "../../fs/index.js";
import { type Builtin, type Fds, type Interpreter, writeFd } from "./interp.js";
import { formatEcho, formatPrintf } from "./printf.js";
import { evalTest, TestError } from "./test-expr.js";

const enc = new TextEncoder();
const out = (fds: Fds, s: string) => writeFd(fds, 1, enc.encode(s));
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function normalize(path: string): string {
  const parts: string[] = [];
  for (const c of path.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") parts.pop(); else parts.push(c);
  }
  return "/" + parts.join("/");
}

const cd: Builtin = async (sh, argv, fds) => {
  let target = argv[1] ?? sh.getVar("HOME") ?? "/";
  if (target === "-") { target = sh.getVar("OLDPWD") ?? sh.state.cwd; }
  const logical = normalize(sh.abs(target));
  try {
    const st = sh.world.fs.stat(logical);
    if (st.kind !== "dir") throw new FsError("ENOTDIR", logical);
    sh.world.fs.readdir(logical, sh.world.user);
  } catch (e) {
    if (!(e instanceof FsError)) throw e;
    await sh.err(fds, `${sh.state.arg0}: cd: line ${sh.currentLine}: can't cd to ${target}: ${e.message}`);
    return 2;
  }
  sh.setVar("OLDPWD", sh.state.cwd, true);
  sh.state.cwd = logical;
  sh.setVar("PWD", logical, true);
  if (argv[1] === "-") await out(fds, logical + "\n");
  return 0;
};

const exportOrReadonly = (readonly: boolean): Builtin => async (sh, argv, fds) => {
  const args = argv.slice(1).filter((a) => a !== "-p");
  if (args.length === 0) {
    const lines = [...sh.state.vars].filter(([, v]) => (readonly ? v.readonly : v.exported)).sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${readonly ? "readonly" : "export"} ${k}='${v.value.replace(/'/g, "'\"'\"'")}'\n`);
    await out(fds, lines.join(""));
    return 0;
  }
  for (const a of args) {
    const eq = a.indexOf("=");
    const name = eq < 0 ? a : a.slice(0, eq);
    if (!NAME.test(name)) { await sh.err(fds, `${sh.state.arg0}: ${readonly ? "readonly" : "export"}: line ${sh.currentLine}: ${name}: bad variable name`); return 2; }
    const old = sh.state.vars.get(name);
    const value = eq < 0 ? old?.value : a.slice(eq + 1);
    if (value === undefined) continue; // an unset name stays unset (ash marks it for later; the model does not)
    sh.state.vars.set(name, { value, exported: readonly ? (old?.exported ?? false) : true, readonly: readonly || (old?.readonly ?? false) });
  }
  return 0;
};

const set: Builtin = async (sh, argv, fds) => {
  if (argv.length === 1) {
    const lines = [...sh.state.vars].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}='${v.value.replace(/'/g, "'\"'\"'")}'\n`);
    await out(fds, lines.join(""));
    return 0;
  }
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") { i++; sh.state.positional = argv.slice(i); return 0; }
    if (!/^[-+][euxfo]+$/.test(a)) break;
    const on = a[0] === "-";
    for (const f of a.slice(1)) {
      if (f === "e") sh.state.errexit = on;
      else if (f === "u") sh.state.nounset = on;
      else if (f === "x") sh.state.xtrace = on;
      else if (f === "f") sh.state.noglob = on;
      else if (f === "o") { i++; const o = argv[i]; if (o === "errexit") sh.state.errexit = on; else if (o === "nounset") sh.state.nounset = on; else if (o === "noglob") sh.state.noglob = on; else if (o === "xtrace") sh.state.xtrace = on; }
    }
  }
  if (i < argv.length) sh.state.positional = argv.slice(i);
  return 0;
};

const num = async (sh: Interpreter, fds: Fds, name: string, a: string | undefined, dflt: number): Promise<number | null> => {
  if (a === undefined) return dflt;
  if (!/^\d+$/.test(a)) { await sh.err(fds, `${sh.state.arg0}: ${name}: line ${sh.currentLine}: Illegal number: ${a}`); return null; }
  return Number(a);
};

const read: Builtin = async (sh, argv, fds) => {
  let raw = false;
  let i = 1;
  for (; i < argv.length && argv[i].startsWith("-"); i++) if (argv[i] === "-r") raw = true;
  const names = argv.slice(i);
  const input = sh.peekStdin(fds);
  const bytes: number[] = [];
  let eof = true;
  outer: for (let c = await input.read(); c !== null; c = await input.read()) {
    for (let k = 0; k < c.length; k++) {
      if (c[k] === 10) {
        if (!raw && bytes[bytes.length - 1] === 92) { bytes.pop(); continue; }
        input.unread(c.subarray(k + 1));
        eof = false;
        break outer;
      }
      bytes.push(c[k]);
    }
  }
  let line = new TextDecoder().decode(new Uint8Array(bytes));
  if (!raw) line = line.replace(/\\(.)/g, "$1");
  const ifs = sh.getVar("IFS") ?? " \t\n";
  const ws = (c: string) => ifs.includes(c) && " \t\n".includes(c);
  const targets = names.length ? names : ["REPLY"];
  let rest = names.length ? [...line].reduce((s, c, k) => (k === 0 && ws(c) ? s : s + c), "") : line;
  if (names.length) rest = rest.replace(new RegExp(`^[${escapeClass(ifs.replace(/[^ \t\n]/g, ""))}]+`), "");
  for (let t = 0; t < targets.length; t++) {
    if (t === targets.length - 1) {
      sh.setVar(targets[t], names.length ? rest.replace(new RegExp(`[${escapeClass(ifs.replace(/[^ \t\n]/g, ""))}]+$`), "") : rest);
      break;
    }
    let k = 0;
    while (k < rest.length && !ifs.includes(rest[k])) k++;
    sh.setVar(targets[t], rest.slice(0, k));
    rest = rest.slice(k).replace(/^[ \t\n]*/, "");
    if (rest.length && ifs.includes(rest[0]) && !ws(rest[0])) rest = rest.slice(1).replace(/^[ \t\n]*/, "");
  }
  return eof && bytes.length === 0 ? 1 : eof ? 1 : 0;
};
const escapeClass = (s: string) => s.replace(/[\\\]^-]/g, "\\$&") || "\\s";

export const BUILTINS: Record<string, Builtin> = {
  ":": async () => 0,
  true: async () => 0,
  false: async () => 1,
  cd,
  pwd: async (sh, _argv, fds) => { await out(fds, sh.state.cwd + "\n"); return 0; },
  echo: async (_sh, argv, fds) => { await out(fds, formatEcho(argv.slice(1))); return 0; },
  printf: async (sh, argv, fds) => {
    if (argv.length < 2) { await sh.err(fds, "printf: usage: printf FORMAT [ARGUMENT]..."); return 1; }
    const errors: string[] = [];
    const r = formatPrintf(argv[1], argv.slice(2), errors);
    for (const e of errors) await sh.err(fds, `${sh.state.arg0}: ${e}`);
    await out(fds, r.text);
    return r.status;
  },
  test: async (sh, argv, fds) => runTest(sh, argv.slice(1), fds),
  "[": async (sh, argv, fds) => {
    if (argv[argv.length - 1] !== "]") { await sh.err(fds, `${sh.state.arg0}: missing ]`); return 2; }
    return runTest(sh, argv.slice(1, -1), fds);
  },
  export: exportOrReadonly(false),
  readonly: exportOrReadonly(true),
  unset: async (sh, argv) => {
    const fn = argv[1] === "-f";
    for (const n of argv.slice(fn || argv[1] === "-v" ? 2 : 1)) { if (fn) sh.state.funcs.delete(n); else sh.state.vars.delete(n); }
    return 0;
  },
  set,
  shift: async (sh, argv, fds) => {
    const n = await num(sh, fds, "shift", argv[1], 1);
    if (n === null) return 2;
    if (n > sh.state.positional.length) { await sh.err(fds, `${sh.state.arg0}: shift: line ${sh.currentLine}: can't shift that many`); return 2; }
    sh.state.positional = sh.state.positional.slice(n);
    return 0;
  },
  exit: async (sh, argv, fds) => {
    const n = await num(sh, fds, "exit", argv[1], sh.state.status);
    return sh.exit(n ?? 2);
  },
  return: async (sh, argv, fds) => sh.return((await num(sh, fds, "return", argv[1], sh.state.status)) ?? 2),
  break: async (sh, argv, fds) => { const n = await num(sh, fds, "break", argv[1], 1); if (n === null) return 2; return sh.inLoop ? sh.jump("break", n) : 0; },
  continue: async (sh, argv, fds) => { const n = await num(sh, fds, "continue", argv[1], 1); if (n === null) return 2; return sh.inLoop ? sh.jump("continue", n) : 0; },
  eval: async (sh, argv, fds) => sh.evalString(argv.slice(1).join(" "), fds),
  ".": async (sh, argv, fds) => {
    if (!argv[1]) { await sh.err(fds, `${sh.state.arg0}: .: line ${sh.currentLine}: filename argument required`); return 2; }
    let src: string;
    try { src = new TextDecoder().decode(sh.world.fs.readFile(sh.abs(argv[1]), sh.world.user)); } catch (e) {
      if (!(e instanceof FsError)) throw e;
      await sh.err(fds, `${sh.state.arg0}: .: line ${sh.currentLine}: can't open '${argv[1]}': ${e.message}`);
      return sh.exit(2);
    }
    return sh.evalString(src, fds);
  },
  exec: async (sh, argv, fds) => {
    if (argv.length === 1) return 0;
    return sh.exit(await sh.exec(argv.slice(1), fds, sh.state.exported()));
  },
  trap: async () => 0,
  umask: async (_sh, argv, fds) => { if (argv.length === 1) await out(fds, "0022\n"); return 0; },
  local: async (sh, argv) => {
    for (const a of argv.slice(1)) { const eq = a.indexOf("="); sh.setVar(eq < 0 ? a : a.slice(0, eq), eq < 0 ? "" : a.slice(eq + 1)); }
    return 0;
  },
  read,
  wait: async (sh, argv) => {
    const pids = argv.length > 1 ? argv.slice(1).map(Number) : [...sh.state.jobs.keys()];
    let status = 0;
    for (const pid of pids) {
      const job = sh.state.jobs.get(pid);
      status = job ? await job : 127;
      sh.state.jobs.delete(pid);
    }
    return status;
  },
  command: async (sh, argv, fds) => {
    if (argv[1] === "-v") {
      const n = argv[2];
      if (!n) return 1;
      if (sh.builtins[n] || sh.state.funcs.has(n)) { await out(fds, n + "\n"); return 0; }
      const p = sh.lookPath(n);
      if (p) { await out(fds, p + "\n"); return 0; }
      return 1;
    }
    return sh.exec(argv.slice(1), fds, sh.state.exported());
  },
  type: async (sh, argv, fds) => {
    let status = 0;
    for (const n of argv.slice(1)) {
      if (sh.state.funcs.has(n)) await out(fds, `${n} is a function\n`);
      else if (sh.builtins[n]) await out(fds, `${n} is a shell builtin\n`);
      else { const p = sh.lookPath(n); if (p) await out(fds, `${n} is ${p}\n`); else { await out(fds, `${n}: not found\n`); status = 127; } }
    }
    return status;
  },
};

async function runTest(sh: Interpreter, args: string[], fds: Fds): Promise<number> {
  try {
    return evalTest(args, sh.world.fs, sh.state.cwd, sh.world.user.uid) ? 0 : 1;
  } catch (e) {
    if (!(e instanceof TestError)) throw e;
    await sh.err(fds, `${sh.state.arg0}: ${e.message}`);
    return 2;
  }
}
