/**
 * The deployment's fleet of ESXi hosts ("Photon Machines") in typed arrays, so that 32,768 hosts boot in
 * milliseconds: sizes, availability zone, state and VM count per host index. Host ids, addresses and
 * datastores are derived from the index; only hosts whose state or zone changed are stored.
 * Placement goes through the wasm fleet scheduler with labels: bit `zone.bit` for the availability zone,
 * bit 16 + k for datastore k, bit 31 for the CLOUD usage tag.
 */
import { FleetScheduler } from "../core/fleet.js";

export const HOST_STATES = ["READY", "SUSPENDED", "MAINTENANCE", "ERROR", "NOT_PROVISIONED", "CREATING"] as const;
export type HostState = (typeof HOST_STATES)[number];
export const CLOUD_BIT = 31;
export const DATASTORE_BIT0 = 16;
/** Host sizes of the default deployment, repeating every 8 hosts: (cores, memory GiB). */
const SIZES: [number, number][] = [[16, 128], [16, 128], [16, 128], [32, 256], [32, 256], [32, 256], [48, 512], [64, 1024]];
/** The first hosts carry MGMT as well as CLOUD (they run the control plane). */
const MGMT_HOSTS = 3;

export interface Datastore {
  id: string;
  name: string;
  type: "SHARED_VMFS" | "LOCAL_VMFS";
  tags: string[];
  /** Label bit of the hosts that see it. */
  bit: number;
  /** Zone the datastore's hosts were racked in. */
  zone: number;
}

/** A deterministic UUID-shaped id: 8 hex of `tag`, then the index. */
export function fleetId(tag: number, index: number): string {
  const hex = (tag >>> 0).toString(16).padStart(8, "0");
  return `${hex}-0000-4000-8000-${index.toString(16).padStart(12, "0")}`;
}

export class Fleet {
  readonly n: number;
  readonly cores: Float64Array;
  readonly memoryMiB: Float64Array;
  /** Zone bit of each host (its availability zone). */
  readonly zone: Uint8Array;
  /** Zone each host was racked in (its datastores). */
  readonly rack: Uint8Array;
  readonly state: Uint8Array;
  readonly vmCount: Int32Array;
  readonly datastores: Datastore[];
  readonly scheduler: FleetScheduler;
  private readonly idTag: number;

  /** `n` hosts spread over `zones` zones (host i in zone i mod zones), all READY. */
  constructor(n: number, zones: number, seed: number) {
    this.n = n;
    this.idTag = (0x9e3779b1 * (seed + 1)) >>> 0;
    this.cores = new Float64Array(n);
    this.memoryMiB = new Float64Array(n);
    this.zone = new Uint8Array(n);
    this.rack = new Uint8Array(n);
    this.state = new Uint8Array(n);
    this.vmCount = new Int32Array(n);
    this.datastores = [];
    for (let z = 0; z < zones; z++) {
      this.datastores.push({ id: fleetId(this.idTag ^ 0xd5, 2 * z), name: `datastore-z${z + 1}-shared`, type: "SHARED_VMFS", tags: ["SHARED"], bit: DATASTORE_BIT0 + 2 * z, zone: z });
      this.datastores.push({ id: fleetId(this.idTag ^ 0xd5, 2 * z + 1), name: `datastore-z${z + 1}-ssd`, type: "LOCAL_VMFS", tags: ["SSD"], bit: DATASTORE_BIT0 + 2 * z + 1, zone: z });
    }
    const labels = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const [c, g] = SIZES[i % SIZES.length];
      this.cores[i] = c;
      this.memoryMiB[i] = g * 1024;
      this.zone[i] = this.rack[i] = i % zones;
      labels[i] = this.labels(i);
    }
    this.scheduler = new FleetScheduler({ hosts: Array.from({ length: n }, (_, i) => ({ cores: this.cores[i], memoryMiB: this.memoryMiB[i], labels: labels[i] })), seed: seed >>> 0 || 1 });
  }

  /** The host's label bits: its zone, the datastores of its rack, CLOUD. */
  labels(i: number): number {
    const r = this.rack[i];
    return ((1 << this.zone[i]) | (1 << (DATASTORE_BIT0 + 2 * r)) | (1 << (DATASTORE_BIT0 + 2 * r + 1)) | (1 << CLOUD_BIT)) >>> 0;
  }
  hostId(i: number): string {
    return fleetId(this.idTag, i);
  }
  /** The host index of an id, or -1. */
  hostIndex(id: string): number {
    const m = /^([0-9a-f]{8})-0000-4000-8000-([0-9a-f]{12})$/.exec(id);
    if (!m || parseInt(m[1], 16) !== this.idTag) return -1;
    const i = parseInt(m[2], 16);
    return i < this.n ? i : -1;
  }
  address(i: number): string {
    const a = i + 16; // 10.0.0.16 onwards: the low addresses are the gateway's
    return `10.${(a >> 16) & 255}.${(a >> 8) & 255}.${a & 255}`;
  }
  usageTags(i: number): string[] {
    return i < MGMT_HOSTS ? ["MGMT", "CLOUD"] : ["CLOUD"];
  }
  stateOf(i: number): HostState {
    return HOST_STATES[this.state[i]];
  }
  setState(i: number, s: HostState): void {
    this.state[i] = HOST_STATES.indexOf(s);
    this.scheduler.setHostUp(i, s === "READY");
  }
  setZone(i: number, bit: number): void {
    this.zone[i] = bit;
    this.scheduler.setHostLabels(i, this.labels(i));
  }
  datastoresOf(i: number): Datastore[] {
    return this.datastores.filter((d) => d.zone === this.rack[i]);
  }
  datastore(id: string): Datastore | undefined {
    return this.datastores.find((d) => d.id === id);
  }
}
