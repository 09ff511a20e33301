// The memory engine's state: frame table, leaf tables, VMs and hosts, as raw arrays in linear
// memory that grow by doubling. Ids are indexes; id 0 of frames and leaves means "none".
import { growBlock, zeroBlock } from "../util/grow";

/** Guest pages per leaf table (2 MiB of guest memory). */
@inline export const LEAF_ENTRIES: u32 = 512;
/** log2(LEAF_ENTRIES). */
@inline export const LEAF_SHIFT: u32 = 9;
/** Bytes of one leaf table's entries (512 frame ids). */
@inline export const LEAF_BYTES: usize = 2048;
/** Bytes of guest memory in a page; what a real hypervisor copies on a CoW fault. */
@inline export const PAGE_BYTES: u64 = 4096;
/** Frame flag: the frame is the canonical copy of its content for page sharing under its salt. */
@inline export const FRAME_CANON: u8 = 1;
/** Explicit salts are below this; default (per-VM) salt keys are at or above it. */
@inline export const DEFAULT_SALT_BASE: u32 = 0x80000000;
/** Leaf salt of a leaf table mapped by VMs of different salts (no salt key takes this value). */
@inline export const SALT_MIXED: u32 = 0xffffffff;

// ───── Frame table ─────────────────────────────────────────────────────────────────────────────
/** One page of host memory, structure of arrays indexed by frame id (19 bytes a frame):
 *
 *   ┌────────────┬──────────┬──────────┬──────────┬──────────┐
 *   │ token u64  │ refs u32 │ salt u32 │ host u16 │ flags u8 │
 *   └────────────┴──────────┴──────────┴──────────┴──────────┘
 *
 * `refs` counts leaf entries that point at the frame; a free frame's `refs` holds the next free
 * frame of its host (0 ends the list). `salt` is meaningful only with FRAME_CANON.
 */
export let frameToken: usize = 0;
export let frameRefs: usize = 0;
export let frameSalt: usize = 0;
export let frameHost: usize = 0;
export let frameFlags: usize = 0;
let frameCap: u32 = 0;
/** Next never-used frame id. */
let frameTop: u32 = 1;

// ───── Leaf tables ─────────────────────────────────────────────────────────────────────────────
/** Leaf table: 512 frame ids for 2 MiB of guest memory, shared between clones until written.
 *
 *   leafRefs[id], leafSalt[id]:  ┌──────────┬──────────┐   (a free leaf's refs holds the next free leaf)
 *                                │ refs u32 │ salt u32 │
 *                                └──────────┴──────────┘
 *   leafBlock[id] ──► ┌──────────────────────────────────┐
 *                     │ frame[512] u32 (0 = not present) │
 *                     └──────────────────────────────────┘
 *
 * Each leaf's entries are a block of their own, allocated when the leaf id is first used and kept
 * with the id when it is recycled: the blocks never move, and growing the table copies 4 bytes a
 * leaf instead of 2 KiB (a doubled contiguous array would leave its old copies and its unused
 * half resident in linear memory, which never shrinks).
 *
 * `salt` is the salt key shared by every VM that maps the leaf, or SALT_MIXED: page sharing may
 * remap an entry of a shared leaf only when all its VMs share under the same salt.
 */
export let leafRefs: usize = 0;
export let leafSalt: usize = 0;
export let leafBlock: usize = 0;
let leafCap: u32 = 0;
let leafTop: u32 = 1;
let leafFreeHead: u32 = 0;

// ───── VMs ─────────────────────────────────────────────────────────────────────────────────────
/** A VM, structure of arrays indexed by VM id (ids start at 1; freed ids are reused last-in first-out):
 *
 *   ┌──────────┬───────────┬──────────┬──────────┬─────────────┬──────────┐
 *   │ host u32 │ pages u32 │ dir ptr  │ salt u32 │ granted u32 │ live u32 │
 *   └──────────┴───────────┴──────────┴──────────┴─────────────┴──────────┘
 *
 * `dir` points at ceil(pages / 512) leaf ids (0 = untouched 2 MiB, reads as zero).
 */
export let vmHost: usize = 0;
export let vmPages: usize = 0;
export let vmDir: usize = 0;
export let vmSalt: usize = 0;
export let vmGranted: usize = 0;
export let vmLive: usize = 0;
let vmCap: u32 = 0;
/** Next never-used VM id (ids start at 1). */
export let vmTop: u32 = 1;
let vmFreeStack: usize = 0;
let vmFreeCount: u32 = 0;
export let vmLiveCount: u32 = 0;
/** Counts every VM made; default salt keys come from it. */
let vmSerial: u32 = 0;
/** Bytes of all live directories. */
let dirBytes: u64 = 0;

