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

/** A deep copy of a JSON value (values are stored as JSON, so this is exact); undefined stays so. */
export const copyJson = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** A transaction's own writes to one table, by key: the entry put, or null for a delete. */
export type Overlay = ReadonlyMap<string, Entry<unknown> | null>;

/** One table's rows held in memory (with a transaction's own writes over them), as a list asks for them, copied. */
export function listRows(rows: ReadonlyMap<string, Entry<unknown>> | undefined, o: ListOptions, overlay?: Overlay) {
  let all: Iterable<Entry<unknown>> = rows?.values() ?? [];
  if (overlay?.size) {
    const merged = new Map(rows);
    for (const [k, e] of overlay) {
      if (e === null) merged.delete(k);
      else merged.set(k, e);
    }
    all = merged.values();
  }
  const out = [...all]
    .filter(
      (e) =>
        (o.prefix === undefined || e.key.startsWith(o.prefix)) &&
        (o.after === undefined || e.key > o.after) &&
        (o.before === undefined || e.key < o.before),
    )
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (o.reverse) out.reverse();
  return copyJson(o.limit === undefined ? out : out.slice(0, o.limit));
}

/** How many of one table's rows held in memory (with a transaction's own writes over them) start with `prefix`. */
export function countRows(rows: ReadonlyMap<string, unknown> | undefined, prefix?: string, overlay?: Overlay): number {
  const keys = new Set(rows?.keys());
  for (const [k, e] of overlay ?? []) {
    if (e === null) keys.delete(k);
    else keys.add(k);
  }
  let n = 0;
  for (const k of keys) if (prefix === undefined || k.startsWith(prefix)) n++;
  return n;
}
