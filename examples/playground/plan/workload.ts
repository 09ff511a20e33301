/**
 * A workload from dropped files: what bindings/simulate/node.ts does with a folder on disk, for text
 * the page read from a drop. Files are taken in sorted order (a browser does not give the
 * filesystem's listing order), so trace file k becomes VM k as with `--order sorted`.
 */
import { detectFormat, parseAlibabaNodes, parseAlibabaPods, parseBitbrains, parsePlanetLab, TraceError, type TraceFormat, type Workload } from "../../../bindings/simulate/index.js";
import type { DroppedFile } from "./protocol.js";

const NOT_TRACE = /(^|\/)\.|licen[cs]e|readme/i;

/** The files a workload is read from: no hidden file, licence or readme; sorted by path. */
export function traceFiles<T extends { path: string }>(dropped: readonly T[]): T[] {
  return dropped.filter((f) => !NOT_TRACE.test(f.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function workloadFromFiles(dropped: readonly DroppedFile[], format: TraceFormat | undefined, stepSeconds: number): Workload {
  const files = traceFiles(dropped);
  if (files.length === 0) throw new TraceError("(dropped files)", 0, "expected trace files (a PlanetLab or Bitbrains folder, or an Alibaba pod list), found none");
  const source = commonFolder(files) || (files.length > 1 ? `${files.length} dropped files` : files[0].path);
  const fmt = format ?? detectFormat(files[0].path, files[0].text.split(/\r?\n/, 1)[0] ?? "");
  if (!fmt) throw new TraceError(files[0].path, 1, "cannot tell the trace format from this line: choose planetlab, bitbrains or alibaba");
  if (fmt === "alibaba") {
    const pods = files.find((f) => f.path.includes("pod")) ?? files[0];
    const nodes = files.find((f) => f.path.includes("node"));
    return { format: fmt, source, stepSeconds, vms: parseAlibabaPods(pods.text, pods.path), hosts: nodes ? parseAlibabaNodes(nodes.text, nodes.path) : undefined };
  }
  const vms = files.map((f) => (fmt === "planetlab" ? parsePlanetLab(f.text, f.path) : parseBitbrains(f.text, f.path, stepSeconds)));
  return { format: fmt, source, stepSeconds: fmt === "planetlab" ? 300 : stepSeconds, vms };
}

function commonFolder(files: readonly DroppedFile[]): string {
  const dirs = files.map((f) => f.path.split("/").slice(0, -1));
  const first = dirs[0];
  let n = first.length;
  for (const d of dirs) {
    let k = 0;
    while (k < n && d[k] === first[k]) k++;
    n = k;
  }
  return first.slice(0, n).join("/");
}
