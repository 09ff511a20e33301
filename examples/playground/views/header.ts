/** The clock and the cluster's one-line summary. */
import type { Snapshot } from "../snapshot.js";
import { $ } from "./dom.js";

export function renderHeader(s: Snapshot): void {
  $("clock-time").textContent = `${new Date(s.now).toISOString().slice(0, 19).replace("T", " ")} ${s.playing ? `▶ ${s.speed}×` : "❚❚"}`;
  $("cluster-summary").textContent =
    `${s.hosts.length} hosts · ${s.running} running, ${s.stopped} stopped · ${s.images} image(s) · ` +
    `DRS ${s.drs.automation}, threshold ${s.drs.threshold}, imbalance ${s.drs.imbalance.toFixed(3)} (target ${s.drs.targetImbalance.toFixed(3)}), ${s.drs.migrations} migration(s)`;
}
