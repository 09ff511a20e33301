/**
 * The emulated guest's vocabulary as text: splitting a script into simple commands, expanding
 * variables, printf, and which command lines the vocabulary covers (the rest goes to the shell).
 */

export type Connector = ";" | "&&" | "||";
export interface SimpleCommand {
  words: string[];
  /** How this command joins the previous one. */
  after: Connector;
  /** A line of an interactive sh the vocabulary does not cover: the shell runs it. */
  shell?: string;
}

/** Commands the fixed vocabulary answers itself (deterministic, on the virtual clock, synchronous). */
const VOCABULARY = new Set(["true", ":", "false", "exit", "sleep", "top", "echo", "printf", "hostname", "whoami", "id", "pwd", "env", "printenv", "uname", "date", "hello"]);
/** Redirections the vocabulary knows; any other `<`, `>`, `|`, substitution, grouping or glob needs the shell. */
const KNOWN_REDIRECTIONS = /(^|\s)(1?>&2|2>&1|[12]?>\/dev\/null)(?=\s|;|$)/g;

/** True when the vocabulary runs `script` exactly as sh would (else the shell runs it). */
export function vocabularyCovers(script: string, mayServe: (cmd: string) => boolean): boolean {
  const rest = script.replace(KNOWN_REDIRECTIONS, " ").replace(/\|\|/g, " ");
  if (/[|<>`(){}*?[\]~]|\$\(|\\\n/.test(rest)) return false;
  return parseScript(script).every((c) => commandCovered(c.words, mayServe));
}

export function commandCovered(words: string[], mayServe: (cmd: string) => boolean): boolean {
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i])) i++;
  if (words[i] === "exec") i++;
  if (i >= words.length) return true;
  const cmd = basename(words[i]);
  const args = words.slice(i + 1);
  if (/^(if|then|else|elif|fi|for|while|until|do|done|case|esac|function|cd|export|set|unset|read|test|\[)$/.test(cmd)) return false;
  if (cmd === "cat") return (args.length === 1 && args[0] === "-") || args.every((a) => !a.startsWith("-"));
  if (SHELLS.has(cmd) && args[0] === "-c" && args.length > 1) return vocabularyCovers(args[1], mayServe);
  return VOCABULARY.has(cmd) || mayServe(cmd);
}


/** Splits a shell script into simple commands joined by ; && || and newlines (quotes respected). */
export function parseScript(script: string): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let words: string[] = [];
  let word: string | null = null;
  let connector: Connector = ";";
  const flush = (next: Connector) => {
    if (word !== null) words.push(word);
    word = null;
    if (words.length) out.push({ words, after: connector });
    words = [];
    connector = next;
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      const stop = end < 0 ? script.length : end;
      // Nothing expands inside single quotes: mark dollars literal for `expand`.
      word = (word ?? "") + script.slice(i + 1, stop).replace(/\$/g, "\\$");
      i = stop;
    } else if (c === '"') {
      let j = i + 1;
      let s = "";
      while (j < script.length && script[j] !== '"') {
        if (script[j] === "\\" && j + 1 < script.length && '"\\$`'.includes(script[j + 1])) {
          s += script[j + 1] === "$" ? "\\$" : script[j + 1];
          j += 2;
        } else s += script[j++];
      }
      word = (word ?? "") + s;
      i = j;
    } else if (c === "\\" && i + 1 < script.length) {
      word = (word ?? "") + (script[i + 1] === "$" ? "\\$" : script[i + 1]);
      i++;
    } else if (c === ";" || c === "\n") {
      flush(";");
    } else if (c === "&" && script[i + 1] === "&") {
      flush("&&");
      i++;
    } else if (c === "|" && script[i + 1] === "|") {
      flush("||");
      i++;
    } else if (c === " " || c === "\t") {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "#" && word === null) {
      while (i + 1 < script.length && script[i + 1] !== "\n") i++;
    } else {
      word = (word ?? "") + c;
    }
  }
  flush(";");
  return out;
}

/** Expands $VAR, ${VAR} and $? in a word (a `\$` stays a literal dollar). */
export function expand(word: string, env: Map<string, string>, status: number): string {
  return word
    .replace(/(\\?)\$(\?|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (m, esc: string, all: string, braced?: string, bare?: string) => {
      if (esc) return m.slice(1);
      if (all === "?") return String(status);
      return env.get((braced ?? bare)!) ?? "";
    });
}

/** printf with %s %d %i %x %c %% and backslash escapes; the format is reused while arguments remain. */
export function printf(format: string, args: string[]): string {
  let out = "";
  let k = 0;
  do {
    let used = false;
    out += unescape(format).replace(/%(-?\d*)([sdixc%])/g, (_m, width: string, conv: string) => {
      if (conv === "%") return "%";
      used = true;
      const a = args[k++] ?? "";
      let v: string;
      if (conv === "d" || conv === "i") v = String(Math.trunc(Number(a) || 0));
      else if (conv === "x") v = (Math.trunc(Number(a) || 0) >>> 0).toString(16);
      else if (conv === "c") v = a.slice(0, 1);
      else v = a;
      const w = Number(width);
      return w > 0 ? v.padStart(w) : w < 0 ? v.padEnd(-w) : v;
    });
    if (!used) break;
  } while (k < args.length);
  return out;
}

export function unescape(s: string): string {
  return s.replace(/\\([ntr\\0]|x[0-9a-fA-F]{2})/g, (_m, e: string) =>
    e === "n" ? "\n" : e === "t" ? "\t" : e === "r" ? "\r" : e === "\\" ? "\\" : e === "0" ? "\0" : String.fromCharCode(parseInt(e.slice(1), 16)));
}

export const SHELLS = new Set(["sh", "bash", "ash", "dash", "zsh"]);
export const basename = (p: string) => p.slice(p.lastIndexOf("/") + 1);
