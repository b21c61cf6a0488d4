import type Database from 'better-sqlite3';

/**
 * Schema migrations for the SQLite store, applied in order inside one transaction each;
 * `PRAGMA user_version` records how many have run. Append only: never edit a shipped step.
 */
export const migrations: ReadonlyArray<(db: Database.Database) => void> = [
  (db) => {
    db.exec(`
      CREATE TABLE kv (
        tbl TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        create_rev INTEGER NOT NULL,
        mod_rev INTEGER NOT NULL,
        PRIMARY KEY (tbl, key)
      ) WITHOUT ROWID;
      CREATE TABLE changes (
        rev INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        tbl TEXT NOT NULL,
        key TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('put', 'delete')),
        value TEXT,
        PRIMARY KEY (rev, seq)
      ) WITHOUT ROWID;
      CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO meta (name, value) VALUES ('revision', 0), ('compacted', 0);
    `);
  },
  // One change-log row per revision (a JSON array of its changes) instead of one per change: a
  // RunTask of ten tasks logs one row, not thirty. Older history is dropped (compacted).
  (db) => {
    db.exec(`
      CREATE TABLE change_log (rev INTEGER PRIMARY KEY, changes TEXT NOT NULL);
      DROP TABLE changes;
      UPDATE meta SET value = (SELECT value FROM meta WHERE name = 'revision') WHERE name = 'compacted';
    `);
  },
];

export function migrate(db: Database.Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > migrations.length) {
    throw new Error(
      `the database schema (version ${from}) is newer than this berth understands (${migrations.length}); upgrade berth`,
    );
  }
  for (let v = from; v < migrations.length; v++) {
    const step = migrations[v] as (db: Database.Database) => void;
    db.transaction(() => {
      step(db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return { from, to: migrations.length };
}
