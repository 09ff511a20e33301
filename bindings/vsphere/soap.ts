/**
 * The wire format of the vSphere door, and the only place that reads or writes XML: SOAP 1.1
 * envelopes of vim25 requests parsed namespace-aware by local name (govc writes no envelope prefix
 * and `XMLSchema-instance:` for xsi, pyvmomi `soapenv:`/`xsi:`), and responses, faults and values
 * written as vCenter writes them (every top-level `val` carries its `xsi:type`).
 */
import { SaxesParser } from "saxes";
import { Any, Arr, Enum, Num, Xml, Ref, VimFault, type DataObject, type Value } from "./values.js";

const XSI = "http://www.w3.org/2001/XMLSchema-instance";

/** One element of a request, by local name, with its xsi:type resolved through the namespace scopes. */
export interface El {
  name: string;
  /** Attributes by local name (`type` of a moref; xsi:type is in `xsiType`). */
  attrs: Record<string, string>;
  /** Local part of xsi:type (`TraversalSpec`), if any. */
  xsiType?: string;
  children: El[];
  text: string;
}

const localName = (qname: string): string => {
  const i = qname.indexOf(":");
  return i < 0 ? qname : qname.slice(i + 1);
};

/**
 * Builds a document's root element from saxes' events (a streaming parser, 4-5× faster here than
 * building fast-xml-parser's tree and converting it). saxes runs without its own namespace
 * processing: prefixes are resolved here scope by scope, only where the door needs one (xsi:type),
 * so an undeclared prefix elsewhere is read by its local name as clients expect. One parser serves
 * every request (parsing is synchronous; saxes resets itself at the end of a document), since
 * making one costs as much as parsing a small request; a parser that failed is replaced.
 */
class DocumentReader {
  private parser = this.make();
  private stack: El[] = [];
  private scopes: Map<string, string>[] = [];
  private root: El | undefined;

  private make(): SaxesParser {
    const parser = new SaxesParser();
    parser.on("opentag", (tag) => {
      const attrs = tag.attributes as Record<string, string>;
      const outer = this.scopes[this.scopes.length - 1];
      let scope = outer;
      for (const k in attrs) {
        if (k.startsWith("xmlns:")) {
          if (scope === outer) scope = new Map(outer);
          scope.set(k.slice(6), attrs[k]);
        }
      }
      this.scopes.push(scope);
      const el: El = { name: localName(tag.name), attrs: {}, children: [], text: "" };
      for (const k in attrs) {
        if (k === "xmlns" || k.startsWith("xmlns:")) continue;
        const i = k.indexOf(":");
        if (i > 0 && k.slice(i + 1) === "type" && scope.get(k.slice(0, i)) === XSI) el.xsiType = localName(attrs[k]);
        else el.attrs[localName(k)] = attrs[k];
      }
      const stack = this.stack;
      if (stack.length) stack[stack.length - 1].children.push(el);
      else this.root = el;
      stack.push(el);
    });
    const text = (t: string): void => {
      const stack = this.stack;
      if (stack.length) stack[stack.length - 1].text += t;
    };
    parser.on("text", text);
    parser.on("cdata", text);
    parser.on("closetag", () => {
      this.stack.pop();
      this.scopes.pop();
    });
    return parser;
  }

  read(xml: string): El | undefined {
    this.stack = [];
    this.scopes = [new Map()];
    this.root = undefined;
    try {
      this.parser.write(xml).close();
    } catch (e) {
      this.parser = this.make();
      throw e;
    }
    const root = this.root;
    this.root = undefined;
    return root;
  }
}

const reader = new DocumentReader();

