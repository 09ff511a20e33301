/** Fleet scheduler of Photon Controller for 10 000+ hosts: sample 4 random hosts that satisfy the
 * constraints, score each, take the best.
 *
 *   score = (9 · utilisation + transfer) / 10
 *   utilisation = min over CPU, memory of 100 − 100 · (used + asked) / (capacity · overcommit)
 *   transfer = 100 · max(0, 1 − image MiB to copy / 1 024)     (a host holding the image: 100)
 *
 * A host above 0.95 of either resource is rejected. When 64 draws find no eligible host the
 * eligible ones are listed and 4 drawn among them, so a rare constraint is never missed.
 */
import { scratch_ensure } from "../util/scratch";
import { rngNext, rngSeed } from "../util/placement-rng";

@inline const SAMPLE: i32 = 4;
@inline const MAX_DRAWS: i32 = 64;
@inline const REJECT_RATIO: f64 = 0.95;
@inline const TRANSFER_ZERO_MIB: f64 = 1024;
@inline const NO_MATCH: f64 = -1;
@inline const FULL: f64 = -2;

let fleetN: i32 = 0;
let cpuOver: f64 = 16;
let memOver: f64 = 1;
let cores = new StaticArray<f64>(0);
let memCap = new StaticArray<f64>(0);
let labels = new StaticArray<u32>(0);
let up = new StaticArray<u8>(0);
let usedV = new StaticArray<f64>(0);
let usedM = new StaticArray<f64>(0);
const images = new Set<u64>();
const cand = new StaticArray<i32>(SAMPLE);

@inline function imageKey(h: i32, image: i32): u64 {
  return (<u64>h << 32) | <u64><u32>image;
}

/** Sets up `n` hosts from scratch (cores × n, memory MiB × n, labels × n, as f64). */
export function sched_init(n: i32, seed: u32, cpuOvercommit: f64, memOvercommit: f64): void {
  const p = scratch_ensure(0);
  fleetN = n;
  cpuOver = cpuOvercommit;
  memOver = memOvercommit;
  cores = new StaticArray<f64>(n);
  memCap = new StaticArray<f64>(n);
  labels = new StaticArray<u32>(n);
  up = new StaticArray<u8>(n);
  usedV = new StaticArray<f64>(n);
  usedM = new StaticArray<f64>(n);
  images.clear();
  for (let i = 0; i < n; i++) {
    // SAFETY: the host copied 3n f64 into the scratch region before this call.
    cores[i] = load<f64>(p + (<usize>i << 3));
    memCap[i] = load<f64>(p + (<usize>(n + i) << 3));
    labels[i] = <u32>load<f64>(p + (<usize>(2 * n + i) << 3));
    up[i] = 1;
  }
  rngSeed(seed);
}

@inline function eligible(h: i32, want: u32): bool {
  return unchecked(up[h]) != 0 && (unchecked(labels[h]) & want) == want;
}

let resultScore: f64 = 0;
let resultCopied: f64 = 0;

/** Places one VM; returns the host, -1 when no host satisfies the constraints, -2 when every sampled host is full. */
function placeOne(vcpus: f64, mem: f64, image: i32, imageMiB: f64, want: u32): f64 {
  let c: i32 = 0;
  for (let tries = 0; c < SAMPLE && tries < MAX_DRAWS; tries++) {
    const h = <i32>(rngNext() % <u32>fleetN);
    if (!eligible(h, want)) continue;
    let dup = false;
    for (let i = 0; i < c; i++) if (unchecked(cand[i]) == h) dup = true;
    if (dup) continue;
    unchecked((cand[c++] = h));
  }
  if (c == 0) {
    const list = new Array<i32>();
    for (let h = 0; h < fleetN; h++) if (eligible(h, want)) list.push(h);
    const len = list.length;
    if (len == 0) return NO_MATCH;
    const k = min(SAMPLE, len);
    for (let i = 0; i < k; i++) {
      const j = i + <i32>(rngNext() % <u32>(len - i));
      const x = list[j];
      list[j] = list[i];
      list[i] = x;
      cand[i] = x;
    }
    c = k;
  }
  let best: i32 = -1;
  let bestScore: f64 = -Infinity;
  let bestCopied: f64 = 0;
  for (let i = 0; i < c; i++) {
    const h = unchecked(cand[i]);
    const cr = (unchecked(usedV[h]) + vcpus) / (unchecked(cores[h]) * cpuOver);
    const mr = (unchecked(usedM[h]) + mem) / (unchecked(memCap[h]) * memOver);
    if (cr > REJECT_RATIO || mr > REJECT_RATIO) continue;
    const util = min<f64>(100 - 100 * cr, 100 - 100 * mr);
    const missing = image >= 0 && !images.has(imageKey(h, image));
    const copy = missing ? imageMiB : 0;
    const transfer = 100 * max<f64>(0, 1 - copy / TRANSFER_ZERO_MIB);
    const score = (9 * util + transfer) / 10;
    if (score > bestScore || (score == bestScore && h < best)) {
      best = h;
      bestScore = score;
      bestCopied = missing ? 1 : 0;
    }
  }
  if (best < 0) return FULL;
  unchecked((usedV[best] = usedV[best] + vcpus));
  unchecked((usedM[best] = usedM[best] + mem));
  if (image >= 0) images.add(imageKey(best, image));
  resultScore = bestScore;
  resultCopied = bestCopied;
  return <f64>best;
}

/**
 * Places `n` requests read from scratch as (vcpus, memoryMiB, image, imageMiB, labels) and writes
 * (host, score, copied) per request over them, in place (result i ends before request i+1 starts).
 */
export function sched_place_batch(n: i32): i32 {
  const p = scratch_ensure(0);
  for (let i = 0; i < n; i++) {
    // SAFETY: the host reserved 5n f64 of scratch and copied the requests in.
    const q = p + (<usize>(i * 5) << 3);
    const vcpus = load<f64>(q);
    const mem = load<f64>(q, 8);
    const image = <i32>load<f64>(q, 16);
    const imageMiB = load<f64>(q, 24);
    const want = <u32>load<f64>(q, 32);
    resultScore = 0;
    resultCopied = 0;
    const host = placeOne(vcpus, mem, image, imageMiB, want);
    const r = p + (<usize>(i * 3) << 3);
    store<f64>(r, host);
    store<f64>(r, resultScore, 8);
    store<f64>(r, resultCopied, 16);
  }
  return n * 3;
}

/** Gives back what a VM held on host `h`. */
export function sched_release(h: i32, vcpus: f64, mem: f64): void {
  usedV[h] = max<f64>(0, usedV[h] - vcpus);
  usedM[h] = max<f64>(0, usedM[h] - mem);
}

/** Marks host `h` up (1) or down (0). */
export function sched_set_up(h: i32, on: i32): void {
  up[h] = <u8>on;
}

/** Records that host `h` holds `image`. */
export function sched_add_image(h: i32, image: i32): void {
  images.add(imageKey(h, image));
}

/** Used vCPUs of host `h`. */
export function sched_used_vcpus(h: i32): f64 {
  return usedV[h];
}
/** Used memory (MiB) of host `h`. */
export function sched_used_memory(h: i32): f64 {
  return usedM[h];
}
/** 1 when host `h` is up. */
export function sched_is_up(h: i32): i32 {
  return up[h];
}
