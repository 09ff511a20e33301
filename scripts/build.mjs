// Builds the wasm core (asc, debug and release), the bundles (esbuild) and the declarations (tsc).
// `--if-needed` skips the work when every output is newer than every source.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const ifNeeded = process.argv.includes("--if-needed");

/**
 * Library entries: one esbuild run with code splitting, so every entry of the package shares one
 * copy of each module (a VchError thrown under `vicsim` is the class `vicsim/docker` checks) and
 * one initialised core. Entries that do not exist yet are skipped.
 */
const libraryEntries = [
  ["bindings/index.ts", "index"], // default: wasm embedded, any runtime
  ["bindings/node.ts", "node"], // reads the wasm shipped beside it
  ["bindings/deno.ts", "deno"], // wasm embedded: no --allow-read needed
  ["bindings/browser.ts", "browser"], // wasm embedded, compiled off the main thread's sync path
  ["bindings/docker/index.ts", "docker"], // the Docker API handler, web-standard Request/Response
  ["bindings/vsphere/index.ts", "vsphere"], // the vSphere API (vim25 SOAP) handler, web-standard Request/Response
  ["bindings/vsphere/node.ts", "vsphere-node"], // serveVsphere: Node's HTTPS server for it, self-signed certificate
  ["bindings/simulate/index.ts", "simulate"], // `vicsim simulate` as a library: text in, results out
  ["bindings/photon/index.ts", "photon"], // the Photon Controller API handler, web-standard Request/Response
];
/** Programs: [entry, output, platform], bundled on their own. */
const bundles = [["bindings/cli/main.ts", "dist/cli.js", "node"]];

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
  const outs = [
    "build/vicsim.debug.wasm",
    "build/vicsim.release.wasm",
    ...libraryEntries.filter(([e]) => existsSync(join(root, e))).map(([, name]) => `dist/${name}.js`),
    ...bundles.filter(([e]) => existsSync(join(root, e))).map(([, o]) => o),
  ];
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

const common = {
  absWorkingDir: root,
  bundle: true,
  format: "esm",
  target: "es2022",
  sourcemap: true,
  loader: { ".wasm": "binary" },
  // Native or Node-only modules stay imports; the browser and Deno entries never reach them statically.
  external: ["better-sqlite3", "selfsigned", "ws", "node:*"],
  logLevel: "warning",
};

const present = libraryEntries.filter(([e]) => existsSync(join(root, e)));
rmSync(join(root, "dist/chunks"), { recursive: true, force: true });
await esbuild.build({
  ...common,
  entryPoints: present.map(([entry, name]) => ({ in: entry, out: name })),
  outdir: "dist",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  platform: "neutral",
  // Dependencies that name only "main" (saxes, a CommonJS package, and its xmlchars) resolve too.
  mainFields: ["module", "main"],
});

for (const [entry, outfile, platform] of bundles) {
  if (!existsSync(join(root, entry))) continue;
  await esbuild.build({
    ...common,
    entryPoints: [entry],
    outfile,
    platform,
    // yaml's Node build is CommonJS that requires "process": keep it an import of the installed package.
    external: [...common.external, "yaml"],
    banner: outfile === "dist/cli.js" ? { js: "#!/usr/bin/env node" } : undefined,
  });
}

// Real guests' worker thread, beside whichever output holds spawn.ts (the CLI bundle, or a library chunk);
// the runtimes stay imports of their optional packages.
for (const outfile of ["dist/worker-node.js", "dist/chunks/worker-node.js"]) {
  await esbuild.build({
    ...common,
    entryPoints: ["bindings/guests/real/worker-node.ts"],
    outfile,
    platform: "node",
    external: [...common.external, "pyodide", "@ruby/*", "quickjs-emscripten-core", "@jitl/*"],
  });
}

// Real guests' Web Worker (Deno, browsers), beside the same outputs: the WASI shim (browsers have no
// node:wasi) and ruby.wasm's and QuickJS's JavaScript (a page cannot import npm packages; their wasm
// is fetched from where the page serves it, runtime-wasm.ts) are bundled in; Pyodide stays an import.
for (const outfile of ["dist/worker-web.js", "dist/chunks/worker-web.js"]) {
  await esbuild.build({
    ...common,
    entryPoints: ["bindings/guests/real/worker-web.ts"],
    outfile,
    platform: "neutral",
    mainFields: ["module", "main"],
    external: [...common.external, "pyodide", ...missingOptional(["@ruby/wasm-wasi", "quickjs-emscripten-core", "@jitl/quickjs-wasmfile-release-sync"])],
  });
}

/** The optional runtime packages that are not installed: they stay imports (the guest then says what to install). */
function missingOptional(names) {
  return names.filter((name) => !existsSync(join(root, "node_modules", name, "package.json")));
}

execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
