/** Text filters: head, tail, wc, grep, sed, sort, uniq, cut, tr, tee, seq, yes, xargs, md5sum, sha256sum, basename, dirname. */
import { md5 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { FsError } from "../../../fs/index.js";
import type { CommandContext, Utility } from "../context.js";
import { lines } from "../streams.js";
import { abs, bytes, cannotRead, decode, failed, getopt, inputOf, inputs, out, splitLines, warn } from "./common.js";

/** `-n 5`, `-5` (obsolete form) and `-n +2` for head and tail. */
function countArg(argv: string[]): string[] {
  return argv.map((a, i) => (i > 0 && /^-\d+$/.test(a) ? `-n${a.slice(1)}` : a));
}

const head: Utility = async (ctx) => {
  const { flags, rest } = getopt(countArg(ctx.argv), "n:c:qv");
  const files = rest.length ? rest : ["-"];
  let status = 0;
  for (let i = 0; i < files.length; i++) {
    const input = inputOf(ctx, files[i]);
    if (input instanceof FsError) { if ((await cannotRead(ctx, files[i], input)) !== "empty") status = 1; continue; }
    if (files.length > 1) await out(ctx, `${i ? "\n" : ""}==> ${files[i] === "-" ? "standard input" : files[i]} <==\n`);
    if (flags.has("c")) {
      let left = Number(flags.get("c")![0]);
      for (let c = await input.read(); c !== null && left > 0; c = left > 0 ? await input.read() : null) {
        await out(ctx, c.subarray(0, left));
        left -= Math.min(left, c.length);
      }
      continue;
    }
    let n = Number(flags.get("n")?.[0] ?? 10);
    if (n <= 0) continue;
    for await (const l of lines(input)) {
      await out(ctx, l);
      if (--n === 0) break;
    }
  }
  return status;
};

const tail: Utility = async (ctx) => {
  const { flags, rest } = getopt(countArg(ctx.argv), "n:c:fqv");
  let status = 0;
  const spec = flags.get("n")?.[0] ?? "10";
  let opened = 0;
  for await (const f of inputs(ctx, rest)) {
    opened++;
    if (flags.has("c")) { const c = Number(flags.get("c")![0]); await out(ctx, f.data.subarray(Math.max(0, f.data.length - c))); continue; }
    const text = decode(f.data);
    const ls = text.split(/(?<=\n)/);
    const from = spec.startsWith("+") ? Math.max(0, Number(spec.slice(1)) - 1) : Math.max(0, ls.length - Number(spec));
    await out(ctx, ls.slice(from).join(""));
  }
  if (failed.has(ctx)) status = 1;
  if (opened === 0 && rest.length > 0 && rest.every((f) => !ctx.fs.exists(abs(ctx, f)))) await warn(ctx, "no files");
  return status;
};

const wc: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "lwcmL");
  let which = ["l", "w", "c"].filter((f) => flags.has(f) || (f === "c" && flags.has("m")));
  if (which.length === 0) which = ["l", "w", "c"];
  const totals = [0, 0, 0];
  const rows: [number[], string][] = [];
  for await (const f of inputs(ctx, rest)) {
    const t = decode(f.data);
    const counts = [(t.match(/\n/g) ?? []).length, t.split(/\s+/).filter(Boolean).length, f.data.length];
    counts.forEach((c, i) => (totals[i] += c));
    rows.push([counts, f.name === "-" ? "" : f.name]);
  }
  if (rows.length > 1) rows.push([totals, "total"]);
  const width = which.length === 1 && rows.length <= 1 ? 0 : 9;
  let text = "";
  for (const [counts, name] of rows) {
    const cols = which.map((w) => String(counts[["l", "w", "c"].indexOf(w)]).padStart(width));
    text += cols.join(" ") + (name ? ` ${name}` : "") + "\n";
  }
  await out(ctx, text);
  return failed.has(ctx) ? 1 : 0;
};

