/** Datastore: the VCH's image store, and one per Docker volume (vIC keeps volumes as disks on a volume store). */
import type { VolumeRecord } from "../vch/types.js";
import { ManagedEntity, entityGetters, type Ctx, type Getter } from "./managed.js";
import { DATASTORE_FOLDER } from "./inventory.js";
import { long, refs, type Ref } from "./values.js";

const CAPACITY = 2 ** 40;

export class Datastore extends ManagedEntity {
  readonly getters: Record<string, Getter<Datastore>> = datastoreGetters;
  constructor(
    ref: Ref,
    private readonly label: string,
    public volume: VolumeRecord | null,
  ) {
    super(ref);
  }
  name(): string {
    return this.label;
  }
  parent(): Ref {
    return DATASTORE_FOLDER;
  }
  /** Container VMs with files here: every VM on the image store, a volume's users on its store. */
  users(ctx: Ctx): Ref[] {
    const vms = ctx.server.inventory.vms();
    if (!this.volume) return vms.map((v) => v.ref);
    return vms.filter((v) => v.rec.mounts.some((m) => m.Type === "volume" && m.Name === this.label)).map((v) => v.ref);
  }
}

const datastoreGetters: Record<string, Getter<Datastore>> = {
  ...entityGetters,
  vm: (o, ctx) => refs(o.users(ctx)),
  host: () => undefined,
  summary: (o) => ({
    _type: "DatastoreSummary",
    datastore: o.ref,
    name: o.name(),
    url: o.volume ? `ds:///vmfs/volumes/${o.volume.Name}/` : "ds:///vmfs/volumes/images/",
    capacity: long(CAPACITY),
    freeSpace: long(CAPACITY / 2),
    accessible: true,
    multipleHostAccess: true,
    type: "vsan",
  }),
};
