/**
 * Tasks (API.md §3): every mutating call answers with a Task. Metadata-only operations answer an
 * already COMPLETED task; the others queue steps that run in order, each QUEUED → STARTED → COMPLETED,
 * and the first error ends the task ERROR with later steps left QUEUED. Every transition is committed.
 * A queued task locks its entity until it ends: a task queued on a locked entity is accepted but ends
 * ERROR at once, its steps untouched (ConcurrentTask, as the controller's entity locks did).
 */
import { ApiError } from "./errors.js";
import type { StepDoc, TaskDoc } from "./types.js";
import type { PhotonPlatform } from "./platform.js";

/** A step's work; it may return warnings (ApiError bodies). */
export type StepWork = () => void | ApiError[] | Promise<void | ApiError[]>;
export interface Scope {
  projectId?: string;
  tenantId?: string;
}

function step(sequence: number, operation: string, now: number, options: Record<string, string> | null): StepDoc {
  return { sequence, state: "QUEUED", operation, queuedTime: now, startedTime: null, endTime: null, errors: [], warnings: [], options };
}

export class Tasks {
  private readonly waiting = new Map<string, ((t: TaskDoc) => void)[]>();
  /** `kind/id` → the running task that holds the entity. */
  private readonly locks = new Map<string, string>();
  /** Async tasks queued or running (the executor's queue, which admission bounds). */
  private readonly active = new Set<string>();
  constructor(private readonly p: PhotonPlatform) {}

  /** Resolves once task `id` is COMPLETED or ERROR. */
  done(id: string): Promise<TaskDoc> {
    const t = this.p.docs.task.get(id);
    if (t && (t.state === "COMPLETED" || t.state === "ERROR")) return Promise.resolve(t);
    return new Promise((resolve) => this.waiting.set(id, [...(this.waiting.get(id) ?? []), resolve]));
  }
  /** The running task holding an entity, or null. */
  holder(entity: { kind: string | null; id: string | null }): TaskDoc | null {
    const id = this.locks.get(`${entity.kind}/${entity.id}`);
    return (id && this.p.docs.task.get(id)) || null;
  }
  /** How many async tasks are queued or running. */
  get inFlight(): number {
    return this.active.size;
  }
  private finished(t: TaskDoc): void {
    this.active.delete(t.id);
    const key = `${t.entity.kind}/${t.entity.id}`;
    if (this.locks.get(key) === t.id) this.locks.delete(key);
    const w = this.waiting.get(t.id);
    if (!w) return;
    this.waiting.delete(t.id);
    for (const f of w) f(t);
  }

  /** A task already COMPLETED (metadata-only operations): all three times equal. */
  completed(operation: string, entity: { kind: string | null; id: string | null }, scope: Scope = {}, steps: string[] = [], warnings: ApiError[] = []): TaskDoc {
    const now = Date.now();
    const t: TaskDoc = {
      id: crypto.randomUUID(),
      entity,
      state: "COMPLETED",
      operation,
      queuedTime: now,
      startedTime: now,
      endTime: now,
      steps: steps.map((s, i) => ({ ...step(i, s, now, null), state: "COMPLETED", startedTime: now, endTime: now, warnings: i === 0 ? warnings.map((w) => w.toJSON()) : [] })),
      ...scope,
    };
    this.p.put("task", t);
    return t;
  }

  /**
   * Queues a task of `steps` and runs it after the caller's commit. `onError` undoes or marks the
   * entity when a step fails (a VM goes to ERROR). `lock: false` for tasks that only read the entity.
   */
  queue(operation: string, entity: { kind: string | null; id: string | null }, steps: [string, StepWork][], scope: Scope = {}, onError?: (e: ApiError) => void, options: Record<string, string> | null = null, lock = true): TaskDoc {
    const now = Date.now();
    const t: TaskDoc = { id: crypto.randomUUID(), entity, state: "QUEUED", operation, queuedTime: now, steps: steps.map(([op], i) => step(i, op, now, i === 0 ? options : null)), ...scope };
    this.p.put("task", t);
    this.active.add(t.id);
    if (lock && entity.id !== null) {
      if (this.holder(entity)) {
        this.p.later(async () => this.concurrent(t));
        return t;
      }
      this.locks.set(`${entity.kind}/${entity.id}`, t.id);
    }
    this.p.later(() => this.run(t, steps.map(([, w]) => w), onError));
    return t;
  }

  /** ConcurrentTask: the entity was locked by another running task; nothing ran. */
  private concurrent(t: TaskDoc): void {
    t.state = "ERROR";
    t.startedTime = t.endTime = Date.now();
    this.p.put("task", t);
    this.p.commit();
    this.finished(t);
  }

  private async run(t: TaskDoc, work: StepWork[], onError?: (e: ApiError) => void): Promise<void> {
    t.state = "STARTED";
    t.startedTime = Date.now();
    for (let i = 0; i < work.length; i++) {
      if (this.p.isClosed) return;
      const s = t.steps[i];
      s.state = "STARTED";
      s.startedTime = Date.now();
      this.p.put("task", t);
      this.p.commit();
      await this.p.pause();
      try {
        const warnings = await work[i]();
        if (warnings) s.warnings = warnings.map((w) => w.toJSON());
        s.state = "COMPLETED";
        s.endTime = Date.now();
      } catch (error) {
        const e = error instanceof ApiError ? error : new ApiError(500, "InternalError", `Request #${t.id} failed due to an internal error: ${(error as Error)?.message ?? error}`);
        s.state = "ERROR";
        s.endTime = Date.now();
        s.errors = [e.toJSON()];
        t.state = "ERROR";
        t.endTime = s.endTime;
        onError?.(e);
        this.p.put("task", t);
        this.p.commit();
        this.finished(t);
        return;
      }
    }
    t.state = "COMPLETED";
    t.endTime = Date.now();
    this.p.put("task", t);
    this.p.commit();
    this.finished(t);
  }

  /** After a restart: a task that was running ends ERROR, its running step saying why. */
  interrupted(t: TaskDoc): void {
    const now = Date.now();
    const s = t.steps.find((x) => x.state === "STARTED") ?? t.steps.find((x) => x.state === "QUEUED");
    const reason = new ApiError(500, "InternalError", `Request #${t.id} failed due to an internal error: the controller restarted while the task ran`);
    if (s) {
      s.state = "ERROR";
      s.startedTime ??= now;
      s.endTime = now;
      s.errors = [reason.toJSON()];
    }
    t.state = "ERROR";
    t.startedTime ??= now;
    t.endTime = now;
    this.p.put("task", t);
  }

  /** The Task as the API shows it: nulls left out, steps by sequence. */
  json(t: TaskDoc, origin: string): Record<string, unknown> {
    const out: Record<string, unknown> = { id: t.id, selfLink: `${origin}/tasks/${t.id}`, entity: t.entity, state: t.state, operation: t.operation, queuedTime: t.queuedTime };
    if (t.startedTime !== undefined) out.startedTime = t.startedTime;
    if (t.endTime !== undefined) out.endTime = t.endTime;
    out.steps = t.steps;
    if (t.resourceProperties !== undefined) out.resourceProperties = t.resourceProperties;
    return out;
  }
}
