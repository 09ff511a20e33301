/**
 * The shell's parser: mvdan/sh (the parser behind shfmt), compiled to JavaScript as the `mvdan-sh`
 * package, in its POSIX mode. It gives a complete typed syntax tree (statements, words with their
 * quoted and expanded parts, redirections), which the interpreter walks. Operator codes are Go
 * enum values; they are learned once here by parsing samples, so nothing depends on their numbering.
 */
import mvdan from "mvdan-sh";

// The tree mvdan/sh builds (Go structs seen from JavaScript): the fields the interpreter reads.
export interface Lit { Value: string }
export interface WordNode { Parts: WordPart[] }
export type WordPart = Lit & SglQuoted & DblQuoted & ParamExp & CmdSubst & ArithmExp;
export interface SglQuoted { Value: string }
export interface DblQuoted { Parts: WordPart[] }
export interface ParamExp { Param: Lit; Short: boolean; Length: boolean; Exp: { Op: number; Word: WordNode | null } | null }
export interface CmdSubst { Stmts: Stmt[] }
export interface ArithmExp { X: ArithmNode }
export interface ArithmNode { Op: number; X: ArithmNode; Y: ArithmNode; Post: boolean; Parts: WordPart[] }
export interface Redirect { Op: number; N: Lit | null; Word: WordNode; Hdoc: WordNode | null }
export interface Stmt { Cmd: Command | null; Negated: boolean; Background: boolean; Redirs: Redirect[] }
export interface Assign { Name: Lit; Value: WordNode | null; Append: boolean }
/** Any command node; `nodeType` says which fields are set. */
export interface Command {
  Assigns: Assign[]; Args: WordNode[];                      // CallExpr
  Op: number; X: Stmt; Y: Stmt;                              // BinaryCmd
  Cond: Stmt[]; Then: Stmt[]; Else: Command | null;          // IfClause
  Do: Stmt[]; Until: boolean;                                // WhileClause, ForClause
  Loop: { Name: Lit; Items: WordNode[]; InPos: { IsValid(): boolean } };
  Stmts: Stmt[];                                             // Block, Subshell
  Name: Lit; Body: Stmt;                                     // FuncDecl
  Word: WordNode; Items: { Patterns: WordNode[]; Stmts: Stmt[] }[]; // CaseClause
}

const syntax = (mvdan as { syntax: MvdanSyntax }).syntax;
interface MvdanSyntax {
  NewParser(...opts: unknown[]): { Parse(src: string, name: string): { Stmts: Stmt[] } };
  Variant(lang: unknown): unknown;
  LangPOSIX: unknown;
  NodeType(node: unknown): string;
}

/** The Go type name of a node: CallExpr, BinaryCmd, IfClause, Lit, DblQuoted, ParamExp, … */
export function nodeType(node: unknown): string {
  return syntax.NodeType(node);
}

/** A syntax error in busybox's words (`sh: syntax error: …`), exit status 2. */
export class ShellSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShellSyntaxError";
  }
}

const parser = syntax.NewParser(syntax.Variant(syntax.LangPOSIX));

/** Parses a script into its statements; a syntax error raises `ShellSyntaxError`. */
export function parseScript(src: string): Stmt[] {
  try {
    return [...parser.Parse(src, "").Stmts];
  } catch (e) {
    const raw = e && typeof e === "object" && "Error" in e && typeof (e as { Error: unknown }).Error === "function"
      ? String((e as { Error(): string }).Error())
      : e instanceof Error ? e.message : String(e);
    // mvdan prints `1:6: "then" can only be used in an if`: keep the message, drop the position.
    throw new ShellSyntaxError(`syntax error: ${raw.replace(/^[^:]*:?\d+:\d+: /, "")}`);
  }
}

function first(src: string): Stmt { return parser.Parse(src, "").Stmts[0]; }

/** Operator codes, learned from samples. */
export const OP = (() => {
  const bin = (s: string) => first(s).Cmd!.Op;
  const redir = (s: string) => first(s).Redirs[0].Op;
  const pexp = (s: string) => (first(`: ${s}`).Cmd!.Args[1].Parts[0] as ParamExp).Exp!.Op;
  const arith = (s: string) => (first(`: $((${s}))`).Cmd!.Args[1].Parts[0] as ArithmExp).X.Op;
  const unary = (s: string) => (first(`: $((${s}))`).Cmd!.Args[1].Parts[0] as ArithmExp).X.Op;
  return {
    and: bin("a && b"), or: bin("a || b"), pipe: bin("a | b"),
    out: redir("a >f"), append: redir("a >>f"), in: redir("a <f"), dupOut: redir("a >&2"), dupIn: redir("a <&0"),
    heredoc: redir("a <<E\nE\n"), heredocTabs: redir("a <<-E\nE\n"), rdwr: redir("a <>f"), clobber: redir("a >|f"),
    defaultUnsetOrNull: pexp("${a:-b}"), defaultUnset: pexp("${a-b}"), assignUnsetOrNull: pexp("${a:=b}"), assignUnset: pexp("${a=b}"),
    errorUnsetOrNull: pexp("${a:?b}"), errorUnset: pexp("${a?b}"), alternateSetNotNull: pexp("${a:+b}"), alternateSet: pexp("${a+b}"),
    removeSmallPrefix: pexp("${a#b}"), removeLargePrefix: pexp("${a##b}"), removeSmallSuffix: pexp("${a%b}"), removeLargeSuffix: pexp("${a%%b}"),
    arith: {
      add: arith("1+2"), sub: arith("1-2"), mul: arith("1*2"), quo: arith("1/2"), rem: arith("1%2"),
      eql: arith("1==2"), neq: arith("1!=2"), lss: arith("1<2"), gtr: arith("1>2"), leq: arith("1<=2"), geq: arith("1>=2"),
      andArit: arith("1&&2"), orArit: arith("1||2"), and: arith("1&2"), or: arith("1|2"), xor: arith("1^2"),
      shl: arith("1<<2"), shr: arith("1>>2"), assgn: arith("a=2"), addAssgn: arith("a+=2"), subAssgn: arith("a-=2"),
      mulAssgn: arith("a*=2"), quoAssgn: arith("a/=2"), remAssgn: arith("a%=2"), ternQuest: arith("1?2:3"),
      not: unary("!1"), bitNegation: unary("~1"), plus: unary("+1"), minus: unary("-1"), inc: unary("a++"), dec: unary("a--"),
    },
  };
})();
