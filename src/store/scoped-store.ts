import type { Change, ReadTx, Store, TableDef, WatchOptions, WriteTx } from './port.js';

/**
 * One store seen as many: a view whose tables are the root's tables renamed with a scope
 * (`tasks` becomes `tasks.eu-west-1`), so everything written through the view is invisible to
 * the root and to every other scope, while transactions, revisions and watches stay the root's.
 * It is how an AWS region gets state of its own without a database of its own: a region is a
 * scope. Closing a view ends its watches; the root stays open.
 */
export function scopedStore(root: Store, scope: string): Store {
  const suffix = `.${scope}`;
  const renamed = new WeakMap<TableDef<unknown>, TableDef<unknown>>();
  const table = <T>(def: TableDef<T>): TableDef<T> => {
    let r = renamed.get(def as TableDef<unknown>);
    if (!r) {
      r = { ...(def as TableDef<unknown>), name: def.name + suffix };
      renamed.set(def as TableDef<unknown>, r);
    }
    return r as TableDef<T>;
  };
  const reader = (tx: ReadTx): ReadTx => ({
    get: (t, key) => tx.get(table(t), key),
    list: (t, options) => tx.list(table(t), options),
    count: (t, prefix) => tx.count(table(t), prefix),
  });
  const writer = (tx: WriteTx): WriteTx => ({
    ...reader(tx),
    put: (t, value, options) => tx.put(table(t), value, options),
    delete: (t, key, options) => tx.delete(table(t), key, options),
    get revision() {
      return tx.revision;
    },
  });
  const closing = new AbortController();
  return {
    read: (fn) => root.read((tx) => fn(reader(tx))),
    write: (fn) => root.write((tx) => fn(writer(tx))),
    revision: () => root.revision(),
    compactedRevision: () => root.compactedRevision(),
    watch(fromRevision: number, options: WatchOptions = {}): AsyncIterable<Change> {
      const signal = options.signal ? AbortSignal.any([options.signal, closing.signal]) : closing.signal;
      const changes = root.watch(fromRevision, {
        ...(options.tables ? { tables: options.tables.map((t) => t + suffix) } : {}),
        signal,
      });
      return {
        async *[Symbol.asyncIterator]() {
          for await (const c of changes) {
            // Without a table filter the root hands over every scope's changes: keep this one's.
            if (!c.table.endsWith(suffix)) continue;
            yield { ...c, table: c.table.slice(0, -suffix.length) };
          }
        },
      };
    },
    subscribe(listener) {
      const off = root.subscribe((changes) => {
        let mine: Change[] | undefined;
        for (const c of changes)
          if (c.table.endsWith(suffix)) (mine ??= []).push({ ...c, table: c.table.slice(0, -suffix.length) });
        if (mine) listener(mine);
      });
      closing.signal.addEventListener('abort', off, { once: true });
      return () => {
        off();
        closing.signal.removeEventListener('abort', off);
      };
    },
    close: () => closing.abort(),
  };
}