/** A POSIX basic or extended regular expression as a JavaScript one. */
export function posixRegex(src: string, extended: boolean, flags = ""): RegExp {
  const classes: Record<string, string> = {
    alpha: "A-Za-z", digit: "0-9", alnum: "A-Za-z0-9", upper: "A-Z", lower: "a-z", space: " \\t\\n\\r\\f\\v",
    blank: " \\t", punct: "!-\\/:-@\\[-`{-~", xdigit: "0-9A-Fa-f", print: " -~", graph: "!-~", cntrl: "\\x00-\\x1f",
  };
  let re = "";
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === "[") {
      let j = i + 1;
      if (src[j] === "^") j++;
      if (src[j] === "]") j++;
      while (j < src.length && src[j] !== "]") { if (src.startsWith("[:", j)) j = src.indexOf(":]", j) + 2; else j++; }
      let body = src.slice(i + 1, j);
      body = body.replace(/\[:(\w+):\]/g, (_m, n: string) => classes[n] ?? "").replace(/\\/g, "\\\\");
      if (body.startsWith("^]")) body = "^\\]" + body.slice(2); else if (body.startsWith("]")) body = "\\]" + body.slice(1);
      re += `[${body}]`;
      i = j;
      continue;
    }
    if (c === "\\" && i + 1 < src.length) {
      const n = src[++i];
      if (!extended && "(){}|+?".includes(n)) re += n;
      else if (/\d/.test(n)) re += "\\" + n;
      else if ("wWsSbB".includes(n)) re += "\\" + n;
      else if (n === "<" || n === ">") re += "\\b";
      else re += n.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      continue;
    }
    if (!extended && "(){}|+?".includes(c)) { re += "\\" + c; continue; }
    if (c === "*" && (re === "" || re.endsWith("^") || re.endsWith("("))) { re += "\\*"; continue; }
    re += c === "/" ? "\\/" : c;
  }
  return new RegExp(re, flags);
}

const grep: Utility = async (ctx) => {
  let opts;
  try { opts = getopt(ctx.argv, "EFvcilnqhHsxwe:o"); } catch (e) { await warn(ctx, (e as Error).message); return 2; }
  const { flags, rest } = opts;
  const patterns = flags.get("e") ?? (rest.length ? [rest.shift()!] : null);
  if (!patterns) {
    await ctx.stderr.write(bytes("BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n\nUsage: grep [-HhnlLoqvsrRiwFEz] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...\n"));
    return 2;
  }
  const ci = flags.has("i") ? "i" : "";
  const res = patterns.flatMap((p) => p.split("\n")).map((p) => {
    let src = flags.has("F") ? p.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&") : posixRegex(p, flags.has("E")).source;
    if (flags.has("w")) src = `(?<![\\w])(?:${src})(?![\\w])`;
    if (flags.has("x")) src = `^(?:${src})$`;
    return new RegExp(src, ci + "g");
  });
  const files = rest.length ? rest : ["-"];
  const showName = flags.has("H") || (files.length > 1 && !flags.has("h"));
  let matched = false, errors = false;
  for (const f of files) {
    let input = inputOf(ctx, f);
    // busybox grep reads a directory as empty input.
    if (input instanceof FsError && input.code === "EISDIR") input = { read: async () => null };
    if (input instanceof FsError) {
      if (!flags.has("s")) await warn(ctx, `${f}: ${input.message}`);
      errors = true;
      continue;
    }
    let count = 0, n = 0;
    const name = f === "-" ? "(standard input)" : f;
    for await (const raw of lines(input)) {
      n++;
      const line = raw.endsWith("\n") ? raw.slice(0, -1) : raw;
      const hit = res.some((r) => { r.lastIndex = 0; return r.test(line); });
      if (hit === flags.has("v")) continue;
      count++;
      matched = true;
      if (flags.has("q")) return 0;
      if (flags.has("c") || flags.has("l")) continue;
      const prefix = (showName ? `${name}:` : "") + (flags.has("n") ? `${n}:` : "");
      if (flags.has("o") && !flags.has("v")) {
        for (const r of res) { r.lastIndex = 0; for (const m of line.matchAll(r)) if (m[0]) await out(ctx, `${prefix}${m[0]}\n`); }
      } else await out(ctx, `${prefix}${line}\n`);
    }
    if (flags.has("c")) await out(ctx, `${showName ? `${name}:` : ""}${count}\n`);
    if (flags.has("l") && count) await out(ctx, `${name}\n`);
  }
  return errors && !flags.has("q") ? 2 : matched ? 0 : 1;
};

interface SedCmd { addr1?: string; addr2?: string; neg: boolean; cmd: string; re?: RegExp; repl?: string; global?: boolean; print?: boolean; nth?: number; text?: string }

