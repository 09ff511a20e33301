/**
 * RealGuests: real guests as container VMs of one host of a memory engine. A runtime's template VM
 * holds its booted memory; each guest's VM is an instant clone of it, and every copy of the guest's
 * memory (at boot, on `scan`, at exit) is written to that VM, so the first scan shows what the guest
 * dirtied and TPS merges what guests still have in common.
 */
import type { MemoryEngineApi } from "../../core/memory-types.js";
import { RealGuest, type RealGuestOptions, type RealGuestResult } from "./host.js";
import { GuestMemoryMap, type GuestScan, type GuestVm } from "./memory-map.js";
import type { MemoryReason } from "./protocol.js";
import type { RuntimeKind } from "./runtimes.js";
import { bootTemplate, type RuntimeTemplate } from "./templates.js";

/** A runtime's template: its booted memory and the template VM that holds it. */
export interface TemplateVm {
  template: RuntimeTemplate;
  vm: GuestVm;
  scan: GuestScan;
}

/** A guest started by `RealGuests.start`: the process, its VM, and its scans. */
export interface GuestOnHost {
  guest: RealGuest;
  vm: GuestVm;
  /** The scan of the guest's memory as it booted (what it dirtied against its template). */
  firstScan: Promise<GuestScan>;
  /** How it ended, with the scan of its memory at exit (null if it never booted). */
  exited: Promise<RealGuestResult & { lastScan: GuestScan | null }>;
}

export interface RealGuestsOptions {
  engine: MemoryEngineApi;
  /** The memory engine host the guests' VMs live on. */
  host: number;
  /** Page-sharing salt of the template VMs and their clones (an image's or tenant's; omitted: per VM). */
  salt?: number;
}

export class RealGuests {
  readonly map: GuestMemoryMap;
  private readonly templates = new Map<string, Promise<TemplateVm>>();
  private readonly latest = new WeakMap<GuestOnHost, () => GuestScan | null>();

  constructor(private readonly opts: RealGuestsOptions) {
    this.map = new GuestMemoryMap(opts.engine);
  }

  /** The template of `runtime` (booted once, cold, seeded; later calls share it). */
  template(runtime: RuntimeKind, opts: { seed?: number; module?: Uint8Array; key?: string } = {}): Promise<TemplateVm> {
    const key = `${runtime}/${opts.seed ?? 0}/${opts.key ?? ""}`;
    let t = this.templates.get(key);
    if (!t) {
      t = bootTemplate(runtime, opts).then((template) => {
        const { vm, scan } = this.map.createTemplate(this.opts.host, template.image, this.opts.salt);
        return { template, vm, scan };
      });
      t.catch(() => this.templates.delete(key));
      this.templates.set(key, t);
    }
    return t;
  }

  /**
   * Starts a guest whose VM is an instant clone of `from` (a python guest with seeded entropy also
   * restores the template's snapshot instead of booting cold).
   */
  start(from: TemplateVm, opts: Omit<RealGuestOptions, "runtime" | "template" | "onMemory">): GuestOnHost {
    const vm = this.map.clone(from.vm, this.opts.salt);
    let resolveFirst!: (s: GuestScan) => void;
    let rejectFirst!: (e: Error) => void;
    const firstScan = new Promise<GuestScan>((res, rej) => ((resolveFirst = res), (rejectFirst = rej)));
    firstScan.catch(() => {});
    let lastScan: GuestScan | null = null;
    const onMemory = (reason: MemoryReason, bytes: Uint8Array) => {
      lastScan = this.map.scan(vm, bytes);
      if (reason === "boot") resolveFirst(lastScan);
    };
    const restore = from.template.snapshot && (opts.entropy ?? "seeded") === "seeded";
    const guest = RealGuest.start({
      ...opts,
      runtime: from.template.runtime,
      ...(restore ? { template: from.template } : {}),
      onMemory,
    });
    guest.booted.catch((e) => rejectFirst(e));
    const exited = guest.exited.then((r) => ({ ...r, lastScan }));
    const g = { guest, vm, firstScan, exited };
    this.latest.set(g, () => lastScan);
    return g;
  }

  /** Asks a running guest for its memory now and writes it to its VM (an exited guest's VM is as it left it). */
  async scan(g: GuestOnHost): Promise<GuestScan | null> {
    const before = g.guest.lastMemory;
    const bytes = await g.guest.scan();
    // A fresh copy was written to the VM as it arrived; a stale one (no checkpoint reached) is not new.
    if (!bytes || bytes === before) return null;
    return this.latest.get(g)?.() ?? null;
  }

  /** Destroys a guest's VM (after it has exited) and drops its last memory copy. */
  release(g: GuestOnHost): void {
    this.map.release(g.vm);
    g.guest.dropMemory();
  }
}
