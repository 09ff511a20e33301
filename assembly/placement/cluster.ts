/** Placement kernel: one cluster per wasm instance, held in flat arrays indexed by host and VM id.
 * Why this file is long: initial placement, the balancing pass, rules, evacuation and HA all read the
 * same flat arrays through the @inline accessors below, and mirror test/reference/cluster.ts section by
 * section; it splits along those passes once the arrays have a module of their own.
 *
 *   host h: cpuCap memCap │ state failover │ wantCpu wantMem resCpu resMem nvm   (Σ over its VMs)
 *   VM v:   alive host    │ cpu{D,R,L,S} mem{D,R,L,S} │ template prio │ rules[]
 *
 * want = clamp(demand, reservation, limit) is a VM's cluster-level entitlement (DRS divides the
 * cluster's capacity, not the host's), so a host's load per resource is Σ want / capacity and may
 * exceed 1 on an overcommitted host; it moves in O(1) per candidate move. What a VM gets on its
 * host (water-filling by reservations and shares) is place_entitlement. The arithmetic mirrors test/reference/cluster.ts
 * operation for operation, so results agree bit for bit.
 */
import { scratch_ensure } from "../util/scratch";

/** A host without the VM's template wins only when the best host holding it would end up this much more loaded. */
@inline const TEMPLATE_COPY_LOAD_GAP: f64 = 0.1;
@inline const MAX_MOVES_PER_HOST: i32 = 8;
@inline const DRS_PERIOD_S: f64 = 300.0;
@inline const VMOTION_MIB_PER_S: f64 = 1192.0928955078125; // 1 250 MB/s
/** Imbalance-seconds one second of vMotion copy costs. */
@inline const MIGRATION_COST_RATE: f64 = 1e-5;
@inline const HA_MIN_CPU_MHZ: f64 = 32.0;
@inline const HA_MIN_MEM_MIB: f64 = 1.0;
/**
 * Relative width of the candidate filters (HA restart, balancing): a host whose variance, estimated
 * with products instead of quotients, is above the one to beat by more than this × the mean square
 * load cannot be the one the exact formula picks. The estimate differs from the exact value by a
 * few ulps of the mean square (~1e-14 of it), far inside the margin.
 */
@inline const FILTER_MARGIN: f64 = 1e-9;

@inline const AFFINITY: i32 = 0;
@inline const ANTI_AFFINITY: i32 = 1;
@inline const MUST: i32 = 2;
@inline const SHOULD: i32 = 3;
@inline const MODE_INITIAL: i32 = 0;
@inline const MODE_EVACUATE: i32 = 1;
@inline const MODE_HA: i32 = 2;
@inline const WHY_DISABLED: i32 = 128;
@inline const STATE_CONNECTED: i32 = 0;
@inline const STATE_MAINTENANCE: i32 = 1;
@inline const STATE_FAILED: i32 = 2;
@inline const PRIORITY_DISABLED: i32 = 5;

// hosts
const cpuCap = new Array<f64>();
const memCap = new Array<f64>();
const hostState = new Array<i32>();
const failover = new Array<i32>();
const wantCpu = new Array<f64>();
const wantMem = new Array<f64>();
const resCpu = new Array<f64>();
const resMem = new Array<f64>();
const nvm = new Array<i32>();
// VMs
const alive = new Array<i32>();
const vmHost = new Array<i32>();
const cpuD = new Array<f64>();
const cpuR = new Array<f64>();
const cpuL = new Array<f64>();
const cpuS = new Array<f64>();
const memD = new Array<f64>();
const memR = new Array<f64>();
const memL = new Array<f64>();
const memS = new Array<f64>();
const vmTemplate = new Array<i32>();
const vmPrio = new Array<i32>();
const vmRules = new Array<Array<i32>>();
/** Ids of removed VMs, reused last-in first-out (as the memory engine reuses its VM ids), so the
 * per-VM arrays and every loop over them stay as long as the most VMs ever registered at once. */
const freeVms = new Array<i32>();
/** The rule list of every VM without rules: one shared empty array keeps the GC's heap small. */
const NO_RULES = new Array<i32>();
/** Rules per VM (a count the inner loops test before touching the list). */
const vmNRules = new Array<i32>();
// rules
const ruleKind = new Array<i32>();
const ruleVms = new Array<Array<i32>>();
const ruleHosts = new Array<Array<i32>>();
/** Ids of removed rules, reused last-in first-out like the VM ids, so a long-running cluster that adds
 * and removes rules (a must rule per pinned power-on) holds only as many rule slots as it ever had
 * rules at once. */
const freeRules = new Array<i32>();
/** Template → one byte per host (1: the host holds it); looked up once per placement. */
const templates = new Map<i32, StaticArray<u8>>();
/** Cached load of each host, refreshed whenever its sums change (same formula, same value). */
const hostLd = new Array<f64>();
/** 1 / capacity per host: the HA restart filter estimates loads with products, not quotients. */
const invCpuCap = new Array<f64>();
const invMemCap = new Array<f64>();
// HA policy
let haKind: i32 = 0;
let haA: f64 = 0;
let haB: f64 = 0;
// last placement
let lastMask: i32 = 0;
let firstRule: i32 = -1;
let lastCopied: i32 = 0;
let lastImb: f64 = 0;
let whyRule: i32 = -1;
// population sums over hosts that take VMs
let popS: f64 = 0;
let popQ: f64 = 0;
let popN: i32 = 0;
/** Running prefixes of the population sums, valid below `dirtyFrom`. */
const prefS = new Array<f64>();
const prefQ = new Array<f64>();
const prefN = new Array<i32>();
let dirtyFrom: i32 = 0;
// output staging, copied to scratch
const out = new Array<f64>();

// Element access without a call: Array#__uget is not always inlined, and these sit in every inner loop.
@inline function getF(a: Array<f64>, i: i32): f64 {
  return load<f64>(a.dataStart + (<usize>i << 3));
}
@inline function getI(a: Array<i32>, i: i32): i32 {
  return load<i32>(a.dataStart + (<usize>i << 2));
}
@inline function getA(a: Array<Array<i32>>, i: i32): Array<i32> {
  return changetype<Array<i32>>(load<usize>(a.dataStart + (<usize>i << alignof<usize>())));
}
@inline function setF(a: Array<f64>, i: i32, x: f64): void {
  store<f64>(a.dataStart + (<usize>i << 3), x);
}
@inline function setI(a: Array<i32>, i: i32, x: i32): void {
  store<i32>(a.dataStart + (<usize>i << 2), x);
}

/** Array length without a call (the getter is not inlined in the release build). */
@inline function len<T>(a: Array<T>): i32 {
  return load<i32>(changetype<usize>(a), offsetof<Array<T>>("length_"));
}
/** True when `a` holds `x`. */
@inline function hasI(a: Array<i32>, x: i32): bool {
  const n = len(a);
  let found = false;
  for (let i = 0; i < n; i++) {
    if (getI(a, i) == x) {
      found = true;
      break;
    }
  }
  return found;
}

