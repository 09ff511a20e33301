/**
 * Validates JSON bodies against the Docker Engine API 1.50 contract (`swagger-v1.50.yaml`).
 *
 * Swagger 2.0 schemas are not quite JSON Schema: `x-nullable: true` marks the only fields that may
 * be null (everything else must not be), formats have Go names (`dateTime`, `uint64`), and a few
 * types are not JSON Schema types. They are rewritten here before ajv compiles them.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";

/** The frozen API 1.50 spec from moby, kept beside this file. */
const SPEC_PATH = new URL("./swagger-v1.50.yaml", import.meta.url);

interface Swagger {
  definitions: Record<string, unknown>;
  paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, { schema?: unknown }> }>>;
}

let spec: Swagger | undefined;

/** The parsed 1.50 spec. */
export function loadSpec(): Swagger {
  if (spec) return spec;
  spec = parse(readFileSync(SPEC_PATH, "utf8")) as Swagger;
  return spec;
}

const JSON_TYPES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);

/** Rewrites a swagger 2.0 schema into JSON Schema (draft 7) as ajv reads it. */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== "object") return node;
  const src = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) {
    if (k.startsWith("x-") || k === "example" || k === "examples" || k === "description" || k === "title") continue;
    if (k === "$ref" && typeof v === "string") {
      out.$ref = v.replace(/^#\/definitions\//, "docker#/definitions/");
      continue;
    }
    if (k === "properties" || k === "definitions") {
      const props: Record<string, unknown> = {};
      for (const [name, schema] of Object.entries(v as Record<string, unknown>)) props[name] = toJsonSchema(schema);
      out[k] = props;
      continue;
    }
    if (k === "type" && (typeof v !== "string" || !JSON_TYPES.has(v))) continue; // `type: tmpfs`, `type: ""`
    if (k === "required" && !Array.isArray(v)) continue;
    out[k] = toJsonSchema(v);
  }
  if (src["x-nullable"] === true) {
    if (typeof out.type === "string") out.type = [out.type, "null"];
    if (out.enum && Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
    if (out.$ref || out.allOf) {
      const rest = { ...out };
      return { anyOf: [rest, { type: "null" }] };
    }
  }
  return out;
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function getAjv(): Ajv {
  if (ajv) return ajv;
  ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
  ajv.addFormat("dateTime", { type: "string", validate: (s: string) => rfc3339.test(s) });
  ajv.addFormat("date-time", { type: "string", validate: (s: string) => rfc3339.test(s) });
  for (const [name, bits] of [["uint8", 8], ["uint16", 16], ["uint32", 32]] as const)
    ajv.addFormat(name, { type: "number", validate: (x: number) => Number.isInteger(x) && x >= 0 && x < 2 ** bits });
  ajv.addFormat("uint64", { type: "number", validate: (x: number) => Number.isInteger(x) && x >= 0 });
  ajv.addFormat("int64", { type: "number", validate: (x: number) => Number.isInteger(x) });
  ajv.addFormat("ip-address", { type: "string", validate: () => true });
  ajv.addFormat("CIDR", { type: "string", validate: (s: string) => /^[0-9a-f.:]+\/\d{1,3}$/i.test(s) });
  ajv.addFormat("cidr", { type: "string", validate: (s: string) => /^[0-9a-f.:]+\/\d{1,3}$/i.test(s) });
  ajv.addSchema({ $id: "docker", definitions: (toJsonSchema({ definitions: loadSpec().definitions }) as { definitions: unknown }).definitions });
  return ajv;
}

/** The validator of one definition (`ContainerSummary`). */
export function definitionValidator(name: string): ValidateFunction {
  const key = `#${name}`;
  let v = compiled.get(key);
  if (!v) {
    if (!(name in loadSpec().definitions)) throw new Error(`no definition ${name} in the 1.50 spec`);
    v = getAjv().compile({ $ref: `docker#/definitions/${name}` });
    compiled.set(key, v);
  }
  return v;
}

/**
 * The validator of a response body: `method` and the spec's path template (`/containers/{id}/json`)
 * and the status code. Throws when the spec has no schema for that response.
 */
export function responseValidator(method: string, path: string, status: number): ValidateFunction {
  const key = `${method.toLowerCase()} ${path} ${status}`;
  let v = compiled.get(key);
  if (!v) {
    const op = loadSpec().paths[path]?.[method.toLowerCase()];
    if (!op) throw new Error(`no operation ${method} ${path} in the 1.50 spec`);
    const response = op.responses?.[String(status)];
    if (!response) throw new Error(`${method} ${path} has no ${status} response in the 1.50 spec`);
    if (!response.schema) throw new Error(`${method} ${path} ${status} has no schema in the 1.50 spec`);
    v = getAjv().compile(toJsonSchema(response.schema) as object);
    compiled.set(key, v);
  }
  return v;
}

/** Throws an error listing every violation when `body` does not match the response schema. */
export function assertResponseMatches(method: string, path: string, status: number, body: unknown): void {
  const v = responseValidator(method, path, status);
  if (!v(body)) throw new Error(`${method} ${path} ${status} does not match the 1.50 spec:\n${formatErrors(v)}\nbody: ${JSON.stringify(body).slice(0, 2000)}`);
}

/** Throws when `body` does not match the named definition. */
export function assertDefinitionMatches(name: string, body: unknown): void {
  const v = definitionValidator(name);
  if (!v(body)) throw new Error(`body does not match definition ${name}:\n${formatErrors(v)}\nbody: ${JSON.stringify(body).slice(0, 2000)}`);
}

function formatErrors(v: ValidateFunction): string {
  return (v.errors ?? []).map((e) => `  ${e.instancePath || "/"} ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""}`).join("\n");
}
