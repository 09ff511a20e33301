/**
 * Word expansion in POSIX order: tilde, parameters, command substitution, arithmetic, then field
 * splitting on IFS, pathname expansion and quote removal. Works on mvdan/sh's word parts.
 */
import { FsError } from "../../fs/index.js";
import { type ArithmNode, nodeType, OP, type ParamExp, type Stmt, type WordNode, type WordPart } from "./parse.js";
import { escapePattern, hasMagic, matchPattern, removeAffix, unescapePattern } from "./pattern.js";

/** A shell error that ends the command with a message (`sh: x: parameter not set`). */
export class ShellError extends Error {
  constructor(message: string, readonly status = 2) { super(message); this.name = "ShellError"; }
}

/** What expansion needs from the interpreter. */
export interface ExpandHost {
  getVar(name: string): string | undefined;
  setVar(name: string, value: string): void;
  special(name: string): string[] | string | undefined;
  nounset: boolean;
  noglob: boolean;
  /** Runs a command substitution and returns its output. */
  substitute(stmts: Stmt[]): Promise<string>;
  /** Names in a directory (for globbing), or null when it cannot be listed. */
  list(dir: string): string[] | null;
  cwd: string;
}

interface Piece { text: string; quoted: boolean; split: boolean; brk?: boolean }

/** Expands a word into fields (arguments of a command, `for` items). */
export async function expandFields(h: ExpandHost, w: WordNode): Promise<string[]> {
  const pieces = await wordPieces(h, w, false);
  const fields = splitFields(pieces, h.getVar("IFS") ?? " \t\n");
  const out: string[] = [];
  for (const f of fields) {
    if (f.glob && !h.noglob) {
      const m = glob(h, f.pat);
      if (m.length) { out.push(...m); continue; }
    }
    out.push(f.value);
  }
  return out;
}

/** Expands a word into one string (assignments, redirection targets, `case` words). */
export async function expandString(h: ExpandHost, w: WordNode | null): Promise<string> {
  if (!w) return "";
  return (await wordPieces(h, w, false, true)).map((p) => p.text).join("");
}

/** Expands a word into a pattern (quoted characters escaped) for `case` and `${x#…}`. */
export async function expandPatternWord(h: ExpandHost, w: WordNode | null): Promise<string> {
  if (!w) return "";
  return (await wordPieces(h, w, false, true)).map((p) => (p.quoted ? escapePattern(p.text) : p.text)).join("");
}

async function wordPieces(h: ExpandHost, w: WordNode, inDq: boolean, noSplit = false): Promise<Piece[]> {
  const out: Piece[] = [];
  const parts = [...w.Parts];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const t = nodeType(p);
    if (t === "Lit") {
      let v = p.Value;
      if (!inDq && i === 0 && v.startsWith("~")) {
        const slash = v.indexOf("/");
        const user = slash < 0 ? v.slice(1) : v.slice(1, slash);
        if (user === "") {
          out.push({ text: h.getVar("HOME") ?? "/", quoted: true, split: false });
          v = slash < 0 ? "" : v.slice(slash);
        }
      }
      out.push(...literalPieces(v, inDq));
    } else if (t === "SglQuoted") {
      out.push({ text: p.Value, quoted: true, split: false });
    } else if (t === "DblQuoted") {
      const inner = [...p.Parts];
      if (inner.length === 1 && nodeType(inner[0]) === "ParamExp" && inner[0].Param.Value === "@" && !inner[0].Exp) {
        const args = h.special("@") as string[];
        args.forEach((a, k) => {
          if (k > 0) out.push({ text: "", quoted: true, split: false, brk: true });
          out.push({ text: a, quoted: true, split: false });
        });
        continue;
      }
      out.push({ text: "", quoted: true, split: false });
      out.push(...(await wordPieces(h, { Parts: inner }, true, noSplit)));
    } else if (t === "ParamExp") {
      const v = await paramValue(h, p, inDq);
      if (Array.isArray(v)) {
        v.forEach((a, k) => {
          if (k > 0) out.push(noSplit ? { text: " ", quoted: inDq, split: false } : { text: "", quoted: false, split: false, brk: true });
          out.push({ text: a, quoted: inDq, split: !inDq && !noSplit });
        });
      } else out.push({ text: v, quoted: inDq, split: !inDq && !noSplit });
    } else if (t === "CmdSubst") {
      const s = (await h.substitute([...p.Stmts])).replace(/\n+$/, "");
      out.push({ text: s, quoted: inDq, split: !inDq && !noSplit });
    } else if (t === "ArithmExp") {
      out.push({ text: String(await arith(h, p.X)), quoted: inDq, split: !inDq && !noSplit });
    } else {
      throw new ShellError(`syntax error: ${t} is not supported`);
    }
  }
  return out;
}