// Raw data pointers of the hot arrays. A managed reference loaded into a local is also written to
// the GC's shadow stack; a usize is not, so the inner loops read through these. They are re-read
// at every entry (`pin`) and after anything that may move an array's data (push, length).
let p_cpuCap: usize = 0;
let p_memCap: usize = 0;
let p_wantCpu: usize = 0;
let p_wantMem: usize = 0;
let p_resCpu: usize = 0;
let p_resMem: usize = 0;
let p_cpuD: usize = 0;
let p_cpuR: usize = 0;
let p_cpuL: usize = 0;
let p_memD: usize = 0;
let p_memR: usize = 0;
let p_memL: usize = 0;
let p_hostLd: usize = 0;
let p_prefS: usize = 0;
let p_prefQ: usize = 0;
let p_loads: usize = 0;
let p_hostState: usize = 0;
let p_failover: usize = 0;
let p_nvm: usize = 0;
let p_alive: usize = 0;
let p_vmHost: usize = 0;
let p_vmTemplate: usize = 0;
let p_vmPrio: usize = 0;
let p_ruleKind: usize = 0;
let p_prefN: usize = 0;
let p_moves: usize = 0;
let p_order: usize = 0;
let p_start: usize = 0;
let p_fill: usize = 0;
let p_byHost: usize = 0;
let p_dst: usize = 0;
let p_vmNRules: usize = 0;
let p_invCpuCap: usize = 0;
let p_invMemCap: usize = 0;
/** Re-reads the data pointers of the hot arrays. */
function pin(): void {
  p_cpuCap = cpuCap.dataStart;
  p_memCap = memCap.dataStart;
  p_wantCpu = wantCpu.dataStart;
  p_wantMem = wantMem.dataStart;
  p_resCpu = resCpu.dataStart;
  p_resMem = resMem.dataStart;
  p_cpuD = cpuD.dataStart;
  p_cpuR = cpuR.dataStart;
  p_cpuL = cpuL.dataStart;
  p_memD = memD.dataStart;
  p_memR = memR.dataStart;
  p_memL = memL.dataStart;
  p_hostLd = hostLd.dataStart;
  p_prefS = prefS.dataStart;
  p_prefQ = prefQ.dataStart;
  p_loads = loads.dataStart;
  p_hostState = hostState.dataStart;
  p_failover = failover.dataStart;
  p_nvm = nvm.dataStart;
  p_alive = alive.dataStart;
  p_vmHost = vmHost.dataStart;
  p_vmTemplate = vmTemplate.dataStart;
  p_vmPrio = vmPrio.dataStart;
  p_ruleKind = ruleKind.dataStart;
  p_prefN = prefN.dataStart;
  p_moves = moves.dataStart;
  p_order = order.dataStart;
  p_start = start.dataStart;
  p_fill = fill.dataStart;
  p_byHost = byHost.dataStart;
  p_dst = dst.dataStart;
  p_vmNRules = vmNRules.dataStart;
  p_invCpuCap = invCpuCap.dataStart;
  p_invMemCap = invMemCap.dataStart;
}
@inline function ldF(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}
@inline function ldI(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}
@inline function stF(p: usize, i: i32, x: f64): void {
  store<f64>(p + (<usize>i << 3), x);
}
@inline function stI(p: usize, i: i32, x: i32): void {
  store<i32>(p + (<usize>i << 2), x);
}

@inline function sqrtClamp(x: f64): f64 {
  return x > 0 ? Math.sqrt(x) : 0;
}
@inline function want(d: f64, r: f64, l: f64): f64 {
  return min<f64>(max<f64>(d, r), l);
}
@inline function wantCpuOf(v: i32): f64 {
  return want(ldF(p_cpuD, v), ldF(p_cpuR, v), ldF(p_cpuL, v));
}
@inline function wantMemOf(v: i32): f64 {
  return want(ldF(p_memD, v), ldF(p_memR, v), ldF(p_memL, v));
}
/** The host map of template `t`, or 0 when no host holds it. */
@inline function templateMap(t: i32): usize {
  return t >= 0 && templates.has(t) ? changetype<usize>(templates.get(t)) : 0;
}
@inline function hasTemplate(map: usize, h: i32): bool {
  // SAFETY: a StaticArray<u8>'s byte length sits 4 bytes before its data (the runtime header).
  return map != 0 && <u32>h < load<u32>(map - 4) && load<u8>(map + <usize>h) != 0;
}
function refreshLoad(h: i32): void {
  stF(p_hostLd, h, hostLoad(h));
  if (h < dirtyFrom) dirtyFrom = h;
}

/** DRS priority of a move made at imbalance `imb` on `n` hosts (2 … 5; 1 is mandatory). */
export function place_drs_priority(imb: f64, n: i32): i32 {
  const p = 6 - <i32>Math.ceil((imb * Math.sqrt(<f64>n)) / 0.1);
  return p < 2 ? 2 : p > 5 ? 5 : p;
}

/** Target imbalance of migration threshold `t` on `n` hosts: 0.1 · (5 − T) / √n. */
export function place_target_imbalance(t: i32, n: i32): f64 {
  return n > 0 ? (0.1 * <f64>(5 - t)) / Math.sqrt(<f64>n) : 0;
}

/** Copies the staged output to the scratch region; returns its length in f64s. */
function emit(): i32 {
  const n = len(out);
  const p = scratch_ensure(<u32>max(n, 1) << 3);
  for (let i = 0; i < n; i++) store<f64>(p + (<usize>i << 3), getF(out, i));
  return n;
}
/** Reads f64 `i` of the scratch region (inputs the host copied in). */
@inline function input(i: i32): f64 {
  return load<f64>(scratch_ensure(0) + (<usize>i << 3));
}

// ───────────────────────────── hosts and VMs ─────────────────────────────

/** Adds a host; returns its index. */
export function place_host_add(cpuMHz: f64, memoryMiB: f64): i32 {
  pin();
  cpuCap.push(cpuMHz);
  memCap.push(memoryMiB);
  invCpuCap.push(1.0 / cpuMHz);
  invMemCap.push(1.0 / memoryMiB);
  hostState.push(STATE_CONNECTED);
  failover.push(0);
  wantCpu.push(0);
  wantMem.push(0);
  resCpu.push(0);
  resMem.push(0);
  nvm.push(0);
  hostLd.push(0);
  prefS.push(0);
  prefQ.push(0);
  prefN.push(0);
  if (len(cpuCap) - 1 < dirtyFrom) dirtyFrom = len(cpuCap) - 1;
  return len(cpuCap) - 1;
}

/** Sets a host's state (0 connected, 1 maintenance, 2 failed, 3 standby). */
export function place_host_set_state(h: i32, s: i32): void {
  pin();
  if (h < dirtyFrom) dirtyFrom = h;
  hostState[h] = s;
}

/** Marks a host as a dedicated HA failover host (it takes VMs only in a failover). */
export function place_host_set_failover(h: i32, on: i32): void {
  pin();
  if (h < dirtyFrom) dirtyFrom = h;
  failover[h] = on;
}