function parseSed(script: string, ere: boolean): SedCmd[] {
  const cmds: SedCmd[] = [];
  let i = 0;
  const addr = (): string | undefined => {
    if (script[i] === "$") { i++; return "$"; }
    const m = /^\d+/.exec(script.slice(i));
    if (m) { i += m[0].length; return m[0]; }
    if (script[i] === "/") { const end = findDelim(script, i + 1, "/"); const a = script.slice(i, end + 1); i = end + 1; return a; }
    return undefined;
  };
  while (i < script.length) {
    while (i < script.length && /[\s;]/.test(script[i])) i++;
    if (i >= script.length) break;
    const c: SedCmd = { neg: false, cmd: "" };
    c.addr1 = addr();
    if (c.addr1 && script[i] === ",") { i++; c.addr2 = addr(); }
    while (script[i] === " ") i++;
    if (script[i] === "!") { c.neg = true; i++; }
    c.cmd = script[i++];
    if (c.cmd === "s") {
      const d = script[i++];
      const e1 = findDelim(script, i, d);
      const e2 = findDelim(script, e1 + 1, d);
      if (e1 < 0 || e2 < 0) throw new Error(`unmatched '${c.cmd}'`);
      const pat = script.slice(i, e1).split("\\" + d).join(d);
      c.repl = script.slice(e1 + 1, e2).split("\\" + d).join(d);
      i = e2 + 1;
      let fl = "";
      while (i < script.length && /[gpI0-9]/.test(script[i])) fl += script[i++];
      c.global = fl.includes("g");
      c.print = fl.includes("p");
      c.nth = /\d+/.test(fl) ? Number(/\d+/.exec(fl)![0]) : 1;
      c.re = posixRegex(pat, ere, (c.global ? "g" : "") + (fl.includes("I") ? "i" : ""));
    } else if (c.cmd === "a" || c.cmd === "i" || c.cmd === "c") {
      let t = script.slice(i).replace(/^\\?\n?/, "").replace(/^\s*/, "");
      const nl = t.indexOf("\n");
      if (nl >= 0) { i += script.slice(i).indexOf(t) + nl; t = t.slice(0, nl); } else i = script.length;
      c.text = t;
    } else if (!"pdqn=".includes(c.cmd)) {
      throw new Error(`unsupported command ${c.cmd}`);
    }
    cmds.push(c);
  }
  return cmds;
}

function findDelim(s: string, from: number, d: string): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === "\\") { i++; continue; }
    if (s[i] === d) return i;
  }
  return -1;
}

function substitute(line: string, c: SedCmd): { text: string; done: boolean } {
  let k = 0, done = false;
  const re = c.re!;
  const text = line.replace(re, (...m) => {
    k++;
    if (!c.global && k !== c.nth) return m[0];
    if (c.global && k < c.nth!) return m[0];
    done = true;
    const groups = m.slice(0, -2) as string[];
    return c.repl!.replace(/\\(\d)|\\n|\\t|\\(.)|&/g, (all, d: string, other: string) => {
      if (all === "&") return groups[0];
      if (d !== undefined) return groups[Number(d)] ?? "";
      if (all === "\\n") return "\n";
      if (all === "\\t") return "\t";
      return other;
    });
  });
  if (!c.global && c.nth! > 1 && !done) return { text: line, done: false };
  return { text, done };
}

