/** Network: one per Docker network of the VCH (vIC's container networks are port groups). */
import type { NetworkRecord } from "../vch/types.js";
import { ManagedEntity, entityGetters, type Ctx, type Getter } from "./managed.js";
import { NETWORK_FOLDER } from "./inventory.js";
import { refs, type Ref } from "./values.js";

export class Network extends ManagedEntity {
  readonly getters: Record<string, Getter<Network>> = networkGetters;
  constructor(
    ref: Ref,
    public net: NetworkRecord,
  ) {
    super(ref);
  }
  name(): string {
    return this.net.Name;
  }
  parent(): Ref {
    return NETWORK_FOLDER;
  }
  users(ctx: Ctx): Ref[] {
    return ctx.server.inventory.vms().filter((v) => this.net.Name in v.rec.networks).map((v) => v.ref);
  }
}

const networkGetters: Record<string, Getter<Network>> = {
  ...entityGetters,
  vm: (o, ctx) => refs(o.users(ctx)),
  summary: (o) => ({ _type: "NetworkSummary", network: o.ref, name: o.name(), accessible: true }),
};
