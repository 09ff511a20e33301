/**
 * The inventory as vCenter shows a Virtual Container Host: one datacenter, the cluster with its
 * hosts and root resource pool, the VCH's vApp holding one VirtualMachine per container VM, a
 * datastore for the image store and one per Docker volume, a network per Docker network.
 *
 * It is a snapshot of the VCH brought up to date lazily after the VCH reports a change, so that the
 * N+1 calls of `govc find` read a map instead of listing every container each time. An event about
 * one container re-reads that container only (replaying the history of 1,000 container VMs would
 * otherwise list all of them thousands of times); any other change rebuilds the whole snapshot.
 * Morefs stay stable for the life of the door (`vm-101` is always the same container).
 */
import type { ContainerRecord, NetworkRecord, VchEvent, VchInfo, VirtualContainerHostApi, VolumeRecord } from "../vch/types.js";
import { ClusterComputeResource } from "./cluster_compute_resource.js";
import { Datacenter } from "./datacenter.js";
import { Datastore } from "./datastore.js";
import { Folder } from "./folder.js";
import { HostSystem } from "./host_system.js";
import type { ManagedObject } from "./managed.js";
import { Network } from "./network.js";
import { ResourcePool } from "./resource_pool.js";
import { VirtualApp } from "./virtual_app.js";
import { VirtualMachine } from "./virtual_machine.js";
import { Ref } from "./values.js";

export const ROOT_FOLDER = new Ref("Folder", "group-d1");
export const DATACENTER = new Ref("Datacenter", "datacenter-2");
export const VM_FOLDER = new Ref("Folder", "group-v3");
export const HOST_FOLDER = new Ref("Folder", "group-h4");
export const DATASTORE_FOLDER = new Ref("Folder", "group-s5");
export const NETWORK_FOLDER = new Ref("Folder", "group-n6");
export const CLUSTER = new Ref("ClusterComputeResource", "domain-c7");
export const ROOT_POOL = new Ref("ResourcePool", "resgroup-8");
export const VAPP = new Ref("VirtualApp", "resgroup-v9");
export const IMAGE_STORE = new Ref("Datastore", "datastore-10");

/** Names of the fixed part of the inventory. */
export interface InventoryNames {
  datacenter: string;
  cluster: string;
  imageStore: string;
}

export class Inventory {
  /** Every container is to be read again (the start, or a change that is not one container's). */
  private dirty = true;
  /** Containers whose own events came since the last read. */
  private readonly dirtyContainers = new Set<string>();
  /** Volumes and networks are to be read again. */
  private storesDirty = true;
  private infoDirty = true;
  private infoAt = 0;
  private lastInfo!: VchInfo;
  private readonly fixed = new Map<string, ManagedObject>();
  private readonly byKey = new Map<string, ManagedObject>();
  private readonly vmByContainer = new Map<string, VirtualMachine>();
  /** Every container's moref, removed ones included (their events still name them). */
  private readonly refByContainer = new Map<string, Ref>();
  private readonly hostObjects: HostSystem[] = [];
  private readonly datastoreByVolume = new Map<string, Datastore>();
  private readonly networkById = new Map<string, Network>();
  private vmList: VirtualMachine[] = [];
  private nextId = 100;

  constructor(
    readonly vch: VirtualContainerHostApi,
    readonly names: InventoryNames,
  ) {
    const add = (o: ManagedObject): void => void this.fixed.set(o.ref.key, o);
    add(new Folder(ROOT_FOLDER, "Datacenters", undefined, ["Folder", "Datacenter"], () => [DATACENTER]));
    add(new Datacenter(DATACENTER, names.datacenter));
    add(new Folder(VM_FOLDER, "vm", DATACENTER, ["Folder", "VirtualMachine", "VirtualApp"], () => [VAPP]));
    add(new Folder(HOST_FOLDER, "host", DATACENTER, ["Folder", "ComputeResource"], () => [CLUSTER]));
    add(new Folder(DATASTORE_FOLDER, "datastore", DATACENTER, ["Folder", "Datastore"], () => this.datastores().map((d) => d.ref)));
    add(new Folder(NETWORK_FOLDER, "network", DATACENTER, ["Folder", "Network"], () => this.networks().map((n) => n.ref)));
    add(new ClusterComputeResource(CLUSTER, names.cluster));
    add(new ResourcePool(ROOT_POOL, "Resources", CLUSTER));
    add(new VirtualApp(VAPP));
    add(new Datastore(IMAGE_STORE, names.imageStore, null));
  }

  /** The VCH changed (`event` says how, when known): the next read brings the snapshot up to date. */
  markDirty(event?: VchEvent): void {
    this.infoDirty = true;
    switch (event?.Type) {
      case "container":
        this.dirtyContainers.add(event.Actor.ID);
        return;
      case "network":
      case "volume": {
        // connect, disconnect, mount and unmount name the container they change
        const container = event.Actor.Attributes.container;
        if (container) this.dirtyContainers.add(container);
        this.storesDirty = true;
        return;
      }
      case "image":
        return;
      default:
        this.dirty = true;
        this.storesDirty = true;
    }
  }

