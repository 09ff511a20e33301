/**
 * Events: Docker's shape and order, plus the cluster's (vSphere-style) events, in a ring of the
 * last 256 (O(1) append), delivered to subscribers and to `events()` readers.
 *
 * A subscriber that throws does not silence the others, and its failure is not lost: it is counted
 * and becomes an event of its own (`cluster subscriber-error`), which `docker events` and `info()`
 * show. A reader that stops reading is capped (`READER_CAP` events queued); what it misses is
 * counted as well.
 */
import { Channel } from "./channel.js";
import type { Cancel } from "./clock.js";
import { Ring } from "./ring.js";
import type { VchEvent, VchEventType } from "./types.js";

/** Events kept for `since` (as dockerd keeps its last 256). */
export const EVENT_RING_SIZE = 256;
/** Events queued for one reader that does not read: beyond it the newest are dropped (dockerd's publisher drops for a slow subscriber). */
export const READER_CAP = 1024;

/** What the event log counts of its own faults. */
export interface EventFaults {
  subscriberErrors: number;
  eventsDropped: number;
}

export class EventLog {
  private ring = new Ring<VchEvent>(EVENT_RING_SIZE);
  private readonly listeners = new Set<(e: VchEvent) => void>();
  readonly faults: EventFaults = { subscriberErrors: 0, eventsDropped: 0 };
  /** Subscriber failures met while delivering, reported once the delivery is over (no recursion). */
  private failures: string[] = [];
  private delivering = false;

  /** `now`: virtual ms; `journal`: receives every event recorded (the facade journals them). */
  constructor(private readonly now: () => number, private readonly journal: (e: VchEvent) => void) {}

  /** Records an event now: ring, journal, subscribers. */
  record(type: VchEventType, action: string, id: string, attributes: Record<string, string>): VchEvent {
    const e = makeEvent(type, action, id, attributes, this.now());
    this.journal(e);
    this.publish(e);
    return e;
  }

  /** Publishes an event the caller has already journaled: ring, then subscribers. */
  publish(e: VchEvent): void {
    this.ring.push(e);
    this.deliver(e);
  }

  private deliver(e: VchEvent): void {
    if (this.listeners.size === 0) return;
    const nested = this.delivering;
    this.delivering = true;
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (error) {
        this.faults.subscriberErrors++;
        this.failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (nested) return;
    this.delivering = false;
    // Each failure becomes an event; failures while delivering those are only counted.
    const failures = this.failures;
    this.failures = [];
    for (const message of failures) {
      const ms = this.now();
      const fault: VchEvent = {
        Type: "cluster", Action: "subscriber-error", Actor: { ID: "events", Attributes: { error: message } },
        scope: "local", time: Math.floor(ms / 1000), timeNano: Math.round(ms * 1e6),
      };
      this.ring.push(fault);
      this.journal(fault);
      for (const l of [...this.listeners]) {
        try {
          l(fault);
        } catch {
          this.faults.subscriberErrors++;
        }
      }
    }
  }

  /** Calls `listener` for every new event; returns the unsubscribe function. */
  subscribe(listener: (event: VchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events kept, oldest first. */
  kept(): VchEvent[] {
    return this.ring.toArray();
  }

  /** Puts back the journaled events (oldest first) on reopening. */
  restore(events: VchEvent[]): void {
    this.ring = new Ring<VchEvent>(EVENT_RING_SIZE);
    for (const e of events.slice(-EVENT_RING_SIZE)) this.ring.push(e);
  }

  /**
   * A reader: kept events in [since, until] passing `pass` (when `since` is given), then live ones
   * until `until` (virtual ms). `endAt` arms the end on the clock.
   */
  reader(options: { since?: number; until?: number; signal?: AbortSignal }, pass: (e: VchEvent) => boolean, endAt: (ms: number, fn: () => void) => Cancel): Channel<VchEvent> {
    const { since, until } = options;
    const ch = new Channel<VchEvent>(options.signal, { cap: READER_CAP, overflow: "drop-newest", onDrop: () => this.faults.eventsDropped++ });
    const inWindow = (e: VchEvent) => since !== undefined && e.timeNano / 1e6 >= since && (until === undefined || e.timeNano / 1e6 <= until);
    if (since !== undefined) for (const e of this.ring.toArray()) if (inWindow(e) && pass(e)) ch.push(e);
    if (until !== undefined && until <= this.now()) {
      ch.end();
      return ch;
    }
    const unsubscribe = this.subscribe((e) => {
      if (until !== undefined && e.timeNano / 1e6 > until) return ch.end();
      if (pass(e)) ch.push(e);
    });
    const cancel = until !== undefined ? endAt(until - this.now(), () => ch.end()) : null;
    ch.onClose = () => {
      unsubscribe();
      cancel?.();
    };
    return ch;
  }
}

/** An event in Docker's shape at virtual time `ms`. */
export function makeEvent(type: VchEventType, action: string, id: string, attributes: Record<string, string>, ms: number): VchEvent {
  return { Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, scope: "local", time: Math.floor(ms / 1000), timeNano: Math.round(ms * 1e6) };
}
