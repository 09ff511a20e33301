/**
 * The Photon tab's frame: one snapshot per animation frame of the fleet (each host's state and
 * utilisation, read from the fleet scheduler without changing it), the scheduler's last decisions,
 * and the latest reading of tenants and clusters through the API. Views only read it.
 */
import type { Decision } from "../../../bindings/photon/decisions.js";
import type { PhotonPlatform } from "../../../bindings/photon/index.js";

export interface QuotaLine {
  readonly key: string;
  readonly unit: string;
  readonly limit: number;
  readonly usage: number;
}
export interface TenantView {
  readonly id: string;
  readonly name: string;
  readonly projects: readonly { readonly id: string; readonly name: string }[];
  readonly quota: readonly QuotaLine[];
}
export interface ClusterView {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly state: string;
  readonly tenant: string;
  readonly workerCount: number;
  /** Nodes by role (KubernetesMaster, …): how many, and how many STARTED. */
  readonly roles: readonly { readonly role: string; readonly count: number; readonly started: number }[];
}
/** What the API said at the last refresh. */
export interface ApiReading {
  readonly tenants: readonly TenantView[];
  readonly clusters: readonly ClusterView[];
}

export interface PhotonFrame {
  readonly hosts: number;
  /** Per host: the higher of CPU and memory use against what the scheduler admits (0…1). */
  readonly utilisation: Float32Array;
  /** Per host: index into HOST_STATES (READY, SUSPENDED, MAINTENANCE, ERROR, …). */
  readonly state: Uint8Array;
  readonly vms: number;
  readonly decisions: readonly Decision[];
  readonly api: ApiReading;
  readonly selected: number;
}

/** CPU overcommit of the fleet scheduler (DESIGN.md §5): what "full" means for CPU. */
const CPU_OVERCOMMIT = 16;

/** Reads the fleet once for this frame. */
export function takePhotonFrame(p: PhotonPlatform, api: ApiReading, selected: number): PhotonFrame {
  const n = p.fleet.n;
  const utilisation = new Float32Array(n);
  let vms = 0;
  for (let h = 0; h < n; h++) {
    const u = p.fleet.scheduler.hostUsage(h);
    utilisation[h] = Math.max(u.vcpus / (p.fleet.cores[h] * CPU_OVERCOMMIT), u.memoryMiB / p.fleet.memoryMiB[h]);
    vms += p.fleet.vmCount[h];
  }
  const decisions = Object.freeze(p.placer.decisions.list().map((d) => Object.freeze({ ...d, sampled: Object.freeze(d.sampled.map((s) => Object.freeze({ ...s }))) }))) as readonly Decision[];
  return Object.freeze({ hosts: n, utilisation, state: p.fleet.state.slice(), vms, decisions, api, selected });
}
