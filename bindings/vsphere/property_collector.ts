/**
 * PropertyCollector and PropertyFilter: vSphere's one way to read state. Object specs walk the
 * inventory by traversal specs (matched by type with inheritance, referenced by name, recursive),
 * property specs pick paths by type (nested paths, `all`), RetrievePropertiesEx pages by
 * `maxObjects` with Continue/Cancel, and WaitForUpdates(Ex) blocks until a filtered property really
 * changes, then reports enter/modify/leave with a new version. The root collector is shared; its
 * filters and versions belong to the calling session.
 */
import { ManagedObject, isA, type Ctx, type Getter, type Method } from "./managed.js";
import { boolOf, child, childrenNamed, intOf, objectContentXml, refOf, textOf, valueXml, writeValue, type El } from "./soap.js";
import { Any, Arr, Enum, Ref, VimFault, Xml, objectNotFound, refs, type DataObject, type Value } from "./values.js";

interface PropertySpec {
  type: string;
  all: boolean;
  pathSet: string[];
}
interface TraversalSpec {
  name?: string;
  type: string;
  path: string;
  skip: boolean;
  selectSet: Selection[];
}
/** A TraversalSpec, or a SelectionSpec naming one. */
type Selection = { spec: TraversalSpec } | { ref: string };
interface ObjectSpec {
  obj: Ref;
  skip: boolean;
  selectSet: Selection[];
}
export interface FilterSpec {
  propSet: PropertySpec[];
  objectSet: ObjectSpec[];
}

// ───────────── reading specs ─────────────

function parseSelection(el: El): Selection {
  const type = textOf(el, "type");
  const path = textOf(el, "path");
  if (el.xsiType === "TraversalSpec" || type !== undefined || path !== undefined) {
    if (!type || !path) throw new VimFault("InvalidArgument", "a TraversalSpec needs a type and a path", { invalidProperty: "selectSet" });
    return { spec: { name: textOf(el, "name") || undefined, type, path, skip: boolOf(el, "skip") ?? false, selectSet: childrenNamed(el, "selectSet").map(parseSelection) } };
  }
  const name = textOf(el, "name");
  if (!name) throw new VimFault("InvalidArgument", "a SelectionSpec needs the name of a TraversalSpec", { invalidProperty: "selectSet" });
  return { ref: name };
}

export function parseFilterSpec(el: El): FilterSpec {
  const propSet = childrenNamed(el, "propSet").map((p) => {
    const type = textOf(p, "type");
    if (!type) throw new VimFault("InvalidArgument", "a PropertySpec needs a type", { invalidProperty: "propSet" });
    return { type, all: boolOf(p, "all") ?? false, pathSet: childrenNamed(p, "pathSet").map((x) => x.text.trim()) };
  });
  const objectSet = childrenNamed(el, "objectSet").map((o) => {
    const obj = child(o, "obj");
    if (!obj) throw new VimFault("InvalidArgument", "an ObjectSpec needs an obj", { invalidProperty: "objectSet" });
    return { obj: refOf(obj), skip: boolOf(o, "skip") ?? false, selectSet: childrenNamed(o, "selectSet").map(parseSelection) };
  });
  return { propSet, objectSet };
}

// ───────────── collecting ─────────────

/** One object's requested properties: [path, value] of those set, in the order asked, and paths that could not be read. */
export interface Collected {
  obj: ManagedObject;
  props: [string, Value][];
  missing: { path: string; fault: VimFault }[];
}

const NONE_MISSING: Collected["missing"] = [];

function namedSpecs(selections: Selection[], into: Map<string, TraversalSpec>): Map<string, TraversalSpec> {
  for (const s of selections) {
    if ("spec" in s) {
      if (s.spec.name) into.set(s.spec.name, s.spec);
      namedSpecs(s.spec.selectSet, into);
    }
  }
  return into;
}

function childRefs(v: Value): Ref[] {
  if (v instanceof Ref) return [v];
  if (v instanceof Arr) return v.items.filter((x): x is Ref => x instanceof Ref);
  if (Array.isArray(v)) return v.filter((x): x is Ref => x instanceof Ref);
  return [];
}

