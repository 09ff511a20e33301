/**
 * Dockerfile parsing with dockerfile-ast (the parser of the Dockerfile language server): the text
 * becomes the global ARGs and the stages, each instruction with its keyword, flags, arguments and
 * the source text the classic builder prints in `Step N/M : …`.
 */
import { DockerfileParser, type Instruction as AstInstruction } from "dockerfile-ast";
import { Util } from "dockerfile-ast/lib/util.js";
import { BuildError } from "./errors.js";

// dockerfile-ast (0.7.1, the newest) tests for a UTF-8 byte order mark with Node's Buffer, the one
// Node API it uses; a browser page has none, so the same test in plain JavaScript lets the parser
// (and `docker build`) run in any runtime.
Util.isUTF8BOM = (char: string) => char.startsWith("\uFEFF");

const KNOWN = new Set([
  "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
  "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
]);

export interface Instruction {
  /** Upper-case keyword (`COPY`). */
  keyword: string;
  /** The instruction as written, continuation lines joined: what `Step N/M :` shows. */
  original: string;
  /** 1-based line of the keyword. */
  line: number;
  /** `--from=build` → from: build (flags before the arguments, COPY/ADD/RUN/FROM/HEALTHCHECK). */
  flags: Record<string, string>;
  /** The arguments after the flags, continuation lines joined. */
  args: string;
  /** The parsed key/value pairs of ENV, LABEL and ARG (quotes removed). */
  properties: [string, string | null][];
}

export interface Stage {
  /** The image the stage starts from (`busybox`, a previous stage's name, or `scratch`), unexpanded. */
  base: string;
  /** `FROM … AS name`, lower-cased as Docker compares them. */
  name: string | null;
  platform: string | null;
  from: Instruction;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  /** ARG instructions before the first FROM (usable in FROM lines). */
  metaArgs: Instruction[];
  stages: Stage[];
}

/** Parses a Dockerfile; unknown instructions and instructions before FROM fail as dockerd reports them. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const doc = DockerfileParser.parse(text);
  const escape = doc.getEscapeCharacter();
  const lines = text.split(/\r?\n/);
  const metaArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ast of doc.getInstructions()) {
    const keyword = ast.getKeyword().toUpperCase();
    const line = ast.getRange().start.line + 1;
    if (!KNOWN.has(keyword)) {
      throw new BuildError(`dockerfile parse error on line ${line}: unknown instruction: ${ast.getInstruction()}`, { status: 400 });
    }
    const ins = toInstruction(ast, keyword, line, lines, escape);
    if (keyword === "FROM") {
      const words = ins.args.split(/\s+/).filter(Boolean);
      if (words.length === 0) throw new BuildError(`dockerfile parse error on line ${line}: FROM requires either one or three arguments`, { status: 400 });
      if (words.length !== 1 && !(words.length === 3 && words[1].toLowerCase() === "as")) {
        throw new BuildError(`dockerfile parse error on line ${line}: FROM requires either one or three arguments`, { status: 400 });
      }
      const name = words.length === 3 ? words[2].toLowerCase() : null;
      if (name !== null && !/^[a-z][a-z0-9-_.]*$/.test(name)) {
        throw new BuildError(`dockerfile parse error on line ${line}: invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`, { status: 400 });
      }
      stages.push({ base: words[0], name, platform: ins.flags.platform ?? null, from: ins, instructions: [] });
      continue;
    }
    if (stages.length === 0) {
      if (keyword === "ARG") { metaArgs.push(ins); continue; }
      throw new BuildError(`dockerfile parse error on line ${line}: no build stage in current context`, { status: 400 });
    }
    stages[stages.length - 1].instructions.push(ins);
  }
  if (stages.length === 0) throw new BuildError("dockerfile parse error: file with no instructions", { status: 400 });
  return { metaArgs, stages };
}

function toInstruction(ast: AstInstruction, keyword: string, line: number, lines: string[], escape: string): Instruction {
  const range = ast.getRange();
  // The instruction's own lines, continuations joined and comment lines inside them dropped, as
  // dockerd's parser builds `Original`.
  const own = lines.slice(range.start.line, range.end.line + 1);
  let joined = "";
  for (let i = 0; i < own.length; i++) {
    let l = own[i];
    if (i > 0 && /^\s*#/.test(l)) continue;
    if (i < own.length - 1 && l.trimEnd().endsWith(escape)) l = l.trimEnd().slice(0, -1);
    joined += l;
  }
  joined = joined.trim();
  const flags: Record<string, string> = {};
  const getFlags = (ast as unknown as { getFlags?: () => { getName(): string; getValue(): string | null }[] }).getFlags;
  if (getFlags) for (const f of getFlags.call(ast)) flags[f.getName().toLowerCase()] = f.getValue() ?? "";
  // The arguments: the joined text after the keyword and the flags.
  let rest = joined.slice(ast.getInstruction().length).trimStart();
  if (keyword !== "RUN" || Object.keys(flags).length > 0) {
    while (rest.startsWith("--")) rest = rest.replace(/^--\S*\s*/, "");
  }
  const getProperties = (ast as unknown as { getProperties?: () => { getName(): string; getValue(): string | null }[] }).getProperties;
  const properties: [string, string | null][] = getProperties ? getProperties.call(ast).map((p) => [p.getName(), p.getValue()]) : [];
  return { keyword, original: joined, line, flags, args: rest, properties };
}

/** The JSON (exec) form of CMD, ENTRYPOINT, RUN, SHELL, VOLUME: an array of strings, or null for the shell form. */
export function execForm(args: string): string[] | null {
  const t = args.trim();
  if (!t.startsWith("[")) return null;
  try {
    const v = JSON.parse(t) as unknown;
    if (Array.isArray(v) && v.every((s) => typeof s === "string")) return v as string[];
  } catch { /* not JSON: the shell form, as Docker falls back */ }
  return null;
}
