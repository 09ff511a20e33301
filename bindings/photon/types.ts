/** The documents Photon Platform keeps (one per entity, stored as JSON), in the API's own field names. */
import type { QuotaLineItem } from "./quota.js";

export interface SecurityGroup {
  name: string;
  inherited: boolean;
}
export interface TenantDoc {
  id: string;
  name: string;
  tags: string[];
  securityGroups: SecurityGroup[];
}
export interface TicketDoc {
  id: string;
  name: string;
  tenantId: string;
  tags: string[];
  limits: QuotaLineItem[];
  usage: QuotaLineItem[];
}
export interface ProjectDoc {
  id: string;
  name: string;
  tenantId: string;
  tags: string[];
  ticketId: string;
  limits: QuotaLineItem[];
  usage: QuotaLineItem[];
  securityGroups: SecurityGroup[];
}
export type FlavorKind = "vm" | "ephemeral-disk" | "persistent-disk";
export interface FlavorDoc {
  id: string;
  name: string;
  kind: FlavorKind;
  state: "READY" | "PENDING_DELETE";
  cost: QuotaLineItem[];
  tags: string[];
}
export interface ImageDoc {
  id: string;
  name: string;
  state: "CREATING" | "READY" | "PENDING_DELETE" | "ERROR";
  size: number;
  replicationType: "EAGER" | "ON_DEMAND";
  tags: string[];
  /** Dense number the fleet scheduler knows the image by. */
  seq: number;
}
export interface AttachedDisk {
  id: string;
  name: string;
  kind: "ephemeral-disk" | "persistent-disk";
  flavor: string;
  state: string;
  capacityGb: number;
  bootDisk: boolean;
}
export type VmState = "CREATING" | "STOPPED" | "STARTED" | "SUSPENDED" | "ERROR";
export interface Affinity {
  id: string;
  kind: string;
}
export interface VmDoc {
  id: string;
  name: string;
  projectId: string;
  flavor: string;
  flavorId: string;
  state: VmState;
  sourceImageId: string;
  /** Host index in the fleet, -1 until placed. */
  host: number;
  datastore: string | null;
  tags: string[];
  metadata: Record<string, string>;
  attachedDisks: AttachedDisk[];
  affinities: Affinity[];
  /** What the VM debited from its project (credited back on delete). */
  cost: QuotaLineItem[];
  vcpus: number;
  memoryMiB: number;
  /** Bits the host must carry (availability zone, datastore, usage tag) and a pinned host, for placement. */
  labels: number;
  pin: number;
  clusterId?: string;
  /** Subnets named at create. */
  subnets?: string[];
  attachedIsos?: { id: string; name: string; size: number }[];
  floatingIp?: { networkId: string; address: string };
}
export interface DiskDoc {
  id: string;
  name: string;
  projectId: string;
  kind: "persistent-disk";
  flavor: string;
  cost: QuotaLineItem[];
  /** Debit: flavor cost plus persistent-disk.capacity. */
  debited: QuotaLineItem[];
  state: "CREATING" | "DETACHED" | "ATTACHED" | "ERROR";
  datastore: string | null;
  capacityGb: number;
  vms: string[];
  tags: string[];
}
export type ClusterType = "KUBERNETES" | "MESOS" | "SWARM" | "HARBOR";
export type ClusterState = "CREATING" | "RESIZING" | "READY" | "PENDING_DELETE" | "RECOVERABLE_ERROR" | "FATAL_ERROR";
export interface ClusterDoc {
  id: string;
  name: string;
  type: ClusterType;
  state: ClusterState;
  projectId: string;
  workerCount: number;
  batchSize: number;
  masterVmFlavorName: string;
  otherVmFlavorName: string;
  diskFlavorName: string;
  imageId: string;
  /** The subnet of the nodes (none: the default network). */
  vmNetworkId?: string;
  errorReason?: string;
  extendedProperties: Record<string, string>;
}
export interface SubnetDoc {
  id: string;
  name: string;
  description?: string;
  state: "CREATING" | "READY" | "ERROR";
  isDefault: boolean;
  portGroups: string[];
  /** SDN subnets belong to a project; physical ones to the deployment. */
  projectId?: string;
  routingType?: string;
  cidr?: string;
  lowIpStatic?: string;
  highIpStatic?: string;
  lowIpDynamic?: string;
  highIpDynamic?: string;
}
export interface ZoneDoc {
  id: string;
  name: string;
  state: "READY" | "PENDING_DELETE";
  /** Label bit of the zone's hosts in the fleet scheduler. */
  bit: number;
}
export interface HostOverride {
  /** Host index in the fleet. */
  id: number;
  state: string;
  zone: string;
  /** Set for a host added through the API (the others derive from their index). */
  added?: { address: string; username: string; password: string; usageTags: string[]; metadata: Record<string, string> };
}
export interface DeploymentDoc {
  id: string;
  state: "NOT_DEPLOYED" | "CREATING" | "READY" | "PAUSED" | "BACKGROUND_PAUSED" | "ERROR" | "DELETED";
  imageDatastores: string[];
  useImageDatastoreForVms: boolean;
  loadBalancerEnabled: boolean;
  securityGroups: string[];
  clusterConfigurations: { type: ClusterType; imageId: string }[];
  hostCount: number;
  /** Availability zones the hosts were racked in at creation (each with its datastores). */
  racks: number;
  seed: number;
  /** A migration from another controller: its API origin and the data-migration cycles run. */
  migration?: { source: string; cycles: number; lastCycleSize: number; finished?: boolean };
}
export interface StepDoc {
  sequence: number;
  state: "QUEUED" | "STARTED" | "COMPLETED" | "ERROR";
  operation: string;
  queuedTime: number;
  startedTime: number | null;
  endTime: number | null;
  errors: { code: string; message: string | null; data: Record<string, string> }[];
  warnings: { code: string; message: string | null; data: Record<string, string> }[];
  options: Record<string, string> | null;
}
export interface TaskDoc {
  id: string;
  entity: { kind: string | null; id: string | null };
  state: "QUEUED" | "STARTED" | "COMPLETED" | "ERROR";
  operation: string;
  queuedTime: number;
  startedTime?: number;
  endTime?: number;
  steps: StepDoc[];
  resourceProperties?: unknown;
  /** Scope of the task for `/projects/{id}/tasks` and `/tenants/{id}/tasks`. */
  projectId?: string;
  tenantId?: string;
  /** What the runner needs to resume (the request, for cluster work). */
  work?: Record<string, unknown>;
}

/** Kinds of stored documents. */
export type DocKind = "tenant" | "ticket" | "project" | "flavor" | "image" | "vm" | "disk" | "cluster" | "zone" | "host" | "deployment" | "task" | "subnet" | "meta";
