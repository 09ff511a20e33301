/**
 * Task and TaskManager: an operation's TaskInfo moves queued → running → success or error, each
 * step a change the PropertyCollector reports; a failed task carries its fault in `info.error`
 * (the method itself answered with the Task). Work the VCH did on its own (DRS, HA) is recorded
 * as finished tasks too.
 */
import { VchError } from "../vch/errors.js";
import { ManagedObject, type Ctx, type Getter, type Method } from "./managed.js";
import { Enum, Ref, VimFault, refs, type DataObject } from "./values.js";

const KEEP = 1000;

export class Task extends ManagedObject {
  readonly getters: Record<string, Getter<Task>> = taskGetters;
  override readonly methods: Record<string, Method<Task>> = taskMethods;
  constructor(
    ref: Ref,
    public info: DataObject,
  ) {
    super(ref);
  }
}

const taskGetters: Record<string, Getter<Task>> = {
  info: (o) => o.info,
  value: () => undefined,
  availableField: () => undefined,
};

const taskMethods: Record<string, Method<Task>> = {
  CancelTask: () => {
    throw new VimFault("InvalidState", "The task cannot be cancelled.");
  },
};

/** A VCH error in vSphere's terms: a conflict is an InvalidState, a bad value an InvalidArgument. */
export function toFault(e: unknown): VimFault {
  if (e instanceof VimFault) return e;
  if (e instanceof VchError) {
    if (e.kind === "conflict") return new VimFault("InvalidState", e.message);
    if (e.kind === "invalid") return new VimFault("InvalidArgument", e.message);
    if (e.kind === "notFound") return new VimFault("NotFound", e.message);
  }
  return new VimFault("SystemError", e instanceof Error ? e.message : String(e), { reason: e instanceof Error ? e.message : String(e) });
}

export class TaskManager extends ManagedObject {
  readonly getters: Record<string, Getter<TaskManager>> = { recentTask: (o) => refs(o.recent.map((t) => t.ref)), maxCollector: () => 32 };
  private readonly byId = new Map<string, Task>();
  readonly recent: Task[] = [];
  private next = 1;

  get(id: string): Task | undefined {
    return this.byId.get(id);
  }

  private add(info: Omit<DataObject, "_type" | "key" | "task">): Task {
    const ref = new Ref("Task", `task-${this.next++}`);
    const t = new Task(ref, { _type: "TaskInfo", key: ref.value, task: ref, ...info });
    this.byId.set(ref.value, t);
    this.recent.push(t);
    if (this.recent.length > KEEP) this.byId.delete(this.recent.shift()!.ref.value);
    return t;
  }

  /** Queues `run` as a task on `entity`; returns the Task at once (the client follows it with the PropertyCollector). */
  start(ctx: Ctx, entity: Ref, entityName: string, name: string, descriptionId: string, run: () => Promise<void>): Ref {
    const server = ctx.server;
    const queued = new Date(server.vch.now());
    const t = this.add({
      name,
      descriptionId,
      entity,
      entityName,
      state: new Enum("TaskInfoState", "queued"),
      cancelled: false,
      cancelable: false,
      reason: { _type: "TaskReasonUser", userName: ctx.session?.userName ?? "" },
      queueTime: queued,
      eventChainId: 0,
    });
    const set = (fields: DataObject | Record<string, unknown>): void => {
      t.info = { ...t.info, ...(fields as DataObject) };
      server.inventory.markDirty(); // settings changed by the task (DRS) emit no VCH event
      server.changed();
    };
    server.changed();
    setTimeout(() => {
      set({ state: new Enum("TaskInfoState", "running"), startTime: new Date(server.vch.now()), progress: 0 });
      run().then(
        () => set({ state: new Enum("TaskInfoState", "success"), progress: 100, completeTime: new Date(server.vch.now()) }),
        (e: unknown) => {
          const f = toFault(e);
          set({
            state: new Enum("TaskInfoState", "error"),
            error: { _type: "LocalizedMethodFault", fault: f.asData(), localizedMessage: f.message },
            completeTime: new Date(server.vch.now()),
          });
        },
      );
    }, 0);
    return t.ref;
  }

  /** Records work the VCH did by itself (a DRS vMotion, an HA restart) as a finished system task. */
  record(now: number, entity: Ref, entityName: string, name: string, descriptionId: string): void {
    const at = new Date(now);
    this.add({
      name,
      descriptionId,
      entity,
      entityName,
      state: new Enum("TaskInfoState", "success"),
      cancelled: false,
      cancelable: false,
      reason: { _type: "TaskReasonSystem" },
      queueTime: at,
      startTime: at,
      completeTime: at,
      eventChainId: 0,
    });
  }
}
