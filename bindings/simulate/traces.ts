/**
 * Trace readers, one per format, over text (so Node, Deno and browsers share them): PlanetLab
 * (CoMon CPU % per line), Bitbrains GWA-T-12 (`;`+tab separated rows per VM) and Alibaba GPU
 * v2023 (pod and node lists). Every malformed line stops the read with its file and line number.
 */
import { TraceError, type TraceFormat, type TraceHost, type TraceVm } from "./workload.js";

const lines = (text: string): string[] => text.split(/\r?\n/);

/** One PlanetLab file: an integer CPU percentage per line, 300 s apart. */
export function parsePlanetLab(text: string, file: string): TraceVm {
  const values: number[] = [];
  const all = lines(text);
  for (let i = 0; i < all.length; i++) {
    const raw = all[i].trim();
    if (raw === "") {
      if (all.slice(i).every((l) => l.trim() === "")) break;
      throw new TraceError(file, i + 1, "expected a CPU utilisation percentage (an integer from 0 to 100), got an empty line");
    }
    if (!/^\d+$/.test(raw) || Number(raw) > 100) {
      throw new TraceError(file, i + 1, `expected a CPU utilisation percentage (an integer from 0 to 100), got "${raw.slice(0, 40)}"`);
    }
    values.push(Number(raw) / 100);
  }
  if (values.length === 0) throw new TraceError(file, 0, "expected one CPU utilisation percentage per line, got an empty file");
  return { name: file.split(/[\\/]/).pop()!, cpu: Float64Array.from(values), startSeconds: 0, endSeconds: Infinity };
}

const BITBRAINS_COLUMNS = 11;

/**
 * One Bitbrains GWA-T-12 file (fastStorage / Rnd): `timestamp; CPU cores; CPU capacity provisioned
 * [MHz]; CPU usage [MHz]; CPU usage [%]; memory capacity [KB]; memory usage [KB]; disk read; disk
 * write; network in; network out`, `;` then a tab between fields, an optional header. Timestamps
 * are seconds; rows are resampled onto `step` (each step takes the latest row at or before it).
 */
export function parseBitbrains(text: string, file: string, step = 300): TraceVm {
  const rows: { t: number; cap: number; used: number; memCap: number; memUsed: number }[] = [];
  const all = lines(text);
  for (let i = 0; i < all.length; i++) {
    const raw = all[i].trim();
    if (raw === "") continue;
    if (i === 0 && /^timestamp/i.test(raw)) continue;
    const f = raw.split(";").map((s) => s.trim());
    if (f.length !== BITBRAINS_COLUMNS) {
      throw new TraceError(file, i + 1, `expected ${BITBRAINS_COLUMNS} fields separated by ";" (timestamp; CPU cores; CPU capacity MHz; CPU usage MHz; CPU usage %; memory capacity KB; memory usage KB; disk read; disk write; network in; network out), got ${f.length}`);
    }
    const n = f.map(Number);
    const bad = n.findIndex((x, k) => !Number.isFinite(x) || x < 0 || (k === 0 && !Number.isInteger(x)));
    if (bad >= 0) throw new TraceError(file, i + 1, `expected a non-negative number in field ${bad + 1}, got "${f[bad].slice(0, 40)}"`);
    if (rows.length && n[0] <= rows[rows.length - 1].t) throw new TraceError(file, i + 1, `expected timestamps in increasing order, got ${n[0]} after ${rows[rows.length - 1].t}`);
    rows.push({ t: n[0], cap: n[2], used: n[3], memCap: n[5] / 1024, memUsed: n[6] / 1024 });
  }
  if (rows.length === 0) throw new TraceError(file, 0, "expected rows of the Bitbrains GWA-T-12 format, got none");
  const t0 = rows[0].t;
  const samples = Math.floor((rows[rows.length - 1].t - t0) / step) + 1;
  const cpu = new Float64Array(samples);
  const mem = new Float64Array(samples);
  let r = 0;
  for (let k = 0; k < samples; k++) {
    const t = t0 + k * step;
    while (r + 1 < rows.length && rows[r + 1].t <= t) r++;
    const row = rows[r];
    cpu[k] = row.cap > 0 ? Math.min(1, row.used / row.cap) : 0;
    mem[k] = row.memUsed;
  }
  const cap = Math.max(...rows.map((x) => x.cap));
  const memCap = Math.max(...rows.map((x) => x.memCap));
  return { name: file.split(/[\\/]/).pop()!, cpu, cpuCapacity: cap, memoryMiB: memCap, memoryUsedMiB: mem, startSeconds: 0, endSeconds: Infinity };
}

