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

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs a transaction whose BEGIN IMMEDIATE may find the database busy: the checkpointer's
 * connection holds a lock for a moment (or, in a RESTART, for a sync). Retried in steps of a
 * quarter of a millisecond, then one, for up to five seconds, as a busy timeout would; a busy
 * error once the transaction's function has begun is not retried (the function ran).
 */
export function beginRetrying<R>(run: () => R, began: () => boolean, timeoutMs = 5000): R {
  const deadline = performance.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return run();
    } catch (e) {
      const busy = (e as { code?: unknown }).code;
      if (began() || typeof busy !== 'string' || !busy.startsWith('SQLITE_BUSY')) throw e;
      if (performance.now() >= deadline) throw e;
      Atomics.wait(pause, 0, 0, attempt < 20 ? 0.25 : 1);
    }
  }
}

/** The embedded default store: SQLite in WAL mode, every write one transaction. */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly hub = new WatchHub();
  private readonly serialised = new WeakMap<object, string>();
  /** Cached tables' committed rows (TableDef.cache), loaded on first read. */
  private readonly mirrors = new Map<string, TableMirror>();
  /** A write transaction's puts and deletes of mirrored tables, applied once it commits. */
  private pendingMirror: (() => void)[] = [];
  /**
   * Inside a write transaction, reads of what it has written see its uncommitted writes: they go
   * to SQLite, not the mirror. Every other read is served from the mirror, which one writer keeps
   * equal to the transaction's view of what it has not touched.
   */
  private writing = false;
  private readonly written = new Set<string>();
  private readonly writtenTables = new Set<string>();
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
    // No busy handler: SQLite's sleeps 1, 2, 5 … 100 ms at a time, so a lock the checkpointer held
    // for a millisecond stalled a write (and every API call behind it) for 78-228 ms. `write`
    // retries its BEGIN itself, in steps of a fraction of a millisecond (see beginRetrying).
    this.db.pragma('busy_timeout = 0');
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
      if (cached) {
        if (!this.writing) return this.mirror(t).get(k);
        // Loaded inside a write only before the write touches the table: a load would copy its
        // uncommitted rows, and keep them should it roll back.
        const m = this.mirrors.get(t) ?? (this.writtenTables.has(t) ? undefined : this.mirror(t));
        if (m && !this.written.has(`${t}\0${k}`)) return m.get(k);
      }
      const r = this.stmt.get.get(t, k);
      return r ? toEntry(r) : undefined;
    },
    list: (t, o: ListOptions, cached) => {
      const lo = o.prefix ?? '';
      const end = o.prefix ? prefixEnd(o.prefix) : '\uffff\uffff';
      const hi = o.before !== undefined && o.before < end ? o.before : end;
      if (cached && (!this.writing || !this.writtenTables.has(t))) return this.mirror(t).list(o, lo, hi);
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
      this.wrote(t, e.key);
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
      this.wrote(t, k);
      const m = this.mirrors.get(t);
      if (m) this.pendingMirror.push(() => m.remove(k));
    },
  };

  private wrote(t: string, k: string): void {
    this.written.add(`${t}\0${k}`);
    this.writtenTables.add(t);
  }

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
    let began = false;
    const run = this.db.transaction(() => {
      began = true;
      const revision = this.rev + 1;
      const out = fn(writeTx(this.raw, revision, changes));
      if (changes.length > 0) {
        this.stmt.logChanges.run(revision, this.logText(changes));
        this.stmt.setMeta.run(revision, 'revision');
        this.compact(revision);
      }
      return out;
    });
    try {
      result = beginRetrying(
        () => run.immediate(),
        () => began,
      );
      for (const apply of this.pendingMirror) apply();
    } finally {
      this.writing = false;
      this.pendingMirror = [];
      this.written.clear();
      this.writtenTables.clear();
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

  subscribe(listener: (changes: readonly Change[]) => void): () => void {
    return this.hub.subscribe(listener);
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
