/**
 * Deep copies of the VCH's records (JSON-shaped data: plain objects, arrays, primitives) for the
 * views it hands out. A hand-walked copy costs a fraction of `structuredClone`, which serialises;
 * anything that is not plain data (a Map, a Date, a class instance) still goes to `structuredClone`.
 */

/** A deep copy of plain record data; the same values `structuredClone` gives for it. */
export function cloneRecord<T>(value: T): T {
  return copy(value) as T;
}

function copy(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return structuredClone(v);
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const key in v) {
    const item = copy((v as Record<string, unknown>)[key]);
    // A `__proto__` key parsed from a client's JSON is data: define it, never assign it.
    if (key === "__proto__") Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    else out[key] = item;
  }
  return out;
}