/** The objects a filter spec selects, in walk order, each once. */
function selectObjects(spec: FilterSpec, ctx: Ctx): ManagedObject[] {
  const out = new Map<string, ManagedObject>();
  for (const os of spec.objectSet) {
    const names = namedSpecs(os.selectSet, new Map());
    const walked = new Set<string>();
    const root = ctx.server.lookup(os.obj, ctx);
    if (!root) throw objectNotFound(os.obj);
    const visit = (o: ManagedObject, selections: Selection[], skip: boolean): void => {
      if (!skip && !out.has(o.ref.key)) out.set(o.ref.key, o);
      for (const s of selections) {
        const ts = "spec" in s ? s.spec : names.get(s.ref);
        if (!ts) throw new VimFault("InvalidArgument", `no TraversalSpec is named ${(s as { ref: string }).ref}`, { invalidProperty: "selectSet" });
        if (!isA(o.type, ts.type)) continue;
        const mark = `${o.ref.key}\u0000${ts.type}.${ts.path}\u0000${ts.name ?? ""}`;
        if (walked.has(mark)) continue;
        walked.add(mark);
        for (const r of childRefs(o.read(ts.path, ctx))) {
          const c = ctx.server.lookup(r, ctx);
          if (c) visit(c, ts.selectSet, ts.skip);
        }
      }
    };
    visit(root, os.selectSet, os.skip);
  }
  return [...out.values()];
}

/** The paths `spec` asks of an object of this one's type (each once), or null when no property spec matches it. */
function pathsAsked(spec: FilterSpec, obj: ManagedObject): string[] | null {
  let matched = false;
  const paths = new Set<string>();
  for (const ps of spec.propSet) {
    if (!isA(obj.type, ps.type)) continue;
    matched = true;
    if (ps.all) for (const p of obj.propertyNames()) paths.add(p);
    for (const p of ps.pathSet) paths.add(p);
  }
  return matched ? [...paths] : null;
}

/** Reads what `spec` asks of the objects it selects; objects no property spec matches are left out. */
export function collect(spec: FilterSpec, ctx: Ctx): Collected[] {
  const result: Collected[] = [];
  // What is asked depends on the type alone: matched once a type, not once an object (1,000 VMs a call).
  const asked = new Map<string, string[] | null>();
  for (const obj of selectObjects(spec, ctx)) {
    let paths = asked.get(obj.type);
    if (paths === undefined) asked.set(obj.type, (paths = pathsAsked(spec, obj)));
    if (!paths) continue;
    const props: [string, Value][] = [];
    for (const path of paths) {
      const v = obj.read(path, ctx);
      if (v !== undefined && v !== null) props.push([path, v]);
    }
    result.push({ obj, props, missing: NONE_MISSING });
  }
  return result;
}

/** ObjectContents as written XML: a missing property goes the data-object way, the rest straight to text. */
function contentsXml(name: string, list: Collected[]): Xml {
  let s = "";
  for (const c of list) s += c.missing.length ? valueXml(name, objectContent(c)) : objectContentXml(name, c.obj.ref, c.props);
  return new Xml(s);
}

function objectContent(c: Collected): DataObject {
  return {
    _type: "ObjectContent",
    obj: c.obj.ref,
    propSet: c.props.map(([name, val]) => ({ _type: "DynamicProperty", name, val: new Any(val) })),
    missingSet: c.missing.map((m) => ({ _type: "MissingProperty", path: m.path, fault: { _type: "LocalizedMethodFault", fault: m.fault.asData(), localizedMessage: m.fault.message } })),
  };
}

// ───────────── filters and updates ─────────────

/** A collector's filters and update version, for one session. */
export class CollectorState {
  readonly filters = new Map<string, PropertyFilter>();
  version = 0;
  /** Resolves the pending WaitForUpdates with RequestCanceled (CancelWaitForUpdates, DestroyPropertyCollector). */
  cancel: (() => void) | null = null;
}

export class PropertyFilter extends ManagedObject {
  readonly getters: Record<string, Getter<PropertyFilter>> = { partialUpdates: (o) => o.partialUpdates };
  override readonly methods: Record<string, Method<PropertyFilter>> = {
    DestroyPropertyFilter: (o, _args, ctx) => {
      o.state.filters.delete(o.ref.value);
      ctx.server.destroy(o.ref, ctx);
      return undefined;
    },
  };
  /** What the session last heard: serialized value by path, by object. */
  reported = new Map<string, { obj: Ref; values: Map<string, string> }>();
  constructor(
    ref: Ref,
    readonly spec: FilterSpec,
    readonly partialUpdates: boolean,
    readonly state: CollectorState,
  ) {
    super(ref);
  }

