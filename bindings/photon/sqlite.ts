/**
 * Photon Platform's state folder: one SQLite database (better-sqlite3, WAL) with one row per document.
 * A batch is one transaction, written before the API answers: an acknowledged task survives SIGKILL.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { PhotonStore, StoredDoc } from "./store.js";
import type { DocKind } from "./types.js";

export class SqliteStore implements PhotonStore {
  private readonly db: Database.Database;
  private readonly put: Database.Statement;
  private readonly del: Database.Statement;
  private readonly batch: (puts: StoredDoc[], deletes: { kind: DocKind; id: string }[]) => void;

  /** Opens (or creates) `dir/photon.db`. */
  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.db = new Database(join(dir, "photon.db"));
    this.db.pragma("journal_mode = WAL");
    // NORMAL in WAL mode: a committed transaction survives the process being killed (not a power cut)
    this.db.pragma("synchronous = NORMAL");
    this.db.exec("CREATE TABLE IF NOT EXISTS docs (kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID");
    this.put = this.db.prepare("INSERT INTO docs (kind, id, body) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body");
    this.del = this.db.prepare("DELETE FROM docs WHERE kind = ? AND id = ?");
    this.batch = this.db.transaction((puts: StoredDoc[], deletes: { kind: DocKind; id: string }[]) => {
      for (const d of deletes) this.del.run(d.kind, d.id);
      for (const d of puts) this.put.run(d.kind, d.id, JSON.stringify(d.body));
    });
  }
  load(): StoredDoc[] {
    return (this.db.prepare("SELECT kind, id, body FROM docs").all() as { kind: DocKind; id: string; body: string }[]).map((r) => ({ kind: r.kind, id: r.id, body: JSON.parse(r.body) }));
  }
  write(puts: StoredDoc[], deletes: { kind: DocKind; id: string }[]): void {
    if (puts.length || deletes.length) this.batch(puts, deletes);
  }
  close(): void {
    this.db.close();
  }
}