const sed: Utility = async (ctx) => {
  let opts;
  try { opts = getopt(ctx.argv, "ne:Erif:"); } catch (e) { await warn(ctx, (e as Error).message); return 1; }
  const { flags, rest } = opts;
  const scripts = flags.get("e") ?? (rest.length ? [rest.shift()!] : []);
  let cmds: SedCmd[];
  try { cmds = parseSed(scripts.join("\n"), flags.has("E") || flags.has("r")); } catch (e) { await warn(ctx, (e as Error).message); return 1; }
  const quiet = flags.has("n");
  const texts: string[] = [];
  for await (const f of inputs(ctx, rest)) texts.push(decode(f.data));
  const all = texts.join("");
  const ls = all.split("\n");
  const lastHasNl = all.endsWith("\n");
  if (lastHasNl) ls.pop();
  if (all === "") ls.length = 0;
  const inRange = new Map<SedCmd, boolean>();
  const matches = (a: string, line: string, n: number): boolean =>
    a === "$" ? n === ls.length : /^\d+$/.test(a) ? Number(a) === n : posixRegex(a.slice(1, -1), flags.has("E") || flags.has("r")).test(line);
  let text = "";
  for (let n = 1; n <= ls.length; n++) {
    let line = ls[n - 1];
    let deleted = false, quit = false;
    const before: string[] = [], after: string[] = [];
    for (const c of cmds) {
      let sel = true;
      if (c.addr1 && !c.addr2) sel = matches(c.addr1, line, n);
      else if (c.addr1 && c.addr2) {
        if (inRange.get(c)) { sel = true; if (matches(c.addr2, line, n) || (/^\d+$/.test(c.addr2) && Number(c.addr2) <= n)) inRange.set(c, false); }
        else if (matches(c.addr1, line, n)) { sel = true; inRange.set(c, !(/^\d+$/.test(c.addr2) && Number(c.addr2) <= n)); }
        else sel = false;
      }
      if (c.neg) sel = !sel;
      if (!sel) continue;
      if (c.cmd === "s") { const r = substitute(line, c); line = r.text; if (r.done && c.print) text += line + "\n"; }
      else if (c.cmd === "p") text += line + "\n";
      else if (c.cmd === "d") { deleted = true; break; }
      else if (c.cmd === "q") { quit = true; break; }
      else if (c.cmd === "=") text += `${n}\n`;
      else if (c.cmd === "a") after.push(c.text! + "\n");
      else if (c.cmd === "i") before.push(c.text! + "\n");
      else if (c.cmd === "c") { before.push(c.text! + "\n"); deleted = true; break; }
    }
    text += before.join("");
    if (!deleted && !quiet) text += line + (n === ls.length && !lastHasNl ? "" : "\n");
    text += after.join("");
    if (quit) break;
  }
  await out(ctx, text);
  return failed.has(ctx) ? 1 : 0;
};

const sort: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "nrufk:t:");
  const all: string[] = [];
  for await (const f of inputs(ctx, rest)) all.push(...splitLines(decode(f.data)));
  const sep = flags.get("t")?.[0];
  const key = flags.get("k")?.[0];
  const keyOf = (l: string): string => {
    if (!key) return l;
    const [start, end] = key.split(",").map((x) => Number.parseInt(x, 10));
    const fields = sep !== undefined ? l.split(sep) : l.split(/(?=\s)(?<=\S)/);
    return fields.slice(start - 1, end ? end : undefined).join(sep ?? "").replace(sep === undefined ? /^\s+/ : /$^/, "");
  };
  const fold = flags.has("f");
  const cmpStr = (a: string, b: string) => { const x = fold ? a.toUpperCase() : a, y = fold ? b.toUpperCase() : b; return x < y ? -1 : x > y ? 1 : 0; };
  const num = (s: string) => { const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)/.exec(s); return m ? Number(m[0]) : 0; };
  const cmp = (a: string, b: string): number => {
    const ka = keyOf(a), kb = keyOf(b);
    const r = flags.has("n") ? num(ka) - num(kb) : cmpStr(ka, kb);
    return r !== 0 ? r : key || flags.has("n") ? cmpStr(a, b) : 0;
  };
  all.sort(cmp);
  if (flags.has("r")) all.reverse();
  const outLines = flags.has("u") ? all.filter((l, i) => i === 0 || cmp(all[i - 1], l) !== 0) : all;
  await out(ctx, outLines.map((l) => l + "\n").join(""));
  return failed.has(ctx) ? 2 : 0;
};

const uniq: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "cdui");
  let text = "";
  for await (const f of inputs(ctx, rest.slice(0, 1))) {
    const ls = splitLines(decode(f.data));
    for (let i = 0; i < ls.length;) {
      let j = i + 1;
      const eq = (a: string, b: string) => (flags.has("i") ? a.toLowerCase() === b.toLowerCase() : a === b);
      while (j < ls.length && eq(ls[j], ls[i])) j++;
      const n = j - i;
      if ((!flags.has("d") || n > 1) && (!flags.has("u") || n === 1)) text += (flags.has("c") ? `${String(n).padStart(7)} ` : "") + ls[i] + "\n";
      i = j;
    }
  }
  await out(ctx, text);
  return failed.has(ctx) ? 1 : 0;
};

function ranges(spec: string): (i: number) => boolean {
  const parts = spec.split(",").map((r) => {
    const m = /^(\d*)(-?)(\d*)$/.exec(r)!;
    const a = m[1] ? Number(m[1]) : 1, b = m[2] ? (m[3] ? Number(m[3]) : Infinity) : a;
    return [a, b] as const;
  });
  return (i) => parts.some(([a, b]) => i >= a && i <= b);
}

