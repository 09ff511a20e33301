/**
 * Node-only file access for `vicsim simulate`: reads a trace folder or file from disk (in sorted or
 * directory-listing order) and scenario files. The simulator itself works on text and arrays only.
 */
import { existsSync, opendirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { detectFormat, parseAlibabaNodes, parseAlibabaPods, parseBitbrains, parsePlanetLab } from "./traces.js";
import { TraceError, type TraceFormat, type Workload } from "./workload.js";

/** File names of a folder: sorted by code point, or as the filesystem lists them (Java's `File.listFiles`). */
export function listFolder(dir: string, order: "sorted" | "directory"): string[] {
  if (order === "sorted") return readdirSync(dir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: string[] = [];
  const d = opendirSync(dir);
  try {
    for (let e = d.readSync(); e; e = d.readSync()) out.push(e.name);
  } finally {
    d.closeSync();
  }
  return out;
}

/** Reads a trace from disk; the format is detected when not given. */
export function readWorkload(path: string, format?: TraceFormat, order: "sorted" | "directory" = "sorted", stepSeconds = 300): Workload {
  if (!existsSync(path)) throw new TraceError(path, 0, "no such file or folder: expected a trace (a PlanetLab or Bitbrains folder, or an Alibaba pod list)");
  const isDir = statSync(path).isDirectory();
  const files = isDir ? listFolder(path, order).filter((f) => !f.startsWith(".") && statSync(join(path, f)).isFile()) : [basename(path)];
  const full = (f: string): string => (isDir ? join(path, f) : path);
  if (isDir && files.length === 0) throw new TraceError(path, 0, "expected trace files in this folder, found none");
  let fmt = format;
  if (!fmt) {
    const probe = isDir ? files.find((f) => !/licen[cs]e|readme/i.test(f)) ?? files[0] : files[0];
    const first = readFileSync(full(probe), "utf8").split(/\r?\n/, 1)[0] ?? "";
    fmt = detectFormat(probe, first);
    if (!fmt) throw new TraceError(full(probe), 1, "cannot tell the trace format from this line: give --format planetlab|bitbrains|alibaba");
  }
  if (fmt === "alibaba") {
    const podFile = isDir ? files.find((f) => f.includes("pod")) : files[0];
    if (!podFile) throw new TraceError(path, 0, "expected an Alibaba pod list (openb_pod_list_*.csv)");
    const vms = parseAlibabaPods(readFileSync(full(podFile), "utf8"), full(podFile));
    const nodeFile = isDir ? files.find((f) => f.includes("node")) : undefined;
    const hosts = nodeFile ? parseAlibabaNodes(readFileSync(full(nodeFile), "utf8"), full(nodeFile)) : undefined;
    return { format: fmt, source: path, stepSeconds, vms, hosts };
  }
  const traceFiles = files.filter((f) => !/licen[cs]e|readme/i.test(f));
  const vms = traceFiles.map((f) => {
    const text = readFileSync(full(f), "utf8");
    return fmt === "planetlab" ? parsePlanetLab(text, full(f)) : parseBitbrains(text, full(f), stepSeconds);
  });
  return { format: fmt, source: path, stepSeconds: fmt === "planetlab" ? 300 : stepSeconds, vms };
}
