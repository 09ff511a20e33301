/**
 * The VCH's journal: records (images, containers, networks, volumes, settings) by kind and key, and
 * the ring of recent events. A store commits a batch atomically; once `commit` returns the batch is
 * durable (for a store that promises durability). The browser has no SQLite and uses MemoryStore.
 */

/** What a VCH persists, by kind. */
export type RecordKind = "image" | "container" | "network" | "volume" | "meta" | "layer" | "build";

/** One atomic change set. */
export interface StoreBatch {
  put: { kind: RecordKind; key: string; value: unknown }[];
  delete: { kind: RecordKind; key: string }[];
  /** Events to append; the store keeps the most recent `EVENT_RING` of them. */
  events: unknown[];
}

/** Everything a store holds, as loaded at open. */
export interface StoreSnapshot {
  records: Record<RecordKind, Map<string, unknown>>;
  events: unknown[];
}

/** A journal of VCH state. */
export interface VchStore {
  /** True when a committed batch survives a crash of the process. */
  readonly durable: boolean;
  /** Where it lives (a path, or `memory`). */
  readonly location: string;
  load(): StoreSnapshot;
  commit(batch: StoreBatch): void;
  close(): void;
}

/** Events kept by a store (Docker keeps a ring of 256 for `docker events --since`). */
export const EVENT_RING = 256;

/** An empty snapshot. */
export function emptySnapshot(): StoreSnapshot {
  return {
    records: { image: new Map(), container: new Map(), network: new Map(), volume: new Map(), meta: new Map(), layer: new Map(), build: new Map() },
    events: [],
  };
}