  /** The changes since the last report (and records them as reported). */
  update(ctx: Ctx): DataObject | undefined {
    let now: Collected[];
    try {
      now = collect(this.spec, ctx);
    } catch (e) {
      // An object of the spec is gone: what it selected leaves.
      if (e instanceof VimFault && e.faultType === "ManagedObjectNotFound") now = [];
      else throw e;
    }
    const next = new Map<string, { obj: Ref; values: Map<string, string> }>();
    const objectSet: DataObject[] = [];
    for (const c of now) {
      const values = new Map<string, string>();
      const changeSet: DataObject[] = [];
      const before = this.reported.get(c.obj.ref.key);
      for (const [path, v] of c.props) {
        const out: string[] = [];
        writeValue(out, "v", v, true);
        const s = out.join("");
        values.set(path, s);
        if (before?.values.get(path) !== s) changeSet.push({ _type: "PropertyChange", name: path, op: new Enum("PropertyChangeOp", "assign"), val: new Any(v) });
      }
      if (before) for (const path of before.values.keys()) if (!values.has(path)) changeSet.push({ _type: "PropertyChange", name: path, op: new Enum("PropertyChangeOp", "assign") });
      next.set(c.obj.ref.key, { obj: c.obj.ref, values });
      if (!before || changeSet.length) objectSet.push({ _type: "ObjectUpdate", kind: new Enum("ObjectUpdateKind", before ? "modify" : "enter"), obj: c.obj.ref, changeSet });
    }
    for (const [key, was] of this.reported) if (!next.has(key)) objectSet.push({ _type: "ObjectUpdate", kind: new Enum("ObjectUpdateKind", "leave"), obj: was.obj });
    this.reported = next;
    return objectSet.length ? { _type: "PropertyFilterUpdate", filter: this.ref, objectSet } : undefined;
  }
}

export class PropertyCollector extends ManagedObject {
  readonly getters: Record<string, Getter<PropertyCollector>> = {
    filter: (o, ctx) => refs([...o.state(ctx).filters.values()].map((f) => f.ref)),
  };
  override readonly methods: Record<string, Method<PropertyCollector>> = collectorMethods;
  private readonly own: CollectorState | null;
  constructor(ref: Ref, shared: boolean) {
    super(ref);
    this.own = shared ? null : new CollectorState();
  }
  /** The root collector's state is the calling session's; a created collector has its own. */
  state(ctx: Ctx): CollectorState {
    if (this.own) return this.own;
    const s = ctx.session!;
    return (s.rootCollector ??= new CollectorState());
  }
}

function specSetOf(args: El): FilterSpec[] {
  const specs = childrenNamed(args, "specSet");
  if (specs.length === 0) throw new VimFault("InvalidArgument", "specSet is empty", { invalidProperty: "specSet" });
  return specs.map(parseFilterSpec);
}

function retrieve(args: El, ctx: Ctx): Collected[] {
  const out: Collected[] = [];
  for (const spec of specSetOf(args)) out.push(...collect(spec, ctx));
  return out;
}

let tokens = 0;

/** One page of a RetrievePropertiesEx result; the rest waits under a token in the session. */
function page(contents: Collected[], max: number | undefined, ctx: Ctx): DataObject | undefined {
  if (contents.length === 0) return undefined;
  if (max === undefined || max <= 0 || contents.length <= max) return { _type: "RetrieveResult", objects: contentsXml("objects", contents) };
  const token = `${++tokens}`;
  ctx.session!.pages.set(token, { rest: contents.slice(max), max });
  return { _type: "RetrieveResult", token, objects: contentsXml("objects", contents.slice(0, max)) };
}

