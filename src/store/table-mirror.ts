import type { Entry, ListOptions } from './port.js';

/** Freezes a parsed JSON value all the way down, so a shared copy cannot be changed by a reader. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/**
 * A cached table's committed rows in memory, in key order, each entry frozen: reads outside a
 * write transaction are served from here without a query or a parse. It is loaded whole on first
 * use and then changed only by committed writes (the store applies a transaction's puts and
 * deletes once it has committed, and drops them if it rolls back). Keys compare as JavaScript
 * strings; the store's keys are ASCII, where that is SQLite's byte order too.
 */
export class TableMirror {
  private keys: string[] = [];
  /** The entries in key order, beside `keys`: a listing is a slice, with no lookups. */
  private ordered: Entry<unknown>[] = [];
  private readonly rows = new Map<string, Entry<unknown>>();

  constructor(entries: Entry<unknown>[]) {
    for (const e of entries) this.rows.set(e.key, deepFreeze(e));
    this.keys = [...this.rows.keys()].sort();
    this.ordered = this.keys.map((k) => this.rows.get(k) as Entry<unknown>);
  }

  get(key: string): Entry<unknown> | undefined {
    return this.rows.get(key);
  }

  put(e: Entry<unknown>): void {
    const frozen = deepFreeze(e);
    const at = this.lowerBound(e.key);
    if (this.rows.has(e.key)) this.ordered[at] = frozen;
    else {
      this.keys.splice(at, 0, e.key);
      this.ordered.splice(at, 0, frozen);
    }
    this.rows.set(e.key, frozen);
  }

  remove(key: string): void {
    if (!this.rows.delete(key)) return;
    const at = this.lowerBound(key);
    this.keys.splice(at, 1);
    this.ordered.splice(at, 1);
  }

  list(o: ListOptions, lo: string, hi: string): Entry<unknown>[] {
    let start = this.lowerBound(lo);
    if (o.after !== undefined && o.after >= lo) start = this.upperBound(o.after);
    const end = Math.max(start, this.lowerBound(hi));
    const limit = o.limit !== undefined && o.limit >= 0 ? o.limit : Infinity;
    if (!o.reverse) return this.ordered.slice(start, Math.min(end, start + limit));
    return this.ordered.slice(Math.max(start, end - limit), end).reverse();
  }

  /** The first index whose key is >= k. */
  private lowerBound(k: string): number {
    let a = 0;
    let b = this.keys.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if ((this.keys[m] as string) < k) a = m + 1;
      else b = m;
    }
    return a;
  }

  /** The first index whose key is > k. */
  private upperBound(k: string): number {
    let a = 0;
    let b = this.keys.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if ((this.keys[m] as string) <= k) a = m + 1;
      else b = m;
    }
    return a;
  }
}
