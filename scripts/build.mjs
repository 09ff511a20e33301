// Builds the wasm core (asc, debug and release), the bundles (esbuild) and the declarations (tsc).
// `--if-needed` skips the work when every output is newer than every source.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const ifNeeded = process.argv.includes("--if-needed");

/** Bundles: [entry, output, platform]. Entries that do not exist yet are skipped. */
const bundles = [
  ["bindings/index.ts", "dist/index.js", "neutral"],
  ["bindings/node.ts", "dist/node.js", "node"],
  ["bindings/deno.ts", "dist/deno.js", "neutral"],
  ["bindings/browser.ts", "dist/browser.js", "browser"],
  ["bindings/docker/index.ts", "dist/docker.js", "neutral"],
  ["bindings/cli/main.ts", "dist/cli.js", "node"],
];

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
function oldestOutput() {
  const outs = ["build/vicsim.debug.wasm", "build/vicsim.release.wasm", ...bundles.filter(([e]) => existsSync(join(root, e))).map(([, o]) => o)];
  let t = Infinity;
  for (const o of outs) t = Math.min(t, existsSync(join(root, o)) ? statSync(join(root, o)).mtimeMs : 0);
  return t;
}

const sourcesAt = Math.max(newest(join(root, "assembly")), newest(join(root, "bindings")), statSync(join(root, "asconfig.json")).mtimeMs);
if (ifNeeded && oldestOutput() > sourcesAt) process.exit(0);

const asc = join(root, "node_modules/.bin/asc");
for (const target of ["debug", "release"]) {
  execFileSync(asc, ["--config", "asconfig.json", "--target", target], { cwd: root, stdio: "inherit" });
}

for (const [entry, outfile, platform] of bundles) {
  if (!existsSync(join(root, entry))) continue;
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    platform,
    target: "es2022",
    sourcemap: true,
    loader: { ".wasm": "binary" },
    // Native or Node-only modules stay imports; the neutral bundles never reach them.
    external: ["better-sqlite3", "node:*"],
    banner: outfile === "dist/cli.js" ? { js: "#!/usr/bin/env node" } : undefined,
    logLevel: "warning",
  });
}

execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
