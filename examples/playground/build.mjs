// Builds the playground into dist/playground/: the page, its stylesheet, the app bundle (engine,
// wasm, Docker and Photon API handlers included), the plan tab's simulation worker, uPlot for its
// reports, and the real guests tab's guest worker with Pyodide's files (copied from the installed
// package into vendor/pyodide/) and ruby.wasm's and QuickJS's wasm (vendor/ruby/, vendor/quickjs/),
// so the folder works from any static server, offline.
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = fileURLToPath(new URL("../..", import.meta.url));
export const outdir = fileURLToPath(new URL("../../dist/playground/", import.meta.url));

/** Bundles the playground; returns the folder to serve. */
export async function buildPlayground() {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: { app: `${here}main.ts`, "plan-worker": `${here}plan/worker.ts`, "guest-worker": `${root}bindings/guests/real/worker-web.ts` },
    outdir,
    bundle: true,
    // Splitting keeps modules the page never imports statically (the SQLite journal) in chunks it never loads.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: true,
    loader: { ".wasm": "binary" },
    // The guest worker loads Pyodide from vendor/pyodide/ at run time; ruby.wasm's and QuickJS's
    // JavaScript is bundled in (when installed) and their wasm copied to vendor/ below.
    external: ["better-sqlite3", "node:*", "pyodide", ...RUNTIME_JS.filter((name) => !installed(name))],
    logLevel: "warning",
  });
  for (const f of ["index.html", "style.css"]) copyFileSync(`${here}${f}`, `${outdir}${f}`);
  // The plan tab's HTML report embeds uPlot (as `vicsim simulate --report` does).
  const require = createRequire(import.meta.url);
  mkdirSync(`${outdir}vendor`, { recursive: true });
  for (const f of ["uPlot.iife.min.js", "uPlot.min.css"]) copyFileSync(require.resolve(`uplot/dist/${f}`), `${outdir}vendor/${f}`);
  // Real Python guests in the page: Pyodide loads these from the folder the page names (spawn-web.ts).
  // pyodide is an optional dependency: without it the page runs, and a python guest says what to install.
  let pyodide = "";
  try {
    pyodide = require.resolve("pyodide/package.json").replace(/package\.json$/, "");
  } catch {
    console.warn("playground: pyodide is not installed, so the real guests tab cannot run Python (npm install pyodide@314.0.8)");
  }
  if (pyodide) {
    mkdirSync(`${outdir}vendor/pyodide`, { recursive: true });
    for (const f of PYODIDE_FILES) copyFileSync(`${pyodide}${f}`, `${outdir}vendor/pyodide/${f}`);
  }
  // Real ruby and node guests in the page: the worker fetches these wasm files from where main.ts says.
  for (const [pkg, file, to] of RUNTIME_WASM) {
    if (!installed(pkg)) {
      console.warn(`playground: ${pkg} is not installed, so the page cannot run ${to} guests`);
      continue;
    }
    mkdirSync(`${outdir}vendor/${to}`, { recursive: true });
    copyFileSync(`${root}node_modules/${pkg}/${file}`, `${outdir}vendor/${to}/${file.split("/").pop()}`);
  }
  return outdir;
}

/** The optional runtime packages whose JavaScript the guest worker bundles. */
const RUNTIME_JS = ["@ruby/wasm-wasi", "quickjs-emscripten-core", "@jitl/quickjs-wasmfile-release-sync"];
/** The runtimes' wasm the page serves: [package, file in it, folder under vendor/]. */
const RUNTIME_WASM = [
  ["@ruby/3.4-wasm-wasi", "dist/ruby+stdlib.wasm", "ruby"],
  ["@jitl/quickjs-wasmfile-release-sync", "dist/emscripten-module.wasm", "quickjs"],
];

function installed(pkg) {
  return existsSync(`${root}node_modules/${pkg}/package.json`);
}

/** What Pyodide fetches to boot (its loader, the Emscripten module, the wasm, the standard library, the package lock). */
const PYODIDE_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`built ${await buildPlayground()}`);
}
