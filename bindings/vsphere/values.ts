/**
 * The vim25 value model the managed objects speak: managed object references, enums, typed numbers,
 * `ArrayOf…` arrays and data objects (plain objects with a `_type`). The wire file (soap.ts) turns
 * these into XML with the `xsi:type` a client needs to decode a property of type `anyType`.
 */

/** A managed object reference: `<x type="VirtualMachine">vm-12</x>`. */
export class Ref {
  /** `type:value`, the key of maps of objects. */
  readonly key: string;
  constructor(
    readonly type: string,
    readonly value: string,
  ) {
    this.key = `${type}:${value}`;
  }
}

/** An enum value with its type (`VirtualMachinePowerState`), which a top-level `val` must name. */
export class Enum {
  constructor(
    readonly type: string,
    readonly value: string,
  ) {}
}

/** A number of an explicit XML Schema type; a plain JS number is `xsd:int`. */
export class Num {
  constructor(
    readonly xsd: "long" | "short" | "int" | "double" | "float",
    readonly value: number,
  ) {}
}

/** An array of a named item type, written as `ArrayOf<Item>` when it is a top-level value. */
export class Arr {
  constructor(
    readonly of: string,
    readonly items: Value[],
  ) {}
}

/** A value of XML Schema type anyType (`DynamicProperty.val`): written with its xsi:type. */
export class Any {
  constructor(readonly value: Value) {}
}

/** XML already written by the wire file, elements included (the PropertyCollector's 1,000-object answers). */
export class Xml {
  constructor(readonly text: string) {}
}

/** A data object: its vim25 type and its fields in schema order. */
export interface DataObject {
  _type: string;
  [field: string]: Value;
}

export type Value = string | number | boolean | Date | Ref | Enum | Num | Arr | Any | Xml | DataObject | Value[] | undefined | null;

export const long = (n: number): Num => new Num("long", Math.round(n));
export const short = (n: number): Num => new Num("short", Math.round(n));
export const int = (n: number): Num => new Num("int", Math.round(n));
export const refs = (items: Ref[]): Arr => new Arr("ManagedObjectReference", items);
export const strings = (items: string[]): Arr => new Arr("String", items);

/** A vim25 fault: `type` is the fault's data type (`InvalidPowerState`), `detail` its fields. */
export class VimFault extends Error {
  constructor(
    readonly faultType: string,
    message: string,
    readonly detail: Record<string, Value> = {},
  ) {
    super(message);
  }
  /** The fault as a data object (TaskInfo.error.fault, missingSet.fault). */
  asData(): DataObject {
    return { _type: this.faultType, ...this.detail };
  }
}

export const notAuthenticated = (obj?: Ref): VimFault =>
  new VimFault("NotAuthenticated", "The session is not authenticated.", { object: obj, privilegeId: "System.View" });
export const objectNotFound = (obj: Ref): VimFault =>
  new VimFault("ManagedObjectNotFound", `The object '${obj.type}:${obj.value}' has already been deleted or has not been completely created`, { obj });
export const invalidProperty = (name: string): VimFault => new VimFault("InvalidProperty", `Invalid property: ${name}`, { name });
export const invalidArgument = (name: string, message: string): VimFault => new VimFault("InvalidArgument", message, { invalidProperty: name });
export const invalidRequest = (message: string): VimFault => new VimFault("InvalidRequest", message);
export const invalidState = (message: string): VimFault => new VimFault("InvalidState", message);
export const invalidPowerState = (requested: string, existing: string): VimFault =>
  new VimFault("InvalidPowerState", `The attempted operation cannot be performed in the current state (${existing}).`, {
    requestedState: new Enum("VirtualMachinePowerState", requested),
    existingState: new Enum("VirtualMachinePowerState", existing),
  });
