/**
 * The simulation loop: the page owns the VCH's manual clock. Every tick advances virtual time by the
 * wall time × speed (TPS scans, DRS passes and guest writes run inside the VCH as it moves); every
 * frame builds one snapshot and hands it to the views. Play, pause and speed are exact.
 */
import type { VirtualContainerHost } from "../../bindings/browser.js";
import type { History } from "./history.js";
import { takeSnapshot, type Snapshot } from "./snapshot.js";

const TICK_MS = 100;
/** The cluster's views are DOM: four frames a second is plenty and leaves the page room. */
const FRAME_MS = 250;
export const SPEEDS = [1, 10, 60, 300, 1800] as const;

export class Loop {
  playing = true;
  speed = 10;
  /** False while another tab is shown: time still moves, no snapshot is built. */
  visible = true;
  private readonly views: ((s: Snapshot) => void)[] = [];
  private lastFrame = 0;

  constructor(
    private readonly vch: VirtualContainerHost,
    private readonly history: History,
    /** Told when the page could not keep up and lowered the speed. */
    private readonly onSlow: (speed: number) => void,
  ) {}

  /** Adds a view, called with each frame's snapshot. */
  view(render: (s: Snapshot) => void): void {
    this.views.push(render);
  }

  start(): void {
    setInterval(() => this.tick(), TICK_MS);
    const frame = (t: number) => {
      if (this.visible && t - this.lastFrame >= FRAME_MS) this.frame();
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  /** Builds the frame's snapshot and renders every view (also called right after a control acts). */
  frame(): void {
    this.lastFrame = performance.now();
    const s = takeSnapshot(this.vch, this, this.history);
    for (const render of this.views) render(s);
  }

  /** Advances virtual time while playing. */
  private tick(): void {
    if (!this.playing) return;
    const started = performance.now();
    this.vch.advance(TICK_MS * this.speed);
    // Slow down rather than freeze the page when the simulation cannot keep up with the chosen speed.
    if (performance.now() - started > TICK_MS * 2 && this.speed > 1) {
      const lower = Math.max(1, Math.floor(this.speed / 2));
      this.speed = SPEEDS.filter((v) => v <= lower).pop() ?? 1;
      this.onSlow(this.speed);
    }
  }
}