/** Registers a powered-off VM; returns its id. */
export function place_vm_add(cd: f64, cr: f64, cl: f64, cs: f64, md: f64, mr: f64, ml: f64, ms: f64, template: i32, prio: i32): i32 {
  pin();
  if (len(freeVms) > 0) {
    const v = freeVms.pop();
    alive[v] = 1;
    vmHost[v] = -1;
    cpuD[v] = cd;
    cpuR[v] = cr;
    cpuL[v] = cl;
    cpuS[v] = cs;
    memD[v] = md;
    memR[v] = mr;
    memL[v] = ml;
    memS[v] = ms;
    vmTemplate[v] = template;
    vmPrio[v] = prio;
    vmRules[v] = NO_RULES;
    vmNRules[v] = 0;
    return v;
  }
  alive.push(1);
  vmHost.push(-1);
  cpuD.push(cd);
  cpuR.push(cr);
  cpuL.push(cl);
  cpuS.push(cs);
  memD.push(md);
  memR.push(mr);
  memL.push(ml);
  memS.push(ms);
  vmTemplate.push(template);
  vmPrio.push(prio);
  vmRules.push(NO_RULES);
  vmNRules.push(0);
  return len(alive) - 1;
}

function attach(v: i32, h: i32): void {
  stI(p_vmHost, v, h);
  stF(p_wantCpu, h, ldF(p_wantCpu, h) + wantCpuOf(v));
  stF(p_wantMem, h, ldF(p_wantMem, h) + wantMemOf(v));
  stF(p_resCpu, h, ldF(p_resCpu, h) + ldF(p_cpuR, v));
  stF(p_resMem, h, ldF(p_resMem, h) + ldF(p_memR, v));
  stI(p_nvm, h, ldI(p_nvm, h) + 1);
  refreshLoad(h);
}

function detach(v: i32): void {
  const h = ldI(p_vmHost, v);
  assert(h >= 0); // only a powered-on VM leaves a host
  stI(p_vmHost, v, -1);
  const left = ldI(p_nvm, h) - 1;
  stI(p_nvm, h, left);
  if (left == 0) {
    // An empty host has exactly zero load, whatever rounding the sums gathered.
    stF(p_wantCpu, h, 0);
    stF(p_wantMem, h, 0);
    stF(p_resCpu, h, 0);
    stF(p_resMem, h, 0);
    refreshLoad(h);
    return;
  }
  stF(p_wantCpu, h, ldF(p_wantCpu, h) - wantCpuOf(v));
  stF(p_wantMem, h, ldF(p_wantMem, h) - wantMemOf(v));
  stF(p_resCpu, h, ldF(p_resCpu, h) - ldF(p_cpuR, v));
  stF(p_resMem, h, ldF(p_resMem, h) - ldF(p_memR, v));
  refreshLoad(h);
}

/** Unregisters a VM (powering it off and taking it out of its rules). */
export function place_vm_remove(v: i32): void {
  pin();
  if (ldI(p_vmHost, v) >= 0) detach(v);
  alive[v] = 0;
  const rules = getA(vmRules, v);
  for (let i = 0; i < len(rules); i++) {
    const list = ruleVms[rules[i]];
    list.splice(list.indexOf(v), 1);
  }
  vmRules[v] = NO_RULES;
  vmNRules[v] = 0;
  freeVms.push(v);
}

/** Powers a VM off: it leaves its host. */
export function place_vm_power_off(v: i32): void {
  pin();
  if (ldI(p_vmHost, v) >= 0) detach(v);
}

/** Updates demand; NaN leaves a resource unchanged. */
export function place_vm_set_demand(v: i32, cpu: f64, mem: f64): void {
  pin();
  const h = ldI(p_vmHost, v);
  if (h >= 0) detach(v);
  if (cpu == cpu) cpuD[v] = cpu;
  if (mem == mem) memD[v] = mem;
  if (h >= 0) attach(v, h);
}

/**
 * Changes a VM's allocation (reservation, limit, shares of CPU and memory); NaN leaves a value
 * unchanged. A powered-on VM stays on its host, its host's sums follow.
 */
export function place_vm_set_allocation(v: i32, cr: f64, cl: f64, cs: f64, mr: f64, ml: f64, ms: f64): void {
  pin();
  const h = ldI(p_vmHost, v);
  if (h >= 0) detach(v);
  if (cr == cr) cpuR[v] = cr;
  if (cl == cl) cpuL[v] = cl;
  if (cs == cs) cpuS[v] = cs;
  if (mr == mr) memR[v] = mr;
  if (ml == ml) memL[v] = ml;
  if (ms == ms) memS[v] = ms;
  if (h >= 0) attach(v, h);
}

/** Host of a VM, -1 when powered off. */
export function place_vm_host(v: i32): i32 {
  pin();
  return ldI(p_vmHost, v);
}

/** Records whether host `h` holds template `t`. */
export function place_template_set(t: i32, h: i32, on: i32): void {
  pin();
  let map: StaticArray<u8>;
  if (templates.has(t)) map = templates.get(t);
  else if (!on) return;
  else {
    map = new StaticArray<u8>(len(cpuCap));
    templates.set(t, map);
  }
  if (h >= map.length) {
    // hosts were added after the template was first seen
    const grown = new StaticArray<u8>(len(cpuCap));
    memory.copy(changetype<usize>(grown), changetype<usize>(map), <usize>map.length);
    map = grown;
    templates.set(t, map);
  }
  map[h] = on ? 1 : 0;
}

/** 1 when host `h` holds template `t`. */
export function place_template_has(t: i32, h: i32): i32 {
  pin();
  return hasTemplate(templateMap(t), h) ? 1 : 0;
}

// ───────────────────────────── rules ─────────────────────────────

/** Adds a rule of `kind` over `nvms` VMs then `nhosts` hosts read from scratch; returns its id
 * (the most recently removed rule's id when there is one). */
export function place_rule_add(kind: i32, nvms: i32, nhosts: i32): i32 {
  pin();
  let r: i32;
  let vms: Array<i32>;
  let hosts: Array<i32>;
  if (len(freeRules) > 0) {
    // a removed rule's slot: its member lists were emptied on removal and are filled afresh
    r = freeRules.pop();
    ruleKind[r] = kind;
    vms = ruleVms[r];
    hosts = ruleHosts[r];
  } else {
    r = len(ruleKind);
    vms = new Array<i32>();
    hosts = new Array<i32>();
    ruleKind.push(kind);
    ruleVms.push(vms);
    ruleHosts.push(hosts);
  }
  for (let i = 0; i < nvms; i++) vms.push(<i32>input(i));
  for (let i = 0; i < nhosts; i++) hosts.push(<i32>input(nvms + i));
  for (let i = 0; i < nvms; i++) {
    const v = vms[i];
    if (vmRules[v] === NO_RULES) vmRules[v] = new Array<i32>();
    vmRules[v].push(r);
    vmNRules[v] = vmRules[v].length;
  }
  return r;
}

/** Removes a rule: its VMs leave it, and its id goes to the next rule added. */
export function place_rule_remove(r: i32): void {
  pin();
  const vms = getA(ruleVms, r);
  for (let i = 0; i < len(vms); i++) {
    const list = vmRules[vms[i]];
    list.splice(list.indexOf(r), 1);
    vmNRules[vms[i]] = list.length;
  }
  vms.length = 0;
  ruleHosts[r].length = 0;
  freeRules.push(r);
}

/** Rule slots held: the most rules ever present at once (live rules plus removed ids awaiting reuse). */
export function place_rule_slots(): i32 {
  return len(ruleKind);
}

