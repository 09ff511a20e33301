/**
 * `FleetScheduler`: Photon Controller's scheduler for fleets of 10 000+ hosts, in the wasm core.
 * Each placement samples 4 hosts that satisfy the request's constraints (up, carrying its labels)
 * from a seeded xorshift32 stream, rejects those above 95 % of CPU (× overcommit 16) or memory
 * (× 1.0), and takes the best (9 · utilisation + transfer) / 10. Batches cross the boundary once.
 */
import { Scratch } from "./scratch.js";
import { instantiateCore, type CoreExports } from "./wasm.js";
import {
  FLEET_FULL,
  FLEET_FULL_MEMORY,
  FLEET_NO_MATCH,
  type FleetKernel,
  type FleetOptions,
  type FleetPlacement,
  type FleetRequest,
  type FleetSample,
  type FleetSchedulerApi,
} from "./cluster-types.js";

/** Exports of the fleet scheduler (assembly/placement/fleet.ts). */
interface FleetExports extends CoreExports {
  sched_init(n: number, seed: number, cpuOver: number, memOver: number): void;
  sched_place_batch(n: number, stride: number): number;
  sched_reserve(h: number, vcpus: number, mem: number): void;
  sched_set_labels(h: number, labels: number): void;
  sched_release(h: number, vcpus: number, mem: number): void;
  sched_set_up(h: number, on: number): void;
  sched_add_image(h: number, image: number): void;
  sched_used_vcpus(h: number): number;
  sched_used_memory(h: number): number;
  sched_is_up(h: number): number;
  sched_trace_seq(): number;
  sched_trace_host(seq: number, i: number): number;
  sched_trace_score(seq: number, i: number): number;
}

/** The fleet kernel in its own wasm instance. */
export class WasmFleetKernel implements FleetKernel {
  private readonly core = instantiateCore<FleetExports>();
  private readonly scratch = new Scratch(this.core);

  init(cores: ArrayLike<number>, memoryMiB: ArrayLike<number>, labels: ArrayLike<number>, seed: number, cpuOver: number, memOver: number): void {
    const n = cores.length;
    this.scratch.reserve(n * 24);
    const view = this.scratch.f64(n * 3);
    view.set(cores, 0);
    view.set(memoryMiB, n);
    view.set(labels, 2 * n);
    this.core.sched_init(n, seed >>> 0, cpuOver, memOver);
  }
  placeBatch(requests: Float64Array, n: number, stride = 5): Float64Array {
    this.scratch.reserve(n * stride * 8);
    this.scratch.f64(n * stride).set(requests.subarray(0, n * stride));
    const len = this.core.sched_place_batch(n, stride);
    return this.scratch.f64(len).slice();
  }
  reserve(host: number, vcpus: number, memoryMiB: number): void {
    this.core.sched_reserve(host, vcpus, memoryMiB);
  }
  setLabels(host: number, labels: number): void {
    this.core.sched_set_labels(host, labels >>> 0);
  }
  release(host: number, vcpus: number, memoryMiB: number): void {
    this.core.sched_release(host, vcpus, memoryMiB);
  }
  setUp(host: number, up: boolean): void {
    this.core.sched_set_up(host, up ? 1 : 0);
  }
  addImage(host: number, image: number): void {
    this.core.sched_add_image(host, image);
  }
  usage(host: number): number[] {
    return [this.core.sched_used_vcpus(host), this.core.sched_used_memory(host), this.core.sched_is_up(host)];
  }
  traceSeq(): number {
    return this.core.sched_trace_seq();
  }
  trace(seq: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < 4; i++) {
      const h = this.core.sched_trace_host(seq, i);
      if (h < 0) break;
      out.push(h, this.core.sched_trace_score(seq, i));
    }
    return out;
  }
}

/** Photon Controller's fleet scheduler over the wasm kernel (or any `FleetKernel`). */
export class FleetScheduler implements FleetSchedulerApi {
  readonly hostCount: number;
  private readonly kernel: FleetKernel;
  private buffer = new Float64Array(0);

