import Database from 'better-sqlite3';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SEP, eventPosition } from './tables.js';

/** One stored event and its position in the stream (what tokens and event ids are made of). */
export interface StoredEvent {
  pos: string;
  timestamp: number;
  message: string;
  ingestionTime: number;
}

/** Positions strictly between `after` and `before`, lowest first (highest first with `reverse`). */
export interface EventRange {
  after?: string;
  before?: string;
  reverse?: boolean;
  limit: number;
}

interface Reader {
  db: Database.Database;
  forward: Database.Statement;
  backward: Database.Statement;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    stream TEXT NOT NULL, pos TEXT NOT NULL, ts INTEGER NOT NULL, message TEXT NOT NULL, ingestion INTEGER NOT NULL,
    PRIMARY KEY (stream, pos)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
`;
const COLUMNS = 'SELECT pos, ts AS timestamp, message, ingestion AS ingestionTime FROM events';

/**
 * Log events where every server of a cluster can read them and no consensus store has to hold
 * them: one SQLite file per server in a directory they share. A server appends only to its own
 * file, so no two processes ever write one file; a read queries every file and merges. Positions
 * end in the writer's tag, so two servers' events never share one. Events are keyed by their
 * stream record's `uid`: a stream deleted (and perhaps made again) no longer shows the old
 * events, and each server drops such rows from its own file in its pruning pass.
 */
export class EventFiles {
  readonly tag: string;
  private readonly own: Database.Database;
  private readonly readers = new Map<string, Reader>();
  private seq: number;
  private readonly insert;
  private readonly saveSeq;
  private readonly deleteOne;

  constructor(
    readonly dir: string,
    writer: string,
  ) {
    this.tag = writer.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'server';
    mkdirSync(dir, { recursive: true });
    this.own = new Database(join(dir, `${this.tag}.db`));
    // A rollback journal, not WAL: WAL's shared memory works only among processes of one host,
    // and the servers reading this file may run on others (over NFS or EFS, with POSIX locks).
    // A reader then holds a shared lock while it reads, so the writer (and a reader meeting a
    // commit) waits for the lock rather than failing.
    this.own.pragma('journal_mode = DELETE');
    this.own.pragma('synchronous = NORMAL');
    this.own.pragma('busy_timeout = 5000');
    this.own.exec(SCHEMA);
    this.seq = (this.own.prepare("SELECT v FROM meta WHERE k = 'seq'").get() as { v: number } | undefined)?.v ?? 0;
    this.insert = this.own.prepare('INSERT INTO events (stream, pos, ts, message, ingestion) VALUES (?, ?, ?, ?, ?)');
    this.saveSeq = this.own.prepare("INSERT OR REPLACE INTO meta (k, v) VALUES ('seq', ?)");
    this.deleteOne = this.own.prepare('DELETE FROM events WHERE stream = ? AND pos = ?');
    this.readers.set(`${this.tag}.db`, this.reader(this.own));
  }

  /** Appends a stream's events (in the order given) in one transaction; returns their positions. */
  append(stream: string, events: readonly Omit<StoredEvent, 'pos'>[]): string[] {
    return this.own.transaction(() => {
      const out: string[] = [];
      for (const e of events) {
        const pos = `${eventPosition(e.timestamp, this.seq++ % 10_000_000_000)}${SEP}${this.tag}`;
        this.insert.run(stream, pos, e.timestamp, e.message, e.ingestionTime);
        out.push(pos);
      }
      this.saveSeq.run(this.seq);
      return out;
    })();
  }

  /** Takes back rows this server wrote (their stream turned out to be gone, or already stored). */
  remove(stream: string, positions: readonly string[]): void {
    this.own.transaction(() => {
      for (const p of positions) this.deleteOne.run(stream, p);
    })();
  }

  /**
   * A stream's events in a range, from every server's file, merged in position order: each file
   * is read lazily, in order, so the merge decodes only about `limit` rows however many files.
   */
  list(stream: string, r: EventRange): StoredEvent[] {
    const before = (a: string, b: string) => (r.reverse ? a > b : a < b);
    const heads: { it: Iterator<StoredEvent>; row: StoredEvent }[] = [];
    const out: StoredEvent[] = [];
    try {
      for (const reader of this.all()) {
        const stmt = r.reverse ? reader.backward : reader.forward;
        const it = stmt.iterate(stream, r.after ?? '', r.before ?? '\uffff', r.limit) as Iterator<StoredEvent>;
        const first = it.next();
        if (first.done) continue;
        heads.push({ it, row: first.value });
      }
      while (out.length < r.limit && heads.length > 0) {
        let m = 0;
        for (let i = 1; i < heads.length; i++) {
          if (before((heads[i] as { row: StoredEvent }).row.pos, (heads[m] as { row: StoredEvent }).row.pos)) m = i;
        }
        const h = heads[m] as { it: Iterator<StoredEvent>; row: StoredEvent };
        out.push(h.row);
        const next = h.it.next();
        if (next.done) heads.splice(m, 1);
        else h.row = next.value;
      }
    } finally {
      // An iterator left open keeps its statement (and its read transaction) busy.
      for (const h of heads) h.it.return?.();
    }
    return out;
  }

  /**
   * Deletes this server's events of a stream older than a time, up to `chunk` of them; returns
   * how many and their message bytes.
   */
  expire(stream: string, before: number, chunk: number): { count: number; bytes: number } {
    const hi = eventPosition(before, 0);
    return this.own.transaction(() => {
      const rows = this.own
        .prepare('SELECT pos, message FROM events WHERE stream = ? AND pos < ? ORDER BY pos LIMIT ?')
        .all(stream, hi, chunk) as { pos: string; message: string }[];
      let bytes = 0;
      for (const row of rows) {
        this.deleteOne.run(stream, row.pos);
        bytes += Buffer.byteLength(row.message);
      }
      return { count: rows.length, bytes };
    })();
  }

  /** The streams this server's file holds events of. */
  streams(): string[] {
    return (this.own.prepare('SELECT DISTINCT stream FROM events').all() as { stream: string }[]).map((r) => r.stream);
  }

  /** Drops this server's events of a stream (one that no longer exists). */
  drop(stream: string): number {
    return this.own.prepare('DELETE FROM events WHERE stream = ?').run(stream).changes;
  }

  close(): void {
    for (const r of this.readers.values()) r.db.close();
    this.readers.clear();
  }

  /** Every server's file: this one's and any another server has made since the last look. */
  private all(): Reader[] {
    for (const f of readdirSync(this.dir)) {
      if (!f.endsWith('.db') || this.readers.has(f)) continue;
      try {
        const db = new Database(join(this.dir, f), { readonly: true, fileMustExist: true, timeout: 5000 });
        this.readers.set(f, this.reader(db));
      } catch {
        // A file being created by its server (no schema yet): read on the next call.
      }
    }
    return [...this.readers.values()];
  }

  private reader(db: Database.Database): Reader {
    const where = 'WHERE stream = ? AND pos > ? AND pos < ?';
    return {
      db,
      forward: db.prepare(`${COLUMNS} ${where} ORDER BY pos LIMIT ?`),
      backward: db.prepare(`${COLUMNS} ${where} ORDER BY pos DESC LIMIT ?`),
    };
  }
}