const cut: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "d:f:c:b:s");
  const d = flags.get("d")?.[0] ?? "\t";
  let text = "";
  for await (const f of inputs(ctx, rest)) {
    for (const l of splitLines(decode(f.data))) {
      if (flags.has("f")) {
        const sel = ranges(flags.get("f")![0]);
        if (!l.includes(d)) { if (!flags.has("s")) text += l + "\n"; continue; }
        text += l.split(d).filter((_x, i) => sel(i + 1)).join(d) + "\n";
      } else {
        const sel = ranges((flags.get("c") ?? flags.get("b"))![0]);
        text += [...l].filter((_x, i) => sel(i + 1)).join("") + "\n";
      }
    }
  }
  await out(ctx, text);
  return failed.has(ctx) ? 1 : 0;
};

function trSet(s: string): string[] {
  const classes: Record<string, string> = { upper: "A-Z", lower: "a-z", digit: "0-9", alpha: "A-Za-z", alnum: "A-Za-z0-9", space: " \t\n\r\f\v", blank: " \t", punct: "!-/:-@[-`{-~" };
  s = s.replace(/\[:(\w+):\]/g, (_m, n: string) => classes[n] ?? "");
  const chars: string[] = [];
  const esc: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", f: "\f", v: "\v", a: "\x07", b: "\b" };
  const cs: string[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\" && i + 1 < s.length) {
      const m = /^[0-7]{1,3}/.exec(s.slice(i + 1));
      if (m) { cs.push(String.fromCharCode(Number.parseInt(m[0], 8))); i += m[0].length; continue; }
      cs.push(esc[s[i + 1]] ?? s[i + 1]); i++; continue;
    }
    cs.push(s[i]);
  }
  for (let i = 0; i < cs.length; i++) {
    if (i + 2 < cs.length && cs[i + 1] === "-") {
      for (let c = cs[i].charCodeAt(0); c <= cs[i + 2].charCodeAt(0); c++) chars.push(String.fromCharCode(c));
      i += 2;
    } else chars.push(cs[i]);
  }
  return chars;
}

const tr: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "dsc");
  const set1 = trSet(rest[0] ?? "");
  const set2 = trSet(rest[1] ?? "");
  if (!flags.has("d") && !flags.has("s") && rest.length < 2) { await warn(ctx, "missing operand"); return 1; }
  const comp = flags.has("c");
  const in1 = (c: string) => set1.includes(c) !== comp;
  const map = new Map<string, string>();
  if (!flags.has("d") && set2.length) set1.forEach((c, i) => map.set(c, set2[Math.min(i, set2.length - 1)]));
  const squeeze = flags.has("s") ? new Set(flags.has("d") || rest.length < 2 ? set1 : set2) : null;
  for await (const chunk of lines(ctx.stdin)) {
    let o = "";
    for (const c of chunk) {
      if (flags.has("d") && in1(c)) continue;
      const t = comp && !flags.has("d") && in1(c) ? set2[set2.length - 1] ?? c : map.get(c) ?? c;
      if (squeeze && squeeze.has(t) && o.endsWith(t)) continue;
      o += t;
    }
    await out(ctx, o);
  }
  return 0;
};

const tee: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "ai");
  let status = 0;
  const targets: string[] = [];
  for (const f of rest) {
    try { if (!flags.has("a") || !ctx.fs.exists(abs(ctx, f))) ctx.fs.writeFile(abs(ctx, f), "", { cred: ctx.user }); targets.push(abs(ctx, f)); } catch (e) {
      if (!(e instanceof FsError)) throw e;
      await warn(ctx, `can't open '${f}': ${e.message}`);
      status = 1;
    }
  }
  for (let c = await ctx.stdin.read(); c !== null; c = await ctx.stdin.read()) {
    for (const t of targets) ctx.fs.writeFile(t, c, { append: true, cred: ctx.user });
    await out(ctx, c);
  }
  return status;
};

const seq: Utility = async (ctx) => {
  const args = [...ctx.argv.slice(1)];
  let sep = "\n", width = false;
  while (args.length && /^-[sw]/.test(args[0]) && !/^-\d/.test(args[0])) {
    const a = args.shift()!;
    if (a === "-w") width = true; else sep = a.length > 2 ? a.slice(2) : args.shift() ?? "\n";
  }
  const nums = args.map(Number);
  if (nums.length === 0 || nums.some(Number.isNaN)) { await warn(ctx, `invalid number '${args.find((a) => Number.isNaN(Number(a))) ?? ""}'`); return 1; }
  const [first, inc, last] = nums.length === 1 ? [1, 1, nums[0]] : nums.length === 2 ? [nums[0], 1, nums[1]] : nums;
  const decimals = Math.max(...args.map((a) => (a.includes(".") ? a.split(".")[1].length : 0)));
  const w = width ? Math.max(first.toFixed(decimals).length, last.toFixed(decimals).length) : 0;
  const items: string[] = [];
  if (inc !== 0) for (let v = first; inc > 0 ? v <= last + 1e-9 : v >= last - 1e-9; v += inc) {
    items.push(v.toFixed(decimals).padStart(w, "0"));
    if (items.length >= 1024) { await out(ctx, items.join(sep) + sep); items.length = 0; }
  }
  if (items.length) await out(ctx, items.join(sep) + "\n");
  return 0;
};

