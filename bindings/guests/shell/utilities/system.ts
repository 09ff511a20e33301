/** System utilities: env, printenv, id, whoami, hostname, uname, date, sleep, ps, kill, free, echo, printf, test, true, false, pwd, wget, curl. */
import type { Utility } from "../context.js";
import { formatEcho, formatPrintf } from "../printf.js";
import { evalTest, TestError } from "../test-expr.js";
import { dateString, getopt, out, strftime, warn } from "./common.js";
import { idName } from "./files.js";

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, USR1: 10, USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, CONT: 18, STOP: 19 };

const env: Utility = async (ctx) => {
  const args = ctx.argv.slice(1);
  const e = new Map(ctx.env);
  if (args[0] === "-i" || args[0] === "-") { e.clear(); args.shift(); }
  while (args.length && args[0].includes("=")) { const a = args.shift()!; e.set(a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)); }
  if (args.length) return ctx.run(args);
  await out(ctx, [...e].map(([k, v]) => `${k}=${v}\n`).join(""));
  return 0;
};

const printenv: Utility = async (ctx) => {
  if (ctx.argv.length === 1) { await out(ctx, [...ctx.env].map(([k, v]) => `${k}=${v}\n`).join("")); return 0; }
  let status = 0;
  for (const n of ctx.argv.slice(1)) { const v = ctx.env.get(n); if (v === undefined) status = 1; else await out(ctx, v + "\n"); }
  return status;
};

const id: Utility = async (ctx) => {
  const { flags } = getopt(ctx.argv, "ungG");
  const u = ctx.user;
  const un = u.name ?? idName(ctx.fs, "passwd", u.uid), gn = u.group ?? idName(ctx.fs, "group", u.gid);
  const groups = u.groups ?? [];
  if (flags.has("u")) { await out(ctx, (flags.has("n") ? un : String(u.uid)) + "\n"); return 0; }
  if (flags.has("g")) { await out(ctx, (flags.has("n") ? gn : String(u.gid)) + "\n"); return 0; }
  if (flags.has("G")) { await out(ctx, (groups.length ? groups : [u.gid]).map((g) => (flags.has("n") ? idName(ctx.fs, "group", g) : String(g))).join(" ") + "\n"); return 0; }
  const nm = (id: number, n: string) => (n === String(id) ? `${id}` : `${id}(${n})`);
  await out(ctx, `uid=${nm(u.uid, un)} gid=${nm(u.gid, gn)}${groups.length ? ` groups=${groups.map((g) => nm(g, idName(ctx.fs, "group", g))).join(",")}` : ""}\n`);
  return 0;
};

const whoami: Utility = async (ctx) => {
  const n = ctx.user.name ?? idName(ctx.fs, "passwd", ctx.user.uid);
  if (n === String(ctx.user.uid)) { await warn(ctx, `unknown uid ${ctx.user.uid}`); return 1; }
  await out(ctx, n + "\n");
  return 0;
};

const hostname: Utility = async (ctx) => { await out(ctx, ctx.system.info.hostname + "\n"); return 0; };

const uname: Utility = async (ctx) => {
  const { flags } = getopt(ctx.argv, "asnrvmpio");
  const i = ctx.system.info;
  const all = flags.has("a");
  const parts: string[] = [];
  if (all || flags.has("s") || flags.size === 0) parts.push("Linux");
  if (all || flags.has("n")) parts.push(i.hostname);
  if (all || flags.has("r")) parts.push(i.kernelRelease);
  if (all || flags.has("v")) parts.push("#1 SMP PREEMPT_DYNAMIC");
  if (all || flags.has("m")) parts.push(i.machine);
  if (all || flags.has("o")) parts.push("GNU/Linux");
  await out(ctx, parts.join(" ") + "\n");
  return 0;
};

const date: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "uRd:I");
  let t = ctx.system.clock.now();
  if (flags.has("d")) {
    const d = flags.get("d")![0];
    const parsed = d.startsWith("@") ? Number(d.slice(1)) * 1000 : Date.parse(d);
    if (Number.isNaN(parsed)) { await warn(ctx, `invalid date '${d}'`); return 1; }
    t = parsed;
  }
  const fmt = rest.find((r) => r.startsWith("+"));
  await out(ctx, (fmt ? strftime(fmt.slice(1), t) : flags.has("I") ? strftime("%F", t) : dateString(t)) + "\n");
  return 0;
};