  /** Builds the fleet; `kernel` defaults to a fresh wasm instance. */
  constructor(options: FleetOptions, kernel?: FleetKernel) {
    if (!options || !Array.isArray(options.hosts) || options.hosts.length === 0) throw new Error("a fleet needs at least one host");
    const n = options.hosts.length;
    const cores = new Float64Array(n);
    const mem = new Float64Array(n);
    const labels = new Float64Array(n);
    options.hosts.forEach((h, i) => {
      positive(h.cores, `host ${i} cores`);
      positive(h.memoryMiB, `host ${i} memory (MiB)`);
      cores[i] = h.cores;
      mem[i] = h.memoryMiB;
      labels[i] = checkLabels(h.labels ?? 0, `host ${i} labels`);
    });
    const seed = options.seed ?? 1;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`seed ${seed} is not a 32-bit unsigned integer`);
    const cpuOver = options.cpuOvercommit ?? 16;
    const memOver = options.memoryOvercommit ?? 1.0;
    positive(cpuOver, "CPU overcommit");
    positive(memOver, "memory overcommit");
    this.kernel = kernel ?? new WasmFleetKernel();
    this.hostCount = n;
    this.kernel.init(cores, mem, labels, seed, cpuOver, memOver);
  }

  /** Places one VM; throws with the reason when no host can take it. */
  place(request: FleetRequest): FleetPlacement {
    const [p] = this.placeMany([request]);
    if (p.host < 0) throw new Error(p.reason);
    return p;
  }

  /** Places VMs in order in one call into the core; refused ones come back with host -1 and a reason. */
  placeMany(requests: FleetRequest[]): FleetPlacement[] {
    if (!Array.isArray(requests)) throw new Error("placeMany takes an array of requests");
    const n = requests.length;
    if (this.buffer.length < n * 6) this.buffer = new Float64Array(n * 6);
    const b = this.buffer;
    requests.forEach((r, i) => {
      if (!r || typeof r !== "object") throw new Error(`request ${i} is not a request`);
      positive(r.vcpus, `request ${i} vcpus`);
      positive(r.memoryMiB, `request ${i} memoryMiB`);
      const image = r.image ?? -1;
      if (r.image !== undefined && (!Number.isInteger(image) || image < 0 || image > 0x7fffffff)) throw new Error(`request ${i} image ${r.image} is not an image id`);
      const size = r.imageSizeMiB ?? 0;
      if (typeof size !== "number" || !Number.isFinite(size) || size < 0) throw new Error(`request ${i} imageSizeMiB must be a non-negative number, not ${size}`);
      const pin = r.host ?? -1;
      if (r.host !== undefined) this.checkHost(r.host);
      b[i * 6] = r.vcpus;
      b[i * 6 + 1] = r.memoryMiB;
      b[i * 6 + 2] = image;
      b[i * 6 + 3] = size;
      b[i * 6 + 4] = checkLabels(r.labels ?? 0, `request ${i} labels`);
      b[i * 6 + 5] = pin;
    });
    const res = this.kernel.placeBatch(b, n, 6);
    const out: FleetPlacement[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const host = res[i * 3];
      const r = requests[i];
      if (host === FLEET_NO_MATCH) {
        const where = r.host !== undefined ? `host ${r.host} is not up with labels 0x${(r.labels ?? 0).toString(16)}` : `no host is up with labels 0x${(r.labels ?? 0).toString(16)}`;
        out[i] = { host: -1, score: 0, imageCopied: false, reason: where, code: "NoSuchResource" };
      } else if (host === FLEET_FULL) out[i] = { host: -1, score: 0, imageCopied: false, reason: "not enough resources: every sampled host is above 95% of CPU or memory (CPU)", code: "NotEnoughCpuResource" };
      else if (host === FLEET_FULL_MEMORY) out[i] = { host: -1, score: 0, imageCopied: false, reason: "not enough resources: every sampled host is above 95% of CPU or memory (memory)", code: "NotEnoughMemoryResource" };
      else out[i] = { host, score: res[i * 3 + 1], imageCopied: res[i * 3 + 2] === 1 };
    }
    return out;
  }

  /**
   * Bulk placement without objects: `requests` holds (vcpus, memoryMiB, image or -1, imageSizeMiB,
   * labels) per VM; returns (host or -1/-2/-3, score, copied 0/1) per VM (-1: no host matches the
   * labels, -2/-3: every sampled host is above 95 %, for CPU / for memory).
   */
  placeBatch(requests: Float64Array): Float64Array {
    const n = requests.length / 5;
    if (!Number.isInteger(n)) throw new Error(`placeBatch takes 5 numbers per request, not ${requests.length} in all`);
    for (let i = 0; i < n; i++) {
      const o = i * 5;
      const vcpus = requests[o];
      const mem = requests[o + 1];
      const image = requests[o + 2];
      const size = requests[o + 3];
      const labels = requests[o + 4];
      if (!(vcpus > 0 && vcpus < Infinity) || !(mem > 0 && mem < Infinity) || !(size >= 0 && size < Infinity)) {
        throw new Error(`request ${i}: vcpus and memoryMiB must be positive, imageSizeMiB non-negative`);
      }
      if (!(image === -1 || (Number.isInteger(image) && image >= 0 && image <= 0x7fffffff)) || !(Number.isInteger(labels) && labels >= 0 && labels <= 0xffffffff)) {
        throw new Error(`request ${i}: image must be -1 or an image id, labels a 32-bit mask`);
      }
    }
    return this.kernel.placeBatch(requests, n);
  }

  release(host: number, vcpus: number, memoryMiB: number): void {
    this.checkHost(host);
    positive(vcpus, "vcpus");
    positive(memoryMiB, "memoryMiB");
    const u = this.kernel.usage(host);
    if (vcpus > u[0] || memoryMiB > u[1]) throw new Error(`host ${host} holds ${u[0]} vCPUs / ${u[1]} MiB, less than released`);
    this.kernel.release(host, vcpus, memoryMiB);
  }
  setHostUp(host: number, up: boolean): void {
    this.checkHost(host);
    this.kernel.setUp(host, up);
  }
  addImage(host: number, image: number): void {
    this.checkHost(host);
    if (!Number.isInteger(image) || image < 0 || image > 0x7fffffff) throw new Error(`image ${image} is not an image id`);
    this.kernel.addImage(host, image);
  }
  reserve(host: number, vcpus: number, memoryMiB: number): void {
    this.checkHost(host);
    positive(vcpus, "vcpus");
    positive(memoryMiB, "memoryMiB");
    this.kernel.reserve(host, vcpus, memoryMiB);
  }
  setHostLabels(host: number, labels: number): void {
    this.checkHost(host);
    this.kernel.setLabels(host, checkLabels(labels, `host ${host} labels`));
  }
  hostUsage(host: number): { vcpus: number; memoryMiB: number; up: boolean } {
    this.checkHost(host);
    const u = this.kernel.usage(host);
    return { vcpus: u[0], memoryMiB: u[1], up: u[2] === 1 };
  }
  /**
   * The hosts the last `count` placements (at most 8) sampled and their scores, oldest first: what
   * the scheduler weighed, for a decision log. A refusal before sampling (no host matches) has none.
   */
  recentSamples(count = 8): FleetSample[][] {
    const seq = this.kernel.traceSeq();
    const out: FleetSample[][] = [];
    for (let s = Math.max(0, seq - Math.min(8, count)); s < seq; s++) {
      const t = this.kernel.trace(s);
      const sample: FleetSample[] = [];
      for (let i = 0; i < t.length; i += 2) sample.push({ host: t[i], score: t[i + 1] < 0 ? null : t[i + 1] });
      out.push(sample);
    }
    return out;
  }
  private checkHost(host: number): void {
    if (!Number.isInteger(host) || host < 0 || host >= this.hostCount) throw new Error(`host ${host} does not exist (the fleet has ${this.hostCount} hosts)`);
  }
}

function positive(x: number, what: string): void {
  if (typeof x !== "number" || !Number.isFinite(x) || x <= 0) throw new Error(`${what} must be a positive number, not ${x}`);
}
function checkLabels(x: number, what: string): number {
  if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new Error(`${what} must be a 32-bit mask, not ${x}`);
  return x;
}
