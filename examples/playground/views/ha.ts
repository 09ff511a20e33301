/** HA: the policy, the restarts it made and the last host failure in words. */
import type { Snapshot } from "../snapshot.js";
import { $, escapeHtml, setHtml } from "./dom.js";

export function renderHa(s: Snapshot): void {
  const restarts = s.containers.reduce((n, c) => n + c.restartCount, 0);
  setHtml(
    $("ha"),
    `<div>policy ${escapeHtml(s.ha.policy)} · failover capacity ${s.ha.failoverCapacity}</div>` +
      `<div>HA restarts: <span class="restarts" id="ha-restarts">${s.ha.restarts}</span>` +
      (s.ha.notRestarted ? ` · not restarted: <span id="ha-not-restarted">${s.ha.notRestarted}</span>` : "") +
      ` · container restarts (policy): ${restarts}</div>` +
      (s.ha.lastFailure ? `<div id="ha-last">${escapeHtml(s.ha.lastFailure)}</div>` : ""),
  );
}
