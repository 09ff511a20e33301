/**
 * The vicsim playground: a Virtual Container Host and its Docker Engine API handler running in the
 * page. The controls call the VCH's library API; the console speaks Docker through the handler.
 * The clock is manual: the page advances virtual time itself, so play, pause and speed are exact.
 */
import { VirtualContainerHost, type ContainerRecord, type HostInfo, type TpsSalting, type VchEvent, type VchInfo } from "../../bindings/browser.js";
import { createDockerHandler } from "../../bindings/docker/index.js";
import { DockerConsole } from "./console.js";
import { clock, Timeline } from "./timeline.js";

const PAGE = 4096;
const TICK_MS = 100;
const CLUSTER = { hosts: 6, hostCpuMHz: 24_000, hostMemoryMiB: 4096 } as const;

/** Opens the playground's VCH: manual clock (the page drives it); TPS scans run inside the VCH every 60 s. */
async function openVch(salting: TpsSalting, start?: number): Promise<VirtualContainerHost> {
  return VirtualContainerHost.open({
    name: "playground",
    seed: 7,
    clock: { mode: "manual", start },
    cluster: { ...CLUSTER, tps: { salting, intervalMs: 60_000 } },
  });
}
/** Commands prefilled for images whose default command is an interactive shell (it would exit at once). */
const SHELL_IMAGES = new Set(["busybox", "alpine", "ubuntu", "debian", "python", "node"]);
const PALETTE = ["#1f77b4", "#e4572e", "#2a9d8f", "#e9c46a", "#9b5de5", "#f15bb5", "#00bbf9", "#8ac926", "#ff924c", "#6a4c93"];

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
};

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Bytes in binary units. */
function bytes(b: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = b;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : v >= 100 ? 0 : 1)} ${units[u]}`;
}

const percent = (part: number, whole: number): string => (whole > 0 ? `${((part / whole) * 100).toFixed(1)} %` : "0.0 %");

/** Per-host memory as the container VMs on it see it (sums of vSphere's per-VM counters), in pages. */
interface HostVmMemory {
  granted: number;
  shared: number;
  private: number;
  consumed: number;
}

class Playground {
  private playing = true;
  private speed = 10;
  private readonly selected = new Set<string>();
  private readonly colours = new Map<string, string>();
  private readonly cards = new Map<number, HTMLElement>();
  private readonly events: VchEvent[] = [];
  private eventsDirty = true;
  private haRestarts = 0;
  private haNotRestarted = 0;
  private lastFailure = "";
  /** The last host failure and what HA did about it so far. */
  private failure: { host: string; at: number; stopped: number; restarted: number; to: Set<string>; notRestarted: string[] } | null = null;
  private busy = 0;
  private readonly timeline: Timeline;
  private readonly console: DockerConsole;
  private handler: (request: Request) => Promise<Response>;
  private unsubscribe: () => void;
  /** The VCH's count of frames TPS merged when the current salting began (the page shows what merged since). */
  private tpsMergedBase = 0;

  constructor(private vch: VirtualContainerHost) {
    this.timeline = new Timeline($<HTMLCanvasElement>("timeline"));
    this.handler = createDockerHandler(vch);
    this.console = new DockerConsole((request) => this.handler(request), () => this.vch.now());
    this.unsubscribe = vch.subscribe((event) => this.onEvent(event));
    this.expose();
  }

  /** For the curious (and the browser test): the live objects. */
  private expose(): void {
    (globalThis as unknown as { vicsim: unknown }).vicsim = { vch: this.vch, handler: this.handler };
  }

  /** Runs a TPS scan on every host now (the VCH also scans on its own schedule). */
  private tps(): { scanned: number; merged: number } {
    return this.vch.tpsNow();
  }

  /**
   * Salting decides which VMs may share pages, and it applies when a VM powers on (as with ESXi's
   * Mem.ShareForceSalting): the VCH takes the new policy and the running container VMs are restarted
   * under it, so the two policies can be compared on the same containers.
   */
  private async resalt(salting: TpsSalting): Promise<string> {
    this.vch.setSalting(salting);
    const running = this.vch.listContainers();
    for (const c of running) await this.vch.restart(c.id, { timeout: 0 });
    // The restarted container VMs start with nothing merged: count TPS afresh.
    this.tpsMergedBase = this.vch.info().tps.mergedPages;
    this.timeline.mark({ t: this.vch.now(), kind: "maintenance" });
    return `TPS salting is now "${salting}": ${running.length} container VM(s) restarted under it`;
  }

  /** Wires the controls and starts the clock. */
  start(): void {
    $("play").addEventListener("click", () => {
      this.playing = !this.playing;
      $("play").textContent = this.playing ? "Pause" : "Play";
    });
    $<HTMLSelectElement>("speed").addEventListener("change", (e) => (this.speed = Number((e.target as HTMLSelectElement).value)));
    this.speed = Number($<HTMLSelectElement>("speed").value);
    const image = $<HTMLSelectElement>("image");
    const prefill = () => ($<HTMLInputElement>("command").value = SHELL_IMAGES.has(image.value) ? "sleep 86400" : "");
    image.addEventListener("change", prefill);
    prefill();

    this.button("pull", () => this.pull());
    this.button("run", () => this.runContainers());
    this.button("stop-selected", () => this.stop([...this.selected]));
    this.button("remove-selected", () => this.remove([...this.selected]));
    this.button("stop-all", () => this.stop(this.vch.listContainers().map((c) => c.id)));
    this.button("remove-all", () => this.remove(this.vch.listContainers({ all: true }).map((c) => c.id)));
    this.button("drs-now", () => {
      const pass = this.vch.drsNow();
      return `DRS pass: ${pass.recommendations.length} recommendation(s), ${pass.applied ? "applied" : "not applied"}; imbalance ${pass.imbalanceBefore.toFixed(3)} → ${pass.imbalanceAfter.toFixed(3)}`;
    });
    this.button("tps-now", () => {
      const r = this.tps();
      return `TPS scanned ${r.scanned.toLocaleString()} pages and merged ${r.merged.toLocaleString()} (${bytes(r.merged * PAGE)} freed)`;
    });
    for (const id of ["drs-threshold", "drs-automation"]) {
      $<HTMLSelectElement>(id).addEventListener("change", () =>
        this.act(() => {
          const threshold = Number($<HTMLSelectElement>("drs-threshold").value) as 1 | 2 | 3 | 4 | 5;
          const automation = $<HTMLSelectElement>("drs-automation").value as "manual" | "partiallyAutomated" | "fullyAutomated";
          this.vch.setDrs({ threshold, automation });
          return `DRS: migration threshold ${threshold}, ${automation}`;
        }),
      );
    }
    $<HTMLSelectElement>("salting").addEventListener("change", (e) =>
      this.act(() => this.resalt((e.target as HTMLSelectElement).value as TpsSalting)),
    );
    $("hosts").addEventListener("click", (e) => this.onHostsClick(e));
    $("console-form").addEventListener("submit", (e) => {
      e.preventDefault();
      void this.runConsole();
    });

    const info = this.vch.info();
    $<HTMLSelectElement>("drs-threshold").value = String(info.drs.threshold);
    $<HTMLSelectElement>("drs-automation").value = info.drs.automation;
    $<HTMLSelectElement>("salting").value = info.tps.salting;
    this.print("# A Docker CLI in the page: type help. Try: docker run -d --name web nginx, then docker ps");

    setInterval(() => this.tick(), TICK_MS);
    this.render();
    setInterval(() => this.render(), 250);
    this.status(`ready: ${info.hosts.length} hosts, ${bytes(info.memTotal)} of host memory — pull an image and run containers`);
  }

  /** Advances virtual time while playing. */
  private tick(): void {
    if (!this.playing) return;
    const started = performance.now();
    const target = this.vch.now() + TICK_MS * this.speed;
    // TPS scans, DRS passes and guest writes all run inside the VCH as virtual time moves.
    this.vch.advance(target - this.vch.now());
    // Slow down rather than freeze the page when the simulation cannot keep up with the chosen speed.
    if (performance.now() - started > TICK_MS * 2 && this.speed > 1) {
      this.speed = Math.max(1, Math.floor(this.speed / 2));
      $<HTMLSelectElement>("speed").value = String([1, 10, 60, 300, 1800].filter((v) => v <= this.speed).pop() ?? 1);
      this.speed = Number($<HTMLSelectElement>("speed").value);
      $("clock-note").textContent = `the page could not keep up: speed lowered to ${this.speed}×`;
    }
  }

  private button(id: string, action: () => string | Promise<string>): void {
    $(id).addEventListener("click", () => void this.act(action));
  }

  /** Runs a control's action, showing its result or its error (a user's mistake, not a page error). */
  private async act(action: () => string | Promise<string>): Promise<void> {
    this.busy++;
    try {
      this.status(await action());
    } catch (error) {
      this.status((error as Error).message, true);
    } finally {
      this.busy--;
      this.render();
    }
  }

  private status(text: string, error = false): void {
    const el = $("status");
    el.textContent = text;
    el.classList.toggle("error", error);
  }

  private async pull(): Promise<string> {
    const ref = $<HTMLSelectElement>("image").value;
    this.status(`pulling ${ref}…`);
    const image = await this.vch.pullImage(ref);
    return `pulled ${image.repoTags[0]}: ${bytes(image.size)}, template VM of ${image.profile.memoryMiB} MiB (${image.profile.bootPages.toLocaleString()} boot pages)`;
  }

  private async runContainers(): Promise<string> {
    const ref = $<HTMLSelectElement>("image").value;
    const count = Math.max(1, Math.min(200, Math.floor(Number($<HTMLInputElement>("count").value) || 1)));
    const command = $<HTMLInputElement>("command").value.trim();
    const image = this.vch.listImages().find((i) => i.repoTags.includes(`${ref}:latest`)) ?? (await this.vch.pullImage(ref));
    const created: ContainerRecord[] = [];
    for (let i = 0; i < count; i++) {
      created.push(this.vch.createContainer({ Image: ref, Cmd: command ? command.split(/\s+/) : null, Labels: { "playground.image": ref } }));
    }
    this.status(`starting ${count} ${ref} container VMs…`);
    const results = await Promise.allSettled(created.map((c) => this.vch.start(c.id)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    const hosts = new Set(created.map((c) => this.vch.getContainer(c.id).host?.name).filter(Boolean));
    if (failed.length) throw new Error(`${count - failed.length} of ${count} started; ${failed.length} failed: ${(failed[0].reason as Error).message}`);
    return `ran ${count} ${image.repoTags[0]} container VMs, instant-cloned on ${hosts.size} host(s)`;
  }

  private async stop(ids: string[]): Promise<string> {
    const running = ids.filter((id) => this.has(id) && this.vch.getContainer(id).state.Running);
    if (running.length === 0) return "no running container VM selected (click container VMs to select them)";
    await Promise.all(running.map((id) => this.vch.stop(id, { timeout: 1 })));
    return `stopped ${running.length} container VM(s)`;
  }

  private remove(ids: string[]): string {
    const present = ids.filter((id) => this.has(id));
    if (present.length === 0) return "no container VM selected (click container VMs to select them)";
    for (const id of present) this.vch.remove(id, { force: true });
    for (const id of present) this.selected.delete(id);
    return `removed ${present.length} container VM(s)`;
  }

  private has(id: string): boolean {
    try {
      this.vch.getContainer(id);
      return true;
    } catch {
      return false;
    }
  }

  private onHostsClick(e: Event): void {
    const target = e.target as HTMLElement;
    const vm = target.closest<HTMLElement>("[data-container]");
    if (vm) {
      const id = vm.dataset.container!;
      if (this.selected.has(id)) this.selected.delete(id);
      else this.selected.add(id);
      this.render();
      return;
    }
    const button = target.closest<HTMLButtonElement>("button[data-action]");
    if (!button) return;
    const host = button.dataset.host!;
    void this.act(() => {
      switch (button.dataset.action) {
        case "fail": {
          // The host's container VMs stop now; HA declares the host dead 15 s of virtual time later and
          // restarts them (counted from the ha-restart events as the clock plays).
          const r = this.vch.failHost(host);
          this.failure = { host: r.host, at: this.vch.now(), stopped: r.stopped.length, restarted: 0, to: new Set(), notRestarted: [] };
          this.describeFailure(r.declaredDeadAt);
          this.timeline.mark({ t: this.vch.now(), kind: "failure" });
          return this.lastFailure;
        }
        case "recover":
        {
          // Before HA declared it dead, its container VMs restart on it; after, DRS may move some back.
          const early = this.failure?.host === host && this.failure.restarted === 0 && this.failure.stopped > 0 && !this.failure.notRestarted.length;
          this.vch.recoverHost(host);
          this.timeline.mark({ t: this.vch.now(), kind: "recovery" });
          return early
            ? `${host} recovered before HA declared it dead: its container VMs restart on it`
            : `${host} recovered: DRS may move container VMs back at its next pass`;
        }
        case "maintenance": {
          const r = this.vch.enterMaintenance(host);
          this.timeline.mark({ t: this.vch.now(), kind: "maintenance" });
          return `${host} entered maintenance mode: vMotion moved ${r.moved.length} container VM(s)`;
        }
        case "exit-maintenance":
          this.vch.exitMaintenance(host);
          return `${host} left maintenance mode`;
        default:
          return "";
      }
    });
  }

  /** The last failure in words: waiting for HA's declaration, or what HA restarted. */
  private describeFailure(declaredDeadAt?: number): void {
    const f = this.failure;
    if (!f) return;
    const head = `${f.host} failed at ${clock(f.at)}`;
    this.lastFailure = declaredDeadAt !== undefined
      ? `${head}: ${f.stopped} container VM(s) stopped; HA declares the host dead at ${clock(declaredDeadAt)}`
      : `${head}: HA restarted ${f.restarted} container VM(s) on ${[...f.to].join(", ") || "—"}` +
        (f.notRestarted.length ? `; ${f.notRestarted.length} not restarted (${f.notRestarted[0]})` : "");
  }

  private onEvent(event: VchEvent): void {
    if (event.Type === "cluster" && (event.Action === "ha-restart" || event.Action === "ha-restart-failed")) {
      const a = event.Actor.Attributes;
      if (event.Action === "ha-restart") this.haRestarts++;
      else this.haNotRestarted++;
      if (this.failure && a.from === this.failure.host) {
        if (event.Action === "ha-restart") {
          this.failure.restarted++;
          this.failure.to.add(a.to);
        } else this.failure.notRestarted.push(a.reason);
        this.describeFailure();
      }
    }
    this.events.push(event);
    if (this.events.length > 300) this.events.splice(0, this.events.length - 300);
    this.eventsDirty = true;
    if (event.Type === "cluster") {
      const t = event.timeNano / 1e6;
      if (/migrat/i.test(event.Action)) this.timeline.mark({ t, kind: "migration" });
      else if (/restart/i.test(event.Action)) this.timeline.mark({ t, kind: "restart" });
    }
  }

  private async runConsole(): Promise<void> {
    const input = $<HTMLInputElement>("console-input");
    const line = input.value;
    input.value = "";
    if (line.trim() === "clear") {
      $("console-output").textContent = "";
      return;
    }
    this.print(`$ ${line}`);
    this.busy++;
    try {
      const out = await this.console.run(line);
      if (out) this.print(out);
    } finally {
      this.busy--;
      this.render();
    }
  }

  private print(text: string): void {
    const out = $("console-output");
    out.textContent += `${text}\n`;
    out.scrollTop = out.scrollHeight;
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

  /** Redraws everything from the VCH's current state. */
  private render(): void {
    const info = this.vch.info();
    const containers = this.vch.listContainers({ all: true });
    const perHost = new Map<number, { containers: ContainerRecord[]; memory: HostVmMemory }>();
    for (const h of info.hosts) perHost.set(h.index, { containers: [], memory: { granted: 0, shared: 0, private: 0, consumed: 0 } });
    const unplaced: ContainerRecord[] = [];
    for (const c of containers) {
      const slot = c.host ? perHost.get(c.host.index) : undefined;
      if (!slot) {
        unplaced.push(c);
        continue;
      }
      slot.containers.push(c);
      if (c.vm !== null) {
        const vm = this.vch.stats(c.id).vm;
        if (vm) {
          slot.memory.granted += vm.granted;
          slot.memory.shared += vm.shared;
          slot.memory.private += vm.private;
          slot.memory.consumed += vm.consumed;
        }
      }
    }
    for (const id of this.selected) if (!containers.some((c) => c.id === id)) this.selected.delete(id);

    $("clock-time").textContent = `${new Date(info.now).toISOString().slice(0, 19).replace("T", " ")} ${this.playing ? `▶ ${this.speed}×` : "❚❚"}`;
    $("cluster-summary").textContent =
      `${info.hosts.length} hosts · ${info.containersRunning} running, ${info.containersStopped} stopped · ${info.images} image(s) · ` +
      `DRS ${info.drs.automation}, threshold ${info.drs.threshold}, imbalance ${info.drs.imbalance.toFixed(3)} (target ${info.drs.targetImbalance.toFixed(3)}), ${info.drs.migrations} migration(s)`;
    for (const h of info.hosts) this.renderHost(h, perHost.get(h.index)!);
    this.renderLegend(containers, unplaced);
    this.renderMemory(info, perHost);
    this.renderHa(info, containers);
    if (this.eventsDirty) this.renderEvents();

    let used = 0;
    let saved = 0;
    for (const h of info.hosts) {
      used += h.memory.used;
      saved += h.memory.sharedSaved;
    }
    this.timeline.add({ t: info.now, imbalance: info.drs.imbalance, targetImbalance: info.drs.targetImbalance, usedBytes: used * PAGE, savedBytes: saved * PAGE });
    this.timeline.draw();
  }

  private renderHost(h: HostInfo, slot: { containers: ContainerRecord[]; memory: HostVmMemory }): void {
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
    const own = Math.min(slot.memory.consumed, m.used);
    q(".private").style.width = `${(own / Math.max(1, m.capacity)) * 100}%`;
    q(".shared").style.width = `${((m.used - own) / Math.max(1, m.capacity)) * 100}%`;
    q(".mem-text").textContent = `${bytes(m.used * PAGE)} used of ${bytes(m.capacity * PAGE)}`;
    q(".share-text").textContent = `private ${bytes(slot.memory.private * PAGE)} · shared ${bytes(slot.memory.shared * PAGE)}`;
    q(".saved-text").textContent = `saved ${bytes(m.sharedSaved * PAGE)}`;
    const vms = slot.containers
      .map((c) => {
        const cls = ["vm", c.state.Status, this.selected.has(c.id) ? "selected" : ""].join(" ");
        const title = `${c.name.slice(1)} · ${c.image} · ${c.statusText}`;
        return `<span class="${cls}" data-container="${c.id}" title="${escapeHtml(title)}" style="background:${this.colour(c.image)}"></span>`;
      })
      .join("");
    if (q(".vms").innerHTML !== vms) q(".vms").innerHTML = vms;
    q(".templates").textContent = h.templates.length ? `template VMs: ${h.templates.join(", ")}` : "no template VM yet";
    const actions =
      h.state === "failed"
        ? `<button type="button" data-action="recover" data-host="${h.name}">Recover</button>`
        : h.state === "maintenance"
          ? `<button type="button" data-action="exit-maintenance" data-host="${h.name}">Exit maintenance</button><button type="button" data-action="fail" data-host="${h.name}">Fail</button>`
          : `<button type="button" data-action="fail" data-host="${h.name}">Fail</button><button type="button" data-action="maintenance" data-host="${h.name}">Maintenance</button>`;
    // Replace the buttons only when the host's state changes, so a click is never lost to a redraw.
    if (q(".actions").dataset.state !== h.state) {
      q(".actions").innerHTML = actions;
      q(".actions").dataset.state = h.state;
    }
  }

  private renderLegend(containers: ContainerRecord[], unplaced: ContainerRecord[]): void {
    const images = [...new Set(containers.map((c) => c.image.replace(/:latest$/, "")))];
    const parts = images.map((i) => `<span><i style="background:${this.colour(i)}"></i>${escapeHtml(i)}</span>`);
    const stopped = unplaced.length ? `<span>${unplaced.length} container(s) without a container VM (created, exited or not restarted)</span>` : "";
    const html = parts.join("") + stopped + (this.selected.size ? `<span>${this.selected.size} selected</span>` : "");
    if ($("legend").innerHTML !== html) $("legend").innerHTML = html;
  }

  private renderMemory(info: VchInfo, perHost: Map<number, { memory: HostVmMemory }>): void {
    let capacity = 0;
    let used = 0;
    let saved = 0;
    let granted = 0;
    let shared = 0;
    let priv = 0;
    for (const h of info.hosts) {
      capacity += h.memory.capacity;
      used += h.memory.used;
      saved += h.memory.sharedSaved;
      const m = perHost.get(h.index)!.memory;
      granted += m.granted;
      shared += m.shared;
      priv += m.private;
    }
    // TPS's share: what its scans merged (some of it may since have been broken again by writes).
    const tps = Math.min(saved, info.tps.mergedPages - this.tpsMergedBase);
    const clone = saved - tps;
    const mapped = used + saved;
    $("memory").innerHTML = `<table>
      <tr><td>saved by sharing</td><td class="num big" id="saved-total">${bytes(saved * PAGE)}</td><td class="num" id="saved-percent">${percent(saved, mapped)}</td></tr>
      <tr><td>· by instant clone (template pages, ≈)</td><td class="num" id="saved-clone">${bytes(clone * PAGE)}</td><td class="num">${percent(clone, mapped)}</td></tr>
      <tr><td>· by TPS (${info.tps.salting} salting, merged so far)</td><td class="num" id="saved-tps">${bytes(tps * PAGE)}</td><td class="num">${percent(tps, mapped)}</td></tr>
      <tr><td>host memory used</td><td class="num" id="mem-used">${bytes(used * PAGE)}</td><td class="num">${percent(used, capacity)} of ${bytes(capacity * PAGE)}</td></tr>
      <tr><td>container VMs: granted</td><td class="num" id="mem-granted">${bytes(granted * PAGE)}</td><td class="num"></td></tr>
      <tr><td>· shared</td><td class="num" id="mem-shared">${bytes(shared * PAGE)}</td><td class="num">${percent(shared, granted)}</td></tr>
      <tr><td>· private</td><td class="num" id="mem-private">${bytes(priv * PAGE)}</td><td class="num">${percent(priv, granted)}</td></tr>
    </table>`;
  }

  private renderHa(info: VchInfo, containers: ContainerRecord[]): void {
    const restarts = containers.reduce((n, c) => n + c.restartCount, 0);
    $("ha").innerHTML =
      `<div>policy ${escapeHtml(info.ha.policy.kind)} · failover capacity ${info.ha.failoverCapacity}</div>` +
      `<div>HA restarts: <span class="restarts" id="ha-restarts">${this.haRestarts}</span>` +
      (this.haNotRestarted ? ` · not restarted: <span id="ha-not-restarted">${this.haNotRestarted}</span>` : "") +
      ` · container restarts (policy): ${restarts}</div>` +
      (this.lastFailure ? `<div id="ha-last">${escapeHtml(this.lastFailure)}</div>` : "");
  }

  private renderEvents(): void {
    this.eventsDirty = false;
    const items = this.events
      .slice(-150)
      .reverse()
      .map((e) => {
        const a = e.Actor.Attributes;
        const who = a.name ?? a.host ?? e.Actor.ID.slice(0, 12);
        const extra = [a.image, a.host && a.name ? `on ${a.host}` : "", a.from && a.to ? `${a.from} → ${a.to}` : ""].filter(Boolean).join(" ");
        const bad = /fail|die|kill|oom/i.test(e.Action) ? " bad" : "";
        return `<li class="${e.Type}${bad}"><time>${clock(e.timeNano / 1e6)}</time>${escapeHtml(`${e.Type} ${e.Action} ${who} ${extra}`)}</li>`;
      });
    $("events").innerHTML = items.join("");
  }
}

async function main(): Promise<void> {
  new Playground(await openVch("vm")).start();
}

main().catch((error) => {
  const el = document.getElementById("status");
  if (el) {
    el.textContent = `the playground failed to start: ${(error as Error).message}`;
    el.classList.add("error");
  }
  console.error(error);
});