// ───── Hosts ───────────────────────────────────────────────────────────────────────────────────
/** A host, structure of arrays indexed by host number (fixed at init):
 *
 *   ┌──────────┬──────────┬───────────────┬────────────┬─────────┬──────────────────────┬─────────────────────────┐
 *   │ cap u32  │ used u32 │ freeHead u32  │ mapped u64 │ vms u32 │ cursor vm u32, gpn u32│ tps table ptr, cap, fill│
 *   └──────────┴──────────┴───────────────┴────────────┴─────────┴──────────────────────┴─────────────────────────┘
 */
export let hostCount: u32 = 0;
export let hostCap: usize = 0;
export let hostUsed: usize = 0;
export let hostFreeHead: usize = 0;
export let hostMapped: usize = 0;
export let hostVms: usize = 0;
export let hostCursorVm: usize = 0;
export let hostCursorGpn: usize = 0;
export let hostTpsTable: usize = 0;
export let hostTpsCap: usize = 0;
export let hostTpsFill: usize = 0;

/** Sets up `hosts` empty hosts of no capacity (the engine is created once per instance). */
export function initHosts(hosts: u32): void {
  assert(hostCount == 0); // one engine per wasm instance
  hostCount = hosts;
  let n = <usize>hosts;
  hostCap = zeroBlock(n << 2);
  hostUsed = zeroBlock(n << 2);
  hostFreeHead = zeroBlock(n << 2);
  hostMapped = zeroBlock(n << 3);
  hostVms = zeroBlock(n << 2);
  hostCursorVm = zeroBlock(n << 2);
  hostCursorGpn = zeroBlock(n << 2);
  hostTpsTable = zeroBlock(n << 2);
  hostTpsCap = zeroBlock(n << 2);
  hostTpsFill = zeroBlock(n << 2);
}

// Accessors (u32At, setU32At, u64At, setU64At, leafEntryPtr, dirPtr, dirLen): one place for the address arithmetic. SAFETY: every id passed in is below its table's
// capacity (ids come from the allocators below; the bindings check handles before calling).
@inline export function u32At(base: usize, i: u32): u32 { return load<u32>(base + (<usize>i << 2)); }
@inline export function setU32At(base: usize, i: u32, v: u32): void { store<u32>(base + (<usize>i << 2), v); }
@inline export function u64At(base: usize, i: u32): u64 { return load<u64>(base + (<usize>i << 3)); }
@inline export function setU64At(base: usize, i: u32, v: u64): void { store<u64>(base + (<usize>i << 3), v); }
/** Address of entry `entry` of leaf table `leaf`. */
@inline export function leafEntryPtr(leaf: u32, entry: u32): usize {
  return load<usize>(leafBlock + <usize>leaf * sizeof<usize>()) + (<usize>entry << 2);
}
/** Address of the directory of `vm`. */
@inline export function dirPtr(vm: u32): usize { return load<usize>(vmDir + <usize>vm * sizeof<usize>()); }
/** Directory entries (leaf tables) of a VM of `pages`. */
@inline export function dirLen(pages: u32): u32 { return (pages + LEAF_ENTRIES - 1) >> LEAF_SHIFT; }

// ───── Frames ──────────────────────────────────────────────────────────────────────────────────

/** Takes a frame of `host` (its free list first), holding `token`, with one reference. */
export function frameAlloc(host: u32, token: u64): u32 {
  let f = u32At(hostFreeHead, host);
  if (f) {
    setU32At(hostFreeHead, host, u32At(frameRefs, f));
  } else {
    if (frameTop >= frameCap) growFrames();
    f = frameTop++;
    store<u16>(frameHost + (<usize>f << 1), <u16>host);
  }
  assert(<u32>load<u16>(frameHost + (<usize>f << 1)) == host); // free lists never mix hosts
  setU64At(frameToken, f, token);
  setU32At(frameRefs, f, 1);
  store<u8>(frameFlags + <usize>f, 0);
  setU32At(hostUsed, host, u32At(hostUsed, host) + 1);
  return f;
}

/** Gives frame `f` (no references left) back to its host. */
export function frameFree(f: u32): void {
  let host = <u32>load<u16>(frameHost + (<usize>f << 1));
  setU32At(frameRefs, f, u32At(hostFreeHead, host));
  setU32At(hostFreeHead, host, f);
  // A freed frame is no canonical copy: its page-sharing hints go stale here.
  store<u8>(frameFlags + <usize>f, 0);
  setU32At(hostUsed, host, u32At(hostUsed, host) - 1);
}

