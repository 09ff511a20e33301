/**
 * What a run prints and writes: the summary table, one JSON object per policy, the time series as
 * CSV, and a self-contained HTML page whose charts are drawn by uPlot (its script and style are
 * passed in and inlined, so the page needs nothing but a browser).
 */
import type { PolicyResult } from "./simulate.js";

/** The fields `--json` promises, then the rest of the figures (time series left out). */
export function jsonLine(r: PolicyResult): string {
  const { samples, utilisationBins, memorySeries, ...rest } = r;
  void samples;
  void utilisationBins;
  void memorySeries;
  return JSON.stringify({
    policy: r.policy,
    energyKWh: round(r.energyKWh, 4),
    migrations: r.migrations,
    slatah: r.slatah,
    pdm: r.pdm,
    slav: r.slav,
    activeHostHours: round(r.activeHostHours, 3),
    vms: r.vms,
    hosts: r.hosts,
    simulatedSeconds: r.simulatedSeconds,
    wallSeconds: round(r.wallSeconds, 3),
    overallSlaViolation: rest.overallSlaViolation,
    unplacedVms: rest.unplacedVms,
    finishedVms: rest.finishedVms,
    ...(rest.powerOns === undefined ? {} : { powerOns: rest.powerOns, powerOffs: rest.powerOffs, haRestarts: rest.haRestarts, haNotRestarted: rest.haNotRestarted }),
    ...(rest.memory ? { memory: rest.memory } : {}),
  });
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const pct = (x: number, d = 2): string => `${(x * 100).toFixed(d)} %`;

/** A fixed-width table, one column per policy. */
export function summary(results: PolicyResult[], title: string): string {
  const rows: [string, (r: PolicyResult) => string][] = [
    ["energy", (r) => `${r.energyKWh.toFixed(2)} kWh`],
    ["migrations", (r) => r.migrations.toLocaleString("en-US")],
    ["SLATAH", (r) => pct(r.slatah)],
    ["PDM", (r) => pct(r.pdm, 3)],
    ["SLAV", (r) => pct(r.slav, 5)],
    ["overall SLA violation", (r) => pct(r.overallSlaViolation, 3)],
    ["active host-hours", (r) => r.activeHostHours.toFixed(1)],
    ["hosts / VMs", (r) => `${r.hosts} / ${r.vms}`],
    ["VMs not placed", (r) => String(r.unplacedVms)],
    ["VMs retired at 0 demand", (r) => String(r.finishedVms)],
    ["host power-ons / -offs", (r) => (r.powerOns === undefined ? "-" : `${r.powerOns} / ${r.powerOffs}`)],
    ["HA restarts (failed)", (r) => (r.haRestarts === undefined ? "-" : `${r.haRestarts} (${r.haNotRestarted})`)],
    ["memory saved by sharing", (r) => (r.memory ? `${(r.memory.savedMiB / 1024).toFixed(1)} GiB of ${(r.memory.mappedMiB / 1024).toFixed(1)} GiB (+${r.memory.extraVmsWithSharing} VMs)` : "-")],
    ["simulated", (r) => `${(r.simulatedSeconds / 3600).toFixed(2)} h`],
    ["wall clock", (r) => `${r.wallSeconds.toFixed(2)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const cols = results.map((r) => Math.max(r.policy.length, ...rows.map(([, f]) => f(r).length)));
  const line = (k: string, cells: string[]): string => `${k.padEnd(width)}  ${cells.map((c, i) => c.padStart(cols[i])).join("  ")}`;
  return [title, line("", results.map((r) => r.policy)), ...rows.map(([k, f]) => line(k, results.map(f)))].join("\n") + "\n";
}

/** Time series, one row per policy and tick. */
export function csv(results: PolicyResult[]): string {
  const out = ["policy,time,energyKWh,activeHosts,migrations,meanUtilisation,violatingHosts"];
  for (const r of results) {
    for (const s of r.samples) out.push(`${r.policy},${s.time},${s.energyKWh.toFixed(6)},${s.activeHosts},${s.migrations},${s.meanUtilisation.toFixed(6)},${s.violatingHosts}`);
  }
  return out.join("\n") + "\n";
}

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

const escape = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** The HTML report: a comparison table and one chart per figure, every policy on each. */
export function htmlReport(results: PolicyResult[], title: string, uplot: { script: string; style: string }): string {
  const hours = (t: number): number => Math.round((t / 3600) * 1000) / 1000;
  const series = (pick: (s: PolicyResult["samples"][number]) => number) => [
    results[0].samples.map((s) => hours(s.time)),
    ...results.map((r) => r.samples.map(pick)),
  ];
  const charts = [
    { id: "energy", title: "Energy used so far (kWh)", data: series((s) => Math.round(s.energyKWh * 100) / 100) },
    { id: "hosts", title: "Active hosts", data: series((s) => s.activeHosts) },
    { id: "util", title: "Mean CPU utilisation of active hosts", data: series((s) => Math.round(s.meanUtilisation * 1000) / 1000) },
    { id: "migrations", title: "Migrations started per tick", data: series((s) => s.migrations) },
    { id: "sla", title: "Active hosts short of CPU (SLA violation)", data: series((s) => s.violatingHosts) },
  ];
  const withMemory = results.filter((r) => r.memorySeries && r.memorySeries.length);
  const memoryChart = withMemory.length
    ? {
        id: "memory",
        title: "Memory saved by instant clone and TPS (GiB)",
        data: [withMemory[0].memorySeries!.map((m) => hours(m.time)), ...withMemory.map((r) => r.memorySeries!.map((m) => Math.round((m.savedMiB / 1024) * 10) / 10))],
        names: withMemory.map((r) => r.policy),
      }
    : null;
  const bins = { id: "bins", title: "Utilisation of active hosts, share of host-ticks per 10 % bin", data: [Array.from({ length: 10 }, (_, i) => i * 10 + 5), ...results.map((r) => {
    const total = r.utilisationBins.reduce((a, b) => a + b, 0) || 1;
    return r.utilisationBins.map((b) => Math.round((b / total) * 1000) / 1000);
  })] };
  const rows: [string, (r: PolicyResult) => string][] = [
    ["Energy (kWh)", (r) => r.energyKWh.toFixed(2)],
    ["Migrations", (r) => r.migrations.toLocaleString("en-US")],
    ["SLATAH", (r) => pct(r.slatah)],
    ["PDM", (r) => pct(r.pdm, 3)],
    ["SLAV", (r) => pct(r.slav, 5)],
    ["Active host-hours", (r) => r.activeHostHours.toFixed(1)],
    ["Memory saved by sharing (GiB)", (r) => (r.memory ? (r.memory.savedMiB / 1024).toFixed(1) : "-")],
    ["More VMs that fit with sharing", (r) => (r.memory ? String(r.memory.extraVmsWithSharing) : "-")],
    ["Wall clock (s)", (r) => r.wallSeconds.toFixed(2)],
  ];
  const table = `<table><tr><th></th>${results.map((r) => `<th>${escape(r.policy)}</th>`).join("")}</tr>${rows
    .map(([k, f]) => `<tr><td>${k}</td>${results.map((r) => `<td>${escape(f(r))}</td>`).join("")}</tr>`)
    .join("")}</table>`;
  const spec = {
    names: results.map((r) => r.policy),
    colours: COLOURS,
    charts,
    memory: memoryChart,
    bins,
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>${uplot.style}
body{font:14px system-ui,sans-serif;margin:24px;max-width:1000px}table{border-collapse:collapse;margin:12px 0}
td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}td:first-child{text-align:left}h2{font-size:16px;margin-top:28px}</style>
</head><body><h1>${escape(title)}</h1>
<p>vicsim simulate: ${results[0].hosts} hosts, ${results[0].vms} VMs, ${(results[0].simulatedSeconds / 3600).toFixed(1)} h simulated.</p>
${table}<div id="charts"></div>
<script>${uplot.script}</script>
<script>
const spec = ${JSON.stringify(spec)};
const root = document.getElementById("charts");
function chart(c, names, xLabel, bars) {
  const h = document.createElement("h2"); h.textContent = c.title; root.appendChild(h);
  const div = document.createElement("div"); root.appendChild(div);
  const opts = { width: 960, height: 260, scales: { x: { time: false } }, axes: [{ label: xLabel }, {}],
    series: [{}, ...names.map((n, i) => ({ label: n, stroke: spec.colours[i % spec.colours.length], width: 1.5,
      ...(bars ? { paths: uPlot.paths.bars({ size: [0.8 / names.length], align: 0 }), fill: spec.colours[i % spec.colours.length] + "88" } : {}) }))] };
  new uPlot(opts, c.data, div);
}
for (const c of spec.charts) chart(c, spec.names, "hours", false);
if (spec.memory) chart(spec.memory, spec.memory.names, "hours", false);
chart(spec.bins, spec.names, "host utilisation (%)", true);
</script></body></html>
`;
}