function literalPieces(v: string, inDq: boolean): Piece[] {
  const out: Piece[] = [];
  let plain = "";
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === "\\" && i + 1 < v.length) {
      const n = v[i + 1];
      if (n === "\n") { i++; continue; }
      if (!inDq || "$`\"\\".includes(n)) {
        if (plain) out.push({ text: plain, quoted: inDq, split: false });
        plain = "";
        out.push({ text: n, quoted: true, split: false });
        i++;
        continue;
      }
    }
    plain += c;
  }
  if (plain) out.push({ text: plain, quoted: inDq, split: false });
  return out;
}

interface Field { value: string; pat: string; has: boolean; glob: boolean }

function splitFields(pieces: Piece[], ifs: string): Field[] {
  const fields: Field[] = [];
  let cur: Field = { value: "", pat: "", has: false, glob: false };
  const push = (): void => { fields.push(cur); cur = { value: "", pat: "", has: false, glob: false }; };
  const ws: string[] = [...ifs].filter((c) => c === " " || c === "\t" || c === "\n");
  for (const p of pieces) {
    if (p.brk) { push(); continue; }
    if (!p.split) {
      cur.value += p.text;
      cur.pat += p.quoted ? escapePattern(p.text) : p.text;
      if (p.quoted || p.text) cur.has = true;
      if (!p.quoted && hasMagic(p.text)) cur.glob = true;
      continue;
    }
    for (const c of p.text) {
      if (ifs.includes(c)) {
        if (ws.includes(c)) { if (cur.has) push(); }
        else push();
        continue;
      }
      cur.value += c;
      cur.pat += c;
      cur.has = true;
      if ("*?[".includes(c)) cur.glob = true;
    }
  }
  if (cur.has) push();
  return fields;
}

function glob(h: ExpandHost, pat: string): string[] {
  const abs = pat.startsWith("/");
  const comps = pat.split("/").filter((c) => c !== "");
  let paths: string[] = [abs ? "/" : ""];
  for (const comp of comps) {
    const next: string[] = [];
    for (const base of paths) {
      if (!hasMagic(comp)) { next.push(join(base, unescapePattern(comp))); continue; }
      const dir = base === "" ? h.cwd : base.startsWith("/") ? base : `${h.cwd}/${base}`;
      const names = h.list(dir);
      if (!names) continue;
      for (const n of names) {
        if (n.startsWith(".") && !comp.startsWith(".") && !comp.startsWith("\\.")) continue;
        if (matchPattern(comp, n)) next.push(join(base, n));
      }
    }
    paths = next;
  }
  return paths.filter((p) => p !== "" && p !== "/").sort();
}

function join(base: string, name: string): string {
  return base === "" ? name : base.endsWith("/") ? base + name : `${base}/${name}`;
}

async function paramValue(h: ExpandHost, p: ParamExp, inDq: boolean): Promise<string | string[]> {
  const name = p.Param.Value;
  const sp = h.special(name);
  let value: string | undefined;
  let list: string[] | undefined;
  if (sp !== undefined) {
    if (Array.isArray(sp)) { list = sp; value = sp.join(name === "*" && inDq ? (h.getVar("IFS") ?? " \t\n").slice(0, 1) : " "); }
    else value = sp;
    if ((name === "@" || name === "*") && sp.length === 0) value = undefined;
  } else value = h.getVar(name);
  if (p.Length) return String([...(value ?? "")].length);
  const exp = p.Exp;
  if (!exp) {
    if (value === undefined && h.nounset && !/^[@*]$/.test(name)) throw new ShellError(`${name}: parameter not set`);
    if (list && !inDq) return list;
    if (list && name === "@") return list;
    return value ?? "";
  }
  const op = exp.Op;
  const word = (): Promise<string> => expandString(h, exp.Word);
  const unset = value === undefined;
  const nul = unset || value === "";
  switch (op) {
    case OP.defaultUnsetOrNull: return nul ? word() : value!;
    case OP.defaultUnset: return unset ? word() : value!;
    case OP.assignUnsetOrNull:
    case OP.assignUnset: {
      if (op === OP.assignUnsetOrNull ? nul : unset) { const v = await word(); h.setVar(name, v); return v; }
      return value!;
    }
    case OP.errorUnsetOrNull:
    case OP.errorUnset: {
      if (op === OP.errorUnsetOrNull ? nul : unset) {
        const msg = exp.Word ? await word() : "parameter not set";
        throw new ShellError(`${name}: ${msg || "parameter not set"}`);
      }
      return value!;
    }
    case OP.alternateSetNotNull: return nul ? "" : word();
    case OP.alternateSet: return unset ? "" : word();
    case OP.removeSmallPrefix: case OP.removeLargePrefix: case OP.removeSmallSuffix: case OP.removeLargeSuffix: {
      const pat = await expandPatternWord(h, exp.Word);
      const suffix = op === OP.removeSmallSuffix || op === OP.removeLargeSuffix;
      const longest = op === OP.removeLargePrefix || op === OP.removeLargeSuffix;
      return removeAffix(value ?? "", pat, suffix, longest);
    }
  }
  throw new ShellError("syntax error: bad substitution");
}