/** Drops one reference from frame `f`, freeing it at zero. */
@inline export function frameUnref(f: u32): void {
  let r = u32At(frameRefs, f);
  assert(r > 0); // a mapped frame has a reference per mapping
  if (r == 1) frameFree(f);
  else setU32At(frameRefs, f, r - 1);
}

/** Doubles the frame table (ids are never moved, only the arrays). */
function growFrames(): void {
  let cap: u32 = frameCap ? frameCap << 1 : 4096;
  assert(cap > frameCap); // frame ids are u32
  let o = <usize>frameCap, n = <usize>cap;
  frameToken = growBlock(frameToken, o << 3, n << 3);
  frameRefs = growBlock(frameRefs, o << 2, n << 2);
  frameSalt = growBlock(frameSalt, o << 2, n << 2);
  frameHost = growBlock(frameHost, o << 1, n << 1);
  frameFlags = growBlock(frameFlags, o, n);
  frameCap = cap;
}

// ───── Leaf tables ─────────────────────────────────────────────────────────────────────────────

/** A leaf table with one reference and unspecified entries. */
function leafTake(): u32 {
  let l = leafFreeHead;
  if (l) {
    leafFreeHead = u32At(leafRefs, l);
  } else {
    if (leafTop >= leafCap) growLeaves();
    l = leafTop++;
    store<usize>(leafBlock + <usize>l * sizeof<usize>(), heap.alloc(LEAF_BYTES));
  }
  setU32At(leafRefs, l, 1);
  return l;
}

/** A fresh leaf table for a VM of salt key `salt`: one reference, no frames. */
export function leafAllocEmpty(salt: u32): u32 {
  let l = leafTake();
  setU32At(leafSalt, l, salt);
  // SAFETY: leaf l's block holds its 512 entries.
  memory.fill(leafEntryPtr(l, 0), 0, LEAF_BYTES);
  return l;
}

/** A private copy of leaf `from` for a sharer of salt key `salt`: every frame gains a reference. */
export function leafCopy(from: u32, salt: u32): u32 {
  let l = leafTake();
  setU32At(leafSalt, l, salt);
  let src = leafEntryPtr(from, 0), dst = leafEntryPtr(l, 0);
  // SAFETY: both leaves' blocks hold 512 entries each, and blocks never move.
  memory.copy(dst, src, LEAF_BYTES);
  for (let e: u32 = 0; e < LEAF_ENTRIES; e++) {
    let f = load<u32>(dst + (<usize>e << 2));
    if (f) setU32At(frameRefs, f, u32At(frameRefs, f) + 1);
  }
  let r = u32At(leafRefs, from);
  assert(r > 1); // only a shared leaf is copied
  setU32At(leafRefs, from, r - 1);
  return l;
}

/** Drops one reference from leaf `l`; at zero its frames lose a reference and the leaf is recycled. */
export function leafUnref(l: u32): void {
  let r = u32At(leafRefs, l);
  assert(r > 0); // a directory entry holds a reference
  if (r > 1) {
    setU32At(leafRefs, l, r - 1);
    return;
  }
  let p = leafEntryPtr(l, 0);
  for (let e: u32 = 0; e < LEAF_ENTRIES; e++) {
    let f = load<u32>(p + (<usize>e << 2));
    if (f) frameUnref(f);
  }
  setU32At(leafRefs, l, leafFreeHead);
  leafFreeHead = l;
}

/** Doubles the leaf-table arrays. */
function growLeaves(): void {
  let cap: u32 = leafCap ? leafCap << 1 : 64;
  let o = <usize>leafCap, n = <usize>cap;
  leafRefs = growBlock(leafRefs, o << 2, n << 2);
  leafSalt = growBlock(leafSalt, o << 2, n << 2);
  leafBlock = growBlock(leafBlock, o * sizeof<usize>(), n * sizeof<usize>());
  leafCap = cap;
}

// ───── VMs ─────────────────────────────────────────────────────────────────────────────────────

/** True when `vm` names a live VM. */
export function vmExists(vm: u32): bool {
  return vm > 0 && vm < vmTop && u32At(vmLive, vm) != 0;
}

/** Salt key for a new VM: the explicit salt, or the parent's explicit salt, or one of its own. */
function saltFor(explicit: u32, parent: u32): u32 {
  if (explicit < DEFAULT_SALT_BASE) return explicit;
  if (parent) {
    let s = u32At(vmSalt, parent);
    if (s < DEFAULT_SALT_BASE) return s;
  }
  return DEFAULT_SALT_BASE | (vmSerial % 0x7fffffff);
}