/** `sleep 1`, `sleep 0.5`, `sleep 1m`, `sleep infinity`: virtual time through the injected clock. */
const sleep: Utility = async (ctx) => {
  let ms = 0;
  for (const a of ctx.argv.slice(1)) {
    if (a === "inf" || a === "infinity") { ms = Infinity; break; }
    const m = /^(\d*\.?\d+)([smhd]?)$/.exec(a);
    if (!m) { await warn(ctx, `invalid number '${a}'`); return 1; }
    ms += Number(m[1]) * ({ "": 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2]] * 1000;
  }
  if (ctx.argv.length === 1) { await ctx.stderr.write(new TextEncoder().encode("BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n\nUsage: sleep [N]...\n")); return 1; }
  await ctx.system.clock.sleep(ms, ctx.signal);
  if (ctx.signal.aborted) return 128 + (typeof ctx.signal.reason === "number" ? ctx.signal.reason : 15);
  return 0;
};

const ps: Utility = async (ctx) => {
  let text = "PID   USER     COMMAND\n";
  for (const p of ctx.system.processes.list()) text += `${String(p.pid).padStart(5)} ${p.user.slice(0, 8).padEnd(8)} ${p.command}\n`;
  await out(ctx, text);
  return 0;
};

const kill: Utility = async (ctx) => {
  const args = ctx.argv.slice(1);
  let sig = 15;
  if (args[0] === "-l") { await out(ctx, Object.keys(SIGNALS).join(" ") + "\n"); return 0; }
  if (args[0]?.startsWith("-")) {
    const s = args.shift()!.slice(1).replace(/^s$/, "");
    const name = (s === "" ? args.shift() ?? "" : s).toUpperCase().replace(/^SIG/, "");
    const n = /^\d+$/.test(name) ? Number(name) : SIGNALS[name];
    if (n === undefined) { await warn(ctx, `bad signal name '${name}'`); return 1; }
    sig = n;
  }
  let status = 0;
  for (const a of args) {
    if (!/^-?\d+$/.test(a) || !ctx.system.processes.kill(Number(a), sig)) {
      await warn(ctx, `can't kill pid ${a}: No such process`);
      status = 1;
    }
  }
  return status;
};

const free: Utility = async (ctx) => {
  const { flags } = getopt(ctx.argv, "kmgbh");
  const d = flags.has("m") ? 1024 : flags.has("g") ? 1048576 : flags.has("b") ? 1 / 1024 : 1;
  const f = (kb: number) => String(Math.floor(kb / d)).padStart(11);
  const { memTotalKiB: total, memFreeKiB: freeKiB } = ctx.system.info;
  const used = total - freeKiB;
  await out(ctx, `              total        used        free      shared  buff/cache   available\nMem: ${f(total)} ${f(used)} ${f(freeKiB)} ${f(0)} ${f(0)} ${f(freeKiB)}\nSwap:${f(0)} ${f(0)} ${f(0)}\n`);
  return 0;
};

const echo: Utility = async (ctx) => { await out(ctx, formatEcho(ctx.argv.slice(1))); return 0; };
const printf: Utility = async (ctx) => {
  if (ctx.argv.length < 2) { await warn(ctx, "usage: printf FORMAT [ARGUMENT]..."); return 1; }
  const errors: string[] = [];
  const r = formatPrintf(ctx.argv[1], ctx.argv.slice(2), errors);
  for (const e of errors) await warn(ctx, e);
  await out(ctx, r.text);
  return r.status;
};
const test: Utility = async (ctx) => {
  let args = ctx.argv.slice(1);
  if (ctx.argv[0].endsWith("[")) {
    if (args[args.length - 1] !== "]") { await warn(ctx, "missing ]"); return 2; }
    args = args.slice(0, -1);
  }
  try { return evalTest(args, ctx.fs, ctx.cwd, ctx.user.uid) ? 0 : 1; } catch (e) {
    if (!(e instanceof TestError)) throw e;
    await warn(ctx, e.message);
    return 2;
  }
};

