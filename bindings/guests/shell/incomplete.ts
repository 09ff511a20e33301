/** Whether a script read so far needs more lines (an open quote, `if` without `fi`, a trailing `&&`). */
import { parseScript, ShellSyntaxError } from "./parse.js";

export function IsIncompleteSyntax(src: string): boolean {
  try {
    parseScript(src);
    return false;
  } catch (e) {
    if (!(e instanceof ShellSyntaxError)) throw e;
    return /reached EOF|must be followed|must end with|unclosed|not terminated|EOF/.test(e.message);
  }
}
