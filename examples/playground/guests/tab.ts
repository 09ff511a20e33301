/**
 * The real guests tab: N Python containers on one host of a VCH of their own, each a real CPython
 * (Pyodide) in its own Web Worker of this page. It shows what each printed and its real pages
 * merging: per container VM the shared and private pages the memory engine counts (the counters
 * `docker stats` and TPS use), updated as guest scans (every 20 s of virtual time) and TPS scans
 * run, and what sharing saves the host.
 */
import { VirtualContainerHost } from "../../../bindings/browser.js";
import { $, bytes, escapeHtml, percent, setHtml } from "../views/dom.js";

const PAGE = 4096;
const MAX_CONTAINERS = 10;
/** Virtual time runs 10× the wall clock: a guest scan and a TPS scan every 2 s. */
const SPEED = 10;

/** What a container printed, read from the VCH's logs. */
interface Shown {
  name: string;
  stdout: string;
  stderr: string;
}

export interface GuestsTab {
  vch: VirtualContainerHost;
}

export async function startGuestsTab(): Promise<GuestsTab> {
  const status = (text: string, error = false) => {
    const el = $("guests-status");
    el.textContent = text;
    el.classList.toggle("error", error);
  };
  if (!globalThis.crossOriginIsolated) {
    status("real guests need a cross-origin isolated page (SharedArrayBuffer): serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp", true);
    throw new Error("the page is not cross-origin isolated");
  }
  const vch = await VirtualContainerHost.open({
    name: "real-guests",
    seed: 11,
    clock: { mode: "realtime", speed: SPEED },
    // Image salting: container VMs of one image may share pages (ESXi's default salting keeps each VM's pages to itself).
    cluster: { hosts: 1, hostMemoryMiB: 65_536, tps: { salting: "image", intervalMs: 20_000 } },
  });
  await vch.pullImage("python:3");
  const opened = vch.now();
  const shown = new Map<string, Shown>();
  let started = 0;
  let refreshing = false;

  /** The containers, oldest first, named as `docker ps` names them. */
  const containers = () => vch.listContainers({ all: true }).reverse().map((c) => ({ c, name: c.name.replace(/^\//, "") }));

  const refresh = async () => {
    if (refreshing) return;
    refreshing = true;
    try {
      for (const { c, name } of containers()) {
        const s = shown.get(name) ?? { name, stdout: "", stderr: "" };
        s.stdout = "";
        s.stderr = "";
        for await (const chunk of vch.logs(c.id, { stdout: true, stderr: true })) {
          const text = new TextDecoder().decode(chunk.data);
          if (chunk.stream === "stderr") s.stderr += text;
          else s.stdout += text;
        }
        shown.set(name, s);
      }
      render();
    } finally {
      refreshing = false;
    }
  };

  const render = () => {
    const rows = containers().map(({ c, name }) => {
      const m = vch.vmMemory(c.id);
      const s = shown.get(name);
      const state = c.state.Status === "exited" ? `exited (${c.state.ExitCode})` : c.state.Status;
      return `<tr data-container="${escapeHtml(name)}">
        <td>${escapeHtml(name)}</td><td class="state">${escapeHtml(state)}</td>
        <td class="num granted">${m?.granted ?? 0}</td><td class="num shared">${m?.shared ?? 0}</td><td class="num private">${m?.private ?? 0}</td>
        <td class="num">${m ? percent(m.shared, m.granted) : ""}</td>
        <td><span class="pages" title="shared (green) and private (grey) pages"><i style="width:${m && m.granted ? ((m.shared / m.granted) * 100).toFixed(1) : 0}%"></i></span></td>
        <td><pre class="stdout">${escapeHtml(s?.stdout ?? "")}</pre>${s?.stderr ? `<pre class="stderr">${escapeHtml(s.stderr)}</pre>` : ""}</td>
      </tr>`;
    });
    setHtml(
      $("guests-containers"),
      rows.length
        ? `<table><tr><th>container</th><th>state</th><th class="num">granted</th><th class="num">shared</th><th class="num">private</th><th class="num">shared %</th><th></th><th>output</th></tr>${rows.join("")}</table>`
        : `<p class="note">no container yet</p>`,
    );
    const host = vch.info().hosts[0];
    const mem = host.memory;
    const granted = vch.listContainers().reduce((n, c) => n + (vch.vmMemory(c.id)?.granted ?? 0), 0);
    setHtml(
      $("guests-host"),
      `<table>
        <tr><td>container VMs running</td><td class="num" id="guests-running">${host.containers}</td></tr>
        <tr><td>guest pages granted</td><td class="num" id="guests-granted">${granted}</td><td class="num">${bytes(granted * PAGE)}</td></tr>
        <tr><td>host memory used</td><td class="num" id="guests-used">${mem.used}</td><td class="num">${bytes(mem.used * PAGE)}</td></tr>
        <tr><td>saved by sharing (clone and TPS)</td><td class="num big" id="guests-saved">${mem.sharedSaved}</td><td class="num">${bytes(mem.sharedSaved * PAGE)} · ${percent(mem.sharedSaved, mem.used + mem.sharedSaved)}</td></tr>
        <tr><td>· merged by TPS scans so far</td><td class="num" id="guests-merged">${vch.info().tps.mergedPages}</td><td class="num">${bytes(vch.info().tps.mergedPages * PAGE)}</td></tr>
        <tr><td>virtual time since the host started</td><td class="num">${((vch.now() - opened) / 1000).toFixed(0)} s</td></tr>
      </table>`,
    );
  };

  $("guests-start").addEventListener("click", () => {
    const n = Number($<HTMLInputElement>("guests-count").value);
    if (!Number.isInteger(n) || n < 1 || n > MAX_CONTAINERS) return status(`start 1 to ${MAX_CONTAINERS} containers, not ${$<HTMLInputElement>("guests-count").value}`, true);
    const running = vch.listContainers().length;
    if (running + n > MAX_CONTAINERS) return status(`${running} running: at most ${MAX_CONTAINERS} Python guests at a time in one page (each is a worker with tens of MiB)`, true);
    const program = $<HTMLTextAreaElement>("guests-program").value;
    void (async () => {
      for (let i = 0; i < n; i++) {
        const c = vch.createContainer({ Image: "python:3", Cmd: ["python", "-c", program] }, `py-${++started}`);
        await vch.start(c.id);
      }
      status(`started ${n} Python container(s): the first boots CPython and the template its VMs clone, the others restore its snapshot`);
    })().catch((e: Error) => status(e.message, true));
  });
  $("guests-tps").addEventListener("click", () => {
    const r = vch.tpsNow();
    status(`TPS scanned ${r.scanned} pages and merged ${r.merged}`);
  });
  $("guests-remove").addEventListener("click", () => {
    for (const c of vch.listContainers({ all: true })) vch.remove(c.id, { force: true });
    shown.clear();
    status("removed every container (their workers ended)");
  });
  setInterval(() => void refresh().catch((e: Error) => status(e.message, true)), 500);
  status("ready: one host, python:3 pulled — start Python containers");
  render();
  return { vch };
}