const POD_HEADER = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time";
const NODE_HEADER = "sn,cpu_milli,memory_mib,gpu,model";

/**
 * Alibaba GPU v2023 pod list: each pod asks `cpu_milli` thousandths of a core and `memory_mib` from
 * `creation_time` to `deletion_time` (empty: alive at the end). The trace has requests, not usage,
 * so a pod's utilisation is 1 of its request while it lives.
 */
export function parseAlibabaPods(text: string, file: string): TraceVm[] {
  const all = lines(text);
  if (all[0]?.trim() !== POD_HEADER) throw new TraceError(file, 1, `expected the header "${POD_HEADER}"`);
  const out: TraceVm[] = [];
  for (let i = 1; i < all.length; i++) {
    const raw = all[i].trim();
    if (raw === "") continue;
    const f = raw.split(",");
    if (f.length !== 11) throw new TraceError(file, i + 1, `expected 11 comma-separated fields (${POD_HEADER}), got ${f.length}`);
    const num = (k: number, what: string, optional = false): number => {
      if (optional && f[k] === "") return NaN;
      const x = Number(f[k]);
      if (f[k] === "" || !Number.isFinite(x) || x < 0) throw new TraceError(file, i + 1, `expected ${what} (a non-negative number) in field ${k + 1}, got "${f[k].slice(0, 40)}"`);
      return x;
    };
    const cpuMilli = num(1, "cpu_milli");
    const mem = num(2, "memory_mib");
    const created = num(8, "creation_time");
    const deleted = num(9, "deletion_time", true);
    if (deleted < created) throw new TraceError(file, i + 1, `expected deletion_time ≥ creation_time, got ${deleted} < ${created}`);
    out.push({ name: f[0], cpu: Float64Array.of(1), cpuCapacity: cpuMilli, memoryMiB: mem, startSeconds: created, endSeconds: Number.isNaN(deleted) ? Infinity : deleted });
  }
  if (out.length === 0) throw new TraceError(file, 0, "expected at least one pod");
  return out;
}

/** Alibaba GPU v2023 node list: the cluster's hosts. */
export function parseAlibabaNodes(text: string, file: string): TraceHost[] {
  const all = lines(text);
  if (all[0]?.trim() !== NODE_HEADER) throw new TraceError(file, 1, `expected the header "${NODE_HEADER}"`);
  const out: TraceHost[] = [];
  for (let i = 1; i < all.length; i++) {
    const raw = all[i].trim();
    if (raw === "") continue;
    const f = raw.split(",");
    if (f.length !== 5) throw new TraceError(file, i + 1, `expected 5 comma-separated fields (${NODE_HEADER}), got ${f.length}`);
    const cpu = Number(f[1]);
    const mem = Number(f[2]);
    if (!(cpu > 0) || !(mem > 0)) throw new TraceError(file, i + 1, `expected positive cpu_milli and memory_mib, got "${f[1]}" and "${f[2]}"`);
    out.push({ name: f[0], cpuCapacity: cpu, memoryMiB: mem });
  }
  return out;
}

/**
 * Guesses a trace's format from one file's name and first line: an Alibaba header, a Bitbrains
 * row (`;` separated), or a bare integer (PlanetLab). Undefined when none fits.
 */
export function detectFormat(fileName: string, firstLine: string): TraceFormat | undefined {
  const line = firstLine.trim();
  if (line.startsWith("name,cpu_milli") || line.startsWith("sn,cpu_milli")) return "alibaba";
  if (/^timestamp/i.test(line) || line.split(";").length === BITBRAINS_COLUMNS) return "bitbrains";
  if (/^\d+$/.test(line) && !fileName.endsWith(".csv")) return "planetlab";
  return undefined;
}