  /** The VCH's `info()`, read again once virtual time moved or the VCH changed. */
  info(): VchInfo {
    const now = this.vch.now();
    if (this.infoDirty || now !== this.infoAt) {
      this.lastInfo = this.vch.info();
      this.infoAt = now;
      this.infoDirty = false;
      for (const h of this.lastInfo.hosts) {
        let o = this.hostObjects[h.index];
        if (!o) o = this.hostObjects[h.index] = new HostSystem(new Ref("HostSystem", `host-${20 + h.index}`), h.index);
        o.host = h;
        this.byKey.set(o.ref.key, o);
      }
    }
    return this.lastInfo;
  }

  /** Brings the container VMs (and the hosts) up to date; `all` the datastores and networks too. */
  private refresh(all = true): void {
    if (this.dirty) this.rebuild();
    else if (this.dirtyContainers.size) this.rereadContainers();
    // hosts' live figures are read through info() when asked; their names and sizes do not change
    if (all && this.storesDirty) this.rereadStores();
  }

  /** Re-reads the containers whose events came: added, changed or removed. */
  private rereadContainers(): void {
    for (const id of this.dirtyContainers) {
      let rec: ContainerRecord | undefined;
      try {
        rec = this.vch.getContainer(id);
      } catch {
        rec = undefined; // removed since
      }
      const o = this.vmByContainer.get(id);
      if (rec && o) o.rec = rec;
      else if (rec) this.vmList.push(this.addVm(rec));
      else if (o) {
        this.vmByContainer.delete(id);
        this.byKey.delete(o.ref.key);
        this.vmList = this.vmList.filter((v) => v !== o);
      }
    }
    this.dirtyContainers.clear();
  }

  private addVm(rec: ContainerRecord): VirtualMachine {
    const o = new VirtualMachine(new Ref("VirtualMachine", `vm-${this.nextId++}`), rec);
    this.vmByContainer.set(rec.id, o);
    this.refByContainer.set(rec.id, o.ref);
    this.byKey.set(o.ref.key, o);
    return o;
  }

  private rebuild(): void {
    this.dirty = false;
    this.dirtyContainers.clear();
    this.byKey.clear();
    this.storesDirty = true; // their keys went with the rest
    for (const [k, o] of this.fixed) this.byKey.set(k, o);
    this.infoDirty = true;
    this.info();
    const seen = new Set<string>();
    const list: VirtualMachine[] = [];
    // Oldest first, as vCenter lists a vApp's VMs in the order they were added.
    const containers: ContainerRecord[] = this.vch.listContainers({ all: true }).reverse();
    for (const rec of containers) {
      let o = this.vmByContainer.get(rec.id);
      if (!o) o = this.addVm(rec);
      o.rec = rec;
      seen.add(rec.id);
      list.push(o);
      this.byKey.set(o.ref.key, o);
    }
    for (const id of this.vmByContainer.keys()) if (!seen.has(id)) this.vmByContainer.delete(id);
    this.vmList = list;
  }

  private rereadStores(): void {
    this.storesDirty = false;
    const volumes: VolumeRecord[] = this.vch.listVolumes();
    const liveVolumes = new Set<string>();
    for (const v of volumes) {
      let o = this.datastoreByVolume.get(v.Name);
      if (!o) this.datastoreByVolume.set(v.Name, (o = new Datastore(new Ref("Datastore", `datastore-${this.nextId++}`), v.Name, v)));
      o.volume = v;
      liveVolumes.add(v.Name);
      this.byKey.set(o.ref.key, o);
    }
    for (const [k, o] of this.datastoreByVolume) {
      if (liveVolumes.has(k)) continue;
      this.datastoreByVolume.delete(k);
      this.byKey.delete(o.ref.key);
    }
    const nets: NetworkRecord[] = this.vch.listNetworks();
    const liveNets = new Set<string>();
    for (const n of nets) {
      let o = this.networkById.get(n.Id);
      if (!o) this.networkById.set(n.Id, (o = new Network(new Ref("Network", `network-${this.nextId++}`), n)));
      o.net = n;
      liveNets.add(n.Id);
      this.byKey.set(o.ref.key, o);
    }
    for (const [k, o] of this.networkById) {
      if (liveNets.has(k)) continue;
      this.networkById.delete(k);
      this.byKey.delete(o.ref.key);
    }
  }

  /** The inventory object `ref` names, or undefined (deleted or never there). */
  get(ref: Ref): ManagedObject | undefined {
    this.refresh(ref.type !== "VirtualMachine" && ref.type !== "HostSystem");
    return this.byKey.get(ref.key);
  }

  vms(): VirtualMachine[] {
    this.refresh(false);
    return this.vmList;
  }

  vmOfContainer(id: string): VirtualMachine | undefined {
    this.refresh(false);
    return this.vmByContainer.get(id);
  }

  /** The moref a container's VM had, even after it was removed. */
  lastRefOf(id: string): Ref | undefined {
    return this.refByContainer.get(id);
  }

  hosts(): HostSystem[] {
    this.refresh(false);
    return this.hostObjects.slice(0, this.lastInfo.hosts.length);
  }

  hostByName(name: string): HostSystem | undefined {
    return this.hosts().find((h) => h.host.name === name);
  }

  datastores(): Datastore[] {
    this.refresh();
    return [this.fixed.get(IMAGE_STORE.key) as Datastore, ...this.datastoreByVolume.values()];
  }

  datastoreOfVolume(name: string): Datastore | undefined {
    this.refresh();
    return this.datastoreByVolume.get(name);
  }

  networks(): Network[] {
    this.refresh();
    return [...this.networkById.values()];
  }

  networkByName(name: string): Network | undefined {
    return this.networks().find((n) => n.net.Name === name);
  }
}
