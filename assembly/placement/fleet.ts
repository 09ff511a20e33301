/** Fleet scheduler of Photon Controller for 10 000+ hosts: sample 4 random hosts that satisfy the
 * constraints, score each, take the best.
 *
 *   score = (9 · utilisation + transfer) / 10
 *   utilisation = min over CPU, memory of 100 − 100 · (used + asked) / (capacity · overcommit)
 *   transfer = 100 · max(0, 1 − image MiB to copy / 1 024)     (a host holding the image: 100)
 *
 * A host above 0.95 of either resource is rejected. When 64 draws find no eligible host the
 * eligible ones are listed and 4 drawn among them, so a rare constraint is never missed.
 * Constraints are labels (availability zone, usage and datastore tags, as bits the host must carry)
 * and an optional pinned host; refusals say which: no host matches (-1), CPU (-2), memory (-3).
 */
import { scratch_ensure } from "../util/scratch";
import { rngNext, rngSeed } from "../util/placement-rng";

@inline const SAMPLE: i32 = 4;
@inline const MAX_DRAWS: i32 = 64;
@inline const REJECT_RATIO: f64 = 0.95;
@inline const TRANSFER_ZERO_MIB: f64 = 1024;
@inline const NO_MATCH: f64 = -1;
@inline const FULL: f64 = -2;
@inline const FULL_MEMORY: f64 = -3;

let fleetN: i32 = 0;
let cpuOver: f64 = 16;
let memOver: f64 = 1;

/** One host, two adjacent cache lines: a placement touches 4 random hosts, so 4 records.
 *
 *   0        8         16        24        32       36  37   38    40                     128
 *   ┌────────┬─────────┬─────────┬─────────┬────────┬───┬────┬─────┬──────────────────────┐
 *   │cores   │memoryMiB│usedVcpus│usedMiB  │labels  │up │nimg│spill│image[22] i32         │
 *   └────────┴─────────┴─────────┴─────────┴────────┴───┴────┴─────┴──────────────────────┘
 * A host's first 22 images sit in its record; more spill to the image set below (`spill` = 1).
 */
@inline const HOST_BYTES: usize = 128;
@inline const INLINE_IMAGES: i32 = 22;
@inline const H_CORES: usize = 0;
@inline const H_MEM: usize = 8;
@inline const H_USED_V: usize = 16;
@inline const H_USED_M: usize = 24;
@inline const H_LABELS: usize = 32;
@inline const H_UP: usize = 36;
@inline const H_NIMG: usize = 37;
@inline const H_SPILL: usize = 38;
@inline const H_IMAGES: usize = 40;
let hostRecords = new StaticArray<u8>(0);

@inline function rec(h: i32): usize {
  return changetype<usize>(hostRecords) + <usize>h * HOST_BYTES;
}

/** Image set for images beyond a host's inline ones: open-addressing set of (host, image) keys, linear probing,
 * power-of-two capacity kept at most half full; key 0 marks an empty slot, so keys are stored + 1.
 *
 *   ┌──────────────────────────────────────────────┐
 *   │ slot[cap] u64: ((host << 32) | image) + 1, 0 │
 *   └──────────────────────────────────────────────┘
 */
let imageSlots = new StaticArray<u64>(1024);
let imageCount: i32 = 0;

@inline function slotOf(key: u64, mask: i32): i32 {
  // Fibonacci hashing: the high bits of key × 2^64/φ spread consecutive hosts and images
  return <i32>((key * 0x9e3779b97f4a7c15) >> 40) & mask;
}
function imageHas(key: u64): bool {
  const k = key + 1;
  const mask = imageSlots.length - 1;
  let i = slotOf(k, mask);
  let x = unchecked(imageSlots[i]);
  while (x != 0) {
    if (x == k) return true;
    i = (i + 1) & mask;
    x = unchecked(imageSlots[i]);
  }
  return false;
}
function imageAdd(key: u64): void {
  if ((imageCount + 1) << 1 > imageSlots.length) {
    const old = imageSlots;
    imageSlots = new StaticArray<u64>(old.length << 1);
    imageCount = 0;
    for (let j = 0; j < old.length; j++) {
      const x = unchecked(old[j]);
      if (x != 0) imageAdd(x - 1);
    }
  }
  const k = key + 1;
  const mask = imageSlots.length - 1;
  let i = slotOf(k, mask);
  for (;;) {
    const x = unchecked(imageSlots[i]);
    if (x == k) return;
    if (x == 0) {
      unchecked((imageSlots[i] = k));
      imageCount++;
      return;
    }
    i = (i + 1) & mask;
  }
}
const cand = new StaticArray<i32>(SAMPLE);

