/** Folder: the root folder and the datacenter's vm, host, datastore and network folders. */
import { ManagedEntity, entityGetters, type Ctx, type Getter } from "./managed.js";
import { refs, strings, type Ref } from "./values.js";

export class Folder extends ManagedEntity {
  readonly getters: Record<string, Getter<Folder>> = folderGetters;
  constructor(
    ref: Ref,
    private readonly label: string,
    private readonly up: Ref | undefined,
    readonly childType: string[],
    private readonly children: (ctx: Ctx) => Ref[],
  ) {
    super(ref);
  }
  name(): string {
    return this.label;
  }
  parent(): Ref | undefined {
    return this.up;
  }
  override contents(ctx: Ctx): Ref[] {
    return this.children(ctx);
  }
}

const folderGetters: Record<string, Getter<Folder>> = {
  ...entityGetters,
  childType: (o) => strings(o.childType),
  childEntity: (o, ctx) => refs(o.contents(ctx)),
};
