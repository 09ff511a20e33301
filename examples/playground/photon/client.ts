/**
 * A small Photon Controller client for the Photon tab: every call is a web-standard Request handed to
 * the in-page handler (what the `photon` CLI sends over HTTP), and mutating calls are followed to the
 * end of their task, as the CLI does.
 */
import type { PhotonHandler } from "../../../bindings/photon/index.js";

const BASE = "http://photon.local";

export interface Task {
  id: string;
  state: "QUEUED" | "STARTED" | "COMPLETED" | "ERROR";
  operation: string;
  entity: { id: string; kind: string };
  steps: { operation: string; state: string; errors: { code: string; message: string | null }[] }[];
}

/** A task that ended in ERROR: its first step error's code and message. */
export class TaskError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class PhotonClient {
  constructor(private readonly handler: PhotonHandler) {}

  async call<T = any>(method: string, path: string, body?: unknown): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const r = await this.handler(new Request(`${BASE}${path}`, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }));
    const text = await r.text();
    const json = text ? JSON.parse(text) : null;
    if (r.status >= 400) throw new TaskError(json?.code ?? String(r.status), `${method} ${path}: ${json?.code ?? r.status}${json?.message ? ` — ${json.message}` : ""}`);
    return json as T;
  }

  /** Every item of a paged list (following `nextPageLink`). */
  async list<T = any>(path: string): Promise<T[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const out: T[] = [];
    let page = await this.call<{ items: T[]; nextPageLink?: string | null }>("GET", `${path}${path.includes("?") ? "&" : "?"}pageSize=100`);
    out.push(...page.items);
    while (page.nextPageLink) {
      page = await this.call("GET", page.nextPageLink.replace(/^https?:\/\/[^/]+/, ""));
      out.push(...page.items);
    }
    return out;
  }

  /** Follows a task to its end; an ERROR ends in a TaskError with the step's error code. */
  async wait(task: Task): Promise<Task> {
    for (;;) {
      const t = await this.call<Task>("GET", `/tasks/${task.id}`);
      if (t.state === "COMPLETED") return t;
      if (t.state === "ERROR") {
        const e = t.steps.flatMap((s) => s.errors)[0];
        throw new TaskError(e?.code ?? "Error", `${t.operation}: ${e?.code ?? "ERROR"}${e?.message ? ` — ${e.message}` : ""}`);
      }
      await new Promise((r) => setTimeout(r, 0));
    }
  }

  /** A mutating call and its task, to the end. */
  async run(method: string, path: string, body?: unknown): Promise<Task> {
    return this.wait(await this.call<Task>(method, path, body));
  }

  /** Uploads an image (metadata with a size: the bytes are not kept). */
  async upload(name: string, bytes: number): Promise<string> {
    const fd = new FormData();
    fd.append("ImageReplication", "EAGER");
    fd.append("file", new Blob([new Uint8Array(bytes)]), name);
    const r = await this.handler(new Request(`${BASE}/images`, { method: "POST", body: fd }));
    return (await this.wait((await r.json()) as Task)).entity.id;
  }
}
