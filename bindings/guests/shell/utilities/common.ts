/** Helpers every utility uses: option parsing in busybox's getopt style, messages, inputs. */
import { FsError } from "../../../fs/index.js";
import type { CommandContext } from "../context.js";
import { type Input, readAll } from "../streams.js";

const enc = new TextEncoder();
export const bytes = (s: string): Uint8Array => enc.encode(s);
export const out = (ctx: CommandContext, s: string | Uint8Array): Promise<void> =>
  ctx.stdout.write(typeof s === "string" ? enc.encode(s) : s);
/** `name: message` on stderr. */
export const warn = (ctx: CommandContext, s: string): Promise<void> =>
  ctx.stderr.write(enc.encode(`${ctx.argv[0].split("/").pop()}: ${s}\n`));

export const abs = (ctx: CommandContext, p: string): string =>
  p.startsWith("/") ? p : `${ctx.cwd === "/" ? "" : ctx.cwd}/${p}`;

export class UsageError extends Error {}

/**
 * Parses options: `spec` lists flag letters, a letter followed by `:` takes a value. Flags may be
 * combined (`-la`), values attached (`-n5`) or separate; `--` ends options; a lone `-` is an operand.
 * Options stop at the first operand unless `permute` (GNU-style, as busybox's getopt32 allows).
 */
export function getopt(argv: string[], spec: string, permute = true): { flags: Map<string, string[]>; rest: string[] } {
  const flags = new Map<string, string[]>();
  const rest: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") { rest.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith("-") || a === "-") {
      if (!permute) { rest.push(...argv.slice(i)); break; }
      rest.push(a);
      continue;
    }
    for (let k = 1; k < a.length; k++) {
      const c = a[k];
      const at = spec.indexOf(c);
      if (at < 0) throw new UsageError(`unrecognized option: ${c}`);
      if (spec[at + 1] === ":") {
        const v = k + 1 < a.length ? a.slice(k + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`option requires an argument: ${c}`);
        flags.set(c, [...(flags.get(c) ?? []), v]);
        break;
      }
      flags.set(c, [...(flags.get(c) ?? []), ""]);
    }
  }
  return { flags, rest };
}

/**
 * How each applet words a file it cannot read (busybox is not uniform): a missing file as
 * `can't open 'f': …` or `f: …`; a directory skipped silently, or reported its own way.
 */
const OPEN_POLICY: Record<string, { missing: "open" | "plain"; dir: "silent" | "read" | "io" | "ioerr" | "cantread" | "wc" }> = {
  cat: { missing: "open", dir: "read" }, tail: { missing: "open", dir: "read" }, uniq: { missing: "open", dir: "ioerr" },
  md5sum: { missing: "open", dir: "cantread" }, sha256sum: { missing: "open", dir: "cantread" },
  grep: { missing: "plain", dir: "silent" }, sort: { missing: "plain", dir: "silent" }, sed: { missing: "plain", dir: "silent" },
  cut: { missing: "plain", dir: "silent" }, head: { missing: "plain", dir: "io" }, wc: { missing: "plain", dir: "wc" },
};

/** Reports a file that could not be read, as the applet does; false when it is to be skipped silently. */
export async function cannotRead(ctx: CommandContext, f: string, e: FsError): Promise<"skip" | "empty" | "failed"> {
  const name = ctx.argv[0].split("/").pop()!;
  const p = OPEN_POLICY[name] ?? { missing: "open", dir: "read" };
  if (e.code === "EISDIR") {
    switch (p.dir) {
      case "silent": return "empty";
      case "read": await warn(ctx, `read error: ${e.message}`); break;
      case "io": await warn(ctx, `${f}: Input/output error`); break;
      case "ioerr": await warn(ctx, `${f}: I/O error`); break;
      case "cantread": await warn(ctx, `can't read '${f}': ${e.message}`); break;
      case "wc": await warn(ctx, `${f}: ${e.message}`); failed.add(ctx); return "empty";
    }
  } else await warn(ctx, p.missing === "open" ? `can't open '${f}': ${e.message}` : `${f}: ${e.message}`);
  failed.add(ctx);
  return "failed";
}

/** Reads the named files (`-` or none: stdin), reporting unreadable ones; `failed` marks the context. */
export async function* inputs(ctx: CommandContext, files: string[]): AsyncGenerator<{ name: string; data: Uint8Array }> {
  if (files.length === 0) files = ["-"];
  for (const f of files) {
    if (f === "-") { yield { name: "-", data: await readAll(ctx.stdin) }; continue; }
    try {
      yield { name: f, data: ctx.fs.readFile(abs(ctx, f), ctx.user) };
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      if ((await cannotRead(ctx, f, e)) === "empty") yield { name: f, data: new Uint8Array(0) };
    }
  }
}
/** Contexts whose `inputs` met an error (the utility then exits 1). */
export const failed = new WeakSet<CommandContext>();

/** Streams stdin or a file as it arrives (for filters that must not wait for the end: head, grep). */
export function inputOf(ctx: CommandContext, f: string): Input | FsError {
  if (f === "-") return ctx.stdin;
  try {
    const data = ctx.fs.readFile(abs(ctx, f), ctx.user);
    let done = false;
    return { read: async () => (done || data.length === 0 ? null : ((done = true), data)) };
  } catch (e) {
    if (!(e instanceof FsError)) throw e;
    return e;
  }
}

export const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Splits text into lines keeping track of a missing final newline. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const ls = text.split("\n");
  if (ls[ls.length - 1] === "") ls.pop();
  return ls;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const p2 = (n: number) => String(n).padStart(2, "0");

/** `date`'s default format in UTC: `Wed Dec  2 17:19:16 UTC 2026`. */
export function dateString(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** strftime for `date +FORMAT` (UTC). */
export function strftime(fmt: string, ms: number): string {
  const d = new Date(ms);
  return fmt.replace(/%([a-zA-Z%])/g, (_m, c: string) => {
    switch (c) {
      case "Y": return String(d.getUTCFullYear());
      case "m": return p2(d.getUTCMonth() + 1);
      case "d": return p2(d.getUTCDate());
      case "e": return String(d.getUTCDate()).padStart(2);
      case "H": return p2(d.getUTCHours());
      case "M": return p2(d.getUTCMinutes());
      case "S": return p2(d.getUTCSeconds());
      case "s": return String(Math.floor(ms / 1000));
      case "y": return p2(d.getUTCFullYear() % 100);
      case "a": return DAYS[d.getUTCDay()];
      case "b": case "h": return MONTHS[d.getUTCMonth()];
      case "j": return String(Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1).padStart(3, "0");
      case "Z": return "UTC";
      case "z": return "+0000";
      case "F": return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
      case "T": return `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
      case "D": return `${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())}/${p2(d.getUTCFullYear() % 100)}`;
      case "n": return "\n";
      case "t": return "\t";
      case "%": return "%";
    }
    return `%${c}`;
  });
}

/** `ls -l`'s time column: `Dec  2 17:19` within six months of now, else `Jan  1  2020`. */
export function lsTime(ms: number, now: number): string {
  const d = new Date(ms);
  const recent = Math.abs(now - ms) < 182 * 86_400_000;
  const tail = recent ? `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}` : ` ${d.getUTCFullYear()}`;
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${tail}`;
}
