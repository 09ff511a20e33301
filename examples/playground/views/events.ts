/** The events list, newest first (redrawn only when the history changed). */
import type { Snapshot } from "../snapshot.js";
import { $, escapeHtml } from "./dom.js";

export class EventsView {
  private shown = -1;

  render(s: Snapshot): void {
    if (s.history.version === this.shown) return;
    this.shown = s.history.version;
    $("events").innerHTML = s.history.events
      .slice(-150)
      .reverse()
      .map((e) => `<li class="${e.type}${e.bad ? " bad" : ""}"><time>${e.time}</time>${escapeHtml(e.text)}</li>`)
      .join("");
  }
}
