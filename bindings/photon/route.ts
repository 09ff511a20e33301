/** What a noun's routes receive and answer: the door parses HTTP into a `Ctx`, the wire format writes the `Reply`. */
import { invalidEntity } from "./errors.js";
import type { PhotonPlatform } from "./platform.js";
import type { Caller } from "./auth.js";

export interface Ctx {
  p: PhotonPlatform;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Base of selfLinks. */
  origin: string;
  /** The request's JSON body (400 InvalidJson when it is not). */
  body(): Promise<Record<string, unknown>>;
  /** The raw request (multipart image uploads). */
  request: Request;
  /** Who calls, when auth is on (null: auth off or the shared secret). */
  caller: Caller | null;
}
export interface Reply {
  status: number;
  body: unknown;
}
export interface Route {
  method: "GET" | "POST" | "DELETE" | "PUT";
  path: string;
  run(c: Ctx): Reply | Promise<Reply>;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const created = (body: unknown): Reply => ({ status: 201, body });

const NAME = /^[a-zA-Z][a-zA-Z0-9-]*$/;
/** Photon's name rule: a letter, then letters, digits or dashes, 1..63 characters. */
export function checkName(raw: unknown, field = "name"): string {
  if (typeof raw !== "string") throw invalidEntity(`${field} may not be null (was null)`);
  if (raw.length < 1 || raw.length > 63) throw invalidEntity(`${field} size must be between 1 and 63 (was ${raw})`);
  if (!NAME.test(raw)) throw invalidEntity(`${field} must match "^[a-zA-Z][a-zA-Z0-9-]*" (was ${raw})`);
  return raw;
}
/** A string field that must be present. */
export function required(raw: unknown, field: string): string {
  if (typeof raw !== "string" || raw === "") throw invalidEntity(`${field} may not be null (was ${raw === "" ? "" : "null"})`);
  return raw;
}
/** Items whose name equals the `name` filter (when given). */
export function byName<T extends { name: string }>(items: Iterable<T>, q: URLSearchParams): T[] {
  const name = q.get("name");
  const out: T[] = [];
  for (const i of items) if (name === null || i.name === name) out.push(i);
  return out;
}
