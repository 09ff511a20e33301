/**
 * The state folder's journal: SQLite through better-sqlite3 (imported lazily, so browser bundles
 * never pull it in). WAL with synchronous=FULL: a commit is on disk before `commit` returns, which is
 * what "acknowledged means durable" needs (NORMAL could lose the last commits on power loss).
 *
 * The database is marked with an application id and a schema version; a folder holding anything
 * else is refused, never overwritten.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { EVENT_RING, emptySnapshot, type RecordKind, type StoreBatch, type StoreSnapshot, type VchStore } from "./types.js";

/** `PRAGMA application_id` of a vicsim state database ("vcsm"). */
export const APPLICATION_ID = 0x7663736d;
/** Schema version written to the meta table. */
export const SCHEMA_VERSION = 1;
/** The database file inside the state folder. */
export const DB_FILE = "vicsim.db";

/** Files SQLite itself keeps beside the database. */
const OWN_FILES = new Set([DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, `${DB_FILE}-journal`]);

// Minimal structural types of better-sqlite3 (the package's own types are a dev dependency).
interface Statement {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
}
interface Database {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  prepare(sql: string): Statement;
  exec(sql: string): void;
  transaction<F extends (...args: never[]) => void>(fn: F): F;
  close(): void;
}
type DatabaseConstructor = new (path: string, options?: { fileMustExist?: boolean }) => Database;

/** Opens (or creates) the journal in `dir`; throws a clear error for a corrupt or foreign folder. */
export async function openSqliteStore(dir: string): Promise<SqliteStore> {
  const specifier = "better-sqlite3"; // a variable: bundlers leave the import alone
  const mod = (await import(specifier)) as { default: DatabaseConstructor };
  return new SqliteStore(dir, mod.default);
}

/** SQLite journal of one state folder. */
export class SqliteStore implements VchStore {
  readonly durable = true;
  readonly location: string;
  private readonly db: Database;
  private readonly putStmt: Statement;
  private readonly delStmt: Statement;
  private readonly eventStmt: Statement;
  private readonly trimStmt: Statement;
  private readonly commitTx: (batch: StoreBatch) => void;

  constructor(dir: string, Db: DatabaseConstructor) {
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new Error(`state folder ${dir} is a file, not a folder`);
    }
    const file = join(dir, DB_FILE);
    const fresh = !existsSync(file);
    if (fresh && existsSync(dir)) {
      const foreign = readdirSync(dir).filter((f) => !OWN_FILES.has(f));
      if (foreign.length) {
        throw new Error(
          `state folder ${dir} is not a vicsim state folder (it holds ${foreign.slice(0, 3).join(", ")}` +
            `${foreign.length > 3 ? ", …" : ""} and no ${DB_FILE}); choose an empty or new folder`,
        );
      }
    }
    mkdirSync(dir, { recursive: true });
    this.location = file;
    let db: Database;
    try {
      db = new Db(file);
      db.pragma("journal_mode = WAL");
    } catch (e) {
      throw new Error(`state folder ${dir}: ${DB_FILE} is not a vicsim state database (${(e as Error).message})`);
    }
    try {
      const appId = db.pragma("application_id", { simple: true }) as number;
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
      if (appId !== APPLICATION_ID && (appId !== 0 || tables.length > 0)) {
        throw new Error(`${DB_FILE} belongs to another application (application_id ${appId}), not vicsim`);
      }
      if (appId === APPLICATION_ID) {
        const row = tables.includes("meta")
          ? (db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined)
          : undefined;
        if (!row) throw new Error(`${DB_FILE} is damaged: its schema version is missing`);
        if (Number(row.value) > SCHEMA_VERSION) {
          throw new Error(`${DB_FILE} was written by a newer vicsim (schema ${row.value}, this one reads ${SCHEMA_VERSION})`);
        }
      } else {
        db.exec(`
          CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
          CREATE TABLE records (kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, key));
          CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, value TEXT NOT NULL);
        `);
        db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?), ('created', ?)").run(String(SCHEMA_VERSION), new Date().toISOString());
        db.pragma(`application_id = ${APPLICATION_ID}`);
      }
      const check = db.pragma("quick_check", { simple: true });
      if (check !== "ok") throw new Error(`${DB_FILE} is damaged (${String(check)})`);
      db.pragma("synchronous = FULL");
    } catch (e) {
      db.close();
      const msg = (e as Error).message;
      throw new Error(`state folder ${dir} cannot be used: ${/not a database|malformed/i.test(msg) ? `${DB_FILE} is not a vicsim state database (${msg})` : msg}`);
    }
    this.db = db;
    this.putStmt = db.prepare("INSERT INTO records (kind, key, value) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value");
    this.delStmt = db.prepare("DELETE FROM records WHERE kind = ? AND key = ?");
    this.eventStmt = db.prepare("INSERT INTO events (value) VALUES (?)");
    this.trimStmt = db.prepare(`DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ${EVENT_RING}`);
    this.commitTx = db.transaction((batch: StoreBatch) => {
      for (const d of batch.delete) this.delStmt.run(d.kind, d.key);
      for (const p of batch.put) this.putStmt.run(p.kind, p.key, JSON.stringify(p.value));
      for (const e of batch.events) this.eventStmt.run(JSON.stringify(e));
      if (batch.events.length) this.trimStmt.run();
    });
  }

  load(): StoreSnapshot {
    const snap = emptySnapshot();
    for (const row of this.db.prepare("SELECT kind, key, value FROM records").all() as { kind: RecordKind; key: string; value: string }[]) {
      snap.records[row.kind]?.set(row.key, JSON.parse(row.value));
    }
    snap.events = (this.db.prepare("SELECT value FROM events ORDER BY seq").all() as { value: string }[]).map((r) => JSON.parse(r.value));
    return snap;
  }

  commit(batch: StoreBatch): void {
    if (!batch.put.length && !batch.delete.length && !batch.events.length) return;
    this.commitTx(batch);
  }

  close(): void {
    this.db.close();
  }
}