/** Parses a SOAP request and returns the method element inside `Body`; throws InvalidRequest on anything else. */
export function parseRequest(xml: string): El {
  let envelope: El | undefined;
  try {
    envelope = reader.read(xml);
  } catch (e) {
    throw new VimFault("InvalidRequest", `malformed XML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (!envelope || envelope.name !== "Envelope") throw new VimFault("InvalidRequest", "expected a SOAP Envelope");
  const body = envelope.children.find((c) => c.name === "Body");
  if (!body || body.children.length === 0) throw new VimFault("InvalidRequest", "the SOAP Envelope has no Body with a method");
  return body.children[0];
}

// ───────────── reading arguments ─────────────

export const child = (el: El, name: string): El | undefined => el.children.find((c) => c.name === name);
export const childrenNamed = (el: El, name: string): El[] => el.children.filter((c) => c.name === name);
export const textOf = (el: El, name: string): string | undefined => child(el, name)?.text.trim();
/** xsd:boolean as clients send it: true/false or 1/0. */
export function boolOf(el: El, name: string): boolean | undefined {
  const t = textOf(el, name);
  if (t === undefined || t === "") return undefined;
  if (t === "true" || t === "1") return true;
  if (t === "false" || t === "0") return false;
  throw new VimFault("InvalidRequest", `${name}: "${t}" is not a boolean`);
}
export function intOf(el: El, name: string): number | undefined {
  const t = textOf(el, name);
  if (t === undefined || t === "") return undefined;
  const n = Number(t);
  if (!Number.isInteger(n)) throw new VimFault("InvalidRequest", `${name}: "${t}" is not an integer`);
  return n;
}
export const refOf = (el: El): Ref => {
  const type = el.attrs.type;
  if (!type) throw new VimFault("InvalidRequest", `${el.name}: a managed object reference needs a type`);
  return new Ref(type, el.text.trim());
};
export const refChild = (el: El, name: string): Ref | undefined => {
  const c = child(el, name);
  return c ? refOf(c) : undefined;
};

// ───────────── writing ─────────────

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const esc = (s: string): string => (/[&<>"']/.test(s) ? s.replace(/[&<>"']/g, (c) => ESC[c]) : s);

/** XML Schema dateTime as vCenter writes it. */
export const dateTime = (d: Date): string => d.toISOString();

/** The xsi:type a top-level value needs. */
function typeOf(v: Exclude<Value, undefined | null>): string {
  if (typeof v === "string") return "xsd:string";
  if (typeof v === "boolean") return "xsd:boolean";
  if (typeof v === "number") return "xsd:int";
  if (v instanceof Date) return "xsd:dateTime";
  if (v instanceof Ref) return "ManagedObjectReference";
  if (v instanceof Enum) return v.type;
  if (v instanceof Num) return `xsd:${v.xsd}`;
  if (v instanceof Arr) return `ArrayOf${v.of}`;
  if (v instanceof Any) return typeOf(v.value as Exclude<Value, undefined | null>);
  if (Array.isArray(v)) return "ArrayOfAnyType";
  return (v as DataObject)._type;
}

/** Element name of an item of `ArrayOf<of>`: primitives are lower-case (`string`, `long`). */
const itemName = (of: string): string => (/^(String|Int|Long|Short|Boolean|Byte|Double|Float|DateTime|AnyType)$/.test(of) ? of[0].toLowerCase() + of.slice(1) : of);

/** Data objects whose declared type is never a supertype: written without xsi:type, as vCenter does (the PropertyCollector's hot path). */
const STATIC_TYPES = new Set(["ObjectContent", "DynamicProperty", "RetrieveResult", "UpdateSet", "PropertyFilterUpdate", "ObjectUpdate", "PropertyChange", "MissingProperty"]);

/**
 * `v` as element `name`. `typed` puts the xsi:type on it (a top-level `val`, or an item of an
 * `anyType` array); data objects always carry theirs, since a field may hold a subtype. Built by
 * string concatenation (V8 ropes): a 1,000-VM answer is tens of thousands of small pieces.
 */
export function valueXml(name: string, v: Value, typed = false): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return typed ? `<${name} xsi:type="xsd:string">${esc(v)}</${name}>` : `<${name}>${esc(v)}</${name}>`;
  if (v instanceof Any) return valueXml(name, v.value, true);
  if (v instanceof Xml) return v.text;
  if (v instanceof Ref) return `<${name} type="${esc(v.type)}"${typed ? ' xsi:type="ManagedObjectReference"' : ""}>${esc(v.value)}</${name}>`;
  if (v instanceof Enum) return typed ? `<${name} xsi:type="${v.type}">${esc(v.value)}</${name}>` : `<${name}>${esc(v.value)}</${name}>`;
  const t = typed ? ` xsi:type="${typeOf(v)}"` : "";
  if (typeof v === "number") return `<${name}${t}>${Number.isFinite(v) ? Math.round(v) : 0}</${name}>`;
  if (typeof v === "boolean") return `<${name}${t}>${v}</${name}>`;
  if (v instanceof Date) return `<${name}${t}>${dateTime(v)}</${name}>`;
  if (v instanceof Num) return `<${name}${t}>${v.xsd === "double" || v.xsd === "float" ? v.value : Math.round(v.value)}</${name}>`;
  let s = "";
  if (v instanceof Arr) {
    if (!typed) {
      for (const x of v.items) s += valueXml(name, x);
      return s;
    }
    const item = itemName(v.of);
    const anyItems = v.of === "AnyType";
    for (const x of v.items) s += valueXml(item, x, anyItems);
    return `<${name}${t}>${s}</${name}>`;
  }
  if (Array.isArray(v)) {
    for (const x of v) s += valueXml(name, x, typed);
    return s;
  }
  const o = v as DataObject;
  for (const k in o) if (k !== "_type") s += valueXml(k, o[k]);
  return STATIC_TYPES.has(o._type) ? `<${name}>${s}</${name}>` : `<${name} xsi:type="${o._type}">${s}</${name}>`;
}

/** One ObjectContent as element `name`: the object and each property's value with its xsi:type. */
export function objectContentXml(name: string, obj: Ref, props: Iterable<[string, Value]>): string {
  let s = `<${name}><obj type="${esc(obj.type)}">${esc(obj.value)}</obj>`;
  for (const [path, v] of props) s += `<propSet><name>${esc(path)}</name>${valueXml("val", v, true)}</propSet>`;
  return `${s}</${name}>`;
}

/** Appends `v` as element `name` to `out` (see `valueXml`). */
export function writeValue(out: string[], name: string, v: Value, typed = false): void {
  out.push(valueXml(name, v, typed));
}

const HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>';
const TAIL = "</soapenv:Body></soapenv:Envelope>";

/** `<MethodResponse xmlns="urn:vim25">` with one `returnval` per item of an array result. */
export function writeResponse(method: string, result: Value): string {
  return `${HEAD}<${method}Response xmlns="urn:vim25">${valueXml("returnval", result)}</${method}Response>${TAIL}`;
}

/** A SOAP fault as vCenter sends it (HTTP 500): the detail element is `<Type>Fault xsi:type="Type"`. */
export function writeFault(fault: VimFault): string {
  const out: string[] = [HEAD, `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>${esc(fault.message)}</faultstring><detail>`];
  out.push(`<${fault.faultType}Fault xmlns="urn:vim25" xsi:type="${fault.faultType}">`);
  for (const [k, v] of Object.entries(fault.detail)) writeValue(out, k, v);
  out.push(`</${fault.faultType}Fault></detail></soapenv:Fault>`, TAIL);
  return out.join("");
}

/** `GET /sdk/vimServiceVersions.xml`: pyvmomi picks the first of its versions listed here. */
export function serviceVersions(version: string, prior: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<namespaces version="1.0">\n <namespace>\n  <name>urn:vim25</name>\n  <version>${version}</version>\n  <priorVersions>\n${prior.map((v) => `   <version>${v}</version>\n`).join("")}  </priorVersions>\n </namespace>\n</namespaces>\n`;
}
