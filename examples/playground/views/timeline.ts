/** The playground's timeline: memory (used and saved by sharing) and DRS imbalance over virtual time, with event marks. */
import type { Snapshot } from "../snapshot.js";

/** One sample of the cluster, taken as virtual time passes. */
export interface Sample {
  /** Virtual ms. */
  t: number;
  imbalance: number;
  targetImbalance: number;
  /** Bytes of host memory in use across the cluster. */
  usedBytes: number;
  /** Bytes saved by sharing (instant clone and TPS) across the cluster. */
  savedBytes: number;
}

/** A marked moment: a host failing, HA restarts, a DRS migration, … */
export interface Mark {
  t: number;
  kind: "failure" | "recovery" | "restart" | "migration" | "maintenance";
}

const MARK_COLOURS: Record<Mark["kind"], string> = {
  failure: "#cf222e",
  recovery: "#1a7f37",
  restart: "#fb8500",
  migration: "#1f6feb",
  maintenance: "#9a6700",
};

const KEEP = 900;
const PAGE = 4096;

/** Keeps the last samples and draws them, with the history's marks, on a canvas. */
export class Timeline {
  readonly samples: Sample[] = [];

  constructor(private readonly canvas: HTMLCanvasElement) {}

  /** Takes the frame's sample and redraws. */
  render(s: Snapshot): void {
    this.add({ t: s.now, imbalance: s.drs.imbalance, targetImbalance: s.drs.targetImbalance, usedBytes: s.totals.used * PAGE, savedBytes: s.totals.saved * PAGE });
    this.draw(s.history.marks);
  }

  /** Adds a sample (a sample at the same virtual time replaces the last one). */
  add(sample: Sample): void {
    const last = this.samples[this.samples.length - 1];
    if (last && last.t === sample.t) this.samples[this.samples.length - 1] = sample;
    else this.samples.push(sample);
    if (this.samples.length > KEEP) this.samples.splice(0, this.samples.length - KEEP);
  }

  /** Redraws the plot. */
  draw(marks: readonly Mark[]): void {
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    const W = this.canvas.width;
    const H = this.canvas.height;
    const left = 52;
    const right = 8;
    const memTop = 18;
    const memBottom = Math.round(H * 0.58);
    const imbTop = memBottom + 22;
    const imbBottom = H - 18;
    ctx.clearRect(0, 0, W, H);
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    const s = this.samples;
    if (s.length === 0) {
      ctx.fillStyle = "#667085";
      ctx.fillText("waiting for the first sample…", left, H / 2);
      return;
    }
    const t0 = s[0].t;
    const t1 = Math.max(s[s.length - 1].t, t0 + 1000);
    const x = (t: number) => left + ((t - t0) / (t1 - t0)) * (W - left - right);

    // Memory pane: used (private + template) below, saved by sharing stacked above it.
    const memMax = Math.max(1, ...s.map((p) => p.usedBytes + p.savedBytes)) * 1.1;
    const yMem = (b: number) => memBottom - (b / memMax) * (memBottom - memTop);
    const area = (top: (p: Sample) => number, bottom: (p: Sample) => number, colour: string) => {
      ctx.beginPath();
      s.forEach((p, i) => (i ? ctx.lineTo(x(p.t), yMem(top(p))) : ctx.moveTo(x(p.t), yMem(top(p)))));
      for (let i = s.length - 1; i >= 0; i--) ctx.lineTo(x(s[i].t), yMem(bottom(s[i])));
      ctx.closePath();
      ctx.fillStyle = colour;
      ctx.fill();
    };
    area((p) => p.usedBytes, () => 0, "rgba(130, 80, 223, 0.55)");
    area((p) => p.usedBytes + p.savedBytes, (p) => p.usedBytes, "rgba(45, 164, 78, 0.45)");

    // Imbalance pane: the cluster's imbalance against the target the threshold sets.
    const imbMax = Math.max(0.05, ...s.map((p) => Math.max(p.imbalance, p.targetImbalance))) * 1.15;
    const yImb = (v: number) => imbBottom - (v / imbMax) * (imbBottom - imbTop);
    const line = (value: (p: Sample) => number, colour: string, dash: number[]) => {
      ctx.beginPath();
      s.forEach((p, i) => (i ? ctx.lineTo(x(p.t), yImb(value(p))) : ctx.moveTo(x(p.t), yImb(value(p)))));
      ctx.setLineDash(dash);
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.5;
      ctx.stroke();
      ctx.setLineDash([]);
    };
    line((p) => p.targetImbalance, "#98a2b3", [4, 3]);
    line((p) => p.imbalance, "#1f6feb", []);

    // Event marks across both panes.
    for (const m of marks) {
      if (m.t < t0 || m.t > t1) continue;
      ctx.strokeStyle = MARK_COLOURS[m.kind];
      ctx.lineWidth = m.kind === "failure" || m.kind === "recovery" ? 2 : 1;
      ctx.beginPath();
      ctx.moveTo(x(m.t), memTop);
      ctx.lineTo(x(m.t), imbBottom);
      ctx.stroke();
    }

    // Axes and labels.
    ctx.strokeStyle = "#dde1e8";
    ctx.lineWidth = 1;
    ctx.strokeRect(left, memTop, W - left - right, memBottom - memTop);
    ctx.strokeRect(left, imbTop, W - left - right, imbBottom - imbTop);
    ctx.fillStyle = "#667085";
    ctx.textAlign = "right";
    ctx.fillText(gib(memMax), left - 4, memTop + 6);
    ctx.fillText("0", left - 4, memBottom);
    ctx.fillText(imbMax.toFixed(3), left - 4, imbTop + 6);
    ctx.fillText("0", left - 4, imbBottom);
    ctx.textAlign = "left";
    ctx.fillStyle = "#8250df";
    ctx.fillText("■ used", left, 8);
    ctx.fillStyle = "#2da44e";
    ctx.fillText("■ saved by sharing", left + 52, 8);
    ctx.fillStyle = "#1f6feb";
    ctx.fillText("— DRS imbalance", left, memBottom + 11);
    ctx.fillStyle = "#98a2b3";
    ctx.fillText("- - target", left + 100, memBottom + 11);
    let lx = left + 170;
    for (const [kind, colour] of Object.entries(MARK_COLOURS)) {
      ctx.fillStyle = colour;
      ctx.fillText(`| ${kind}`, lx, memBottom + 11);
      lx += ctx.measureText(`| ${kind}`).width + 8;
    }
    ctx.fillStyle = "#667085";
    ctx.fillText(clock(t0), left, H - 6);
    ctx.textAlign = "right";
    ctx.fillText(clock(t1), W - right, H - 6);
  }
}

function gib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}

/** Virtual time of day, UTC. */
export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}
