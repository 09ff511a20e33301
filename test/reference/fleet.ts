/**
 * Reference model of the fleet scheduler (assembly/placement/fleet.ts) in plain TypeScript: the
 * same xorshift32 stream, the same sampling and scoring order, so both pick the same hosts.
 */
import { FleetScheduler } from "../../bindings/core/fleet.js";
import type { FleetKernel, FleetOptions } from "../../bindings/core/cluster-types.js";

const SAMPLE = 4;
const MAX_DRAWS = 64;
const REJECT_RATIO = 0.95;
const TRANSFER_ZERO_MIB = 1024;

/** The plain-TypeScript fleet kernel. */
export class ReferenceFleetKernel implements FleetKernel {
  private n = 0;
  private cpuOver = 16;
  private memOver = 1;
  // Typed arrays indexed by host, as the wasm's host records; (host, image) pairs in one Set of numbers.
  private cores = new Float64Array(0);
  private mem = new Float64Array(0);
  private labels = new Uint32Array(0);
  private up = new Uint8Array(0);
  private usedV = new Float64Array(0);
  private usedM = new Float64Array(0);
  private images = new Set<number>();
  private readonly cand: number[] = [];
  private x = 1;
  /** The last 8 placements' (host, score) pairs, score -1 when rejected, by sequence number mod 8. */
  private traces: number[][] = [];
  private seq = 0;

  private next(): number {
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x;
    return x >>> 0;
  }
  init(cores: ArrayLike<number>, memoryMiB: ArrayLike<number>, labels: ArrayLike<number>, seed: number, cpuOver: number, memOver: number): void {
    this.n = cores.length;
    this.cores = Float64Array.from(cores);
    this.mem = Float64Array.from(memoryMiB);
    this.labels = Uint32Array.from(labels, (l) => l >>> 0);
    this.up = new Uint8Array(this.n).fill(1);
    this.usedV = new Float64Array(this.n);
    this.usedM = new Float64Array(this.n);
    this.images.clear();
    this.cpuOver = cpuOver;
    this.memOver = memOver;
    this.x = seed >>> 0 === 0 ? 1 : seed | 0;
    this.seq = 0;
    this.traces = [];
  }
  traceSeq(): number {
    return this.seq;
  }
  trace(seq: number): number[] {
    return seq >= 0 && seq < this.seq && seq >= this.seq - 8 ? [...this.traces[seq % 8]] : [];
  }
  private eligible(h: number, want: number): boolean {
    return this.up[h] !== 0 && ((this.labels[h] & want) >>> 0) === want;
  }
  /** Places one request and writes [host or code, score, copied] at `out[at..at+3]`. */
  private placeOne(vcpus: number, mem: number, image: number, imageMiB: number, want: number, pin: number, out: Float64Array, at: number): void {
    const cand = this.cand;
    cand.length = 0;
    const trace: number[] = [];
    this.traces[this.seq++ % 8] = trace;
    if (pin >= 0) {
      if (pin >= this.n || !this.eligible(pin, want)) return void (out[at] = -1);
      cand.push(pin);
    }
    for (let tries = 0; cand.length < SAMPLE && tries < MAX_DRAWS && pin < 0; tries++) {
      const h = this.next() % this.n;
      if (!this.eligible(h, want)) continue;
      if (cand.includes(h)) continue;
      cand.push(h);
    }
    if (cand.length === 0) {
      const list: number[] = [];
      for (let h = 0; h < this.n; h++) if (this.eligible(h, want)) list.push(h);
      if (list.length === 0) return void (out[at] = -1);
      const k = Math.min(SAMPLE, list.length);
      for (let i = 0; i < k; i++) {
        const j = i + (this.next() % (list.length - i));
        const x = list[j];
        list[j] = list[i];
        list[i] = x;
        cand.push(x);
      }
    }
    let best = -1;
    let bestScore = -Infinity;
    let bestCopied = 0;
    let memoryShort = false;
    for (const h of cand) {
      const cr = (this.usedV[h] + vcpus) / (this.cores[h] * this.cpuOver);
      const mr = (this.usedM[h] + mem) / (this.mem[h] * this.memOver);
      trace.push(h, -1);
      if (mr > REJECT_RATIO) memoryShort = true;
      if (cr > REJECT_RATIO || mr > REJECT_RATIO) continue;
      const util = Math.min(100 - 100 * cr, 100 - 100 * mr);
      const missing = image >= 0 && !this.images.has(h * 2 ** 32 + image);
      const copy = missing ? imageMiB : 0;
      const transfer = 100 * Math.max(0, 1 - copy / TRANSFER_ZERO_MIB);
      const score = (9 * util + transfer) / 10;
      trace[trace.length - 1] = score;
      if (score > bestScore || (score === bestScore && h < best)) {
        best = h;
        bestScore = score;
        bestCopied = missing ? 1 : 0;
      }
    }
    if (best < 0) return void (out[at] = memoryShort ? -3 : -2);
    this.usedV[best] += vcpus;
    this.usedM[best] += mem;
    if (image >= 0) this.images.add(best * 2 ** 32 + image);
    out[at] = best;
    out[at + 1] = bestScore;
    out[at + 2] = bestCopied;
  }
  placeBatch(requests: Float64Array, n: number, stride = 5): Float64Array {
    const out = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      const q = i * stride;
      const pin = stride > 5 ? requests[q + 5] : -1;
      this.placeOne(requests[q], requests[q + 1], requests[q + 2], requests[q + 3], requests[q + 4] >>> 0, pin, out, i * 3);
    }
    return out;
  }
  reserve(host: number, vcpus: number, memoryMiB: number): void {
    this.usedV[host] += vcpus;
    this.usedM[host] += memoryMiB;
  }
  setLabels(host: number, labels: number): void {
    this.labels[host] = labels >>> 0;
  }
  release(host: number, vcpus: number, memoryMiB: number): void {
    this.usedV[host] = Math.max(0, this.usedV[host] - vcpus);
    this.usedM[host] = Math.max(0, this.usedM[host] - memoryMiB);
  }
  setUp(host: number, up: boolean): void {
    this.up[host] = up ? 1 : 0;
  }
  addImage(host: number, image: number): void {
    this.images.add(host * 2 ** 32 + image);
  }
  usage(host: number): number[] {
    return [this.usedV[host], this.usedM[host], this.up[host]];
  }
}

/** The fleet scheduler over the reference kernel. */
export class ReferenceFleetScheduler extends FleetScheduler {
  constructor(options: FleetOptions) {
    super(options, new ReferenceFleetKernel());
  }
}
