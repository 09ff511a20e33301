/**
 * The vicsim playground: a Virtual Container Host and its Docker Engine API handler running in the
 * page (the cluster tab), a Photon Controller over a fleet of thousands of hosts (the Photon tab),
 * `vicsim simulate` in a Web Worker (the plan tab), and real Python containers in Web Workers (the
 * real guests tab). This file only assembles them: the loop
 * (loop.ts) moves virtual time and builds one snapshot per frame (snapshot.ts), the views
 * (views/*.ts) draw it, the controls (controls.ts) act on the VCH.
 */
import { configureWebGuests, VirtualContainerHost, type TpsSalting } from "../../bindings/browser.js";
import { createDockerHandler } from "../../bindings/docker/index.js";
import { DockerConsole } from "./console.js";
import { Controls } from "./controls.js";
import { History } from "./history.js";
import { Loop } from "./loop.js";
import { $, bytes } from "./views/dom.js";
import { EventsView } from "./views/events.js";
import { renderHa } from "./views/ha.js";
import { renderHeader } from "./views/header.js";
import { HostsView } from "./views/hosts.js";
import { renderMemory } from "./views/memory.js";
import { Timeline } from "./views/timeline.js";

const CLUSTER = { hosts: 6, hostCpuMHz: 24_000, hostMemoryMiB: 4096 } as const;

/** Opens the playground's VCH: manual clock (the page drives it); TPS scans run inside the VCH every 60 s. */
async function openVch(salting: TpsSalting): Promise<VirtualContainerHost> {
  return VirtualContainerHost.open({
    name: "playground",
    seed: 7,
    clock: { mode: "manual" },
    cluster: { ...CLUSTER, tps: { salting, intervalMs: 60_000 } },
  });
}

/** The tabs: the cluster's loop only builds snapshots while its tab is shown; the others start on first show. */
function wireTabs(loop: Loop, tabs: Record<string, () => void>): void {
  const started = new Set<string>();
  const show = (name: string) => {
    for (const b of document.querySelectorAll<HTMLButtonElement>("nav.tabs button")) b.classList.toggle("active", b.dataset.tab === name);
    for (const p of document.querySelectorAll<HTMLElement>("[data-panel]")) p.hidden = p.dataset.panel !== name;
    loop.visible = name === "cluster";
    if (!started.has(name)) {
      started.add(name);
      tabs[name]?.();
    }
  };
  for (const b of document.querySelectorAll<HTMLButtonElement>("nav.tabs button")) b.addEventListener("click", () => show(b.dataset.tab!));
}

async function main(): Promise<void> {
  // Real guests (the real guests tab, and `python -c …`, `ruby -e …`, `node -e …` in the cluster tab's
  // containers): the playground's build puts their worker beside the page, Pyodide's files in
  // vendor/pyodide/, ruby.wasm's and QuickJS's wasm in vendor/ruby/ and vendor/quickjs/.
  configureWebGuests({
    worker: new URL("guest-worker.js", location.href),
    pyodide: new URL("vendor/pyodide/", location.href),
    ruby: new URL("vendor/ruby/ruby+stdlib.wasm", location.href),
    quickjs: new URL("vendor/quickjs/emscripten-module.wasm", location.href),
  });
  const vch = await openVch("vm");
  const handler = createDockerHandler(vch);
  const history = new History();
  vch.subscribe((event) => history.onEvent(event));
  const console = new DockerConsole((request) => handler(request), () => vch.now());
  let controls: Controls | undefined;
  const loop = new Loop(vch, history, (speed) => controls?.slowed(speed));
  controls = new Controls(vch, loop, history, console);

  const hosts = new HostsView();
  const events = new EventsView();
  const timeline = new Timeline($<HTMLCanvasElement>("timeline"));
  loop.view(renderHeader);
  loop.view((s) => hosts.render(s, controls!.selected));
  loop.view(renderMemory);
  loop.view(renderHa);
  loop.view((s) => events.render(s));
  loop.view((s) => timeline.render(s));

  // For the curious (and the browser tests): the live objects.
  const exposed: Record<string, unknown> = { vch, handler, loop };
  (globalThis as unknown as { vicsim: unknown }).vicsim = exposed;

  controls.wire();
  wireTabs(loop, {
    photon: () =>
      void import("./photon/tab.js")
        .then((m) => (exposed.photon = m.startPhotonTab()))
        .catch((e) => controls!.status(`the Photon tab failed to start: ${(e as Error).message}`, true)),
    plan: () => void import("./plan/tab.js").then((m) => m.startPlanTab()),
    guests: () =>
      void import("./guests/tab.js")
        .then(async (m) => (exposed.guests = await m.startGuestsTab()))
        .catch((e) => {
          const el = $("guests-status");
          if (!el.classList.contains("error")) el.textContent = `the real guests tab failed to start: ${(e as Error).message}`;
          el.classList.add("error");
        }),
  });
  loop.start();
  loop.frame();
  const info = vch.info();
  controls.status(`ready: ${info.hosts.length} hosts, ${bytes(info.memTotal)} of host memory — pull an image and run containers`);
}

main().catch((error) => {
  const el = document.getElementById("status");
  if (el) {
    el.textContent = `the playground failed to start: ${(error as Error).message}`;
    el.classList.add("error");
  }
  console.error(error);
});
