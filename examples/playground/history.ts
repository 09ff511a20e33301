/**
 * What the page remembers from the VCH's events: the events list, HA's restarts and the story of the
 * last host failure, and the timeline's marks. It is fed by `subscribe`; the snapshot reads `view`,
 * which is replaced (never changed in place) when something new arrives.
 */
import type { VchEvent } from "../../bindings/browser.js";
import { clock, type Mark } from "./views/timeline.js";

const KEEP_EVENTS = 300;
const KEEP_MARKS = 400;

/** One line of the events list. */
export interface EventLine {
  readonly time: string;
  readonly type: string;
  readonly text: string;
  readonly bad: boolean;
}

interface Failure {
  host: string;
  at: number;
  stopped: number;
  restarted: number;
  to: Set<string>;
  notRestarted: string[];
}

export class History {
  haRestarts = 0;
  haNotRestarted = 0;
  lastFailure = "";
  /** The VCH's count of frames TPS merged when the current salting began (the page shows what merged since). */
  tpsMergedBase = 0;
  private failure: Failure | null = null;
  private events: EventLine[] = [];
  private marks: Mark[] = [];
  private version = 0;
  /** Frozen lists, rebuilt when an event or a mark arrives. */
  view: { readonly version: number; readonly events: readonly EventLine[]; readonly marks: readonly Mark[] } = { version: 0, events: [], marks: [] };

  /** Marks a moment on the timeline (a control's action). */
  mark(mark: Mark): void {
    this.marks = [...this.marks.slice(-(KEEP_MARKS - 1)), Object.freeze(mark)];
    this.publish();
  }

  /** A host failed now: its container VMs stopped, HA declares it dead at `declaredDeadAt`. */
  failed(host: string, at: number, stopped: number, declaredDeadAt: number): void {
    this.failure = { host, at, stopped, restarted: 0, to: new Set(), notRestarted: [] };
    this.describe(declaredDeadAt);
    this.mark({ t: at, kind: "failure" });
  }

  /** True while the failed host's container VMs wait for HA (its recovery restarts them on it). */
  waitingForHa(host: string): boolean {
    const f = this.failure;
    return f?.host === host && f.restarted === 0 && f.stopped > 0 && f.notRestarted.length === 0;
  }

  onEvent(event: VchEvent): void {
    const a = event.Actor.Attributes;
    if (event.Type === "cluster" && (event.Action === "ha-restart" || event.Action === "ha-restart-failed")) {
      if (event.Action === "ha-restart") this.haRestarts++;
      else this.haNotRestarted++;
      if (this.failure && a.from === this.failure.host) {
        if (event.Action === "ha-restart") {
          this.failure.restarted++;
          this.failure.to.add(a.to);
        } else this.failure.notRestarted.push(a.reason);
        this.describe();
      }
    }
    const who = a.name ?? a.host ?? event.Actor.ID.slice(0, 12);
    const extra = [a.image, a.host && a.name ? `on ${a.host}` : "", a.from && a.to ? `${a.from} → ${a.to}` : ""].filter(Boolean).join(" ");
    const line: EventLine = Object.freeze({
      time: clock(event.timeNano / 1e6),
      type: event.Type,
      text: `${event.Type} ${event.Action} ${who} ${extra}`,
      bad: /fail|die|kill|oom/i.test(event.Action),
    });
    this.events = [...this.events.slice(-(KEEP_EVENTS - 1)), line];
    if (event.Type === "cluster") {
      const t = event.timeNano / 1e6;
      if (/migrat/i.test(event.Action)) this.marks = [...this.marks.slice(-(KEEP_MARKS - 1)), Object.freeze({ t, kind: "migration" as const })];
      else if (/restart/i.test(event.Action)) this.marks = [...this.marks.slice(-(KEEP_MARKS - 1)), Object.freeze({ t, kind: "restart" as const })];
    }
    this.publish();
  }

  private publish(): void {
    this.view = Object.freeze({ version: ++this.version, events: Object.freeze(this.events), marks: Object.freeze(this.marks) });
  }

  /** The last failure in words: waiting for HA's declaration, or what HA restarted. */
  private describe(declaredDeadAt?: number): void {
    const f = this.failure;
    if (!f) return;
    const head = `${f.host} failed at ${clock(f.at)}`;
    this.lastFailure =
      declaredDeadAt !== undefined
        ? `${head}: ${f.stopped} container VM(s) stopped; HA declares the host dead at ${clock(declaredDeadAt)}`
        : `${head}: HA restarted ${f.restarted} container VM(s) on ${[...f.to].join(", ") || "—"}` +
          (f.notRestarted.length ? `; ${f.notRestarted.length} not restarted (${f.notRestarted[0]})` : "");
  }
}