/** The last TRACE placements' samples (a ring, for a scheduler's decision log): per placement the
 * sampled hosts and their scores, -1 for a host rejected above 0.95. `traceSeq` counts placements. */
@inline const TRACE: i32 = 8;
const traceHost = new StaticArray<i32>(TRACE * SAMPLE);
const traceScore = new StaticArray<f64>(TRACE * SAMPLE);
const traceLen = new StaticArray<i32>(TRACE);
let traceSeq: i32 = 0;

@inline function imageKey(h: i32, image: i32): u64 {
  return (<u64>h << 32) | <u64><u32>image;
}

/** True when host `h` holds `image` (inline first, the spill set only if the host spilled). */
function hostHasImage(h: i32, image: i32): bool {
  const r = rec(h);
  const n = <i32>load<u8>(r + H_NIMG);
  for (let i = 0; i < n; i++) if (load<i32>(r + H_IMAGES + (<usize>i << 2)) == image) return true;
  return load<u8>(r + H_SPILL) != 0 && imageHas(imageKey(h, image));
}

/** Records that host `h` holds `image`. */
function hostAddImage(h: i32, image: i32): void {
  if (hostHasImage(h, image)) return;
  const r = rec(h);
  const n = <i32>load<u8>(r + H_NIMG);
  if (n < INLINE_IMAGES) {
    store<i32>(r + H_IMAGES + (<usize>n << 2), image);
    store<u8>(r + H_NIMG, <u8>(n + 1));
  } else {
    store<u8>(r + H_SPILL, 1);
    imageAdd(imageKey(h, image));
  }
}

/** Sets up `n` hosts from scratch (cores × n, memory MiB × n, labels × n, as f64). */
export function sched_init(n: i32, seed: u32, cpuOvercommit: f64, memOvercommit: f64): void {
  const p = scratch_ensure(0);
  fleetN = n;
  cpuOver = cpuOvercommit;
  memOver = memOvercommit;
  hostRecords = new StaticArray<u8>(n * <i32>HOST_BYTES);
  imageSlots = new StaticArray<u64>(1024);
  imageCount = 0;
  for (let i = 0; i < n; i++) {
    // SAFETY: the host copied 3n f64 into the scratch region before this call.
    const r = rec(i);
    store<f64>(r + H_CORES, load<f64>(p + (<usize>i << 3)));
    store<f64>(r + H_MEM, load<f64>(p + (<usize>(n + i) << 3)));
    store<u32>(r + H_LABELS, <u32>load<f64>(p + (<usize>(2 * n + i) << 3)));
    store<u8>(r + H_UP, 1);
  }
  rngSeed(seed);
  traceSeq = 0;
}

@inline function eligible(h: i32, want: u32): bool {
  const r = rec(h);
  return load<u8>(r + H_UP) != 0 && (load<u32>(r + H_LABELS) & want) == want;
}

let resultScore: f64 = 0;
let resultCopied: f64 = 0;

/** Places one VM; returns the host, -1 when no host satisfies the constraints, -2 (CPU) or -3 (memory) when
 * every sampled host is full. `pin` ≥ 0 makes that host the only candidate. */