/** HTTP through the container's network: `wget -O- URL`, `wget -q URL`, `curl [-s] [-o F] [-I] URL`. */
const wget: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "qO:T:U:S");
  const url = rest[0];
  if (!url) { await warn(ctx, "missing URL"); return 1; }
  const full = /^\w+:\/\//.test(url) ? url : `http://${url}`;
  const u = new URL(full);
  const target = flags.get("O")?.[0] ?? (u.pathname.split("/").pop() || "index.html");
  const quiet = flags.has("q");
  const say = (s: string) => (quiet ? Promise.resolve() : ctx.stderr.write(new TextEncoder().encode(s)));
  if (!ctx.system.net) { await warn(ctx, `bad address '${u.hostname}'`); return 1; }
  let res;
  try { res = await ctx.system.net({ url: full, method: "GET", headers: { "User-Agent": "Wget" } }); } catch (e) {
    // A name that does not resolve is busybox's "bad address" before any connection.
    const msg = (e as Error).message;
    if (msg.startsWith("bad address")) { await warn(ctx, msg); return 1; }
    const address = (e as { address?: string }).address ?? u.host;
    await say(`Connecting to ${u.host} (${address})\n`);
    await warn(ctx, `can't connect to remote host (${address.replace(/:\d+$/, "")}): ${msg}`);
    return 1;
  }
  await say(`Connecting to ${u.host} (${res.address ?? u.host})\n`);
  if (res.status >= 400) { await warn(ctx, `server returned error: HTTP/1.1 ${res.status} ${res.statusText ?? ""}`.trimEnd()); return 1; }
  // busybox's progress line: the file's name in 20 columns, the bar, the size as smart_ulltoa5 writes it.
  const progress = (name: string) => `${name.split("/").pop()!.slice(0, 20).padEnd(20)} 100% |********************************| ${ulltoa5(res.body.length)}  0:00:00 ETA\n`;
  if (target === "-") {
    await say("writing to stdout\n");
    await out(ctx, res.body);
    await say(`${progress("-")}written to stdout\n`);
  } else {
    await say(`saving to '${target}'\n`);
    ctx.fs.writeFile(target.startsWith("/") ? target : `${ctx.cwd === "/" ? "" : ctx.cwd}/${target}`, res.body, { cred: ctx.user });
    await say(`${progress(target)}'${target}' saved\n`);
  }
  return 0;
};

/** busybox's smart_ulltoa5: a size in five columns, scaled by 1024 past 99999 (`  615`, `97.6k`, `1171k`, `50.0M`). */
export function ulltoa5(n: number): string {
  if (n <= 99999) return String(n).padStart(5);
  let v = n * 10;
  let idx = 0;
  do { v = Math.floor(v / 1024); idx++; } while (v >= 100000);
  const u = Math.floor(v / 10);
  const tenth = v % 10;
  const scale = " kMGTPEZY"[idx];
  return (u >= 100 ? String(u).padStart(4) : `${String(u).padStart(2)}.${tenth}`) + scale;
}

const curl: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "sSfLIio:X:H:d:");
  const url = rest[0];
  if (!url) { await ctx.stderr.write(new TextEncoder().encode("curl: no URL specified!\n")); return 2; }
  const full = /^\w+:\/\//.test(url) ? url : `http://${url}`;
  const headers: Record<string, string> = { "User-Agent": "curl/8.5.0", Accept: "*/*" };
  for (const h of flags.get("H") ?? []) { const i = h.indexOf(":"); if (i > 0) headers[h.slice(0, i).trim()] = h.slice(i + 1).trim(); }
  const data = flags.get("d")?.[0];
  const method = flags.get("X")?.[0] ?? (flags.has("I") ? "HEAD" : data !== undefined ? "POST" : "GET");
  const { hostname: host, port: given, protocol } = new URL(full);
  const port = given || (protocol === "https:" ? "443" : "80");
  if (!ctx.system.net) { if (!flags.has("s") || flags.has("S")) await ctx.stderr.write(new TextEncoder().encode(`curl: (6) Could not resolve host: ${host}\n`)); return 6; }
  let res;
  try { res = await ctx.system.net({ url: full, method, headers, body: data === undefined ? undefined : new TextEncoder().encode(data) }); } catch (e) {
    const msg = (e as Error).message;
    const code = /resolve|bad address/i.test(msg) ? 6 : 7;
    if (!flags.has("s") || flags.has("S")) await ctx.stderr.write(new TextEncoder().encode(code === 6 ? `curl: (6) Could not resolve host: ${host}\n` : `curl: (7) Failed to connect to ${host} port ${port} after 0 ms: Couldn't connect to server\n`));
    return code;
  }
  if (flags.has("f") && res.status >= 400) {
    if (!flags.has("s") || flags.has("S")) await ctx.stderr.write(new TextEncoder().encode(`curl: (22) The requested URL returned error: ${res.status}\n`));
    return 22;
  }
  const head = `HTTP/1.1 ${res.status} ${res.statusText ?? ""}\r\n${Object.entries(res.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
  const body = flags.has("I") ? new TextEncoder().encode(head) : flags.has("i") ? new Uint8Array([...new TextEncoder().encode(head), ...res.body]) : res.body;
  const o = flags.get("o")?.[0];
  if (o && o !== "-") ctx.fs.writeFile(o.startsWith("/") ? o : `${ctx.cwd === "/" ? "" : ctx.cwd}/${o}`, body, { cred: ctx.user });
  else await out(ctx, body);
  return 0;
};

export const SYSTEM_UTILITIES: Record<string, Utility> = {
  env, printenv, id, whoami, hostname, uname, date, sleep, ps, kill, free, echo, printf, test, "[": test,
  true: async () => 0, false: async () => 1,
  pwd: async (ctx) => { await out(ctx, ctx.cwd + "\n"); return 0; },
  wget, curl,
};
