/**
 * The journal and the end of every transaction. Changes are marked dirty as they happen and events
 * wait in an outbox; `commit` serialises the dirty records, writes them with the outbox's events in
 * one store commit (durable before the caller hears back), and only then publishes the events to
 * the ring and subscribers: a subscriber never sees an event the journal could still lose.
 *
 * Output alone is batched: a log line marks its container "log-dirty", which a settle writes only
 * with other changes, or once `LOG_BATCH_MS` of virtual time or `LOG_BATCH_LINES` lines have
 * gathered (so a chatty container costs one commit a virtual second, not one per line, and a
 * crash loses at most that much output, never a change a caller was told about). Closing writes all.
 */
import { makeEvent, type EventLog } from "./events.js";
import type { RecordKind, StoreBatch, VchStore } from "../store/types.js";
import type { VchEvent, VchEventType } from "./types.js";

/** Output kept out of the journal at most this long (virtual ms) or this many lines. */
export const LOG_BATCH_MS = 1000;
export const LOG_BATCH_LINES = 200;

export class Journal {
  private pending: StoreBatch = { put: [], delete: [], events: [] };
  private dirty = new Map<string, { kind: RecordKind; key: string }>();
  private outbox: VchEvent[] = [];
  /** Containers with output not yet journaled, the lines waiting and when the first came (virtual ms). */
  private logDirty = new Set<string>();
  private logLines = 0;
  private logSince = 0;

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

  /** A container wrote a line of output at virtual time `now` (journaled in a batch). */
  markLog(containerId: string, now: number): void {
    if (this.logLines === 0) this.logSince = now;
    this.logDirty.add(containerId);
    this.logLines++;
  }

  unmark(kind: RecordKind, key: string): void {
    if (kind === "container") this.logDirty.delete(key);
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

  /**
   * The clock settled (or a transaction ended): commits when anything but output changed, or when
   * the output batch is due at virtual time `now`.
   */
  settled(now: number): void {
    const changed = this.dirty.size > 0 || this.outbox.length > 0 || this.pending.put.length > 0 || this.pending.delete.length > 0 || this.pending.events.length > 0;
    if (changed || (this.logLines > 0 && (this.logLines >= LOG_BATCH_LINES || now - this.logSince >= LOG_BATCH_MS))) this.commit();
  }

  /** Writes every pending change, the output batch and the events in one store commit, then publishes the events. */
  commit(): void {
    const events = this.outbox;
    this.outbox = [];
    if (this.store) {
      const batch = this.pending;
      for (const id of this.logDirty) this.dirty.set(`container\t${id}`, { kind: "container", key: id });
      for (const { kind, key } of this.dirty.values()) {
        const value = this.serialise(kind, key);
        if (value !== undefined) batch.put.push({ kind, key, value });
      }
      for (const e of events) batch.events.push(e);
      this.pending = { put: [], delete: [], events: [] };
      this.dirty.clear();
      this.clearLog();
      if (batch.put.length || batch.delete.length || batch.events.length) this.store.commit(batch);
    } else {
      this.dirty.clear();
      this.clearLog();
    }
    for (const e of events) this.eventLog.publish(e);
  }

  private clearLog(): void {
    this.logDirty.clear();
    this.logLines = 0;
  }

  close(): void {
    this.store?.close();
    this.store = null;
  }
}
