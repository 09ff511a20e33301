/**
 * Variable substitution in Dockerfile instructions, as dockerd's shell lexer does it for ENV, ARG,
 * LABEL, COPY, ADD, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL and FROM: `$x`, `${x}`, `${x:-word}`,
 * `${x-word}`, `${x:+word}`, `${x+word}`; single quotes are literal, double quotes group, the escape
 * character escapes. RUN, CMD and ENTRYPOINT are left to the shell.
 */
import { BuildError } from "./errors.js";

/** Splits an instruction's arguments into words on unquoted whitespace, keeping quotes and escapes. */
export function splitWords(text: string, escape = "\\"): string[] {
  const out: string[] = [];
  let word = "";
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      word += c;
      if (c === escape && quote === '"' && i + 1 < text.length) word += text[++i];
      else if (c === quote) quote = null;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) out.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    word += c;
    if (c === escape && i + 1 < text.length) word += text[++i];
    else if (c === '"' || c === "'") quote = c;
  }
  if (inWord) out.push(word);
  return out;
}

/** Expands variables and removes quotes in one word, with `vars` as the environment. */
export function expandWord(word: string, vars: ReadonlyMap<string, string>, escape = "\\"): string {
  let out = "";
  let i = 0;
  const n = word.length;
  const variable = (): string => {
    // at word[i] === "$"
    i++;
    if (word[i] === "{") {
      const close = matchingBrace(word, i);
      if (close < 0) throw new BuildError(`failed to process "${word}": missing '}'`, { status: 400 });
      const body = word.slice(i + 1, close);
      i = close + 1;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])(.*))?$/s.exec(body);
      if (!m) throw new BuildError(`failed to process "${word}": unsupported modifier in \${${body}}`, { status: 400 });
      const [, name, op, arg] = m;
      const set = vars.has(name);
      const value = vars.get(name) ?? "";
      if (!op) return value;
      const nonEmpty = op.startsWith(":") ? set && value !== "" : set;
      if (op.endsWith("-")) return nonEmpty ? value : expandWord(arg, vars, escape);
      if (op.endsWith("+")) return nonEmpty ? expandWord(arg, vars, escape) : "";
      if (!nonEmpty) throw new BuildError(`failed to process "${word}": ${name}: ${arg || "is not allowed to be unset"}`, { status: 400 });
      return value;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(word.slice(i));
    if (!m) return "$";
    i += m[0].length;
    return vars.get(m[0]) ?? "";
  };
  while (i < n) {
    const c = word[i];
    if (c === escape && i + 1 < n) { out += word[i + 1]; i += 2; continue; }
    if (c === "'") {
      const close = word.indexOf("'", i + 1);
      if (close < 0) throw new BuildError(`failed to process "${word}": unexpected end of statement while looking for matching single-quote`, { status: 400 });
      out += word.slice(i + 1, close);
      i = close + 1;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < n && word[i] !== '"') {
        if (word[i] === escape && i + 1 < n && (word[i + 1] === '"' || word[i + 1] === "$" || word[i + 1] === escape)) { out += word[i + 1]; i += 2; continue; }
        if (word[i] === "$") { out += variable(); continue; }
        out += word[i++];
      }
      if (i >= n) throw new BuildError(`failed to process "${word}": unexpected end of statement while looking for matching double-quote`, { status: 400 });
      i++;
      continue;
    }
    if (c === "$") { out += variable(); continue; }
    out += c;
    i++;
  }
  return out;
}

function matchingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === "{") depth++;
    else if (s[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

/** The words of `text`, each expanded (ENV/LABEL pairs, COPY sources, EXPOSE ports, …). */
export function expandWords(text: string, vars: ReadonlyMap<string, string>): string[] {
  return splitWords(text).map((w) => expandWord(w, vars));
}

/**
 * `key=value` pairs of ENV, LABEL and ARG. The legacy `ENV key value…` form (no `=` in the first
 * word) takes the rest of the line as the value. `allowBare` admits `ARG name` without a value.
 */
export function keyValues(keyword: string, text: string, vars: ReadonlyMap<string, string>, allowBare = false): [string, string | null][] {
  const words = splitWords(text);
  if (words.length === 0) throw new BuildError(`${keyword} requires at least one argument`, { status: 400 });
  if (!words[0].includes("=") && !allowBare) {
    if (words.length < 2) throw new BuildError(`${keyword} must have two arguments`, { status: 400 });
    const rest = text.trim().slice(words[0].length).trim();
    return [[words[0], expandWord(rest, vars)]];
  }
  return words.map((w) => {
    const eq = w.indexOf("=");
    if (eq < 0) {
      if (allowBare) return [w, null];
      throw new BuildError(`Syntax error - can't find = in "${w}". Must be of the form: name=value`, { status: 400 });
    }
    const key = expandWord(w.slice(0, eq), vars);
    if (key === "") throw new BuildError(`${keyword} names can not be blank`, { status: 400 });
    return [key, expandWord(w.slice(eq + 1), vars)];
  });
}
