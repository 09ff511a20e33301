/**
 * Photon Controller's wire format (API.md §1, §2, §4): JSON bodies, its headers, ApiError bodies,
 * resource lists with `nextPageLink` and page links that expire. The nouns build plain objects; only
 * this file turns them into bytes.
 */
import { ApiError } from "./errors.js";

export const MAX_PAGE_SIZE = 100;

/** Base of every `selfLink`: the request's own origin (`http://127.0.0.1:9000`). */
export type Origin = string;

/**
 * A request as the door reads it: the web-standard handler makes one from a `Request`, the Node server
 * from its IncomingMessage without building a `Request` unless a route asks for it (multipart uploads).
 */
export interface PhotonRequest {
  method: string;
  /** Absolute URL. */
  url: string;
  header(name: string): string | null;
  text(): Promise<string>;
  /** The request as a web `Request` (multipart uploads read it with formData). */
  web(): Request;
}
/** An answer before it becomes bytes: status, headers and the body text (null: empty). */
export interface PhotonReply {
  status: number;
  headers: Record<string, string>;
  body: string | null;
}

/** A JSON reply with Photon's headers. */
export function json(status: number, body: unknown, requestId: string): PhotonReply {
  return { status, headers: { "content-type": "application/json", "x-api-version": "1.0", "request-id": requestId }, body: JSON.stringify(body) };
}

/** The reply for a thrown error: ApiError as its body, anything else 500 with an empty body. */
export function errorResponse(error: unknown, requestId: string): PhotonReply {
  if (error instanceof ApiError) return json(error.status, error.toJSON(), requestId);
  return { status: 500, headers: { "x-api-version": "1.0", "request-id": requestId }, body: null };
}

/** A reply as a web `Response`. */
export function toResponse(r: PhotonReply): Response {
  return new Response(r.body, { status: r.status, headers: r.headers });
}

/** Reads a JSON request body; bad JSON → 400 InvalidJson; an empty body is `{}`. */
export async function readJson(req: PhotonRequest): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (text.trim() === "") return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, "InvalidJson", `Invalid JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new ApiError(400, "InvalidJson", "Invalid JSON: expected an object");
  return v as Record<string, unknown>;
}

/** Page links: an opaque token standing for (the list with its filters, offset, size); the oldest expire. */
export class PageLinks {
  private readonly links = new Map<string, { route: string; list: () => unknown[]; offset: number; size: number }>();
  private next = 1;
  constructor(private readonly keep = 20_000) {}

  /**
   * The page asked for by `query` (`pageSize`, `pageLink`) as a ResourceList. `list` runs the query with the
   * request's filters; page links point at `linkRoute` (every task list uses `/tasks`).
   */
  page<T>(linkRoute: string, query: URLSearchParams, list: (filters: URLSearchParams) => T[]): { items: T[]; nextPageLink: string | null; previousPageLink: string | null } {
    const link = query.get("pageLink");
    let run: () => unknown[];
    let offset = 0;
    let size = MAX_PAGE_SIZE;
    if (link !== null) {
      const saved = this.links.get(link);
      if (!saved || saved.route !== linkRoute) throw new ApiError(404, "PageExpired", `Page ${link} has expired`, { pageLink: link });
      ({ list: run, offset, size } = saved);
    } else {
      const raw = query.get("pageSize");
      if (raw !== null) {
        size = Number(raw);
        if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
          throw new ApiError(400, "InvalidPageSize", `The page size '${raw}' is not between '1' and '${MAX_PAGE_SIZE}'`, { pageSize: raw, minPageSize: "1", maxPageSize: String(MAX_PAGE_SIZE) });
        }
      }
      run = () => list(query);
    }
    const all = run() as T[];
    const items = all.slice(offset, offset + size);
    const nextPageLink = offset + size < all.length ? `${linkRoute}?pageLink=${this.save(linkRoute, run, offset + size, size)}` : null;
    const previousPageLink = offset > 0 ? `${linkRoute}?pageLink=${this.save(linkRoute, run, Math.max(0, offset - size), size)}` : null;
    return { items, nextPageLink, previousPageLink };
  }

  private save(route: string, list: () => unknown[], offset: number, size: number): string {
    const token = `${(this.next++).toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    this.links.set(token, { route, list, offset, size });
    if (this.links.size > this.keep) this.links.delete(this.links.keys().next().value!);
    return token;
  }
}