/** Registers a VM of `pages` on `host` with directory `dir`; returns its id. */
function vmAdd(host: u32, pages: u32, dir: usize, salt: u32): u32 {
  let vm: u32;
  if (vmFreeCount) {
    vm = u32At(vmFreeStack, --vmFreeCount);
  } else {
    if (vmTop >= vmCap) growVms();
    vm = vmTop++;
  }
  setU32At(vmHost, vm, host);
  setU32At(vmPages, vm, pages);
  store<usize>(vmDir + <usize>vm * sizeof<usize>(), dir);
  setU32At(vmSalt, vm, salt);
  setU32At(vmGranted, vm, 0);
  setU32At(vmLive, vm, 1);
  setU32At(hostVms, host, u32At(hostVms, host) + 1);
  vmLiveCount++;
  return vm;
}

/** Creates a VM of `pages` guest pages on `host` with nothing touched; `salt` ≥ 2^31 means default. */
export function vmCreate(host: u32, pages: u32, salt: u32): u32 {
  vmSerial++;
  dirBytes += <u64>dirLen(pages) << 2;
  let dir = zeroBlock(<usize>dirLen(pages) << 2);
  return vmAdd(host, pages, dir, saltFor(salt, 0));
}

/** Instant clone: the child gets a copy of the directory; every leaf gains a reference. O(pages/512). */
export function vmClone(parent: u32, salt: u32): u32 {
  vmSerial++;
  let pages = u32At(vmPages, parent);
  let n = dirLen(pages);
  dirBytes += <u64>n << 2;
  let dir = heap.alloc(<usize>n << 2);
  // SAFETY: both directories hold n entries.
  memory.copy(dir, dirPtr(parent), <usize>n << 2);
  let childSalt = saltFor(salt, parent);
  for (let d: u32 = 0; d < n; d++) {
    let l = load<u32>(dir + (<usize>d << 2));
    if (!l) continue;
    setU32At(leafRefs, l, u32At(leafRefs, l) + 1);
    if (u32At(leafSalt, l) != childSalt) setU32At(leafSalt, l, SALT_MIXED);
  }
  let host = u32At(vmHost, parent);
  let child = vmAdd(host, pages, dir, childSalt);
  let granted = u32At(vmGranted, parent);
  setU32At(vmGranted, child, granted);
  setU64At(hostMapped, host, u64At(hostMapped, host) + granted);
  return child;
}

/** Destroys `vm`: its leaves lose a reference; frames no clone still maps go back to the host. */
export function vmDestroy(vm: u32): void {
  let host = u32At(vmHost, vm);
  let dir = dirPtr(vm);
  let n = dirLen(u32At(vmPages, vm));
  for (let d: u32 = 0; d < n; d++) {
    let l = load<u32>(dir + (<usize>d << 2));
    if (l) leafUnref(l);
  }
  heap.free(dir);
  dirBytes -= <u64>n << 2;
  setU64At(hostMapped, host, u64At(hostMapped, host) - u32At(vmGranted, vm));
  setU32At(hostVms, host, u32At(hostVms, host) - 1);
  setU32At(vmLive, vm, 0);
  setU32At(vmFreeStack, vmFreeCount++, vm);
  vmLiveCount--;
}

/** Doubles the VM arrays and the free-id stack. */
function growVms(): void {
  let cap: u32 = vmCap ? vmCap << 1 : 64;
  let o = <usize>vmCap, n = <usize>cap;
  vmHost = growBlock(vmHost, o << 2, n << 2);
  vmPages = growBlock(vmPages, o << 2, n << 2);
  vmDir = growBlock(vmDir, o * sizeof<usize>(), n * sizeof<usize>());
  vmSalt = growBlock(vmSalt, o << 2, n << 2);
  vmGranted = growBlock(vmGranted, o << 2, n << 2);
  vmLive = growBlock(vmLive, o << 2, n << 2);
  vmFreeStack = growBlock(vmFreeStack, o << 2, n << 2);
  vmCap = cap;
}

/**
 * Bytes the engine holds for frames, leaf tables, VMs (records and directories) and hosts (with their
 * page-sharing tables), counted by capacity, so slack from doubling is included. Not counted: the
 * scratch region and per-call bookkeeping maps, which do not grow with pages or VMs.
 */
export function engineBytes(): u64 {
  let bytes: u64 = <u64>frameCap * (8 + 4 + 4 + 2 + 1);
  bytes += <u64>leafCap * (8 + sizeof<usize>()) + <u64>(leafTop - 1) * <u64>LEAF_BYTES; // a block per leaf id used
  bytes += <u64>vmCap * (4 * 6 + 4) + dirBytes; // six fields and the free stack
  bytes += <u64>hostCount * (4 * 9 + 8);
  for (let h: u32 = 0; h < hostCount; h++) bytes += <u64>u32At(hostTpsCap, h) << 2;
  return bytes;
}
