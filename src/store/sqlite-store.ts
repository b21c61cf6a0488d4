import Database from 'better-sqlite3';
import type { Change, Entry, ListOptions, ReadTx, Store, WatchOptions, WriteTx } from './port.js';
import { Checkpointer } from './checkpointer.js';
import { migrate } from './migrations.js';
import { prefixEnd, readTx, writeTx, type RawOps } from './tx-core.js';
import { TableMirror } from './table-mirror.js';
import { WatchHub } from './watch-hub.js';

interface Row {
  key: string;
  value: string;
  create_rev: number;
  mod_rev: number;
}

const toEntry = (r: Row): Entry<unknown> => ({
  key: r.key,
  value: JSON.parse(r.value),
  createRevision: r.create_rev,
  modRevision: r.mod_rev,
});

/** The embedded default store: SQLite in WAL mode, every write one transaction. */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly hub = new WatchHub();
  private readonly serialised = new WeakMap<object, string>();
  /** Cached tables' committed rows (TableDef.cache), loaded on first read. */
  private readonly mirrors = new Map<string, TableMirror>();
  /** A write transaction's puts and deletes of mirrored tables, applied once it commits. */
  private pendingMirror: (() => void)[] = [];
  /** Inside a write transaction reads see its uncommitted writes: they go to SQLite, not the mirror. */
  private writing = false;
  private readonly stmt;
  private rev: number;
  private compacted: number;
  private readonly checkpointer: Checkpointer | undefined;

  constructor(
    path: string,
    private readonly historyLimit = 10_000,
  ) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // Reads map the file instead of copying pages.
    this.db.pragma('mmap_size = 268435456');
    // NORMAL keeps WAL durable across process crashes; only a power loss may drop the last commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // Checkpoints run on a worker (see checkpointer.ts), so the WAL's own checkpoint on commit is
    // only a backstop should the worker be gone: 100,000 pages (400 MB of WAL). One process owns
    // the database (the data-dir lock); the worker's connection is why it is not opened in
    // exclusive locking mode.
    this.db.pragma('wal_autocheckpoint = 100000');
    migrate(this.db);
    const db = this.db;
    this.stmt = {
      get: db.prepare<[string, string], Row>(
        'SELECT key, value, create_rev, mod_rev FROM kv WHERE tbl = ? AND key = ?',
      ),
      revisions: db.prepare<[string, string], { create_rev: number; mod_rev: number }>(
        'SELECT create_rev, mod_rev FROM kv WHERE tbl = ? AND key = ?',
      ),
      // One lower bound per statement: given both `key >= ?` and `key > ?`, SQLite seeks to the
      // first and filters on the second, so paging deep into a prefix read every row before the
      // page (a 10,000-event page 1M events in took 180 ms instead of 10).
      list: db.prepare<[string, string, string, number], Row>(
        'SELECT key, value, create_rev, mod_rev FROM kv WHERE tbl = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?',
      ),
      listAfter: db.prepare<[string, string, string, number], Row>(
        'SELECT key, value, create_rev, mod_rev FROM kv WHERE tbl = ? AND key > ? AND key < ? ORDER BY key LIMIT ?',
      ),
      listReverse: db.prepare<[string, string, string, number], Row>(
        'SELECT key, value, create_rev, mod_rev FROM kv WHERE tbl = ? AND key >= ? AND key < ? ORDER BY key DESC LIMIT ?',
      ),
      listReverseAfter: db.prepare<[string, string, string, number], Row>(
        'SELECT key, value, create_rev, mod_rev FROM kv WHERE tbl = ? AND key > ? AND key < ? ORDER BY key DESC LIMIT ?',
      ),
      count: db.prepare<[string, string, string], { n: number }>(
        'SELECT count(*) AS n FROM kv WHERE tbl = ? AND key >= ? AND key < ?',
      ),
      set: db.prepare('INSERT OR REPLACE INTO kv (tbl, key, value, create_rev, mod_rev) VALUES (?, ?, ?, ?, ?)'),
      remove: db.prepare('DELETE FROM kv WHERE tbl = ? AND key = ?'),
      logChanges: db.prepare('INSERT INTO change_log (rev, changes) VALUES (?, ?)'),
      changesSince: db.prepare<[number], { rev: number; changes: string }>(
        'SELECT rev, changes FROM change_log WHERE rev > ? ORDER BY rev',
      ),
      meta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?'),
      setMeta: db.prepare('UPDATE meta SET value = ? WHERE name = ?'),
      prune: db.prepare('DELETE FROM change_log WHERE rev <= ?'),
    };
    this.rev = this.stmt.meta.get('revision')?.value ?? 0;
    this.compacted = this.stmt.meta.get('compacted')?.value ?? 0;
    // An in-memory database has no WAL to checkpoint.
    this.checkpointer = path === ':memory:' || path === '' ? undefined : new Checkpointer(path);
  }

  private readonly raw: RawOps = {
    get: (t, k, cached) => {
      if (cached && !this.writing) return this.mirror(t).get(k);
      const r = this.stmt.get.get(t, k);
      return r ? toEntry(r) : undefined;
    },
    list: (t, o: ListOptions, cached) => {
      const lo = o.prefix ?? '';
      const end = o.prefix ? prefixEnd(o.prefix) : '\uffff\uffff';
      const hi = o.before !== undefined && o.before < end ? o.before : end;
      if (cached && !this.writing) return this.mirror(t).list(o, lo, hi);
      // The tighter of the two lower bounds: `after` (exclusive) once it reaches the prefix.
      const useAfter = o.after !== undefined && o.after >= lo;
      const stmt = o.reverse
        ? useAfter
          ? this.stmt.listReverseAfter
          : this.stmt.listReverse
        : useAfter
          ? this.stmt.listAfter
          : this.stmt.list;
      return stmt.all(t, useAfter ? (o.after as string) : lo, hi, o.limit ?? -1).map(toEntry);
    },
    count: (t, p) => {
      const lo = p ?? '';
      return this.stmt.count.get(t, lo, p ? prefixEnd(p) : '\uffff\uffff')?.n ?? 0;
    },
    set: (t, e, given) => {
      const json = given ?? JSON.stringify(e.value);
      // The change log stores the same value: serialise it once.
      if (typeof e.value === 'object' && e.value !== null) this.serialised.set(e.value, json);
      this.stmt.set.run(t, e.key, json, e.createRevision, e.modRevision);
      const m = this.mirrors.get(t);
      // A copy of its own: the put's value goes to the caller and to watchers, and the mirror
      // freezes its copy. Spelled out, not spread: V8 gives a frozen object made by `{ ...e }` a
      // shape of its own, and reading a list of thousands of those was 10x slower (0.7 ms for a
      // RunTask's 5,000 instances instead of 0.07).
      if (m)
        this.pendingMirror.push(() =>
          m.put({ key: e.key, value: JSON.parse(json), createRevision: e.createRevision, modRevision: e.modRevision }),
        );
    },
    revisions: (t, k) => {
      const r = this.stmt.revisions.get(t, k);
      return r ? { createRevision: r.create_rev, modRevision: r.mod_rev } : undefined;
    },
    remove: (t, k) => {
      this.stmt.remove.run(t, k);
      const m = this.mirrors.get(t);
      if (m) this.pendingMirror.push(() => m.remove(k));
    },
  };

  private mirror(t: string): TableMirror {
    let m = this.mirrors.get(t);
    if (!m) {
      m = new TableMirror(this.stmt.list.all(t, '', '\uffff\uffff', -1).map(toEntry));
      this.mirrors.set(t, m);
    }
    return m;
  }

  read<R>(fn: (tx: ReadTx) => R): R {
    // One process owns the database (the data-dir lock) and JavaScript runs a synchronous read to
    // its end before any write can start, so every read is already a consistent snapshot; a
    // BEGIN/COMMIT around it would only add two statements to the hottest path.
    return fn(readTx(this.raw));
  }

  write<R>(fn: (tx: WriteTx) => R): R {
    const changes: Change[] = [];
    this.writing = true;
    this.pendingMirror = [];
    let result: R;
    try {
      result = this.db
        .transaction(() => {
          const revision = this.rev + 1;
          const out = fn(writeTx(this.raw, revision, changes));
          if (changes.length > 0) {
            this.stmt.logChanges.run(revision, this.logText(changes));
            this.stmt.setMeta.run(revision, 'revision');
            this.compact(revision);
          }
          return out;
        })
        .immediate();
      for (const apply of this.pendingMirror) apply();
    } finally {
      this.writing = false;
      this.pendingMirror = [];
    }
    if (changes.length > 0) {
      this.rev += 1;
      this.hub.publish(changes);
    }
    return result;
  }

  /** A revision's changes as one JSON array, reusing each value's serialisation from the put. */
  private logText(changes: Change[]): string {
    const parts = changes.map((c) => {
      const head = `{"table":${JSON.stringify(c.table)},"key":${JSON.stringify(c.key)},"type":"${c.type}"`;
      if (c.value === undefined) return `${head}}`;
      const json =
        (typeof c.value === 'object' && c.value !== null ? this.serialised.get(c.value) : undefined) ??
        JSON.stringify(c.value);
      return `${head},"value":${json}}`;
    });
    return `[${parts.join(',')}]`;
  }

  private compact(revision: number): void {
    if (revision - this.compacted <= this.historyLimit * 2) return;
    const upTo = revision - this.historyLimit;
    this.stmt.prune.run(upTo);
    this.stmt.setMeta.run(upTo, 'compacted');
    this.compacted = upTo;
  }

  revision(): number {
    return this.rev;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  watch(fromRevision: number, options?: WatchOptions): AsyncIterable<Change> {
    const backlog = (from: number): Change[] =>
      this.stmt.changesSince
        .all(from)
        .flatMap((r) => (JSON.parse(r.changes) as Omit<Change, 'revision'>[]).map((c) => ({ ...c, revision: r.rev })));
    return this.hub.watch(fromRevision, this.compacted, backlog, options);
  }

  close(): void {
    this.hub.close();
    this.checkpointer?.stopSync();
    if (this.db.open) this.db.close();
  }
}
