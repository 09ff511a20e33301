/** ResourcePool: the cluster's root pool (`Resources`), parent of the VCH's vApp. */
import { ManagedEntity, entityGetters, type Getter } from "./managed.js";
import { VAPP } from "./inventory.js";
import { refs, type Ref } from "./values.js";

export class ResourcePool extends ManagedEntity {
  readonly getters: Record<string, Getter<ResourcePool>> = poolGetters;
  constructor(
    ref: Ref,
    private readonly label: string,
    private readonly owner: Ref,
  ) {
    super(ref);
  }
  name(): string {
    return this.label;
  }
  parent(): Ref {
    return this.owner;
  }
  override contents(): Ref[] {
    return [VAPP];
  }
  ownerRef(): Ref {
    return this.owner;
  }
}

const poolGetters: Record<string, Getter<ResourcePool>> = {
  ...entityGetters,
  owner: (o) => o.ownerRef(),
  resourcePool: () => refs([VAPP]),
  vm: () => refs([]),
};

