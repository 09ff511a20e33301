/** `printf` and `echo` formatting, as busybox does it (also used by the ash builtins). */

/** Backslash escapes of `printf` formats, `%b` and `echo -e`; `stop` is set by `\c`. */
export function unescape(s: string, forEcho: boolean): { text: string; stop: boolean } {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== "\\" || i + 1 >= s.length) { out += c; continue; }
    const n = s[++i];
    const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", f: "\f", v: "\v", "\\": "\\", e: "\x1b" };
    if (n in simple) { out += simple[n]; continue; }
    if (n === "c") return { text: out, stop: true };
    if (n === "x") {
      const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1));
      if (m) { out += String.fromCharCode(Number.parseInt(m[0], 16)); i += m[0].length; continue; }
    }
    if (n >= "0" && n <= "7") {
      // echo -e and %b take \0NNN; printf formats take \NNN.
      const start = forEcho && n === "0" ? i + 1 : i;
      const m = /^[0-7]{1,3}/.exec(s.slice(start));
      if (m) { out += String.fromCharCode(Number.parseInt(m[0], 8) & 255); i = start + m[0].length - 1; continue; }
      if (forEcho) { out += "\0"; continue; }
    }
    out += "\\" + n;
  }
  return { text: out, stop: false };
}

/** Formats like printf(1): the format is reused while arguments remain. Errors go to `errors`. */
export function formatPrintf(format: string, args: string[], errors: string[]): { text: string; status: number } {
  let out = "";
  let status = 0;
  let k = 0;
  const next = (): string | undefined => (k < args.length ? args[k++] : undefined);
  const num = (a: string | undefined, float: boolean): number => {
    if (a === undefined || a === "") return 0;
    if (/^['"]/.test(a)) return a.length > 1 ? a.codePointAt(1)! : 0;
    const t = a.trim();
    const ok = float ? /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) : /^[+-]?(0[xX][0-9a-fA-F]+|\d+)$/.test(t);
    if (!ok) {
      errors.push(`invalid number '${a}'`);
      status = 1;
      const lead = /^[+-]?\d+/.exec(t);
      return lead ? Number(lead[0]) : 0;
    }
    return float ? Number(t) : Number.parseInt(t, /^[+-]?0[xX]/.test(t) ? 16 : 10);
  };
  do {
    const before = k;
    for (let i = 0; i < format.length; i++) {
      const c = format[i];
      if (c === "\\") {
        const m = /^\\([0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)/s.exec(format.slice(i));
        const u = unescape(m![0], false);
        out += u.text;
        if (u.stop) return { text: out, status };
        i += m![0].length - 1;
        continue;
      }
      if (c !== "%") { out += c; continue; }
      const m = /^%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+)?)?([diouxXcsbfeEgG%])/.exec(format.slice(i));
      if (!m) { out += c; continue; }
      i += m[0].length - 1;
      const [, flags, w, p, conv] = m;
      if (conv === "%") { out += "%"; continue; }
      const width = w === "*" ? num(next(), false) : w ? Number(w) : 0;
      const prec = p === "*" ? num(next(), false) : p !== undefined ? Number(p || 0) : undefined;
      const arg = next();
      let s: string;
      switch (conv) {
        case "s": s = arg ?? ""; if (prec !== undefined) s = s.slice(0, prec); break;
        case "b": { const u = unescape(arg ?? "", true); s = u.text; if (u.stop) { out += pad(s, width, flags); return { text: out, status }; } break; }
        case "c": s = (arg ?? "").slice(0, 1); break;
        case "d": case "i": case "u": {
          const n = Math.trunc(num(arg, false));
          s = Math.abs(n).toString();
          if (prec !== undefined) s = s.padStart(prec, "0");
          s = (n < 0 ? "-" : flags.includes("+") ? "+" : flags.includes(" ") ? " " : "") + s;
          break;
        }
        case "o": s = (num(arg, false) >>> 0).toString(8); if (flags.includes("#") && s !== "0") s = "0" + s; break;
        case "x": case "X": {
          s = BigInt.asUintN(64, BigInt(Math.trunc(num(arg, false)))).toString(16);
          if (flags.includes("#") && s !== "0") s = "0x" + s;
          if (conv === "X") s = s.toUpperCase();
          break;
        }
        case "f": s = num(arg, true).toFixed(prec ?? 6); break;
        case "e": case "E": { s = expo(num(arg, true), prec ?? 6); if (conv === "E") s = s.toUpperCase(); break; }
        default: { const v = num(arg, true); s = Number(v.toPrecision(prec || 6)).toString(); break; }
      }
      out += pad(s, width, flags);
    }
    if (k === before) break;
  } while (k < args.length);
  return { text: out, status };
}

function expo(v: number, prec: number): string {
  const [m, e] = v.toExponential(prec).split("e");
  const n = Number(e);
  return `${m}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
}

function pad(s: string, width: number, flags: string): string {
  if (s.length >= width) return s;
  if (flags.includes("-")) return s.padEnd(width);
  if (flags.includes("0") && /^[+-]?\d/.test(s)) {
    const sign = /^[+-]/.test(s) ? s[0] : "";
    return sign + s.slice(sign.length).padStart(width - sign.length, "0");
  }
  return s.padStart(width);
}

/** echo's output: `-n` drops the newline, `-e` interprets escapes (busybox: off by default). */
export function formatEcho(args: string[]): string {
  let newline = true, escapes = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (!/^-[neE]+$/.test(a)) break;
    for (const f of a.slice(1)) { if (f === "n") newline = false; else if (f === "e") escapes = true; else escapes = false; }
  }
  let text = args.slice(i).join(" ");
  if (escapes) {
    const u = unescape(text, true);
    if (u.stop) return u.text;
    text = u.text;
  }
  return newline ? text + "\n" : text;
}
