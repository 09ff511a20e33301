/**
 * The deployment's fleet of ESXi hosts ("Photon Machines") in typed arrays, so that 32,768 hosts boot in
 * milliseconds: sizes, availability zone, state and VM count per host index. Host ids, addresses and
 * datastores are derived from the index; only hosts whose state or zone changed are stored.
 * Placement goes through the wasm fleet scheduler with labels: bit `zone.bit` for the availability zone,
 * bit 16 + k for datastore k, bit 31 for the CLOUD usage tag. Hosts added through the API take the next
 * index (the arrays and the scheduler are rebuilt, keeping every reservation); a deleted host keeps its
 * index in state DELETED and is neither listed nor found.
 */
import { FleetScheduler } from "../core/fleet.js";

export const HOST_STATES = ["READY", "SUSPENDED", "MAINTENANCE", "ERROR", "NOT_PROVISIONED", "CREATING", "DELETED"] as const;
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

/** What an administrator said of a host added through the API. */
export interface AddedHost {
  address: string;
  username: string;
  password: string;
  usageTags: string[];
  metadata: Record<string, string>;
}

export class Fleet {
  n: number;
  cores: Float64Array;
  memoryMiB: Float64Array;
  /** Zone bit of each host (its availability zone). */
  zone: Uint8Array;
  /** Zone each host was racked in (its datastores). */
  rack: Uint8Array;
  state: Uint8Array;
  vmCount: Int32Array;
  readonly datastores: Datastore[];
  scheduler: FleetScheduler;
  /** Hosts added through the API, by index (the others are derived from their index). */
  readonly added = new Map<number, AddedHost>();
  private readonly idTag: number;
  private readonly seed: number;
  private readonly zones: number;

  /** `n` hosts spread over `zones` zones (host i in zone i mod zones), all READY. */
  constructor(n: number, zones: number, seed: number) {
    this.n = n;
    this.seed = seed;
    this.zones = zones;
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

  /** The host's label bits: its zone, the datastores of its rack, CLOUD (unless an added host lacks the tag). */
  labels(i: number): number {
    const r = this.rack[i];
    const cloud = this.added.get(i)?.usageTags.includes("CLOUD") === false ? 0 : 1 << CLOUD_BIT;
    return ((1 << this.zone[i]) | (1 << (DATASTORE_BIT0 + 2 * r)) | (1 << (DATASTORE_BIT0 + 2 * r + 1)) | cloud) >>> 0;
  }

  /**
   * Adds a host at the next index, in `zoneBit` (racked with that zone's datastores, or by its index when
   * the zone has none), in `state`. The scheduler is rebuilt with every host's reservations and state.
   */
  add(spec: AddedHost, zoneBit: number | null, state: HostState): number {
    const i = this.n;
    const grow = <T extends Float64Array | Uint8Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(i + 1);
      b.set(a);
      return b;
    };
    this.cores = grow(this.cores);
    this.memoryMiB = grow(this.memoryMiB);
    this.zone = grow(this.zone);
    this.rack = grow(this.rack);
    this.state = grow(this.state);
    this.vmCount = grow(this.vmCount);
    const [c, g] = SIZES[i % SIZES.length];
    this.cores[i] = c;
    this.memoryMiB[i] = g * 1024;
    this.rack[i] = zoneBit !== null && zoneBit < this.zones ? zoneBit : i % this.zones;
    this.zone[i] = zoneBit ?? this.rack[i];
    this.added.set(i, spec);
    this.n = i + 1;
    const old = this.scheduler;
    this.scheduler = new FleetScheduler({ hosts: Array.from({ length: this.n }, (_, h) => ({ cores: this.cores[h], memoryMiB: this.memoryMiB[h], labels: this.labels(h) })), seed: this.seed >>> 0 || 1 });
    for (let h = 0; h < i; h++) {
      const u = old.hostUsage(h);
      if (u.vcpus > 0 || u.memoryMiB > 0) this.scheduler.reserve(h, u.vcpus, u.memoryMiB);
      if (!u.up) this.scheduler.setHostUp(h, false);
    }
    this.setState(i, state);
    return i;
  }
  /** The host carrying `address`, or -1 (deleted hosts carry none). */
  byAddress(address: string): number {
    for (const [i, a] of this.added) if (a.address === address && this.stateOf(i) !== "DELETED") return i;
    const m = /^10\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
    if (!m) return -1;
    const i = ((Number(m[1]) << 16) | (Number(m[2]) << 8) | Number(m[3])) - 16;
    return i >= 0 && i < this.n && !this.added.has(i) && this.stateOf(i) !== "DELETED" ? i : -1;
  }
  hostId(i: number): string {
    return fleetId(this.idTag, i);
  }
  /** The host index of an id, or -1. */
  hostIndex(id: string): number {
    const m = /^([0-9a-f]{8})-0000-4000-8000-([0-9a-f]{12})$/.exec(id);
    if (!m || parseInt(m[1], 16) !== this.idTag) return -1;
    const i = parseInt(m[2], 16);
    return i < this.n && this.stateOf(i) !== "DELETED" ? i : -1;
  }
  address(i: number): string {
    const added = this.added.get(i);
    if (added) return added.address;
    const a = i + 16; // 10.0.0.16 onwards: the low addresses are the gateway's
    return `10.${(a >> 16) & 255}.${(a >> 8) & 255}.${a & 255}`;
  }
  usageTags(i: number): string[] {
    const added = this.added.get(i);
    if (added) return added.usageTags;
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
