/**
 * Differential tests: the emulated shell against Debian's busybox (`busybox sh`). The same script
 * runs in a scratch folder on the host and in a container filesystem holding the same tree at the
 * same absolute path; stdout, stderr, exit status and the resulting tree must match. Scripts come
 * from a table and from a fast-check grammar of the supported subset.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as nodeFs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContainerFs, ImageFilesystems, text } from "../bindings/fs/index.js";
import { runShell } from "../bindings/guests/shell/index.js";

const BUSYBOX = ["/usr/bin/busybox", "/bin/busybox"].find((p) => nodeFs.existsSync(p));
const images = new ImageFilesystems();
const dec = new TextDecoder();
let scratch = "";
let bin = "";

/** The tree both sides start from (relative to the working directory). */
const TREE: Record<string, string | null> = {
  f1: "apple\nbanana\ncherry\napple\n",
  f2: "one two\nthree four\n",
  d: null,
  "d/g": "x y z\n",
};

beforeAll(() => {
  if (!BUSYBOX) throw new Error("busybox is missing: run scripts/tools/busybox.sh (apt-get install -y busybox)");
  scratch = nodeFs.mkdtempSync(path.join(os.tmpdir(), "vicsim-busybox-"));
  bin = path.join(scratch, "bin");
  nodeFs.mkdirSync(bin);
  // Only busybox's applets on PATH, so `ls` is busybox's ls and not the host's.
  for (const applet of execFileSync(BUSYBOX, ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean)) {
    nodeFs.symlinkSync(BUSYBOX, path.join(bin, applet));
  }
});
afterAll(() => { if (scratch) nodeFs.rmSync(scratch, { recursive: true, force: true }); });

interface Outcome { stdout: string; stderr: string; status: number; tree: string[] }

function hostTree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const n of nodeFs.readdirSync(dir).sort()) {
      const p = path.join(dir, n), r = rel ? `${rel}/${n}` : n;
      const st = nodeFs.lstatSync(p);
      if (st.isSymbolicLink()) out.push(`${r} -> ${nodeFs.readlinkSync(p)}`);
      else if (st.isDirectory()) { out.push(`${r}/`); walk(p, r); }
      else out.push(`${r} ${JSON.stringify(nodeFs.readFileSync(p, "utf8"))}`);
    }
  };
  walk(root, "");
  return out;
}

function modelTree(fs: ContainerFs, root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const n of fs.readdir(dir)) {
      const p = `${dir}/${n}`, r = rel ? `${rel}/${n}` : n;
      const st = fs.lstat(p);
      if (st.kind === "symlink") out.push(`${r} -> ${st.target}`);
      else if (st.kind === "dir") { out.push(`${r}/`); walk(p, r); }
      else out.push(`${r} ${JSON.stringify(text(fs.readFile(p)))}`);
    }
  };
  walk(root, "");
  return out;
}

let runNo = 0;
function busybox(script: string): Outcome {
  const work = path.join(scratch, `w${runNo++}`);
  nodeFs.mkdirSync(work);
  for (const [p, c] of Object.entries(TREE)) {
    if (c === null) nodeFs.mkdirSync(path.join(work, p));
    else nodeFs.writeFileSync(path.join(work, p), c);
  }
  const r = spawnSync(BUSYBOX!, ["sh", "-c", script], { cwd: work, env: { PATH: bin, HOME: "/root" }, input: "", timeout: 5_000, encoding: "utf8" });
  const tree = hostTree(work);
  nodeFs.rmSync(work, { recursive: true, force: true });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? 128 + 9, tree };
}

async function model(script: string, work: string): Promise<Outcome> {
  const fs = new ContainerFs({ lowers: images.layersOf("busybox") });
  fs.mkdir(work, { parents: true });
  for (const [p, c] of Object.entries(TREE)) {
    if (c === null) fs.mkdir(`${work}/${p}`);
    else fs.writeFile(`${work}/${p}`, c);
  }
  let stdout = "", stderr = "";
  let t = 0;
  const status = await runShell({
    script, fs, cwd: work, env: { PATH: "/bin:/usr/bin", HOME: "/root" },
    stdout: (c) => { stdout += dec.decode(c); }, stderr: (c) => { stderr += dec.decode(c); },
    clock: { now: () => t, sleep: async (ms) => { t += ms; } },
  });
  return { stdout, stderr, status, tree: modelTree(fs, work) };
}

async function compare(script: string): Promise<void> {
  const work = path.join(scratch, `w${runNo}`);
  const real = busybox(script);
  const ours = await model(script, work);
  expect({ script, ...ours }).toEqual({ script, ...real });
}

