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
  private cores: number[] = [];
  private mem: number[] = [];
  private labels: number[] = [];
  private up: number[] = [];
  private usedV: number[] = [];
  private usedM: number[] = [];
  private images = new Set<number>();
  private x = 1;

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
    this.cores = Array.from(cores);
    this.mem = Array.from(memoryMiB);
    this.labels = Array.from(labels, (l) => l >>> 0);
    this.up = new Array<number>(this.n).fill(1);
    this.usedV = new Array<number>(this.n).fill(0);
    this.usedM = new Array<number>(this.n).fill(0);
    this.images.clear();
    this.cpuOver = cpuOver;
    this.memOver = memOver;
    this.x = seed >>> 0 === 0 ? 1 : seed | 0;
  }
  private eligible(h: number, want: number): boolean {
    return this.up[h] !== 0 && ((this.labels[h] & want) >>> 0) === want;
  }
  private placeOne(vcpus: number, mem: number, image: number, imageMiB: number, want: number, pin: number): number[] {
    const cand: number[] = [];
    if (pin >= 0) {
      if (pin >= this.n || !this.eligible(pin, want)) return [-1, 0, 0];
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
      if (list.length === 0) return [-1, 0, 0];
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
      if (mr > REJECT_RATIO) memoryShort = true;
      if (cr > REJECT_RATIO || mr > REJECT_RATIO) continue;
      const util = Math.min(100 - 100 * cr, 100 - 100 * mr);
      const missing = image >= 0 && !this.images.has(h * 2 ** 32 + image);
      const copy = missing ? imageMiB : 0;
      const transfer = 100 * Math.max(0, 1 - copy / TRANSFER_ZERO_MIB);
      const score = (9 * util + transfer) / 10;
      if (score > bestScore || (score === bestScore && h < best)) {
        best = h;
        bestScore = score;
        bestCopied = missing ? 1 : 0;
      }
    }
    if (best < 0) return [memoryShort ? -3 : -2, 0, 0];
    this.usedV[best] += vcpus;
    this.usedM[best] += mem;
    if (image >= 0) this.images.add(best * 2 ** 32 + image);
    return [best, bestScore, bestCopied];
  }
  placeBatch(requests: Float64Array, n: number, stride = 5): Float64Array {
    const out = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      const q = i * stride;
      const pin = stride > 5 ? requests[q + 5] : -1;
      out.set(this.placeOne(requests[q], requests[q + 1], requests[q + 2], requests[q + 3], requests[q + 4] >>> 0, pin), i * 3);
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
