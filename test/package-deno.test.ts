// Runs the Deno suite (test/deno/, `deno test` with node:assert/strict) on the package's Deno entry,
// so `npm test` covers Deno too.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = join(root, "node_modules/.bin/deno");

beforeAll(() => {
  execFileSync(process.execPath, ["scripts/build.mjs", "--if-needed"], { cwd: root, stdio: "inherit" });
});

it("passes every Deno test in test/deno/", () => {
  // --sloppy-imports: the repo's own declarations use NodeNext's `.js` specifiers for `.d.ts` files.
  const run = spawnSync(deno, ["test", "--allow-all", "--sloppy-imports", "test/deno/"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 5 * 60_000,
  });
  const output = `${run.stdout}\n${run.stderr}`;
  expect(run.status, output).toBe(0);
  const declared = readdirSync(join(root, "test/deno"))
    .filter((f) => f.endsWith("_test.ts"))
    .reduce((n, f) => n + (readFileSync(join(root, "test/deno", f), "utf8").match(/^Deno\.test\(/gm)?.length ?? 0), 0);
  const summary = /ok \| (\d+) passed \| (\d+) failed/.exec(output);
  expect(summary, output).not.toBeNull();
  expect(Number(summary![1])).toBe(declared);
  expect(Number(summary![2])).toBe(0);
}, 5 * 60_000); // as long as deno itself is given: on a loaded machine the suite took 75 s
