/** The memory table: what sharing saves (instant clone and TPS) and what the container VMs hold. */
import type { Snapshot } from "../snapshot.js";
import { $, bytes, percent, setHtml } from "./dom.js";

const PAGE = 4096;

export function renderMemory(s: Snapshot): void {
  const t = s.totals;
  // TPS's share: what its scans merged (some of it may since have been broken again by writes).
  const tps = Math.max(0, Math.min(t.saved, s.tps.mergedSinceSalting));
  const clone = t.saved - tps;
  const mapped = t.used + t.saved;
  setHtml(
    $("memory"),
    `<table>
      <tr><td>saved by sharing</td><td class="num big" id="saved-total">${bytes(t.saved * PAGE)}</td><td class="num" id="saved-percent">${percent(t.saved, mapped)}</td></tr>
      <tr><td>· by instant clone (template pages, ≈)</td><td class="num" id="saved-clone">${bytes(clone * PAGE)}</td><td class="num">${percent(clone, mapped)}</td></tr>
      <tr><td>· by TPS (${s.tps.salting} salting, merged so far)</td><td class="num" id="saved-tps">${bytes(tps * PAGE)}</td><td class="num">${percent(tps, mapped)}</td></tr>
      <tr><td>host memory used</td><td class="num" id="mem-used">${bytes(t.used * PAGE)}</td><td class="num">${percent(t.used, t.capacity)} of ${bytes(t.capacity * PAGE)}</td></tr>
      <tr><td>container VMs: granted</td><td class="num" id="mem-granted">${bytes(t.granted * PAGE)}</td><td class="num"></td></tr>
      <tr><td>· shared</td><td class="num" id="mem-shared">${bytes(t.shared * PAGE)}</td><td class="num">${percent(t.shared, t.granted)}</td></tr>
      <tr><td>· private</td><td class="num" id="mem-private">${bytes(t.private * PAGE)}</td><td class="num">${percent(t.private, t.granted)}</td></tr>
    </table>`,
  );
}