/** First VM that breaks rule `r` as placed now, or -1. */
export function place_rule_violation(r: i32): i32 {
  pin();
  const k = ldI(p_ruleKind, r);
  const vms = getA(ruleVms, r);
  for (let i = 0; i < len(vms); i++) {
    const v = vms[i];
    const h = ldI(p_vmHost, v);
    if (h < 0) continue;
    if (k == MUST) {
      if (!hasI(getA(ruleHosts, r), h)) return v;
    } else if (k == AFFINITY || k == ANTI_AFFINITY) {
      for (let j = 0; j < i; j++) {
        const hj = vmHost[vms[j]];
        if (hj < 0) continue;
        if (k == AFFINITY && hj != h) return v;
        if (k == ANTI_AFFINITY && hj == h) return v;
      }
    }
  }
  return -1;
}

// ───────────────────────────── load and imbalance ─────────────────────────────

@inline function taking(h: i32): bool {
  return ldI(p_hostState, h) == STATE_CONNECTED && ldI(p_failover, h) == 0;
}
@inline function hostLoad(h: i32): f64 {
  const cc = ldF(p_cpuCap, h);
  const mc = ldF(p_memCap, h);
  const lc = ldF(p_wantCpu, h) / cc;
  const lm = ldF(p_wantMem, h) / mc;
  return (lc + lm) * 0.5;
}
@inline function loadWith(h: i32, dc: f64, dm: f64): f64 {
  const cc = ldF(p_cpuCap, h);
  const mc = ldF(p_memCap, h);
  const lc = (ldF(p_wantCpu, h) + dc) / cc;
  const lm = (ldF(p_wantMem, h) + dm) / mc;
  return (lc + lm) * 0.5;
}
/**
 * Population sums (Σ load, Σ load², count over hosts that take VMs), added in host order exactly as
 * a plain loop would, but kept as running prefixes: only the hosts from the first one whose load or
 * state changed are added again (a non-taking host adds 0, which leaves a non-negative sum as is).
 */
function sums(): void {
  const H = len(cpuCap);
  let h = dirtyFrom;
  let s: f64 = h > 0 ? ldF(p_prefS, h - 1) : 0;
  let q: f64 = h > 0 ? ldF(p_prefQ, h - 1) : 0;
  let n: i32 = h > 0 ? ldI(p_prefN, h - 1) : 0;
  for (; h < H; h++) {
    if (taking(h)) {
      const l = ldF(p_hostLd, h);
      s += l;
      q += l * l;
      n++;
    }
    stF(p_prefS, h, s);
    stF(p_prefQ, h, q);
    stI(p_prefN, h, n);
  }
  dirtyFrom = H;
  popS = H > 0 ? ldF(p_prefS, H - 1) : 0;
  popQ = H > 0 ? ldF(p_prefQ, H - 1) : 0;
  popN = H > 0 ? ldI(p_prefN, H - 1) : 0;
}
function sumsImbalance(): f64 {
  if (popN == 0) return 0;
  const m = popS / <f64>popN;
  return sqrtClamp(popQ / <f64>popN - m * m);
}

/** Imbalance: population standard deviation of the loads of hosts that take VMs. */
export function place_imbalance(): f64 {
  pin();
  sums(); // Σ load in host order is the first pass of the two-pass deviation
  const sum = popS;
  const n = popN;
  const H = len(cpuCap);
  if (n == 0) return 0;
  const mean = sum / <f64>n;
  let acc: f64 = 0;
  for (let h = 0; h < H; h++) {
    if (!taking(h)) continue;
    const d = ldF(p_hostLd, h) - mean;
    acc += d * d;
  }
  return Math.sqrt(acc / <f64>n);
}

/** Writes (cpu, mem, load, reservedCpu, reservedMem, vms) per host to scratch; returns the f64 count. */
export function place_host_loads(): i32 {
  pin();
  out.length = 0;
  for (let h = 0; h < len(cpuCap); h++) {
    const lc = ldF(p_wantCpu, h) / ldF(p_cpuCap, h);
    const lm = ldF(p_wantMem, h) / ldF(p_memCap, h);
    out.push(lc);
    out.push(lm);
    out.push((lc + lm) * 0.5);
    out.push(ldF(p_resCpu, h));
    out.push(ldF(p_resMem, h));
    out.push(<f64>ldI(p_nvm, h));
  }
  return emit();
}

/** Water-filling on one host: reservations first, the rest by shares, never above want. */
function entitle(v: i32, d: Array<f64>, r: Array<f64>, l: Array<f64>, s: Array<f64>, cap: f64): f64 {
  const h = ldI(p_vmHost, v);
  if (h < 0) return 0;
  const on = new Array<i32>();
  let sumWant: f64 = 0;
  let sumRes: f64 = 0;
  for (let i = 0; i < len(alive); i++) {
    if (ldI(p_vmHost, i) != h) continue;
    on.push(i);
    sumWant += want(d[i], r[i], l[i]);
    sumRes += r[i];
  }
  if (sumWant <= cap) return want(d[v], r[v], l[v]);
  let remaining = cap - sumRes;
  const active = new Array<i32>();
  for (let k = 0; k < len(on); k++) {
    const i = on[k];
    if (want(d[i], r[i], l[i]) > r[i]) active.push(i);
  }
  let ent = r[v];
  while (len(active) > 0 && remaining > 0) {
    let total: f64 = 0;
    for (let k = 0; k < len(active); k++) total += s[active[k]];
    let capped = false;
    let next = remaining;
    for (let k = 0; k < len(active); k++) {
      const i = active[k];
      const w = want(d[i], r[i], l[i]);
      if (r[i] + (remaining * s[i]) / total >= w) {
        capped = true;
        next -= w - r[i];
        if (i == v) ent = w;
        active.splice(k, 1);
        k--;
      }
    }
    if (!capped) {
      for (let k = 0; k < len(active); k++) {
        const i = active[k];
        if (i == v) ent = r[i] + (remaining * s[i]) / total;
      }
      break;
    }
    remaining = next;
  }
  return ent;
}

/** Writes the (cpu, mem) entitlement of VM `v` to scratch; returns 2. */
export function place_entitlement(v: i32): i32 {
  pin();
  out.length = 0;
  const h = ldI(p_vmHost, v);
  if (h < 0) {
    out.push(0);
    out.push(0);
  } else {
    out.push(entitle(v, cpuD, cpuR, cpuL, cpuS, ldF(p_cpuCap, h)));
    out.push(entitle(v, memD, memR, memL, memS, ldF(p_memCap, h)));
  }
  return emit();
}

// ───────────────────────────── placement ─────────────────────────────

/** First reason (1 … 7) host `h` cannot take VM `v` in `mode`, 0 when it can. */
@inline function why(v: i32, h: i32, mode: i32): i32 {
  if (ldI(p_hostState, h) != STATE_CONNECTED) return 1;
  if (mode != MODE_HA && ldI(p_failover, h) != 0) return 2;
  if (ldF(p_resCpu, h) + ldF(p_cpuR, v) > ldF(p_cpuCap, h)) return 3;
  if (ldF(p_resMem, h) + ldF(p_memR, v) > ldF(p_memCap, h)) return 4;
  if (ldI(p_vmNRules, v) == 0) return 0;
  const rules = getA(vmRules, v);
  for (let i = 0; i < len(rules); i++) {
    const r = getI(rules, i);
    const k = ldI(p_ruleKind, r);
    if (k == MUST) {
      if (!hasI(getA(ruleHosts, r), h)) {
        whyRule = r;
        return 5;
      }
    } else if (mode != MODE_HA && k != SHOULD) {
      const vms = getA(ruleVms, r);
      for (let j = 0; j < len(vms); j++) {
        const m = getI(vms, j);
        if (m == v) continue;
        const hm = ldI(p_vmHost, m);
        if (k == AFFINITY && hm >= 0 && hm != h) {
          whyRule = r;
          return 6;
        }
        if (k == ANTI_AFFINITY && hm == h) {
          whyRule = r;
          return 7;
        }
      }
    }
  }
  return 0;
}

