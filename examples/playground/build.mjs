// Builds the playground into dist/playground/: the page, its stylesheet, the app bundle (engine,
// wasm, Docker and Photon API handlers included), the plan tab's simulation worker and uPlot for its
// reports, so the folder works from any static server, offline.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
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
    entryPoints: { app: `${here}main.ts`, "plan-worker": `${here}plan/worker.ts` },
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
    external: ["better-sqlite3", "node:*"],
    logLevel: "warning",
  });
  for (const f of ["index.html", "style.css"]) copyFileSync(`${here}${f}`, `${outdir}${f}`);
  // The plan tab's HTML report embeds uPlot (as `vicsim simulate --report` does).
  const require = createRequire(import.meta.url);
  mkdirSync(`${outdir}vendor`, { recursive: true });
  for (const f of ["uPlot.iife.min.js", "uPlot.min.css"]) copyFileSync(require.resolve(`uplot/dist/${f}`), `${outdir}vendor/${f}`);
  return outdir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`built ${await buildPlayground()}`);
}
