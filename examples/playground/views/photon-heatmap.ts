/**
 * The fleet as a heat map: one pixel per host in an ImageData (no DOM node per host), scaled up by
 * CSS, so 32,768 hosts redraw in well under a frame. Colour: the host's utilisation from pale to
 * red while READY; its state otherwise. The selected host is blue.
 */
import type { PhotonFrame } from "../photon/snapshot.js";

/**
 * RGBA of a READY host at utilisation u (0…1): pale when idle, through green and yellow to red at
 * the scheduler's 0.95 limit; a square root spreads the low end, where most of a large fleet sits.
 */
const RAMP: [number, number, number][] = [[226, 236, 228], [80, 190, 90], [240, 200, 60], [215, 40, 40]];
function heat(u: number, out: Uint8ClampedArray, i: number): void {
  const t = Math.sqrt(Math.min(1, u / 0.95)) * (RAMP.length - 1);
  const k = Math.min(RAMP.length - 2, Math.floor(t));
  const f = t - k;
  const a = RAMP[k];
  const b = RAMP[k + 1];
  out[i] = a[0] + (b[0] - a[0]) * f;
  out[i + 1] = a[1] + (b[1] - a[1]) * f;
  out[i + 2] = a[2] + (b[2] - a[2]) * f;
  out[i + 3] = 255;
}
/** Colours of the other states, by index into HOST_STATES. */
const STATE_RGB: Record<number, [number, number, number]> = {
  1: [130, 80, 223], // SUSPENDED
  2: [154, 103, 0], // MAINTENANCE
  3: [30, 30, 30], // ERROR
  4: [180, 180, 180], // NOT_PROVISIONED
  5: [180, 180, 180], // CREATING
};

export class HeatMap {
  private image: ImageData | null = null;
  private cols = 0;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  /** The host under a click, or -1. */
  hostAt(e: MouseEvent): number {
    if (!this.cols) return -1;
    const r = this.canvas.getBoundingClientRect();
    const x = Math.floor(((e.clientX - r.left) / r.width) * this.canvas.width);
    const y = Math.floor(((e.clientY - r.top) / r.height) * this.canvas.height);
    const h = y * this.cols + x;
    return x >= 0 && x < this.cols && h >= 0 && h < Number(this.canvas.dataset.cells) ? h : -1;
  }

  render(f: PhotonFrame): void {
    const n = f.hosts;
    if (!this.image || Number(this.canvas.dataset.cells) !== n) {
      // About twice as wide as tall.
      this.cols = Math.ceil(Math.sqrt(n * 2));
      this.canvas.width = this.cols;
      this.canvas.height = Math.ceil(n / this.cols);
      this.canvas.dataset.cells = String(n);
      this.image = new ImageData(this.canvas.width, this.canvas.height);
    }
    const px = this.image.data;
    for (let h = 0; h < n; h++) {
      const i = h * 4;
      const s = f.state[h];
      if (h === f.selected) {
        px[i] = 31;
        px[i + 1] = 111;
        px[i + 2] = 235;
        px[i + 3] = 255;
      } else if (s === 0) heat(f.utilisation[h], px, i);
      else {
        const [r, g, b] = STATE_RGB[s] ?? [0, 0, 0];
        px[i] = r;
        px[i + 1] = g;
        px[i + 2] = b;
        px[i + 3] = 255;
      }
    }
    this.canvas.getContext("2d")!.putImageData(this.image, 0, 0);
  }
}
