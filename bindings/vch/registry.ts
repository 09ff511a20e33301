/**
 * The container registry: every container by id, with indexes kept as containers come and go, so
 * that no hot path scans all containers: by name, by id prefix (a sorted id list, binary search),
 * by cluster VM, by image, by network (name) and by volume (name). Creation order numbers answer
 * Docker's before/since.
 */
import type { Container } from "./container.js";
import { invalid, notFound } from "./errors.js";

export class ContainerRegistry {
  /** Insertion order is creation order. */
  private readonly byId = new Map<string, Container>();
  private readonly byName = new Map<string, string>();
  private readonly byClusterVm = new Map<number, string>();
  private readonly sortedIds: string[] = [];
  private readonly byImage = new Map<string, Set<string>>();
  private readonly byNetwork = new Map<string, Set<string>>();
  private readonly byVolume = new Map<string, Set<string>>();
  private nextSeq = 0;

  /** The next creation order number. */
  seq(): number {
    return this.nextSeq++;
  }

  get size(): number {
    return this.byId.size;
  }

  add(c: Container): void {
    const id = c.rec.id;
    this.byId.set(id, c);
    this.byName.set(c.rec.name.slice(1), id);
    this.byClusterVm.set(c.vm.cluster, id);
    this.sortedIds.splice(this.lowerBound(id), 0, id);
    addTo(this.byImage, c.rec.imageId, id);
    for (const n of Object.keys(c.rec.networks)) addTo(this.byNetwork, n, id);
    for (const m of c.rec.mounts) if (m.Name !== undefined) addTo(this.byVolume, m.Name, id);
  }

  delete(c: Container): void {
    const id = c.rec.id;
    if (this.byId.get(id) !== c) return;
    this.byId.delete(id);
    this.byName.delete(c.rec.name.slice(1));
    this.byClusterVm.delete(c.vm.cluster);
    const i = this.lowerBound(id);
    if (this.sortedIds[i] === id) this.sortedIds.splice(i, 1);
    removeFrom(this.byImage, c.rec.imageId, id);
    for (const n of Object.keys(c.rec.networks)) removeFrom(this.byNetwork, n, id);
    for (const m of c.rec.mounts) if (m.Name !== undefined) removeFrom(this.byVolume, m.Name, id);
  }

  /** Keeps the name index true when a container is renamed (call before changing `rec.name`). */
  renamed(c: Container, newName: string): void {
    this.byName.delete(c.rec.name.slice(1));
    this.byName.set(newName, c.rec.id);
  }

  /** Keeps the network index true when a container joins or leaves a network. */
  connected(c: Container, network: string): void {
    addTo(this.byNetwork, network, c.rec.id);
  }

  disconnected(c: Container, network: string): void {
    removeFrom(this.byNetwork, network, c.rec.id);
  }

  get(id: string): Container | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The id of the container holding `name` (without its slash). */
  nameHolder(name: string): string | undefined {
    return this.byName.get(name);
  }

  ofClusterVm(vm: number): Container | undefined {
    const id = this.byClusterVm.get(vm);
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** A container by full id, name or `/name`, or unique id prefix; throws Docker's errors. */
  resolve(ref: string): Container {
    if (typeof ref !== "string" || !ref) throw notFound(`No such container: ${ref}`);
    const direct = this.byId.get(ref);
    if (direct) return direct;
    const byName = this.byName.get(ref.replace(/^\//, ""));
    if (byName) return this.byId.get(byName)!;
    if (/^[0-9a-f]+$/.test(ref)) {
      const i = this.lowerBound(ref);
      const first = this.sortedIds[i];
      if (first?.startsWith(ref)) {
        if (this.sortedIds[i + 1]?.startsWith(ref)) throw invalid(`multiple IDs found with provided prefix: ${ref}`);
        return this.byId.get(first)!;
      }
    }
    throw notFound(`No such container: ${ref}`);
  }

  /** Every container, oldest first. */
  all(): IterableIterator<Container> {
    return this.byId.values();
  }

  /** Ids of the containers made from image `imageId`. */
  usersOfImage(imageId: string): Container[] {
    return [...(this.byImage.get(imageId) ?? [])].map((id) => this.byId.get(id)!);
  }

  imageInUse(imageId: string): boolean {
    return (this.byImage.get(imageId)?.size ?? 0) > 0;
  }

  /** Names of the networks some container has an endpoint on. */
  networksInUse(): Set<string> {
    return new Set(this.byNetwork.keys());
  }

  /** Names of the volumes some container mounts. */
  volumesInUse(): Set<string> {
    return new Set(this.byVolume.keys());
  }

  /** Ids of the containers mounting volume `name`. */
  volumeUsers(name: string): string[] {
    return [...(this.byVolume.get(name) ?? [])];
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.sortedIds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sortedIds[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(id);
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(id);
  if (!set.size) index.delete(key);
}
