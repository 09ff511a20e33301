/** A store that lives in memory only (no state folder; the browser). Values are copied as JSON. */
import { EVENT_RING, emptySnapshot, type StoreBatch, type StoreSnapshot, type VchStore } from "./types.js";

/** In-memory journal with the same semantics as the SQLite one, minus durability. */
export class MemoryStore implements VchStore {
  readonly durable = false;
  readonly location = "memory";
  private readonly records = new Map<string, string>();
  private events: string[] = [];

  load(): StoreSnapshot {
    const snap = emptySnapshot();
    for (const [k, v] of this.records) {
      const tab = k.indexOf("\t");
      snap.records[k.slice(0, tab) as keyof StoreSnapshot["records"]].set(k.slice(tab + 1), JSON.parse(v));
    }
    snap.events = this.events.map((e) => JSON.parse(e));
    return snap;
  }

  commit(batch: StoreBatch): void {
    // Serialise first so a value that cannot be stored changes nothing.
    const puts = batch.put.map((p) => [`${p.kind}\t${p.key}`, JSON.stringify(p.value)] as const);
    const events = batch.events.map((e) => JSON.stringify(e));
    for (const d of batch.delete) this.records.delete(`${d.kind}\t${d.key}`);
    for (const [k, v] of puts) this.records.set(k, v);
    this.events.push(...events);
    if (this.events.length > EVENT_RING) this.events = this.events.slice(-EVENT_RING);
  }

  close(): void {}
}