const yes: Utility = async (ctx) => {
  const word = (ctx.argv.slice(1).join(" ") || "y") + "\n";
  const chunk = bytes(word.repeat(Math.max(1, Math.floor(4096 / word.length))));
  for (;;) {
    if (ctx.signal.aborted) return 128 + (typeof ctx.signal.reason === "number" ? ctx.signal.reason : 15);
    await ctx.stdout.write(chunk); // ends with EPIPE (status 141) when the reader goes away
  }
};

const xargs: Utility = async (ctx) => {
  const { flags, rest } = getopt(ctx.argv, "n:I:0rt", false);
  const cmd = rest.length ? rest : ["echo"];
  const input = decode(new Uint8Array(await (async () => { const parts: number[] = []; for (let c = await ctx.stdin.read(); c; c = await ctx.stdin.read()) parts.push(...c); return parts; })()));
  const items = flags.has("0") ? input.split("\0").filter(Boolean)
    : flags.has("I") ? splitLines(input) : [...input.matchAll(/"([^"]*)"|'([^']*)'|((?:\\.|[^\s"'])+)/g)].map((m) => m[1] ?? m[2] ?? m[3].replace(/\\(.)/g, "$1"));
  if (items.length === 0 && flags.has("r")) return 0;
  const groups: string[][] = [];
  const n = flags.has("I") ? 1 : Number(flags.get("n")?.[0] ?? Infinity);
  for (let i = 0; i < items.length; i += n === Infinity ? Math.max(items.length, 1) : n) groups.push(items.slice(i, i + (n === Infinity ? items.length : n)));
  if (groups.length === 0) groups.push([]);
  let status = 0;
  for (const g of groups) {
    const I = flags.get("I")?.[0];
    const argv = I ? cmd.map((a) => a.split(I).join(g[0] ?? "")) : [...cmd, ...g];
    if (flags.has("t")) await ctx.stderr.write(bytes(argv.join(" ") + "\n"));
    const st = await ctx.run(argv, { stdin: { read: async () => null } });
    if (st === 255) { await warn(ctx, `${argv[0]}: exited with status 255; aborting`); return 124; }
    if (st === 126 || st === 127) return st;
    if (st !== 0) status = 123;
  }
  return status;
};

const hashsum = (fn: (b: Uint8Array) => Uint8Array): Utility => async (ctx) => {
  const { rest } = getopt(ctx.argv, "bct");
  let text = "";
  for await (const f of inputs(ctx, rest)) {
    text += `${bytesToHex(fn(f.data))}  ${f.name}\n`;
  }
  await out(ctx, text);
  return failed.has(ctx) ? 1 : 0;
};

const basename: Utility = async (ctx) => {
  const [p, suffix] = ctx.argv.slice(1);
  if (p === undefined) { await warn(ctx, "missing operand"); return 1; }
  let b = p.replace(/\/+$/, "").split("/").pop() || (p.startsWith("/") ? "/" : "");
  if (suffix && b !== suffix && b.endsWith(suffix)) b = b.slice(0, -suffix.length);
  await out(ctx, b + "\n");
  return 0;
};

const dirname: Utility = async (ctx) => {
  const p = ctx.argv[1];
  if (p === undefined) { await warn(ctx, "missing operand"); return 1; }
  const t = p.replace(/\/+$/, "");
  const i = t.lastIndexOf("/");
  await out(ctx, (i < 0 ? "." : i === 0 ? "/" : t.slice(0, i).replace(/\/+$/, "") || "/") + "\n");
  return 0;
};

export const TEXT_UTILITIES: Record<string, Utility> = {
  head, tail, wc, grep, sed, sort, uniq, cut, tr, tee, seq, yes, xargs, basename, dirname,
  md5sum: hashsum(md5), sha256sum: hashsum(sha256),
};
export type { CommandContext };
