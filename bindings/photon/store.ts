/**
 * Where Photon Platform's documents live between runs. `MemoryStore` keeps nothing (the browser, Deno,
 * tests); `SqliteStore` (node only, ./sqlite.ts) writes every committed change before the API answers.
 */
import type { DocKind } from "./types.js";

export interface StoredDoc {
  kind: DocKind;
  id: string;
  body: unknown;
}

/** A document store: loaded once at open, then written by committed batches. */
export interface PhotonStore {
  load(): StoredDoc[];
  /** Writes puts and deletes in one transaction. */
  write(puts: StoredDoc[], deletes: { kind: DocKind; id: string }[]): void;
  close(): void;
}

/** Keeps nothing: state lives only in the platform's maps. */
export class MemoryStore implements PhotonStore {
  load(): StoredDoc[] {
    return [];
  }
  write(): void {}
  close(): void {}
}
