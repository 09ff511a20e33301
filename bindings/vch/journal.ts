/**
 * The journal and the end of every transaction. Changes are marked dirty as they happen and events
 * wait in an outbox; `commit` serialises the dirty records, writes them with the outbox's events in
 * one store commit (durable before the caller hears back), and only then publishes the events to
 * the ring and subscribers: a subscriber never sees an event the journal could still lose.
 */
import { makeEvent, type EventLog } from "./events.js";
import type { RecordKind, StoreBatch, VchStore } from "../store/types.js";
import type { VchEvent, VchEventType } from "./types.js";

export class Journal {
  private pending: StoreBatch = { put: [], delete: [], events: [] };
  private dirty = new Map<string, { kind: RecordKind; key: string }>();
  private outbox: VchEvent[] = [];

  constructor(
    private store: VchStore | null,
    private readonly eventLog: EventLog,
    /** The record's journaled value (undefined: gone). */
    private readonly serialise: (kind: RecordKind, key: string) => unknown,
  ) {}

  get durable(): boolean {
    return this.store !== null;
  }

  mark(kind: RecordKind, key: string): void {
    this.dirty.set(`${kind}\t${key}`, { kind, key });
  }

  unmark(kind: RecordKind, key: string): void {
    this.dirty.delete(`${kind}\t${key}`);
    if (this.store) this.pending.delete.push({ kind, key });
  }

  /** A value journaled as it is now (not re-read at commit). */
  put(kind: RecordKind, key: string, value: unknown): void {
    if (this.store) this.pending.put.push({ kind, key, value });
  }

  /** An event of this transaction, stamped now, published after the commit. */
  emit(type: VchEventType, action: string, id: string, attributes: Record<string, string>, ms: number): void {
    this.outbox.push(makeEvent(type, action, id, attributes, ms));
  }

  /** An event recorded outside a transaction (the event log's own faults): journaled with the next commit. */
  journalEvent(e: VchEvent): void {
    if (this.store) this.pending.events.push(e);
  }

  /** Writes every pending change and event in one store commit, then publishes the events. */
  commit(): void {
    const events = this.outbox;
    this.outbox = [];
    if (this.store) {
      const batch = this.pending;
      for (const { kind, key } of this.dirty.values()) {
        const value = this.serialise(kind, key);
        if (value !== undefined) batch.put.push({ kind, key, value });
      }
      for (const e of events) batch.events.push(e);
      this.pending = { put: [], delete: [], events: [] };
      this.dirty.clear();
      this.store.commit(batch);
    } else {
      this.dirty.clear();
    }
    for (const e of events) this.eventLog.publish(e);
  }

  close(): void {
    this.store?.close();
    this.store = null;
  }
}
