/**
 * The plan tab: drop a trace (a PlanetLab folder or its files, a Bitbrains folder, an Alibaba pod
 * list) and optionally a scenario file, run `vicsim simulate` in a Web Worker, and see the results,
 * the figures and the HTML report in the page. Nothing leaves the page.
 */
import type { PolicyName, PolicyResult, TraceFormat } from "../../../bindings/simulate/index.js";
import { $, escapeHtml } from "../views/dom.js";
import type { DroppedFile, PlanMessage, PlanRequest } from "./protocol.js";
import { traceFiles } from "./workload.js";

const SCENARIO = /\.(ya?ml|json)$/i;

/** Reads a dropped item: a file, or a folder walked to its files (paths kept relative to the drop). */
async function readEntry(entry: FileSystemEntry, out: File[], paths: string[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push(file);
    paths.push(entry.fullPath.replace(/^\//, ""));
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const e of batch) await readEntry(e, out, paths);
  }
}

export function startPlanTab(): void {
  let trace: DroppedFile[] = [];
  let scenario: DroppedFile | undefined;
  let worker: Worker | null = null;
  let uplot: Promise<{ script: string; style: string }> | null = null;
  let reportUrl = "";

  const status = (text: string, error = false) => {
    const el = $("plan-status");
    el.textContent = text;
    el.classList.toggle("error", error);
  };
  const describe = () => {
    const scen = scenario ? `scenario ${scenario.path}; ` : "";
    const files = traceFiles(trace);
    $("plan-files-shown").textContent = `${scen}${files.length.toLocaleString("en-US")} trace file(s)${files.length ? ` (${files[0].path}${files.length > 1 ? ", …" : ""})` : ""}`;
  };

  /** Takes dropped or chosen files: a scenario file by its extension, every other file as the trace. */
  async function take(files: File[], paths: string[]): Promise<void> {
    const texts = await Promise.all(files.map((f) => f.text()));
    const dropped = files.map((_, i) => ({ path: paths[i] || files[i].name, text: texts[i] }));
    const scen = dropped.filter((f) => SCENARIO.test(f.path));
    if (scen.length > 1) throw new Error(`drop one scenario file, not ${scen.length}`);
    if (scen.length) scenario = scen[0];
    const rest = dropped.filter((f) => !SCENARIO.test(f.path));
    if (rest.length) trace = rest;
    describe();
    status(trace.length ? "ready to run: choose the policies and press Run" : "now drop the trace the scenario replays");
  }

  const drop = $("plan-drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", async (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    try {
      const files: File[] = [];
      const paths: string[] = [];
      for (const item of [...(e.dataTransfer?.items ?? [])]) {
        const entry = item.kind === "file" ? item.webkitGetAsEntry?.() : null;
        if (entry) await readEntry(entry, files, paths);
        else {
          const f = item.getAsFile();
          if (f) {
            files.push(f);
            paths.push(f.name);
          }
        }
      }
      await take(files, paths);
    } catch (error) {
      status((error as Error).message, true);
    }
  });
  for (const id of ["plan-files", "plan-folder"]) {
    const input = $<HTMLInputElement>(id);
    input.addEventListener("change", () => {
      const files = [...(input.files ?? [])];
      void take(files, files.map((f) => f.webkitRelativePath || f.name)).catch((error) => status((error as Error).message, true));
    });
  }

  $("plan-run").addEventListener("click", async () => {
    if (!trace.length) return status("drop a trace first (a PlanetLab folder or its files)", true);
    const policies = [...document.querySelectorAll<HTMLInputElement>("input[name=plan-policy]:checked")].map((i) => i.value as PolicyName);
    if (!policies.length) return status("choose at least one policy", true);
    const hosts = Number($<HTMLInputElement>("plan-hosts").value) || undefined;
    const hours = Number($<HTMLInputElement>("plan-hours").value) || undefined;
    const format = ($<HTMLSelectElement>("plan-format").value || undefined) as TraceFormat | undefined;
    // uPlot goes into the report; the page fetches it from its own folder once.
    uplot ??= Promise.all([fetch("vendor/uPlot.iife.min.js").then((r) => r.text()), fetch("vendor/uPlot.min.css").then((r) => r.text())]).then(([script, style]) => ({ script, style }));
    const req: PlanRequest = { trace, scenario, format, policies, hosts, hours, preset: $<HTMLInputElement>("plan-preset").checked, uplot: await uplot };
    worker?.terminate();
    worker = new Worker(new URL("plan-worker.js", document.baseURI), { type: "module" });
    const started = performance.now();
    status(`simulating ${policies.join(", ")} on ${trace.length} trace file(s) in a Web Worker…`);
    $("plan-progress").hidden = false;
    worker.addEventListener("message", (e: MessageEvent<PlanMessage>) => {
      const m = e.data;
      if (m.kind === "progress") {
        $<HTMLProgressElement>("plan-progress").value = (policies.indexOf(m.policy) + m.fraction) / policies.length;
        return;
      }
      $("plan-progress").hidden = true;
      worker?.terminate();
      worker = null;
      if (m.kind === "error") return status(m.message, true);
      show(m.title, m.results, m.report);
      status(`simulated ${m.results.map((r) => r.policy).join(", ")} in ${((performance.now() - started) / 1000).toFixed(1)} s: ${m.results[0].vms} VMs on ${m.results[0].hosts} hosts, ${(m.results[0].simulatedSeconds / 3600).toFixed(1)} h`);
    });
    worker.addEventListener("error", (e) => status(`the simulation worker failed: ${e.message}`, true));
    worker.postMessage(req);
  });

  // Listening from here on (the tab loads on first show).
  $("plan-panel").dataset.ready = "true";

  function show(title: string, results: PolicyResult[], report: string): void {
    const rows: [string, (r: PolicyResult) => string][] = [
      ["energy (kWh)", (r) => r.energyKWh.toFixed(2)],
      ["migrations", (r) => r.migrations.toLocaleString("en-US")],
      ["SLATAH", (r) => `${(r.slatah * 100).toFixed(2)} %`],
      ["PDM", (r) => `${(r.pdm * 100).toFixed(3)} %`],
      ["SLAV", (r) => `${(r.slav * 100).toFixed(5)} %`],
      ["active host-hours", (r) => r.activeHostHours.toFixed(1)],
      ["memory saved by sharing (GiB)", (r) => (r.memory ? (r.memory.savedMiB / 1024).toFixed(1) : "-")],
    ];
    $("plan-summary").innerHTML =
      `<h3>${escapeHtml(title)}</h3><table><tr><th></th>${results.map((r) => `<th data-policy="${r.policy}">${r.policy}</th>`).join("")}</tr>` +
      rows.map(([k, f]) => `<tr><td>${k}</td>${results.map((r) => `<td class="num">${escapeHtml(f(r))}</td>`).join("")}</tr>`).join("") +
      `</table>`;
    if (reportUrl) URL.revokeObjectURL(reportUrl);
    reportUrl = URL.createObjectURL(new Blob([report], { type: "text/html" }));
    const link = $<HTMLAnchorElement>("plan-download");
    link.href = reportUrl;
    link.hidden = false;
    $<HTMLIFrameElement>("plan-report").srcdoc = report;
    $("plan-results").hidden = false;
  }
}
