/**
 * The source tree as a reader finds it (issue 10's "Done when"): docs/architecture.md names every
 * file under bindings/ in its module's section and names no file that is gone, and a source file
 * over 600 lines says why in its opening lines.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, test } from "vitest";

const root = join(import.meta.dirname, "..");
const tracked = (...patterns: string[]): string[] =>
  execFileSync("git", ["ls-files", "--", ...patterns], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean);

/** The text of each `### bindings/X` section of the module map (top-level files: the cli section). */
function sections(doc: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | null = null;
  for (const line of doc.split("\n")) {
    const head = /^### (bindings\/\w+)/.exec(line);
    if (head) {
      current = head[1];
      out.set(current, "");
    } else if (line.startsWith("### ")) {
      current = null;
    } else if (current) {
      out.set(current, out.get(current)! + line + "\n");
    }
  }
  return out;
}

const sectionOf = (file: string): string => {
  const parts = file.split("/");
  return parts.length === 2 ? "bindings/cli" : parts.slice(0, 2).join("/");
};

describe("the module map in docs/architecture.md", () => {
  const map = sections(readFileSync(join(root, "docs/architecture.md"), "utf8"));
  const files = tracked("bindings");

  test("names every file under bindings/ in its module's section", () => {
    const unlisted = files.filter((f) => !(map.get(sectionOf(f)) ?? "").includes(basename(f)));
    expect(unlisted).toEqual([]);
  });

  test("names no file that does not exist", () => {
    const absent: string[] = [];
    for (const [section, text] of map) {
      for (const [, name] of text.matchAll(/`([\w./-]+\.ts)`/g)) {
        if (!files.some((f) => f === name || f.endsWith(`/${name}`))) absent.push(`${section}: ${name}`);
      }
    }
    expect(absent).toEqual([]);
  });
});

test("a source file over 600 lines says why it is long in its first 5 lines", () => {
  const unexplained = tracked("*.ts")
    .filter((f) => !f.includes("fixtures"))
    .filter((f) => {
      const lines = readFileSync(join(root, f), "utf8").split("\n");
      const count = lines.length - (lines.at(-1) === "" ? 1 : 0);
      return count > 600 && !/why this file is long/i.test(lines.slice(0, 5).join("\n"));
    });
  expect(unexplained).toEqual([]);
});