/** Parses a shell number: decimal, 0x hex, leading-0 octal. */
function toNumber(s: string, h: ExpandHost, depth = 0): number {
  const t = s.trim();
  if (t === "") return 0;
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(t)) return Number.parseInt(t, 16);
  if (/^[+-]?0[0-7]+$/.test(t)) return Number.parseInt(t, 8);
  if (/^[+-]?\d+$/.test(t)) return Number.parseInt(t, 10);
  if (/^[A-Za-z_]\w*$/.test(t) && depth < 10) return toNumber(h.getVar(t) ?? "", h, depth + 1);
  throw new ShellError(`arithmetic syntax error`);
}

/** Evaluates `$((…))` with 64-bit-like integer semantics (truncating division). */
export async function arith(h: ExpandHost, n: ArithmNode): Promise<number> {
  const t = nodeType(n);
  const A = OP.arith;
  if (t === "ParenArithm") return arith(h, n.X);
  if (t === "Word") return toNumber(await expandString(h, n as unknown as WordNode), h);
  const nameOf = (x: ArithmNode): string => {
    const w = x as unknown as WordNode;
    if (nodeType(x) !== "Word" || w.Parts.length !== 1 || nodeType(w.Parts[0]) !== "Lit") throw new ShellError("arithmetic syntax error");
    return (w.Parts[0] as WordPart).Value;
  };
  if (t === "UnaryArithm") {
    if (n.Op === A.inc || n.Op === A.dec) {
      const name = nameOf(n.X);
      const old = toNumber(h.getVar(name) ?? "", h);
      const nv = n.Op === A.inc ? old + 1 : old - 1;
      h.setVar(name, String(nv));
      return n.Post ? old : nv;
    }
    const x = await arith(h, n.X);
    if (n.Op === A.not) return x === 0 ? 1 : 0;
    if (n.Op === A.bitNegation) return ~x;
    if (n.Op === A.minus) return -x;
    return x;
  }
  if (t === "BinaryArithm") {
    const op = n.Op;
    if (op === A.assgn || op === A.addAssgn || op === A.subAssgn || op === A.mulAssgn || op === A.quoAssgn || op === A.remAssgn) {
      const name = nameOf(n.X);
      const y = await arith(h, n.Y);
      const old = op === A.assgn ? 0 : toNumber(h.getVar(name) ?? "", h);
      const v = op === A.assgn ? y : op === A.addAssgn ? old + y : op === A.subAssgn ? old - y : op === A.mulAssgn ? old * y
        : divide(old, y, op === A.remAssgn);
      h.setVar(name, String(v));
      return v;
    }
    if (op === A.andArit) return (await arith(h, n.X)) !== 0 && (await arith(h, n.Y)) !== 0 ? 1 : 0;
    if (op === A.orArit) return (await arith(h, n.X)) !== 0 || (await arith(h, n.Y)) !== 0 ? 1 : 0;
    if (op === A.ternQuest) {
      const c = await arith(h, n.X);
      return c !== 0 ? arith(h, n.Y.X) : arith(h, n.Y.Y);
    }
    const x = await arith(h, n.X), y = await arith(h, n.Y);
    switch (op) {
      case A.add: return x + y;
      case A.sub: return x - y;
      case A.mul: return x * y;
      case A.quo: return divide(x, y, false);
      case A.rem: return divide(x, y, true);
      case A.eql: return +(x === y);
      case A.neq: return +(x !== y);
      case A.lss: return +(x < y);
      case A.gtr: return +(x > y);
      case A.leq: return +(x <= y);
      case A.geq: return +(x >= y);
      case A.and: return x & y;
      case A.or: return x | y;
      case A.xor: return x ^ y;
      case A.shl: return x << y;
      case A.shr: return x >> y;
    }
  }
  throw new ShellError("arithmetic syntax error");
}

function divide(x: number, y: number, rem: boolean): number {
  if (y === 0) throw new ShellError("divide by zero");
  return rem ? x % y : Math.trunc(x / y);
}

export { FsError };