@inline function shouldOk(v: i32, h: i32): bool {
  if (ldI(p_vmNRules, v) == 0) return true;
  const rules = getA(vmRules, v);
  for (let i = 0; i < len(rules); i++) {
    const r = getI(rules, i);
    if (ldI(p_ruleKind, r) == SHOULD && !hasI(getA(ruleHosts, r), h)) return false;
  }
  return true;
}

/**
 * Places powered-off VM `v` in `mode` (0 initial, 1 evacuation, 2 HA restart): feasible hosts only,
 * should rules (or, for HA, failover hosts) first, then the least resulting imbalance, plus the
 * template-copy cost on hosts without the VM's template. Returns the host, -1 when none can take
 * it (see place_last_mask), -2 when HA admission control refuses the power-on.
 */
export function place_vm_place(v: i32, mode: i32): i32 {
  pin();
  lastMask = 0;
  firstRule = -1;
  lastCopied = 0;
  assert(ldI(p_vmHost, v) < 0); // only a powered-off VM is placed
  if (mode == MODE_INITIAL && haKind != 0) {
    admission(v);
    if (out[0] == 0) return -2;
  }
  sums();
  const cur = sumsImbalance();
  const n = <f64>popN;
  const wc = wantCpuOf(v);
  const wm = wantMemOf(v);
  const t = ldI(p_vmTemplate, v);
  const preferTemplate = mode == MODE_INITIAL && t >= 0;
  const tmap = preferTemplate ? templateMap(t) : 0;
  let best: i32 = -1;
  let bestTier: i32 = 2;
  let bestScore: f64 = Infinity;
  let bestVar: f64 = Infinity;
  let bestT: i32 = -1; // the best among hosts that hold the template
  let bestTierT: i32 = 2;
  let bestScoreT: f64 = Infinity;
  let bestVarT: f64 = Infinity;
  const m0 = popN > 0 ? popS / n : 0;
  const curVar = popN > 0 ? popQ / n - m0 * m0 : 0; // cur = sqrtClamp(curVar)
  const H = len(cpuCap);
  for (let h = 0; h < H; h++) {
    const code = why(v, h, mode);
    if (code != 0) {
      lastMask |= 1 << (code - 1);
      if (code >= 5 && firstRule < 0) firstRule = whyRule;
      continue;
    }
    const tier: i32 = mode == MODE_HA ? (ldI(p_failover, h) != 0 ? 0 : 1) : shouldOk(v, h) ? 0 : 1;
    // score = sqrtClamp(var); sqrt is monotone, so it is taken only for a variance that could win
    let nv = curVar;
    if (taking(h)) {
      const l = ldF(p_hostLd, h);
      const l2 = loadWith(h, wc, wm);
      const s = popS - l + l2;
      const q = popQ - l * l + l2 * l2;
      const m = s / n;
      nv = q / n - m * m;
    }
    let score: f64 = -1;
    if (tier < bestTier || (tier == bestTier && nv < bestVar && (score = sqrtClamp(nv)) < bestScore)) {
      if (score < 0) score = sqrtClamp(nv);
      best = h;
      bestTier = tier;
      bestScore = score;
      bestVar = nv;
    }
    if (preferTemplate && hasTemplate(tmap, h)) {
      if (tier < bestTierT || (tier == bestTierT && nv < bestVarT && (score < 0 ? sqrtClamp(nv) : score) < bestScoreT)) {
        bestT = h;
        bestTierT = tier;
        bestScoreT = score < 0 ? sqrtClamp(nv) : score;
        bestVarT = nv;
      }
    }
  }
  if (best < 0) return -1;
  if (bestT >= 0 && bestT != best && bestTierT == bestTier && !(loadWith(bestT, wc, wm) - loadWith(best, wc, wm) > TEMPLATE_COPY_LOAD_GAP)) {
    best = bestT; // instant clone from the template already there beats copying it
  }
  if (preferTemplate && !hasTemplate(tmap, best)) {
    place_template_set(t, best, 1);
    lastCopied = 1;
  }
  attach(v, best);
  // only an initial placement reports the imbalance it leaves
  lastImb = mode == MODE_INITIAL ? place_imbalance() : 0;
  return best;
}

// Work arrays kept between calls, so a plan allocates nothing.
const batchIds = new Array<i32>();
const batchRes = new Array<f64>();
const victims = new Array<i32>();
const moved = new Array<i32>();
const stuck = new Array<i32>();
const sorted = new Array<f64>();
const ordered = new Array<i32>();
const restartCounts = new StaticArray<i32>(7);

/**
 * Places the `n` VMs listed in scratch in order (initial placement) until one fails. Writes
 * [placed, status (0, -1 no host, -2 admission), (host, copied, imbalance) × placed]; the caller
 * takes back the placed ones when the batch must be all or nothing.
 */
export function place_vms(n: i32): i32 {
  pin();
  const ids = batchIds;
  ids.length = n;
  for (let i = 0; i < n; i++) setI(ids, i, <i32>input(i));
  const res = batchRes;
  res.length = 0;
  let status: i32 = 0;
  for (let i = 0; i < n; i++) {
    const h = place_vm_place(getI(ids, i), MODE_INITIAL);
    if (h < 0) {
      status = h;
      break;
    }
    res.push(<f64>h);
    res.push(<f64>lastCopied);
    res.push(lastImb);
  }
  out.length = 0;
  out.push(<f64>(len(res) / 3));
  out.push(<f64>status);
  for (let i = 0; i < len(res); i++) out.push(getF(res, i));
  return emit();
}

/** Bits of why hosts were ruled out in the last failed placement. */
export function place_last_mask(): i32 {
  pin();
  return lastMask;
}
/** First rule that ruled a host out in the last placement, -1 none. */
export function place_last_rule(): i32 {
  pin();
  return firstRule;
}
/** 1 when the last placement copied the template to its host. */
export function place_last_copied(): i32 {
  pin();
  return lastCopied;
}
/** Imbalance after the last successful placement. */
export function place_last_imbalance(): f64 {
  pin();
  return lastImb;
}

// ───────────────────────────── balancing ─────────────────────────────

const snapWantCpu = new Array<f64>();
const snapWantMem = new Array<f64>();
const snapResCpu = new Array<f64>();
const snapResMem = new Array<f64>();
const snapNvm = new Array<i32>();

function copyF(to: Array<f64>, from: Array<f64>): void {
  to.length = len(from);
  memory.copy(to.dataStart, from.dataStart, <usize>len(from) << 3);
}
function copyI(to: Array<i32>, from: Array<i32>): void {
  to.length = len(from);
  memory.copy(to.dataStart, from.dataStart, <usize>len(from) << 2);
}
/** Saves the host sums (copied into arrays kept between calls: no allocation per pass). */
function snapshot(): void {
  copyF(snapWantCpu, wantCpu);
  copyF(snapWantMem, wantMem);
  copyF(snapResCpu, resCpu);
  copyF(snapResMem, resMem);
  copyI(snapNvm, nvm);
}
function restore(): void {
  copyF(wantCpu, snapWantCpu);
  copyF(wantMem, snapWantMem);
  copyF(resCpu, snapResCpu);
  copyF(resMem, snapResMem);
  copyI(nvm, snapNvm);
  for (let h = 0; h < len(cpuCap); h++) refreshLoad(h);
}

