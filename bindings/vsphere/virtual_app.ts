/**
 * VirtualApp: the Virtual Container Host itself, as vIC shows it: a vApp in the cluster's root
 * pool (and in the datacenter's vm folder) whose VMs are the container VMs.
 */
import { ManagedEntity, entityGetters, type Ctx, type Getter } from "./managed.js";
import { CLUSTER, ROOT_POOL, VM_FOLDER } from "./inventory.js";
import { Enum, refs, type Ref } from "./values.js";

export class VirtualApp extends ManagedEntity {
  readonly getters: Record<string, Getter<VirtualApp>> = vappGetters;
  name(ctx: Ctx): string {
    return ctx.server.inventory.info().name;
  }
  parent(): Ref {
    return ROOT_POOL;
  }
  override contents(ctx: Ctx): Ref[] {
    return ctx.server.inventory.vms().map((v) => v.ref);
  }
}

const vappGetters: Record<string, Getter<VirtualApp>> = {
  ...entityGetters,
  owner: () => CLUSTER,
  parentFolder: () => VM_FOLDER,
  resourcePool: () => refs([]),
  vm: (o, ctx) => refs(o.contents(ctx)),
  summary: (o, ctx) => ({
    _type: "VAppSummary",
    name: o.name(ctx),
    vAppState: new Enum("VirtualAppVAppState", "started"),
    product: { _type: "VAppProductInfo", key: 0, name: "vSphere Integrated Containers (vicsim)", vendor: "vicsim" },
  }),
};
