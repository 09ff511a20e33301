/** The Photon tab's panels: fleet summary, tenants and their quota, clusters and their nodes, the scheduler's last decisions, the selected host. */
import { HOST_STATES } from "../../../bindings/photon/fleet.js";
import type { PhotonFrame } from "../photon/snapshot.js";
import { $, escapeHtml, setHtml } from "./dom.js";

/** A host as the API names it: its address. */
export type HostName = (h: number) => string;

/** `rate`: frames drawn in the last second, and the mean work of one (snapshot and views), ms. */
export function renderFleet(f: PhotonFrame, rate: { fps: number; ms: number }): void {
  const counts = new Map<string, number>();
  for (let h = 0; h < f.hosts; h++) counts.set(HOST_STATES[f.state[h]], (counts.get(HOST_STATES[f.state[h]]) ?? 0) + 1);
  let busy = 0;
  for (let h = 0; h < f.hosts; h++) if (f.utilisation[h] > 0) busy++;
  $("photon-summary").textContent =
    `${f.hosts.toLocaleString("en-US")} hosts (${[...counts].map(([s, n]) => `${n.toLocaleString("en-US")} ${s}`).join(", ")}) · ` +
    `${f.vms.toLocaleString("en-US")} VMs on ${busy.toLocaleString("en-US")} hosts · ${rate.fps} fps, ${rate.ms.toFixed(1)} ms a frame`;
}

export function renderTenants(f: PhotonFrame): void {
  const html = f.api.tenants
    .map((t) => {
      const bars = t.quota
        .filter((q) => q.limit > 0)
        .map((q) => {
          const pct = Math.min(100, (q.usage / q.limit) * 100);
          return `<div class="metric"><span>${escapeHtml(q.key)}</span><span class="quota-text">${fmt(q.usage)} of ${fmt(q.limit)} ${escapeHtml(q.unit)}</span></div>` +
            `<div class="bar"><span class="quota${pct > 90 ? " full" : ""}" style="width:${pct.toFixed(1)}%"></span></div>`;
        })
        .join("");
      return `<article class="tenant" data-tenant="${escapeHtml(t.name)}"><h3>${escapeHtml(t.name)} <small>${t.projects.map((p) => escapeHtml(p.name)).join(", ")}</small></h3>${bars}</article>`;
    })
    .join("");
  setHtml($("photon-tenants"), html || `<p class="note">no tenant yet: set up tenants</p>`);
}

export function renderClusters(f: PhotonFrame): void {
  const html = f.api.clusters
    .map(
      (c) =>
        `<li class="cluster-item" data-cluster="${escapeHtml(c.name)}" data-state="${c.state}"><b>${escapeHtml(c.name)}</b> ${c.type} · ${escapeHtml(c.tenant)} · <span class="cluster-state">${c.state}</span><br>` +
        `<span class="roles">${c.roles.map((r) => `${escapeHtml(r.role)} ×${r.count}${r.started < r.count ? ` (${r.started} started)` : ""}`).join(" · ") || "no nodes yet"}</span></li>`,
    )
    .join("");
  setHtml($("photon-clusters"), html || `<li class="note">no cluster yet</li>`);
}

export function renderDecisions(f: PhotonFrame, name: HostName): void {
  const rows = [...f.decisions]
    .reverse()
    .map((d) => {
      const samples = d.sampled
        .map((s) => `<span class="sample${s.host === d.host ? " chosen" : ""}" data-host="${name(s.host)}" data-score="${s.score === null ? "" : s.score.toFixed(2)}">${name(s.host)} <b>${s.score === null ? "&gt; 0.95" : s.score.toFixed(1)}</b></span>`)
        .join("");
      const outcome = d.host >= 0 ? `→ ${name(d.host)}` : `refused: ${escapeHtml(d.code ?? "")}`;
      return `<tr class="decision" data-seq="${d.seq}"><td>#${d.seq}</td><td>${d.request.vcpus} vCPU, ${fmt(d.request.memoryMiB / 1024)} GiB</td><td class="samples">${samples || "no host matched"}</td><td class="outcome">${outcome}</td></tr>`;
    })
    .join("");
  setHtml($("photon-decisions"), rows ? `<table><tr><th>#</th><th>asked</th><th>sampled hosts and scores</th><th>chosen</th></tr>${rows}</table>` : `<p class="note">no placement yet: create a VM</p>`);
}

export function renderSelected(f: PhotonFrame, name: HostName, vmsOn: (h: number) => number): void {
  const el = $("photon-host");
  if (f.selected < 0) {
    setHtml(el, `<span class="note">click a host in the heat map (or create a VM: its host is selected)</span>`);
    return;
  }
  const h = f.selected;
  setHtml(el, `host <b id="photon-host-name">${name(h)}</b> · <span id="photon-host-state">${HOST_STATES[f.state[h]]}</span> · <span id="photon-host-vms">${vmsOn(h)}</span> VM(s) · ${(f.utilisation[h] * 100).toFixed(1)} % used`);
}

function fmt(x: number): string {
  return Number.isInteger(x) ? x.toLocaleString("en-US") : x.toFixed(1);
}
