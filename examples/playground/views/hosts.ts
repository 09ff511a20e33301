/** The host cards (CPU, memory, container VMs, template VMs, actions) and the image legend. */
import type { HostView, Snapshot } from "../snapshot.js";
import { $, bytes, escapeHtml, setHtml } from "./dom.js";

const PAGE = 4096;
const PALETTE = ["#1f77b4", "#e4572e", "#2a9d8f", "#e9c46a", "#9b5de5", "#f15bb5", "#00bbf9", "#8ac926", "#ff924c", "#6a4c93"];

export class HostsView {
  private readonly cards = new Map<number, HTMLElement>();
  private readonly colours = new Map<string, string>();

  /** `selected`: container ids the user clicked (the controls own the selection). */
  render(s: Snapshot, selected: ReadonlySet<string>): void {
    for (const h of s.hosts) this.renderHost(h, selected);
    const images = [...new Set(s.containers.map((c) => c.image.replace(/:latest$/, "")))];
    const parts = images.map((i) => `<span><i style="background:${this.colour(i)}"></i>${escapeHtml(i)}</span>`);
    const unplaced = s.unplaced ? `<span>${s.unplaced} container(s) without a container VM (created, exited or not restarted)</span>` : "";
    setHtml($("legend"), parts.join("") + unplaced + (selected.size ? `<span>${selected.size} selected</span>` : ""));
  }

  private colour(image: string): string {
    const key = image.replace(/:latest$/, "");
    let c = this.colours.get(key);
    if (!c) {
      c = PALETTE[this.colours.size % PALETTE.length];
      this.colours.set(key, c);
    }
    return c;
  }

  private renderHost(h: HostView, selected: ReadonlySet<string>): void {
    let card = this.cards.get(h.index);
    if (!card) {
      card = document.createElement("article");
      card.className = "host";
      card.dataset.host = h.name;
      card.innerHTML = `<header><h3></h3><span class="badge"></span></header>
        <div class="metric"><span>CPU (DRS load)</span><span class="cpu-text"></span></div>
        <div class="bar"><span class="cpu"></span></div>
        <div class="metric"><span>memory</span><span class="mem-text"></span></div>
        <div class="bar mem"><span class="private"></span><span class="shared"></span></div>
        <div class="metric"><span class="share-text"></span><span class="saved-text"></span></div>
        <div class="vms"></div><div class="templates"></div><div class="actions"></div>`;
      $("hosts").append(card);
      this.cards.set(h.index, card);
    }
    const q = (sel: string) => card!.querySelector<HTMLElement>(sel)!;
    card.className = `host ${h.state}`;
    q("h3").textContent = h.name;
    q(".badge").textContent = h.state;
    q(".badge").className = `badge ${h.state}`;
    q(".cpu").style.width = `${Math.min(100, h.load * 100)}%`;
    q(".cpu-text").textContent = `${(h.load * 100).toFixed(1)} % of ${(h.cpuMHz / 1000).toFixed(1)} GHz`;
    const m = h.memory;
    // Frames in use: the container VMs' own (consumed) and the rest (templates and shared frames).
    const own = Math.min(h.vmMemory.consumed, m.used);
    q(".private").style.width = `${(own / Math.max(1, m.capacity)) * 100}%`;
    q(".shared").style.width = `${((m.used - own) / Math.max(1, m.capacity)) * 100}%`;
    q(".mem-text").textContent = `${bytes(m.used * PAGE)} used of ${bytes(m.capacity * PAGE)}`;
    q(".share-text").textContent = `private ${bytes(h.vmMemory.private * PAGE)} · shared ${bytes(h.vmMemory.shared * PAGE)}`;
    q(".saved-text").textContent = `saved ${bytes(m.sharedSaved * PAGE)}`;
    const vms = h.containers
      .map((c) => {
        const cls = ["vm", c.status, selected.has(c.id) ? "selected" : ""].join(" ");
        const title = `${c.name} · ${c.image} · ${c.statusText}`;
        return `<span class="${cls}" data-container="${c.id}" title="${escapeHtml(title)}" style="background:${this.colour(c.image)}"></span>`;
      })
      .join("");
    setHtml(q(".vms"), vms);
    q(".templates").textContent = h.templates.length ? `template VMs: ${h.templates.join(", ")}` : "no template VM yet";
    const actions =
      h.state === "failed"
        ? `<button type="button" data-action="recover" data-host="${h.name}">Recover</button>`
        : h.state === "maintenance"
          ? `<button type="button" data-action="exit-maintenance" data-host="${h.name}">Exit maintenance</button><button type="button" data-action="fail" data-host="${h.name}">Fail</button>`
          : `<button type="button" data-action="fail" data-host="${h.name}">Fail</button><button type="button" data-action="maintenance" data-host="${h.name}">Maintenance</button>`;
    // Replace the buttons only when the host's state changes, so a click is never lost to a redraw.
    setHtml(q(".actions"), actions);
  }
}
