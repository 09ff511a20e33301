/**
 * The periodic guest tick: every running, unpaused container VM writes its memory in batches as its
 * process's activity says (through the VM binding), and the container's CPU time is accounted.
 */
import type { Container } from "./container.js";
import type { ContainerVms } from "./container-vm.js";
import type { VchContext } from "./context.js";
import type { Images } from "./images.js";

/** Virtual ms between batches of guest writes. */
const GUEST_TICK_MS = 10_000;

export class GuestTick {
  private readonly ctx: VchContext;
  private readonly images: Images;
  private readonly vms: ContainerVms;
  /** The state machine's set of containers whose guest runs (the tick visits only these). */
  private readonly running: ReadonlySet<Container>;
  private readonly onFirstRun: () => void;
  private guestTickArmed = false;

  constructor(deps: { ctx: VchContext; images: Images; vms: ContainerVms; onFirstRun: () => void }, running: ReadonlySet<Container>) {
    this.ctx = deps.ctx;
    this.images = deps.images;
    this.vms = deps.vms;
    this.onFirstRun = deps.onFirstRun;
    this.running = running;
  }

  /** Periodic guest writes of every running, unpaused container VM. */
  armGuestTick(): void {
    if (this.guestTickArmed || this.ctx.closed) return;
    this.guestTickArmed = true;
    this.ctx.clock.after(GUEST_TICK_MS, () => {
      this.guestTickArmed = false;
      let any = false;
      for (const c of this.running) {
        if (c.vm.mem === null) continue;
        any = true;
        if (c.rt.frozen) continue;
        const img = this.images.get(c.rec.imageId);
        if (!img || !c.rt.process) continue;
        this.accountCpu(c);
        const vcpus = Math.max(1, Math.ceil(Number(c.rec.hostConfig.NanoCpus) / 1e9));
        c.rt.precpuSample = { total: Math.round(c.rt.cpuNs), system: Math.round(this.ctx.now() * 1e6 * vcpus), read: this.ctx.now() };
        const activity = c.rt.process.activity();
        c.rt.cpuRate = activity * 0.1;
        this.vms.tick(c, img, activity, GUEST_TICK_MS);
      }
      if (any) this.armGuestTick();
    });
    this.onFirstRun();
  }

  /** CPU ns the container has used by `now` (what `accountCpu` would record), without recording it. */
  cpuNsAt(c: Container, now: number): number {
    return c.rt.cpuNs + (c.rec.state.Running && !c.rt.frozen ? (now - c.rt.cpuSince) * 1e6 * c.rt.cpuRate : 0);
  }

  accountCpu(c: Container): void {
    const now = this.ctx.now();
    if (c.rec.state.Running && !c.rt.frozen) c.rt.cpuNs += (now - c.rt.cpuSince) * 1e6 * c.rt.cpuRate;
    c.rt.cpuSince = now;
  }
}
