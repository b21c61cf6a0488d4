/**
 * The store port: typed tables of JSON documents under one global revision counter,
 * in the manner of etcd (every write transaction gets the next revision; every entry
 * records the revision that created it and the one that last modified it; the change
 * log can be watched from any revision still retained). Keeping the port this narrow is
 * what lets a distributed store serve a multi-server control plane later.
 */
export interface TableDef<T> {
  readonly name: string;
  /** The primary key of a value; `/`-separated keys make prefix listing the secondary index. */
  key(value: T): string;
  /**
   * false: bulk data nobody watches (log events): its writes are neither logged for watchers nor
   * counted as revisions, which would otherwise double every byte written.
   */
  readonly history?: boolean;
  /**
   * true: values read far more often than written (container instances, listed by every RunTask).
   * An implementation may hand out one deeply frozen copy per revision of an entry instead of a
   * fresh one per read; readers must treat such values as read-only (they already must: watchers
   * and writers share the value a put returns).
   */
  readonly cache?: boolean;
  /**
   * true: rows written in bulk whose writer never reads the put's result (an ingest log, metric
   * chunks): put returns the value as given instead of a normalised copy, sparing a parse of every
   * row written. Only with history false (watchers would share the caller's object).
   */
  readonly writeOnly?: boolean;
}

export function defineTable<T>(
  name: string,
  key: (value: T) => string,
  options: { history?: boolean; cache?: boolean; writeOnly?: boolean } = {},
): TableDef<T> {
  if (options.writeOnly && (options.history !== false || options.cache))
    throw new Error(`table '${name}': writeOnly needs history false and no cache`);
  if (!/^[a-z][a-z0-9_.-]*$/.test(name)) throw new Error(`invalid table name '${name}'`);
  return {
    name,
    key,
    ...(options.history === false ? { history: false } : {}),
    ...(options.cache ? { cache: true } : {}),
    ...(options.writeOnly ? { writeOnly: true } : {}),
  };
}

export interface Entry<T> {
  key: string;
  value: T;
  createRevision: number;
  modRevision: number;
}

export interface Change {
  revision: number;
  table: string;
  key: string;
  type: 'put' | 'delete';
  /** The new value for a put; absent for a delete. */
  value?: unknown;
}

export interface ListOptions {
  /** Only keys starting with this string. */
  prefix?: string;
  /** Only keys strictly greater than this one (for pagination). */
  after?: string;
  /** Only keys strictly less than this one. */
  before?: string;
  /** Highest keys first (with `limit`: the last ones). */
  reverse?: boolean;
  limit?: number;
}

export interface WriteOptions {
  /**
   * Compare-and-swap: the write happens only if the entry's modRevision equals this
   * number; 0 means "must not exist". Otherwise the transaction fails with Conflict.
   */
  ifModRevision?: number;
}

export interface ReadTx {
  get<T>(table: TableDef<T>, key: string): Entry<T> | undefined;
  list<T>(table: TableDef<T>, options?: ListOptions): Entry<T>[];
  count<T>(table: TableDef<T>, prefix?: string): number;
}

export interface WriteTx extends ReadTx {
  put<T>(table: TableDef<T>, value: T, options?: WriteOptions): Entry<T>;
  /** Deletes the entry; returns whether it existed. */
  delete<T>(table: TableDef<T>, key: string, options?: WriteOptions): boolean;
  /** The revision this transaction commits at. */
  readonly revision: number;
}

export interface WatchOptions {
  tables?: readonly string[];
  signal?: AbortSignal;
}

export interface Store {
  /** A consistent snapshot read. */
  read<R>(fn: (tx: ReadTx) => R): R;
  /**
   * An atomic write: either every put/delete in `fn` lands at one new revision, or (if `fn`
   * throws) none does. Transactions that write nothing do not consume a revision.
   */
  write<R>(fn: (tx: WriteTx) => R): R;
  /** The revision of the last committed write (0 for an empty store). */
  revision(): number;
  /** The oldest revision a watch may start from. */
  compactedRevision(): number;
  /**
   * Every change with revision > fromRevision, first those already committed, then live ones.
   * Fails with Conflict if fromRevision is older than the retained history.
   */
  watch(fromRevision: number, options?: WatchOptions): AsyncIterable<Change>;
  /**
   * Calls `listener` with each committed transaction's changes, in the same turn as the commit
   * (a remote store: as its watch delivers them), until the returned function is called or the
   * store closes. For caches that must be current at the next read; the listener must not throw
   * and must not write. The changes are shared: read them, never change them.
   */
  subscribe(listener: (changes: readonly Change[]) => void): () => void;
  close(): void;
}

export interface TransactOptions {
  /** Tries before a transaction that keeps conflicting fails (Unavailable over etcd, after 20 by default). */
  attempts?: number;
}

/**
 * A store several servers write at once (etcd's): reads are served from this server's replica, at
 * the last revision it has seen; a write is an optimistic transaction. `fn` runs against the
 * replica, and what it wrote commits only if nothing it read has changed since (compared on mod
 * revision, and for a list on its table's last write); otherwise `fn` runs again once the replica
 * has caught up, after a back-off, as Kubernetes' storage and etcd's `Txn` work. `fn` must be
 * pure apart from the transaction: it may run several times. A store of one process (SQLite,
 * memory) commits at once: see `localShared`.
 */
export interface SharedStore extends Omit<Store, 'write'> {
  /**
   * Resolves with `fn`'s result once its writes are committed and this server's replica has them
   * (read-your-writes). `tx.revision` is the revision the transaction expects to commit at; a
   * shared store knows the one it got only once it has (a sequence, not an identity).
   */
  transact<R>(fn: (tx: WriteTx) => R, options?: TransactOptions): Promise<R>;
  /**
   * Resolves once this server's replica has every write any server committed before the call, so
   * that a read after it sees them (etcd's linearizable read, paid for only where it matters: before
   * answering "not found" for what another server may have just written).
   */
  fresh(): Promise<void>;
}

/** What a reader needs (snapshots, revisions, watches): a local store and a shared one both are. */
export type StoreView = Omit<Store, 'write'>;
