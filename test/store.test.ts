// The journal: the in-memory and SQLite stores behave alike; a foreign or damaged folder is refused, untouched.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryStore } from "../bindings/store/memory.js";
import { DB_FILE, openSqliteStore } from "../bindings/store/sqlite.js";
import type { VchStore } from "../bindings/store/types.js";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "vicsim-store-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const stores: [string, () => Promise<VchStore>][] = [
  ["memory", async () => new MemoryStore()],
  ["sqlite", async () => openSqliteStore(join(tempDir(), "state"))],
];

describe.each(stores)("%s store", (_name, make) => {
  it("commits batches atomically and loads them back", async () => {
    const s = await make();
    s.commit({ put: [{ kind: "container", key: "a", value: { n: 1 } }, { kind: "image", key: "i", value: ["x"] }], delete: [], events: [{ e: 1 }] });
    s.commit({ put: [{ kind: "container", key: "a", value: { n: 2 } }, { kind: "container", key: "b", value: { n: 3 } }], delete: [{ kind: "image", key: "i" }], events: [{ e: 2 }] });
    const snap = s.load();
    expect([...snap.records.container]).toEqual([["a", { n: 2 }], ["b", { n: 3 }]]);
    expect(snap.records.image.size).toBe(0);
    expect(snap.events).toEqual([{ e: 1 }, { e: 2 }]);
    s.close();
  });

  it("keeps the last 256 events", async () => {
    const s = await make();
    for (let i = 0; i < 300; i++) s.commit({ put: [], delete: [], events: [{ i }] });
    const events = s.load().events as { i: number }[];
    expect(events).toHaveLength(256);
    expect(events[0].i).toBe(44);
    expect(events.at(-1)!.i).toBe(299);
    s.close();
  });
});

describe("state folder", () => {
  it("reopens what it wrote", async () => {
    const dir = join(tempDir(), "state");
    const a = await openSqliteStore(dir);
    a.commit({ put: [{ kind: "volume", key: "v", value: { Name: "v" } }], delete: [], events: [] });
    a.close();
    const b = await openSqliteStore(dir);
    expect(b.load().records.volume.get("v")).toEqual({ Name: "v" });
    b.close();
  });

  it("refuses a folder that holds other things, and leaves it alone", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "notes.txt"), "mine");
    await expect(openSqliteStore(dir)).rejects.toThrow(`state folder ${dir} is not a vicsim state folder (it holds notes.txt and no ${DB_FILE}); choose an empty or new folder`);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine");
  });

  it("refuses a damaged database file without overwriting it", async () => {
    const dir = tempDir();
    const garbage = Buffer.from("this is not SQLite at all, just bytes ".repeat(200));
    writeFileSync(join(dir, DB_FILE), garbage);
    await expect(openSqliteStore(dir)).rejects.toThrow(/cannot be used|is not a vicsim state database/);
    expect(readFileSync(join(dir, DB_FILE)).equals(garbage)).toBe(true);
  });

  it("refuses another application's SQLite database", async () => {
    const dir = tempDir();
    const db = new Database(join(dir, DB_FILE));
    db.exec("CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT); INSERT INTO accounts (owner) VALUES ('alice');");
    db.close();
    await expect(openSqliteStore(dir)).rejects.toThrow(/belongs to another application/);
    const again = new Database(join(dir, DB_FILE));
    expect(again.prepare("SELECT owner FROM accounts").all()).toEqual([{ owner: "alice" }]);
    expect(again.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: "accounts" }]);
    again.close();
  });

  it("refuses a database written by a newer vicsim", async () => {
    const dir = join(tempDir(), "state");
    (await openSqliteStore(dir)).close();
    const db = new Database(join(dir, DB_FILE));
    db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema'").run();
    db.close();
    await expect(openSqliteStore(dir)).rejects.toThrow("was written by a newer vicsim (schema 99, this one reads 1)");
  });

  it("refuses a path that is a file", async () => {
    const dir = tempDir();
    const file = join(dir, "f");
    writeFileSync(file, "x");
    await expect(openSqliteStore(file)).rejects.toThrow(`state folder ${file} is a file, not a folder`);
    mkdirSync(join(dir, "ok"));
  });
});