const recs = new Array<i32>();
const moves = new Array<i32>();
const loads = new Array<f64>();
const order = new Array<i32>();
const start = new Array<i32>();
const fill = new Array<i32>();
const byHost = new Array<i32>();
const dst = new Array<i32>();
const passHost = new Array<i32>();
const arrivals = new Array<i32>();
const incoming = new Array<i32>();
const srcVms = new Array<i32>();

/**
 * One DRS pass at migration threshold `threshold`. Greedy: while the imbalance's priority is
 * within the threshold, take the move with the best net benefit from the most loaded host that
 * has one. Benefit = imbalance removed × the rest of the 300 s period after the copy; cost =
 * 1e-5 × copy time in seconds (memory / 1 250 MB/s); a move is taken when benefit > cost. At most 8 moves touch a host; moves go only
 * to less loaded hosts. Writes [before, after, n, (vm, from, to, priority) × n]; reverts unless `apply`.
 */
export function place_balance(threshold: i32, apply: i32): i32 {
  pin();
  const H = len(cpuCap);
  const V = len(alive);
  const before = place_imbalance();
  recs.length = 0;
  if (!apply) snapshot();
  moves.length = H;
  loads.length = H;
  start.length = H + 1;
  fill.length = H;
  dst.length = H;
  byHost.length = V;
  passHost.length = V;
  arrivals.length = 0;
  pin(); // the work arrays may have moved
  for (let h = 0; h < H; h++) stI(p_moves, h, 0);
  // VMs grouped by their host at the start of the pass (counting sort keeps index order inside a
  // host); later moves are tracked by `arrivals` and checked against vmHost when a host is scanned
  copyI(passHost, vmHost);
  const pph = passHost.dataStart;
  for (let h = 0; h <= H; h++) stI(p_start, h, 0);
  for (let v = 0; v < V; v++) {
    const h = ldI(p_vmHost, v);
    if (h >= 0) stI(p_start, h + 1, ldI(p_start, h + 1) + 1);
  }
  for (let h = 0; h < H; h++) stI(p_start, h + 1, ldI(p_start, h + 1) + ldI(p_start, h));
  for (let h = 0; h < H; h++) stI(p_fill, h, ldI(p_start, h));
  for (let v = 0; v < V; v++) {
    const h = ldI(p_vmHost, v);
    if (h < 0) continue;
    const k = ldI(p_fill, h);
    stI(p_byHost, k, v);
    stI(p_fill, h, k + 1);
  }
  for (;;) {
    sums();
    const ni = popN;
    if (ni < 2) break;
    const n = <f64>ni;
    const cur = sumsImbalance();
    const pri = place_drs_priority(cur, ni);
    if (pri > threshold || cur <= place_target_imbalance(threshold, ni)) break;
    // sources from the most loaded down (ties: lowest index)
    order.length = 0;
    for (let h = 0; h < H; h++) {
      stF(p_loads, h, ldF(p_hostLd, h));
      if (taking(h) && ldI(p_moves, h) < MAX_MOVES_PER_HOST) order.push(h);
    }
    p_order = order.dataStart; // push may have moved it
    for (let i = 1; i < len(order); i++) {
      const x = ldI(p_order, i);
      let j = i - 1;
      while (j >= 0 && ldF(p_loads, ldI(p_order, j)) < ldF(p_loads, x)) {
        stI(p_order, j + 1, ldI(p_order, j));
        j--;
      }
      stI(p_order, j + 1, x);
    }
    let bestVm: i32 = -1;
    let bestTo: i32 = -1;
    let from: i32 = -1;
    const m0 = popS / n;
    const curVar = popQ / n - m0 * m0; // cur = sqrtClamp(curVar): a move whose variance is not lower gains nothing
    const inv = 1.0 / n;
    for (let oi = 0; oi < len(order); oi++) {
      const s = ldI(p_order, oi);
      const ls = ldF(p_loads, s);
      // destinations for this source, in index order: take VMs, have moves left, less loaded
      let nd = 0;
      for (let d = 0; d < H; d++) {
        if (d == s || !taking(d) || ldI(p_moves, d) >= MAX_MOVES_PER_HOST || !(ldF(p_loads, d) < ls)) continue;
        stI(p_dst, nd++, d);
      }
      if (nd == 0) continue;
      const s0 = popS - ls;
      const q0 = popQ - ls * ls;
      let bestNet: f64 = 0;
      // the VMs on s now, in index order: its pass-start VMs still there, merged with those that arrived
      srcVms.length = 0;
      incoming.length = 0;
      for (let i = 0; i < len(arrivals); i++) {
        const v = getI(arrivals, i);
        if (ldI(p_vmHost, v) != s || ldI(pph, v) == s || hasI(incoming, v)) continue;
        let j = len(incoming);
        incoming.push(v);
        while (j > 0 && getI(incoming, j - 1) > v) {
          incoming[j] = getI(incoming, j - 1);
          j--;
        }
        incoming[j] = v;
      }
      let ai = 0;
      const kEnd = ldI(p_start, s + 1);
      for (let k = ldI(p_start, s); k < kEnd; k++) {
        const v = ldI(p_byHost, k);
        if (ldI(p_vmHost, v) != s) continue;
        while (ai < len(incoming) && getI(incoming, ai) < v) srcVms.push(getI(incoming, ai++));
        srcVms.push(v);
      }
      while (ai < len(incoming)) srcVms.push(getI(incoming, ai++));
      const nsrc = len(srcVms);
      const psrc = srcVms.dataStart;
      for (let k = 0; k < nsrc; k++) {
        const v = ldI(psrc, k);
        const wc = wantCpuOf(v);
        const wm = wantMemOf(v);
        const ls2 = loadWith(s, -wc, -wm);
        const ls2sq = ls2 * ls2;
        const t = wm / VMOTION_MIB_PER_S;
        const keep = DRS_PERIOD_S - t;
        const cost = MIGRATION_COST_RATE * t;
        const plain = ldI(p_vmNRules, v) == 0; // no rules: capacity is the only test
        const keepShould = plain || shouldOk(v, s);
        const crv = ldF(p_cpuR, v);
        const mrv = ldF(p_memR, v);
        let vmBestVar: f64 = Infinity;
        for (let i = 0; i < nd; i++) {
          const d = ldI(p_dst, i);
          if (ldF(p_resCpu, d) + crv > ldF(p_cpuCap, d) || ldF(p_resMem, d) + mrv > ldF(p_memCap, d)) continue;
          if (!plain) {
            if (why(v, d, MODE_INITIAL) != 0) continue;
            if (keepShould && !shouldOk(v, d)) continue;
          }
          const ld = ldF(p_loads, d);
          // estimate with products first: a destination whose estimate is above the variance to
          // beat by more than the filter margin has an exact variance above it too (see FILTER_MARGIN)
          const e2 = ((ldF(p_wantCpu, d) + wc) * ldF(p_invCpuCap, d) + (ldF(p_wantMem, d) + wm) * ldF(p_invMemCap, d)) * 0.5;
          const eq = (q0 - ld * ld + ls2sq + e2 * e2) * inv;
          const em = (s0 - ld + ls2 + e2) * inv;
          if (eq - em * em - FILTER_MARGIN * eq > min<f64>(curVar, vmBestVar)) continue;
          const ld2 = loadWith(d, wc, wm);
          const sum = s0 - ld + ls2 + ld2;
          const q = q0 - ld * ld + ls2sq + ld2 * ld2;
          const m = sum / n;
          const nv = q / n - m * m;
          // net falls as the variance rises (same VM: same keep and cost), so a variance above this
          // VM's best so far cannot beat bestNet: skip its sqrt
          if (!(nv < curVar) || nv > vmBestVar) continue;
          vmBestVar = nv;
          const gain = cur - sqrtClamp(nv);
          if (!(gain > 0)) continue;
          const net = gain * keep - cost;
          if (net > bestNet) {
            bestNet = net;
            bestVm = v;
            bestTo = d;
          }
        }
      }
      if (bestVm >= 0) {
        from = s;
        break;
      }
    }
    if (bestVm < 0) break;
    recs.push(bestVm);
    recs.push(from);
    recs.push(bestTo);
    recs.push(pri);
    detach(bestVm);
    attach(bestVm, bestTo);
    arrivals.push(bestVm);
    moves[from]++;
    moves[bestTo]++;
  }
  const after = place_imbalance();
  if (!apply) {
    for (let i = 0; i < len(recs); i += 4) vmHost[getI(recs, i)] = getI(recs, i + 1);
    restore();
  }
  out.length = 0;
  out.push(before);
  out.push(after);
  out.push(<f64>(len(recs) >> 2));
  for (let i = 0; i < len(recs); i++) out.push(<f64>getI(recs, i));
  return emit();
}