async function waitForUpdates(o: PropertyCollector, args: El, ctx: Ctx, ex: boolean): Promise<Value> {
  const state = o.state(ctx);
  const version = textOf(args, "version") ?? "";
  const options = child(args, "options");
  // WaitForUpdates (the old form) always blocks; WaitForUpdatesEx may bound the wait.
  const maxWait = ex && options ? intOf(options, "maxWaitSeconds") : undefined;
  if (version === "") for (const f of state.filters.values()) f.reported.clear();
  const deadline = maxWait === undefined ? Infinity : Date.now() + maxWait * 1000;
  let cancelled = false;
  state.cancel = () => {
    cancelled = true;
    ctx.server.wake();
  };
  const mine = state.cancel;
  const onAbort = (): void => mine();
  ctx.signal?.addEventListener("abort", onAbort);
  try {
    for (;;) {
      const seen = ctx.server.version;
      const filterSet: DataObject[] = [];
      for (const f of state.filters.values()) {
        const u = f.update(ctx);
        if (u) filterSet.push(u);
      }
      if (filterSet.length) {
        state.version++;
        return { _type: "UpdateSet", version: String(state.version), filterSet };
      }
      if (Date.now() >= deadline) return undefined;
      await ctx.server.nextChange(seen, deadline === Infinity ? undefined : deadline - Date.now(), () => cancelled);
      if (cancelled) throw new VimFault("RequestCanceled", "The request was canceled by the user.");
    }
  } finally {
    ctx.signal?.removeEventListener("abort", onAbort);
    if (state.cancel === mine) state.cancel = null;
  }
}

const collectorMethods: Record<string, Method<PropertyCollector>> = {
  RetrieveProperties: (_o, args, ctx) => contentsXml("returnval", retrieve(args, ctx)),
  RetrievePropertiesEx: (_o, args, ctx) => {
    const options = child(args, "options");
    return page(retrieve(args, ctx), options ? intOf(options, "maxObjects") : undefined, ctx);
  },
  ContinueRetrievePropertiesEx: (_o, args, ctx) => {
    const token = textOf(args, "token") ?? "";
    const pending = ctx.session!.pages.get(token);
    if (!pending) throw new VimFault("InvalidArgument", `no RetrievePropertiesEx result is pending under token ${token}`, { invalidProperty: "token" });
    ctx.session!.pages.delete(token);
    // Continue returns the rest in pages of the size the first call used, each with the next token.
    return page(pending.rest, pending.max, ctx);
  },
  CancelRetrievePropertiesEx: (_o, args, ctx) => {
    const token = textOf(args, "token") ?? "";
    if (!ctx.session!.pages.delete(token)) throw new VimFault("InvalidArgument", `no RetrievePropertiesEx result is pending under token ${token}`, { invalidProperty: "token" });
    return undefined;
  },
  CreatePropertyCollector: (_o, _args, ctx) => {
    const pc = new PropertyCollector(ctx.server.newSessionRef("PropertyCollector", ctx), false);
    ctx.server.own(pc, ctx);
    return pc.ref;
  },
  DestroyPropertyCollector: (o, _args, ctx) => {
    if (o.ref.value === "propertyCollector") throw new VimFault("InvalidRequest", "the root PropertyCollector cannot be destroyed");
    const state = o.state(ctx);
    state.cancel?.();
    for (const f of state.filters.values()) ctx.server.destroy(f.ref, ctx);
    ctx.server.destroy(o.ref, ctx);
    return undefined;
  },
  CreateFilter: (o, args, ctx) => {
    const specEl = child(args, "spec");
    if (!specEl) throw new VimFault("InvalidArgument", "CreateFilter needs a spec", { invalidProperty: "spec" });
    const spec = parseFilterSpec(specEl);
    collect(spec, ctx); // vCenter checks the spec when the filter is made: unknown objects and properties fault here
    const state = o.state(ctx);
    const f = new PropertyFilter(ctx.server.newSessionRef("PropertyFilter", ctx), spec, boolOf(args, "partialUpdates") ?? false, state);
    state.filters.set(f.ref.value, f);
    ctx.server.own(f, ctx);
    return f.ref;
  },
  WaitForUpdatesEx: (o, args, ctx) => waitForUpdates(o, args, ctx, true),
  WaitForUpdates: (o, args, ctx) => waitForUpdates(o, args, ctx, false),
  CheckForUpdates: (o, args, ctx) => {
    const state = o.state(ctx);
    const filterSet: DataObject[] = [];
    if ((textOf(args, "version") ?? "") === "") for (const f of state.filters.values()) f.reported.clear();
    for (const f of state.filters.values()) {
      const u = f.update(ctx);
      if (u) filterSet.push(u);
    }
    if (!filterSet.length) return undefined;
    state.version++;
    return { _type: "UpdateSet", version: String(state.version), filterSet };
  },
  CancelWaitForUpdates: (o, _args, ctx) => {
    o.state(ctx).cancel?.();
    return undefined;
  },
};
