/**
 * `.dockerignore` with Docker's rules (moby's patternmatcher): one pattern a line, `#` comments,
 * `!` re-includes, patterns are cleaned paths relative to the context root (a leading `/` is
 * dropped), `*` and `?` stay within one path component, `**` spans any number of them, and a
 * pattern that matches a directory matches everything under it. The last matching pattern wins.
 */

interface Pattern { regex: RegExp; exclusion: boolean }

export class DockerIgnore {
  private readonly patterns: Pattern[];

  constructor(text: string) {
    this.patterns = [];
    for (let line of text.split(/\r?\n/)) {
      line = line.trim();
      if (line === "" || line.startsWith("#")) continue;
      let exclusion = false;
      if (line.startsWith("!")) { exclusion = true; line = line.slice(1).trim(); }
      const cleaned = cleanPath(line);
      if (cleaned === "") continue;
      this.patterns.push({ regex: toRegex(cleaned), exclusion });
    }
  }

  get empty(): boolean { return this.patterns.length === 0; }

  /** True when `path` (relative to the context, `/`-separated) is excluded from the build. */
  ignores(path: string): boolean {
    const p = cleanPath(path);
    const parents: string[] = [];
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i++) parents.push(parts.slice(0, i).join("/"));
    let matched = false;
    for (const pat of this.patterns) {
      if (pat.exclusion !== matched) continue; // only a pattern that could change the answer
      const hit = pat.regex.test(p) || parents.some((d) => pat.regex.test(d));
      if (hit) matched = !pat.exclusion;
    }
    return matched;
  }
}

/** Go's filepath.Clean for a relative slash path, without a leading `/` or `./`. */
export function cleanPath(path: string): string {
  const out: string[] = [];
  for (const c of path.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") { out.pop(); continue; }
    out.push(c);
  }
  return out.join("/");
}

function toRegex(pattern: string): RegExp {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") { i++; re += "(?:.*/)?"; }
        else re += ".*";
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "\\" && i + 1 < pattern.length) re += escapeRe(pattern[++i]);
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 1);
      if (close < 0) { re += "\\["; continue; }
      let cls = pattern.slice(i + 1, close);
      if (cls.startsWith("^")) cls = "^" + cls.slice(1);
      else if (cls.startsWith("!")) cls = "^" + cls.slice(1);
      re += "[" + cls.replace(/\\/g, "\\\\") + "]";
      i = close;
    } else re += escapeRe(c);
  }
  return new RegExp(re + "$");
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? "\\" + c : c;
}