// ───────────────────────────── maintenance and HA ─────────────────────────────

/**
 * Evacuation plan of host `h`: its VMs (by id) re-placed one by one on the other hosts with all
 * rules, the host already closed. Writes [moves, blockers, (vm, to) × moves, (vm, mask, rule) ×
 * blockers]; keeps the moves and the maintenance state only when `apply` and nothing blocks.
 */
export function place_maintenance(h: i32, apply: i32): i32 {
  pin();
  snapshot();
  const old = ldI(p_hostState, h);
  place_host_set_state(h, STATE_MAINTENANCE);
  victims.length = 0;
  for (let v = 0; v < len(alive); v++) if (ldI(p_vmHost, v) == h) victims.push(v);
  for (let i = 0; i < len(victims); i++) detach(getI(victims, i));
  const mv = moved;
  const bl = stuck;
  mv.length = 0;
  bl.length = 0;
  for (let i = 0; i < len(victims); i++) {
    const v = getI(victims, i);
    const d = place_vm_place(v, MODE_EVACUATE);
    if (d >= 0) {
      mv.push(v);
      mv.push(d);
    } else {
      bl.push(v);
      bl.push(lastMask);
      bl.push(firstRule);
    }
  }
  if (!apply || len(bl) > 0) {
    for (let i = 0; i < len(victims); i++) vmHost[getI(victims, i)] = h;
    restore();
    place_host_set_state(h, old);
  }
  out.length = 0;
  out.push(<f64>(len(mv) >> 1));
  out.push(<f64>(len(bl) / 3));
  for (let i = 0; i < len(mv); i++) out.push(<f64>mv[i]);
  for (let i = 0; i < len(bl); i++) out.push(<f64>bl[i]);
  return emit();
}

const candHost = new Array<i32>();
const candVar = new Array<f64>();

/**
 * HA restart of VM `v` without rules: the same choice as place_vm_place(v, MODE_HA) — the first
 * feasible failover host, else the feasible host whose exact variance (then index) is least — in
 * two passes. The first estimates every feasible host's resulting variance with products (no
 * division); the second evaluates the exact formula, in host order, only for the hosts whose
 * estimate is within the filter margin of the least, since every other one is strictly worse.
 */
function haRestartPlain(v: i32): i32 {
  lastMask = 0;
  firstRule = -1;
  lastCopied = 0;
  assert(ldI(p_vmHost, v) < 0); // only a powered-off VM is placed
  assert(ldI(p_vmNRules, v) == 0); // rules are checked by place_vm_place
  sums();
  const H = len(cpuCap);
  const crv = ldF(p_cpuR, v);
  const mrv = ldF(p_memR, v);
  const wc = wantCpuOf(v);
  const wm = wantMemOf(v);
  const S = popS;
  const Q = popQ;
  const n = <f64>popN;
  const inv = 1.0 / n;
  const pc = candHost.dataStart;
  const pa = candVar.dataStart;
  let mask: i32 = 0;
  let firstFailover: i32 = -1;
  let nc: i32 = 0;
  let least: f64 = Infinity;
  let scale: f64 = 0;
  for (let h = 0; h < H; h++) {
    if (ldI(p_hostState, h) != STATE_CONNECTED) {
      mask |= 1;
      continue;
    }
    if (ldF(p_resCpu, h) + crv > ldF(p_cpuCap, h)) {
      mask |= 4;
      continue;
    }
    if (ldF(p_resMem, h) + mrv > ldF(p_memCap, h)) {
      mask |= 8;
      continue;
    }
    if (ldI(p_failover, h) != 0) {
      // tier 0, not taking: every failover host scores the current imbalance, so the first wins
      if (firstFailover < 0) firstFailover = h;
      continue;
    }
    const l = ldF(p_hostLd, h);
    const l2 = ((ldF(p_wantCpu, h) + wc) * ldF(p_invCpuCap, h) + (ldF(p_wantMem, h) + wm) * ldF(p_invMemCap, h)) * 0.5;
    const q = (Q - l * l + l2 * l2) * inv;
    const m = (S - l + l2) * inv;
    const est = q - m * m;
    stI(pc, nc, h);
    stF(pa, nc, est);
    nc++;
    if (est < least) least = est;
    if (q > scale) scale = q;
  }
  lastMask = mask;
  let best = firstFailover;
  if (best < 0) {
    const bound = least + FILTER_MARGIN * scale;
    let bestScore: f64 = Infinity;
    let bestVar: f64 = Infinity;
    for (let i = 0; i < nc; i++) {
      if (ldF(pa, i) > bound) continue;
      const h = ldI(pc, i);
      // the formula of place_vm_place, operation for operation
      const l = ldF(p_hostLd, h);
      const l2 = loadWith(h, wc, wm);
      const s = popS - l + l2;
      const q = popQ - l * l + l2 * l2;
      const m = s / n;
      const nv = q / n - m * m;
      let score: f64 = -1;
      if (nv < bestVar && (score = sqrtClamp(nv)) < bestScore) {
        best = h;
        bestScore = score;
        bestVar = nv;
      }
    }
  }
  if (best < 0) return -1;
  attach(v, best);
  lastImb = 0;
  return best;
}

/**
 * Fails the `n` hosts listed in scratch and restarts their VMs: by restart priority then id, each
 * placed on the survivors (failover hosts first) obeying must rules only. Writes [restarts,
 * notRestarted, (vm, host, priority) × restarts, (vm, mask, rule) × notRestarted].
 */
