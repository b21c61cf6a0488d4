import type { Change, Entry, ListOptions, ReadTx, Store, WatchOptions, WriteTx } from './port.js';
import { copyJson, countRows, listRows, readTx, writeTx, type RawOps } from './tx-core.js';
import { deepFreeze } from './table-mirror.js';
import { WatchHub } from './watch-hub.js';

/** The in-memory twin of the SQLite store, for unit tests; it passes the same suite. */
export class MemoryStore implements Store {
  private readonly tables = new Map<string, Map<string, Entry<unknown>>>();
  private log: Change[] = [];
  private rev = 0;
  private compacted = 0;
  private writing = false;
  private readonly hub = new WatchHub();

  constructor(private readonly historyLimit = 10_000) {}

  private tableMap(name: string): Map<string, Entry<unknown>> {
    let m = this.tables.get(name);
    if (!m) this.tables.set(name, (m = new Map()));
    return m;
  }

  private raw(undo?: (() => void)[]): RawOps {
    // What this write has put or deleted: its reads of those are its own copies; every other read
    // of a cached table is frozen, as SqliteStore's shared copies are, so a caller that changes
    // what it read fails here too.
    const written = new Set<string>();
    const writtenTables = new Set<string>();
    const shared = (t: string, k?: string) =>
      !undo || (k === undefined ? !writtenTables.has(t) : !written.has(`${t}\0${k}`));
    const wrote = (t: string, k: string) => {
      written.add(`${t}\0${k}`);
      writtenTables.add(t);
    };
    return {
      get: (t, k, cached) => {
        const e = this.tables.get(t)?.get(k);
        const copy = copyJson(e);
        return cached && shared(t, k) ? deepFreeze(copy) : copy;
      },
      list: (t, o: ListOptions, cached) => {
        const copy = listRows(this.tables.get(t), o);
        return cached && shared(t) ? deepFreeze(copy) : copy;
      },
      count: (t, p) => countRows(this.tables.get(t), p),
      set: (t, entry) => {
        const m = this.tableMap(t);
        const before = m.get(entry.key);
        wrote(t, entry.key);
        undo?.push(() => (before ? m.set(entry.key, before) : m.delete(entry.key)));
        m.set(entry.key, copyJson(entry));
      },
      remove: (t, k) => {
        const m = this.tableMap(t);
        const before = m.get(k);
        wrote(t, k);
        undo?.push(() => before && m.set(k, before));
        m.delete(k);
      },
    };
  }

  read<R>(fn: (tx: ReadTx) => R): R {
    return fn(readTx(this.raw()));
  }

  write<R>(fn: (tx: WriteTx) => R): R {
    if (this.writing) throw new Error('nested write transactions are not supported');
    const undo: (() => void)[] = [];
    const changes: Change[] = [];
    this.writing = true;
    let result: R;
    try {
      result = fn(writeTx(this.raw(undo), this.rev + 1, changes));
    } catch (e) {
      for (const u of undo.reverse()) u();
      throw e;
    } finally {
      this.writing = false;
    }
    if (changes.length > 0) {
      this.rev += 1;
      this.log.push(...changes);
      this.compact();
      this.hub.publish(changes);
    }
    return result;
  }

  private compact(): void {
    if (this.rev - this.compacted <= this.historyLimit * 2) return;
    this.compacted = this.rev - this.historyLimit;
    this.log = this.log.filter((c) => c.revision > this.compacted);
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
    return this.hub.watch(
      fromRevision,
      this.compacted,
      (from) => copyJson(this.log.filter((c) => c.revision > from)),
      options,
    );
  }

  close(): void {
    this.hub.close();
  }
}
