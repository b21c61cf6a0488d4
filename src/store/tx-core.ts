import { conflict } from '../kernel/index.js';
import type { Change, Entry, ListOptions, ReadTx, TableDef, WriteOptions, WriteTx } from './port.js';

/** The few raw operations an implementation provides; the semantics live here, once. */
export interface RawOps {
  /** `cached`: the table allows one frozen copy per revision to serve every read (TableDef.cache). */
  get(table: string, key: string, cached?: boolean): Entry<unknown> | undefined;
  list(table: string, options: ListOptions, cached?: boolean): Entry<unknown>[];
  count(table: string, prefix: string | undefined): number;
  /** Stores an entry; `json` is its value already serialised, when the caller has it. */
  set(table: string, entry: Entry<unknown>, json?: string): void;
  remove(table: string, key: string): void;
  /** An entry's revisions without its value (cheaper than `get` where the value is not needed). */
  revisions?(table: string, key: string): { createRevision: number; modRevision: number } | undefined;
}

export function readTx(raw: RawOps): ReadTx {
  return {
    get: <T>(t: TableDef<T>, key: string) => raw.get(t.name, key, t.cache) as Entry<T> | undefined,
    list: <T>(t: TableDef<T>, options: ListOptions = {}) => raw.list(t.name, options, t.cache) as Entry<T>[],
    count: <T>(t: TableDef<T>, prefix?: string) => raw.count(t.name, prefix),
  };
}

function checkCas(table: string, key: string, existing: { modRevision: number } | undefined, options?: WriteOptions) {
  if (options?.ifModRevision === undefined) return;
  const actual = existing?.modRevision ?? 0;
  if (actual !== options.ifModRevision) {
    throw conflict(
      `${table}/${key} was modified concurrently (expected revision ${options.ifModRevision}, found ${actual})`,
    );
  }
}

/** A write transaction at `revision`, recording every change into `changes`. */
export function writeTx(raw: RawOps, revision: number, changes: Change[]): WriteTx {
  return {
    ...readTx(raw),
    revision,
    put<T>(t: TableDef<T>, value: T, options?: WriteOptions): Entry<T> {
      const key = t.key(value);
      const existing = raw.revisions ? raw.revisions(t.name, key) : raw.get(t.name, key);
      checkCas(t.name, key, existing, options);
      // Stored values are JSON; normalising here makes both implementations return equal copies.
      const json = JSON.stringify(value);
      const copy = t.writeOnly ? value : (JSON.parse(json) as T);
      const entry: Entry<T> = {
        key,
        value: copy,
        createRevision: existing?.createRevision ?? revision,
        modRevision: revision,
      };
      raw.set(t.name, entry, json);
      if (t.history !== false) changes.push({ revision, table: t.name, key, type: 'put', value: copy });
      return entry;
    },
    delete<T>(t: TableDef<T>, key: string, options?: WriteOptions): boolean {
      // Only whether it exists, and its revision: the value need not be read (and parsed).
      const existing = raw.revisions ? raw.revisions(t.name, key) : raw.get(t.name, key);
      checkCas(t.name, key, existing, options);
      if (!existing) return false;
      raw.remove(t.name, key);
      if (t.history !== false) changes.push({ revision, table: t.name, key, type: 'delete' });
      return true;
    },
  };
}

/** The smallest string greater than every string starting with `prefix` (for range scans). */
export function prefixEnd(prefix: string): string {
  return prefix + '\uffff';
}