export function ha_fail_hosts(n: i32): i32 {
  pin();
  for (let i = 0; i < n; i++) place_host_set_state(<i32>input(i), STATE_FAILED);
  const V = len(alive);
  const H = len(cpuCap);
  victims.length = V;
  ordered.length = V;
  candHost.length = H;
  candVar.length = H;
  pin(); // the work arrays may have moved
  const pv = victims.dataStart;
  let nv = 0;
  for (let v = 0; v < V; v++) {
    const h = ldI(p_vmHost, v);
    if (h >= 0 && ldI(p_hostState, h) == STATE_FAILED) stI(pv, nv++, v);
  }
  for (let i = 0; i < nv; i++) detach(ldI(pv, i));
  // restart order: priority, then VM id — a counting sort over the 6 priorities (stable, O(n))
  const pk = changetype<usize>(restartCounts);
  for (let k = 0; k < 7; k++) stI(pk, k, 0);
  for (let i = 0; i < nv; i++) {
    const k = ldI(p_vmPrio, ldI(pv, i)) + 1;
    stI(pk, k, ldI(pk, k) + 1);
  }
  for (let k = 0; k < 6; k++) stI(pk, k + 1, ldI(pk, k + 1) + ldI(pk, k));
  const po = ordered.dataStart;
  for (let i = 0; i < nv; i++) {
    const v = ldI(pv, i);
    const p = ldI(p_vmPrio, v);
    stI(po, ldI(pk, p), v);
    stI(pk, p, ldI(pk, p) + 1);
  }
  moved.length = nv * 3;
  stuck.length = nv * 3;
  const pr = moved.dataStart; // (vm, host, priority) per restart
  const pf = stuck.dataStart; // (vm, mask, rule) per VM left off
  pin();
  let nr = 0;
  let nf = 0;
  for (let i = 0; i < nv; i++) {
    const v = ldI(po, i);
    const p = ldI(p_vmPrio, v);
    if (p == PRIORITY_DISABLED) {
      stI(pf, nf * 3, v);
      stI(pf, nf * 3 + 1, WHY_DISABLED);
      stI(pf, nf * 3 + 2, -1);
      nf++;
      continue;
    }
    const d = ldI(p_vmNRules, v) == 0 ? haRestartPlain(v) : place_vm_place(v, MODE_HA);
    if (d >= 0) {
      stI(pr, nr, v);
      stI(pr, nr + 1, d);
      stI(pr, nr + 2, p);
      nr += 3;
    } else {
      stI(pf, nf * 3, v);
      stI(pf, nf * 3 + 1, lastMask);
      stI(pf, nf * 3 + 2, firstRule);
      nf++;
    }
  }
  const total = 2 + nr + nf * 3;
  const out = scratch_ensure(<u32>total << 3);
  store<f64>(out, <f64>(nr / 3));
  store<f64>(out + 8, <f64>nf);
  for (let i = 0; i < nr; i++) stF(out, 2 + i, <f64>ldI(pr, i));
  for (let i = 0; i < nf * 3; i++) stF(out, 2 + nr + i, <f64>ldI(pf, i));
  return total;
}

/** Sets the HA admission policy: 0 disabled, 1 slots (a = failures), 2 percentage (a cpu %, b mem %), 3 failover hosts. */
export function ha_set_policy(kind: i32, a: f64, b: f64): void {
  pin();
  haKind = kind;
  haA = a;
  haB = b;
}

/** Writes the admission figures to scratch (see ha_admission_into); returns the f64 count. */
export function ha_admission(): i32 {
  pin();
  admission(-1);
  return emit();
}

/**
 * Admission figures into `out`, counting VM `extra` (not yet on) when ≥ 0: [satisfied, capacity,
 * cpuSlot, memSlot, totalSlots, usedSlots, availableSlots, cpu%, mem%, healthyFailoverHosts, slots per host…].
 */
function admission(extra: i32): void {
  const H = len(cpuCap);
  out.length = 0;
  for (let i = 0; i < 10; i++) out.push(0);
  out[0] = 1;
  for (let h = 0; h < H; h++) out.push(0);
  if (haKind == 1) {
    let cpuSlot: f64 = 0;
    let memSlot: f64 = 0;
    let used: f64 = 0;
    for (let v = 0; v < len(alive); v++) {
      if (ldI(p_vmHost, v) < 0 && v != extra) continue;
      cpuSlot = max<f64>(cpuSlot, ldF(p_cpuR, v));
      memSlot = max<f64>(memSlot, ldF(p_memR, v));
      used++;
    }
    cpuSlot = max<f64>(cpuSlot, HA_MIN_CPU_MHZ);
    memSlot = max<f64>(memSlot, HA_MIN_MEM_MIB);
    let total: f64 = 0;
    sorted.length = 0;
    for (let h = 0; h < H; h++) {
      if (ldI(p_hostState, h) != STATE_CONNECTED) continue;
      const per = min<f64>(Math.floor(ldF(p_cpuCap, h) / cpuSlot), Math.floor(ldF(p_memCap, h) / memSlot));
      out[10 + h] = per;
      total += per;
      let j = len(sorted);
      sorted.push(per);
      while (j > 0 && sorted[j - 1] < per) {
        sorted[j] = sorted[j - 1];
        j--;
      }
      sorted[j] = per;
    }
    let k: i32 = 0;
    let rem = total;
    while (k < len(sorted) - 1 && rem - sorted[k] >= used) {
      rem -= sorted[k];
      k++;
    }
    let reserve: f64 = 0;
    for (let i = 0; <f64>i < haA && i < len(sorted); i++) reserve += sorted[i];
    const avail = total - used - reserve;
    out[0] = <f64>k >= haA ? 1 : 0;
    out[1] = <f64>k;
    out[2] = cpuSlot;
    out[3] = memSlot;
    out[4] = total;
    out[5] = used;
    out[6] = avail > 0 ? avail : 0;
  } else if (haKind == 2) {
    let totalCpu: f64 = 0;
    let totalMem: f64 = 0;
    for (let h = 0; h < H; h++) {
      if (ldI(p_hostState, h) != STATE_CONNECTED) continue;
      totalCpu += ldF(p_cpuCap, h);
      totalMem += ldF(p_memCap, h);
    }
    let rc: f64 = 0;
    let rm: f64 = 0;
    for (let v = 0; v < len(alive); v++) {
      if (ldI(p_vmHost, v) < 0 && v != extra) continue;
      rc += max<f64>(ldF(p_cpuR, v), HA_MIN_CPU_MHZ);
      rm += ldF(p_memR, v);
    }
    const cpuPct = totalCpu > 0 ? ((totalCpu - rc) / totalCpu) * 100 : 0;
    const memPct = totalMem > 0 ? ((totalMem - rm) / totalMem) * 100 : 0;
    out[0] = cpuPct >= haA && memPct >= haB ? 1 : 0;
    out[1] = min<f64>(cpuPct, memPct);
    out[7] = cpuPct;
    out[8] = memPct;
  } else if (haKind == 3) {
    let healthy: f64 = 0;
    for (let h = 0; h < H; h++) if (ldI(p_failover, h) != 0 && ldI(p_hostState, h) == STATE_CONNECTED) healthy++;
    out[0] = healthy >= 1 ? 1 : 0;
    out[1] = healthy;
    out[9] = healthy;
  }
}