const TABLE = [
  "echo x > f && cat f",
  "echo a | tr a b",
  "cat f1 | sort | uniq -c",
  "grep -c apple f1; grep -v apple f1; grep -E 'an+a' f1; grep nope f1; echo $?",
  "wc f1 f2; wc -l < f1; wc -w f2",
  "head -n 2 f1; tail -n 1 f1; tail -n +3 f1",
  "cut -d' ' -f2 f2; cut -c1-3 f1",
  "sed 's/a/A/g' f1; sed -n '2p' f1; sed '1d' f2",
  "ls; ls d; ls nope; echo $?",
  "mkdir d/e; ls -p; ls -p d; ls -ap d; ls -p f1 d/e",
  "mkdir -p x/y && touch x/y/z && find x; find . -name 'f*' -type f",
  "cp f1 c && mv c d/ && ls d && rm d/c && ls d",
  "mkdir -p e; cp e f1; echo $?; cp e newdir; echo $?; cp -r e f1; echo $?",
  "rm d; rmdir d; mkdir d; echo $?",
  "for i in 3 1 2; do echo $i; done | sort -r | head -n 2",
  "x=5; while [ $x -gt 2 ]; do x=$((x-1)); echo $x; done",
  "if [ -f f1 ] && [ ! -d f1 ]; then echo file; else echo other; fi",
  "printf '%s=%d\\n' a 1 b 2; printf '%5s|%-4s|\\n' ab cd",
  "seq 5 | xargs echo; seq 2 2 8; echo a b c | xargs -n 1",
  "v=$(cat f2 | head -n 1); echo \"[$v]\" ${#v}",
  "echo one > o; echo two >> o; cat o; cat nope 2>&1; echo $?",
  "ln -s f1 link; cat link; ls -l link | cut -c1-10",
  "f() { echo \"$# $1\"; return 2; }; f a b; echo $?",
  "basename /x/y.txt .txt; dirname /x/y; basename d/; dirname f1",
  "echo a:b:c | tr : '\\n' | sort -r",
  "yes | head -n 3; yes no | head -n 1",
  "md5sum f1 f2; sha256sum f2",
  "false; echo $?; ! false; echo $?; true && false || echo either",
  "set -- p q r; shift; echo $# $@",
  "exit 7",
  "cat f1 | grep an | wc -l",
  "echo $((3 + 4 * 2)) $((10 / 3)) $((10 % 3)) $((-7 / 2))",
  "mkdir -p x/y && touch x/y/z x/w && ls -R; ls -R x d; ls -R f1 x/y",
  "mkdir -p x/.h && ls -aR x; ls -AR x",
  "ls -n d | grep -v total | tr -s ' ' | cut -d' ' -f1,2,5,9; ls -n f1 | tr -s ' ' | cut -d' ' -f1,2,5,9",
];

describe("the emulated shell matches busybox sh", () => {
  it.each(TABLE)("%s", async (script) => compare(script));

  // A grammar of the supported subset: commands over the scratch tree, joined by the shell's operators.
  const file = fc.constantFrom("f1", "f2", "d/g", "nope", "new");
  const word = fc.constantFrom("a", "apple", "'x y'", "\"$v\"", "$v", "b*", "$((1+2))", "\"$(echo hi)\"", "''");
  const simple = fc.oneof(
    fc.tuple(fc.constantFrom("echo", "echo -n"), fc.array(word, { maxLength: 3 })).map(([c, ws]) => `${c} ${ws.join(" ")}`),
    file.map((f) => `cat ${f}`),
    fc.tuple(fc.constantFrom("head -n 1", "tail -n 2", "sort", "sort -r", "uniq", "wc -l", "grep a", "grep -v a", "grep -c an", "cut -d' ' -f1", "tr a-z A-Z", "sed 's/a/o/'"), file)
      .map(([c, f]) => `${c} ${f}`),
    fc.tuple(fc.constantFrom("touch", "rm -f", "mkdir", "mkdir -p", "rm -rf", "ls"), file).map(([c, f]) => `${c} ${f}`),
    fc.tuple(fc.constantFrom("cp", "mv"), file, file).map(([c, a, b]) => `${c} ${a} ${b}`),
    word.map((w) => `v=${w}`),
    fc.constantFrom("true", "false", "ls", "ls d", "seq 3", "echo $?", "pwd", "[ -f f1 ]", "[ -d new ]", "[ \"$v\" = a ]", "test -e nope"),
  );
  const filter = fc.constantFrom("sort", "sort -r", "uniq -c", "wc -l", "head -n 1", "tail -n 1", "grep a", "tr a-z A-Z", "cat", "sed 's/e/E/g'", "cut -c1-2");
  const command = fc.oneof(
    { weight: 4, arbitrary: simple },
    { weight: 2, arbitrary: fc.tuple(simple, filter).map(([a, f]) => `${a} | ${f}`) },
    // Redirections write only to files the grammar never reads (`cat f >> f` grows without end in busybox).
    { weight: 1, arbitrary: fc.tuple(simple, fc.constantFrom(">", ">>"), fc.constantFrom("o1", "o2")).map(([a, r, f]) => `${a} ${r} ${f}`) },
    { weight: 1, arbitrary: fc.tuple(simple, file).map(([a, f]) => `${a} 2>&1 < ${f}`) },
    { weight: 1, arbitrary: fc.tuple(simple, simple, simple).map(([c, t, e]) => `if ${c}; then ${t}; else ${e}; fi`) },
    { weight: 1, arbitrary: fc.tuple(fc.array(word, { minLength: 1, maxLength: 3 }), simple).map(([ws, b]) => `for v in ${ws.join(" ")}; do ${b}; done`) },
  );
  const script = fc.array(fc.tuple(command, fc.constantFrom("; ", " && ", " || ", "\n")), { minLength: 1, maxLength: 5 })
    .map((cs) => cs.map(([c, sep], i) => (i < cs.length - 1 ? c + sep : c)).join(""));

  it("random scripts of the supported subset", { timeout: 300_000 }, async () => {
    await fc.assert(fc.asyncProperty(script, async (s) => compare(s)), { numRuns: 60, timeout: 8000 });
  });
});
