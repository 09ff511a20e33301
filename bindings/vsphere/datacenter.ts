/** Datacenter: the one datacenter holding the VCH's cluster, with its four folders. */
import { ManagedEntity, entityGetters, type Ctx, type Getter } from "./managed.js";
import { refs, type Ref } from "./values.js";
import { DATASTORE_FOLDER, HOST_FOLDER, NETWORK_FOLDER, ROOT_FOLDER, VM_FOLDER } from "./inventory.js";

export class Datacenter extends ManagedEntity {
  readonly getters: Record<string, Getter<Datacenter>> = datacenterGetters;
  constructor(
    ref: Ref,
    private readonly label: string,
  ) {
    super(ref);
  }
  name(): string {
    return this.label;
  }
  parent(): Ref {
    return ROOT_FOLDER;
  }
  override contents(): Ref[] {
    return [VM_FOLDER, HOST_FOLDER, DATASTORE_FOLDER, NETWORK_FOLDER];
  }
}

const datacenterGetters: Record<string, Getter<Datacenter>> = {
  ...entityGetters,
  vmFolder: () => VM_FOLDER,
  hostFolder: () => HOST_FOLDER,
  datastoreFolder: () => DATASTORE_FOLDER,
  networkFolder: () => NETWORK_FOLDER,
  datastore: (_o, ctx: Ctx) => refs(ctx.server.inventory.datastores().map((d) => d.ref)),
  network: (_o, ctx: Ctx) => refs(ctx.server.inventory.networks().map((n) => n.ref)),
};
