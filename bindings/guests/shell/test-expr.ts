/** `test` and `[`: file tests, string and integer comparisons, `!`, `-a`, `-o` and parentheses. */
import type { ContainerFs, Stat } from "../../fs/index.js";

export class TestError extends Error {}

/** Evaluates a test expression; throws TestError with busybox's message on bad syntax. */
export function evalTest(args: string[], fs: ContainerFs, cwd: string, uid: number): boolean {
  let i = 0;
  const abs = (p: string) => (p.startsWith("/") ? p : `${cwd === "/" ? "" : cwd}/${p}`);
  const stat = (p: string, follow = true): Stat | null => {
    if (p === "") return null;
    try { return follow ? fs.stat(abs(p)) : fs.lstat(abs(p)); } catch { return null; }
  };
  const int = (s: string): number => {
    if (!/^\s*[+-]?\d+\s*$/.test(s)) throw new TestError(`invalid number '${s}'`);
    return Number(s);
  };
  const perm = (st: Stat | null, bit: number): boolean => {
    if (!st) return false;
    if (uid === 0) return bit !== 1 || (st.mode & 0o111) !== 0 || st.kind === "dir";
    const shift = st.uid === uid ? 6 : 0;
    return ((st.mode >> shift) & bit) !== 0;
  };
  const unary: Record<string, (a: string) => boolean> = {
    "-e": (a) => !!stat(a), "-f": (a) => stat(a)?.kind === "file", "-d": (a) => stat(a)?.kind === "dir",
    "-h": (a) => stat(a, false)?.kind === "symlink", "-L": (a) => stat(a, false)?.kind === "symlink",
    "-s": (a) => (stat(a)?.size ?? 0) > 0, "-r": (a) => perm(stat(a), 4), "-w": (a) => perm(stat(a), 2),
    "-x": (a) => perm(stat(a), 1), "-z": (a) => a.length === 0, "-n": (a) => a.length > 0,
    "-b": () => false, "-c": (a) => a.startsWith("/dev/"), "-p": () => false, "-S": () => false, "-t": () => false,
    "-u": (a) => ((stat(a)?.mode ?? 0) & 0o4000) !== 0, "-g": (a) => ((stat(a)?.mode ?? 0) & 0o2000) !== 0,
    "-k": (a) => ((stat(a)?.mode ?? 0) & 0o1000) !== 0,
  };
  const binary: Record<string, (a: string, b: string) => boolean> = {
    "=": (a, b) => a === b, "==": (a, b) => a === b, "!=": (a, b) => a !== b, "<": (a, b) => a < b, ">": (a, b) => a > b,
    "-eq": (a, b) => int(a) === int(b), "-ne": (a, b) => int(a) !== int(b), "-lt": (a, b) => int(a) < int(b),
    "-le": (a, b) => int(a) <= int(b), "-gt": (a, b) => int(a) > int(b), "-ge": (a, b) => int(a) >= int(b),
    "-nt": (a, b) => (stat(a)?.mtime ?? -1) > (stat(b)?.mtime ?? -1), "-ot": (a, b) => (stat(a)?.mtime ?? Infinity) < (stat(b)?.mtime ?? -1),
  };
  const primary = (): boolean => {
    if (i >= args.length) throw new TestError("argument expected");
    const a = args[i];
    if (a === "!") { i++; return !primary(); }
    if (a === "(" && args.length - i >= 3 && !(args[i + 1] in binary && args[i + 3] !== ")")) {
      i++;
      const v = orExpr();
      if (args[i] !== ")") throw new TestError("')' expected");
      i++;
      return v;
    }
    if (i + 2 < args.length + 0 && args[i + 1] in binary && i + 2 < args.length) {
      const r = binary[args[i + 1]](a, args[i + 2]);
      i += 3;
      return r;
    }
    if (a in unary && i + 1 < args.length) { i += 2; return unary[a](args[i - 1]); }
    if (a in unary && i + 1 >= args.length && args.length > 1) throw new TestError(`${a}: argument expected`);
    i++;
    return a.length > 0;
  };
  const andExpr = (): boolean => {
    let v = primary();
    while (args[i] === "-a") { i++; const r = primary(); v = v && r; }
    return v;
  };
  const orExpr = (): boolean => {
    let v = andExpr();
    while (args[i] === "-o") { i++; const r = andExpr(); v = v || r; }
    return v;
  };
  if (args.length === 0) return false;
  if (args.length === 3 && args[1] in binary) return binary[args[1]](args[0], args[2]);
  if (args.length === 2 && args[0] in unary) return unary[args[0]](args[1]);
  if (args.length === 2 && args[0] === "!") return args[1].length === 0;
  if (args.length === 2 && args[1] in binary) throw new TestError(`${args[1]}: argument expected`);
  const v = orExpr();
  if (i < args.length) throw new TestError(`${args[i]}: unknown operand`);
  return v;
}
