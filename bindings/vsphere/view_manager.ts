/**
 * ViewManager and ContainerView: a session's view of the entities below a container (one level or
 * recursive), filtered by type; `view` is computed at each read, so it follows the inventory.
 */
import { ManagedEntity, ManagedObject, isA, type Ctx, type Getter, type Method } from "./managed.js";
import { boolOf, child, childrenNamed, refOf } from "./soap.js";
import { Ref, VimFault, refs, strings } from "./values.js";

export class ViewManager extends ManagedObject {
  readonly getters: Record<string, Getter<ViewManager>> = { viewList: (_o, ctx) => refs(ctx.server.sessionObjects(ctx, "ContainerView")) };
  override readonly methods: Record<string, Method<ViewManager>> = viewManagerMethods;
}

export class ContainerView extends ManagedObject {
  readonly getters: Record<string, Getter<ContainerView>> = viewGetters;
  override readonly methods: Record<string, Method<ContainerView>> = viewMethods;
  constructor(
    ref: Ref,
    readonly container: Ref,
    readonly types: string[],
    readonly recursive: boolean,
  ) {
    super(ref);
  }
  /** The entities in the view, each once, in inventory order. */
  view(ctx: Ctx): Ref[] {
    const root = ctx.server.lookup(this.container, ctx);
    if (!(root instanceof ManagedEntity)) return [];
    const seen = new Set<string>();
    const out: Ref[] = [];
    const walk = (e: ManagedEntity, depth: number): void => {
      for (const r of e.contents(ctx)) {
        if (seen.has(r.key)) continue;
        seen.add(r.key);
        if (this.types.length === 0 || this.types.some((t) => isA(r.type, t))) out.push(r);
        if (this.recursive) {
          const o = ctx.server.inventory.get(r);
          if (o instanceof ManagedEntity) walk(o, depth + 1);
        }
      }
    };
    walk(root, 0);
    return out;
  }
}

const viewGetters: Record<string, Getter<ContainerView>> = {
  view: (o, ctx) => refs(o.view(ctx)),
  container: (o) => o.container,
  type: (o) => strings(o.types),
  recursive: (o) => o.recursive,
};

const viewMethods: Record<string, Method<ContainerView>> = {
  DestroyView: (o, _args, ctx) => {
    ctx.server.destroy(o.ref, ctx);
    return undefined;
  },
};

const viewManagerMethods: Record<string, Method<ViewManager>> = {
  CreateContainerView: (_o, args, ctx) => {
    const c = child(args, "container");
    if (!c) throw new VimFault("InvalidArgument", "CreateContainerView needs a container", { invalidProperty: "container" });
    const container = refOf(c);
    if (!(ctx.server.lookup(container, ctx) instanceof ManagedEntity)) {
      throw new VimFault("ManagedObjectNotFound", `The object '${container.type}:${container.value}' has already been deleted or has not been completely created`, { obj: container });
    }
    const types = childrenNamed(args, "type").map((t) => t.text.trim());
    const view = new ContainerView(ctx.server.newSessionRef("ContainerView", ctx), container, types, boolOf(args, "recursive") ?? false);
    ctx.server.own(view, ctx);
    return view.ref;
  },
};
