/**
 * How berth's tables lie in etcd: everything under one prefix (`/berth` by default, so that an etcd
 * cluster may serve others too), in two kinds of key.
 *
 *   <prefix>/t/<table>/<key>   one entry: its value's JSON. Its create and mod revisions are
 *                              etcd's own, so they are the store's revisions.
 *   <prefix>/v/<table>         written (empty) by every transaction that writes the table. A
 *                              transaction that listed or counted the table compares its mod
 *                              revision, so a row added or removed since makes it run again.
 *
 * Table names match [a-z][a-z0-9_.-]*, so `<table>/` never begins another table's keys. Values
 * are small documents (a task, a service): etcd refuses requests over 1.5 MiB, and bulk data (log
 * events, blobs) does not belong here.
 */
export interface EtcdKeys {
  /** Every key of berth's (what a replica loads and watches). */
  readonly all: string;
  /** The tables' version keys: the newest mod revision among them is the last write's. */
  readonly versions: string;
  entry(table: string, key: string): string;
  tableVersion(table: string): string;
  /** What an etcd key holds: an entry, a table's version, or (neither) something else. */
  parse(raw: string): { kind: 'entry'; table: string; key: string } | { kind: 'table'; table: string } | undefined;
}

export function etcdKeys(prefix = '/berth'): EtcdKeys {
  const entries = `${prefix}/t/`;
  const versions = `${prefix}/v/`;
  return {
    all: `${prefix}/`,
    versions,
    entry: (table, key) => `${entries}${table}/${key}`,
    tableVersion: (table) => `${versions}${table}`,
    parse(raw) {
      if (raw.startsWith(versions)) return { kind: 'table', table: raw.slice(versions.length) };
      if (!raw.startsWith(entries)) return undefined;
      const rest = raw.slice(entries.length);
      const slash = rest.indexOf('/');
      if (slash <= 0) return undefined;
      return { kind: 'entry', table: rest.slice(0, slash), key: rest.slice(slash + 1) };
    },
  };
}
