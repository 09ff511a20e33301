/**
 * The cluster tab's controls: every button and select calls the VCH's library API (salting through
 * `setSalting`, TPS and DRS passes through the VCH), shows the result in the status line, and asks
 * the loop for a fresh frame. The console speaks Docker through the in-page handler.
 */
import type { ContainerRecord, TpsSalting, VirtualContainerHost } from "../../bindings/browser.js";
import type { DockerConsole } from "./console.js";
import type { History } from "./history.js";
import { SPEEDS, type Loop } from "./loop.js";
import { $, bytes } from "./views/dom.js";

const PAGE = 4096;
/** Commands prefilled for images whose default command is an interactive shell (it would exit at once). */
const SHELL_IMAGES = new Set(["busybox", "alpine", "ubuntu", "debian", "python", "node"]);

export class Controls {
  /** Container ids the user clicked. */
  readonly selected = new Set<string>();

  constructor(
    private readonly vch: VirtualContainerHost,
    private readonly loop: Loop,
    private readonly history: History,
    private readonly console: DockerConsole,
  ) {}

  /** Wires the controls. */
  wire(): void {
    $("play").addEventListener("click", () => {
      this.loop.playing = !this.loop.playing;
      $("play").textContent = this.loop.playing ? "Pause" : "Play";
      this.loop.frame();
    });
    const speed = $<HTMLSelectElement>("speed");
    speed.addEventListener("change", () => (this.loop.speed = Number(speed.value)));
    this.loop.speed = Number(speed.value);
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
      const r = this.vch.tpsNow();
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
    $<HTMLSelectElement>("salting").addEventListener("change", (e) => this.act(() => this.resalt((e.target as HTMLSelectElement).value as TpsSalting)));
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
  }

  /** The loop lowered the speed: show it. */
  slowed(speed: number): void {
    $<HTMLSelectElement>("speed").value = String(SPEEDS.filter((v) => v <= speed).pop() ?? 1);
    $("clock-note").textContent = `the page could not keep up: speed lowered to ${speed}×`;
  }

  status(text: string, error = false): void {
    const el = $("status");
    el.textContent = text;
    el.classList.toggle("error", error);
  }

  private button(id: string, action: () => string | Promise<string>): void {
    $(id).addEventListener("click", () => void this.act(action));
  }

  /** Runs a control's action, showing its result or its error (a user's mistake, not a page error). */
  private async act(action: () => string | Promise<string>): Promise<void> {
    try {
      this.status(await action());
    } catch (error) {
      this.status((error as Error).message, true);
    } finally {
      this.loop.frame();
    }
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
    this.history.tpsMergedBase = this.vch.info().tps.mergedPages;
    this.history.mark({ t: this.vch.now(), kind: "maintenance" });
    return `TPS salting is now "${salting}": ${running.length} container VM(s) restarted under it`;
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
      this.loop.frame();
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
          this.history.failed(r.host, this.vch.now(), r.stopped.length, r.declaredDeadAt);
          return this.history.lastFailure;
        }
        case "recover": {
          // Before HA declared it dead, its container VMs restart on it; after, DRS may move some back.
          const early = this.history.waitingForHa(host);
          this.vch.recoverHost(host);
          this.history.mark({ t: this.vch.now(), kind: "recovery" });
          return early ? `${host} recovered before HA declared it dead: its container VMs restart on it` : `${host} recovered: DRS may move container VMs back at its next pass`;
        }
        case "maintenance": {
          const r = this.vch.enterMaintenance(host);
          this.history.mark({ t: this.vch.now(), kind: "maintenance" });
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

  private async runConsole(): Promise<void> {
    const input = $<HTMLInputElement>("console-input");
    const line = input.value;
    input.value = "";
    if (line.trim() === "clear") {
      $("console-output").textContent = "";
      return;
    }
    this.print(`$ ${line}`);
    try {
      const out = await this.console.run(line);
      if (out) this.print(out);
    } finally {
      this.loop.frame();
    }
  }

  private print(text: string): void {
    const out = $("console-output");
    out.textContent += `${text}\n`;
    out.scrollTop = out.scrollHeight;
  }
}
