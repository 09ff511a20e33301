/**
 * Shell patterns (`*`, `?`, `[…]`) for pathname expansion, `case` and `${x#pat}`. A pattern string
 * here marks quoted characters with a backslash, so `"*"` matches only a star.
 */

/** Escapes every pattern character of literal (quoted) text. */
export function escapePattern(s: string): string {
  return s.replace(/[\\*?[\]]/g, (c) => "\\" + c);
}

/** True when the pattern has an unescaped `*`, `?` or `[`. */
export function hasMagic(pat: string): boolean {
  for (let i = 0; i < pat.length; i++) {
    if (pat[i] === "\\") { i++; continue; }
    if (pat[i] === "*" || pat[i] === "?" || pat[i] === "[") return true;
  }
  return false;
}

/** Removes the escaping backslashes (the pattern as plain text). */
export function unescapePattern(pat: string): string {
  return pat.replace(/\\(.)/gs, "$1");
}

/** The regular expression source of a pattern (unanchored). */
export function patternSource(pat: string): string {
  let re = "";
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i];
    if (c === "\\" && i + 1 < pat.length) { re += escapeRe(pat[++i]); continue; }
    if (c === "*") { re += "[\\s\\S]*"; continue; }
    if (c === "?") { re += "[\\s\\S]"; continue; }
    if (c === "[") {
      const end = pat.indexOf("]", i + 2);
      if (end > 0) {
        let body = pat.slice(i + 1, end);
        let neg = false;
        if (body[0] === "!" || body[0] === "^") { neg = true; body = body.slice(1); }
        re += "[" + (neg ? "^" : "") + body.replace(/\\/g, "\\\\").replace(/\]/g, "\\]") + "]";
        i = end;
        continue;
      }
    }
    re += escapeRe(c);
  }
  return re;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Whole-string match of a pattern. */
export function matchPattern(pat: string, s: string): boolean {
  return new RegExp(`^${patternSource(pat)}$`).test(s);
}

/** `${x#pat}`, `${x##pat}`, `${x%pat}`, `${x%%pat}`. */
export function removeAffix(value: string, pat: string, suffix: boolean, longest: boolean): string {
  const re = new RegExp(`^${patternSource(pat)}$`);
  if (!suffix) {
    if (longest) { for (let i = value.length; i >= 0; i--) if (re.test(value.slice(0, i))) return value.slice(i); }
    else { for (let i = 0; i <= value.length; i++) if (re.test(value.slice(0, i))) return value.slice(i); }
  } else {
    if (longest) { for (let i = 0; i <= value.length; i++) if (re.test(value.slice(i))) return value.slice(0, i); }
    else { for (let i = value.length; i >= 0; i--) if (re.test(value.slice(i))) return value.slice(0, i); }
  }
  return value;
}