function placeOne(vcpus: f64, mem: f64, image: i32, imageMiB: f64, want: u32, pin: i32): f64 {
  const slot = traceSeq % TRACE;
  traceSeq++;
  unchecked((traceLen[slot] = 0));
  let c: i32 = 0;
  if (pin >= 0) {
    if (pin >= fleetN || !eligible(pin, want)) return NO_MATCH;
    unchecked((cand[0] = pin));
    c = 1;
  }
  for (let tries = 0; c < SAMPLE && tries < MAX_DRAWS && pin < 0; tries++) {
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
  let memoryShort = false;
  unchecked((traceLen[slot] = c));
  for (let i = 0; i < c; i++) {
    const h = unchecked(cand[i]);
    const r = rec(h);
    const cr = (load<f64>(r + H_USED_V) + vcpus) / (load<f64>(r + H_CORES) * cpuOver);
    const mr = (load<f64>(r + H_USED_M) + mem) / (load<f64>(r + H_MEM) * memOver);
    unchecked((traceHost[slot * SAMPLE + i] = h));
    unchecked((traceScore[slot * SAMPLE + i] = -1));
    if (mr > REJECT_RATIO) memoryShort = true;
    if (cr > REJECT_RATIO || mr > REJECT_RATIO) continue;
    const util = min<f64>(100 - 100 * cr, 100 - 100 * mr);
    const missing = image >= 0 && !hostHasImage(h, image);
    const copy = missing ? imageMiB : 0;
    const transfer = 100 * max<f64>(0, 1 - copy / TRANSFER_ZERO_MIB);
    const score = (9 * util + transfer) / 10;
    unchecked((traceScore[slot * SAMPLE + i] = score));
    if (score > bestScore || (score == bestScore && h < best)) {
      best = h;
      bestScore = score;
      bestCopied = missing ? 1 : 0;
    }
  }
  if (best < 0) return memoryShort ? FULL_MEMORY : FULL;
  const r = rec(best);
  store<f64>(r + H_USED_V, load<f64>(r + H_USED_V) + vcpus);
  store<f64>(r + H_USED_M, load<f64>(r + H_USED_M) + mem);
  if (image >= 0) hostAddImage(best, image);
  resultScore = bestScore;
  resultCopied = bestCopied;
  return <f64>best;
}

/**
 * Places `n` requests read from scratch as (vcpus, memoryMiB, image, imageMiB, labels[, pinned host or -1])
 * (`stride` 5 or 6 numbers each) and writes (host, score, copied) per request over them, in place
 * (result i ends before request i+1 starts).
 */
export function sched_place_batch(n: i32, stride: i32): i32 {
  const p = scratch_ensure(0);
  for (let i = 0; i < n; i++) {
    // SAFETY: the host reserved stride·n f64 of scratch and copied the requests in.
    const q = p + (<usize>(i * stride) << 3);
    const vcpus = load<f64>(q);
    const mem = load<f64>(q, 8);
    const image = <i32>load<f64>(q, 16);
    const imageMiB = load<f64>(q, 24);
    const want = <u32>load<f64>(q, 32);
    const pin = stride > 5 ? <i32>load<f64>(q, 40) : -1;
    resultScore = 0;
    resultCopied = 0;
    const host = placeOne(vcpus, mem, image, imageMiB, want, pin);
    const r = p + (<usize>(i * 3) << 3);
    store<f64>(r, host);
    store<f64>(r, resultScore, 8);
    store<f64>(r, resultCopied, 16);
  }
  return n * 3;
}

/** Gives back what a VM held on host `h`. */
export function sched_release(h: i32, vcpus: f64, mem: f64): void {
  const r = rec(h);
  store<f64>(r + H_USED_V, max<f64>(0, load<f64>(r + H_USED_V) - vcpus));
  store<f64>(r + H_USED_M, max<f64>(0, load<f64>(r + H_USED_M) - mem));
}

/** Takes what a VM holds on host `h` without placing it (a VM restored from a state folder). */
export function sched_reserve(h: i32, vcpus: f64, mem: f64): void {
  const r = rec(h);
  store<f64>(r + H_USED_V, load<f64>(r + H_USED_V) + vcpus);
  store<f64>(r + H_USED_M, load<f64>(r + H_USED_M) + mem);
}

/** Replaces the labels of host `h` (its availability zone changed). */
export function sched_set_labels(h: i32, labels: u32): void {
  store<u32>(rec(h) + H_LABELS, labels);
}

/** Marks host `h` up (1) or down (0). */
export function sched_set_up(h: i32, on: i32): void {
  store<u8>(rec(h) + H_UP, <u8>on);
}

/** Records that host `h` holds `image`. */
export function sched_add_image(h: i32, image: i32): void {
  hostAddImage(h, image);
}

/** Used vCPUs of host `h`. */
export function sched_used_vcpus(h: i32): f64 {
  return load<f64>(rec(h) + H_USED_V);
}
/** Used memory (MiB) of host `h`. */
export function sched_used_memory(h: i32): f64 {
  return load<f64>(rec(h) + H_USED_M);
}
/** 1 when host `h` is up. */
export function sched_is_up(h: i32): i32 {
  return load<u8>(rec(h) + H_UP);
}

/** Placements made since `sched_init` (the newest has sequence number `sched_trace_seq() - 1`). */
export function sched_trace_seq(): i32 {
  return traceSeq;
}
/** Hosts placement `seq` sampled (one of the last 8), or -1 past the end or for an older placement. */
export function sched_trace_host(seq: i32, i: i32): i32 {
  if (seq < 0 || seq >= traceSeq || seq < traceSeq - TRACE || i < 0 || i >= traceLen[seq % TRACE]) return -1;
  return traceHost[(seq % TRACE) * SAMPLE + i];
}
/** Score of the `i`th host placement `seq` sampled; -1 when it was rejected above 0.95. */
export function sched_trace_score(seq: i32, i: i32): f64 {
  if (sched_trace_host(seq, i) < 0) return -1;
  return traceScore[(seq % TRACE) * SAMPLE + i];
}
