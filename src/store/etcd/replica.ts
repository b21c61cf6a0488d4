import type { Change, Entry } from '../port.js';
import { copyJson as clone } from '../tx-core.js';
import { WatchHub } from '../watch-hub.js';
import type { EtcdKeys } from './keys.js';

/** The fields of an etcd key-value the replica reads (etcd3's IKeyValue). */
export interface EtcdKv {
  key: Buffer;
  value: Buffer;
  create_revision: string;
  mod_revision: string;
}

export type Rows = Map<string, Entry<unknown>>;

/**
 * This server's copy of berth's keys in etcd: loaded at one revision, then kept current by a watch
 * from the next. Every change reaches subscribers and watchers grouped by revision (one group per
 * transaction), in order. A bounded log of changes since the load serves watches that start from
 * an earlier revision; one from before the load is told it is compacted.
 */
export class Replica {
  readonly tables = new Map<string, Rows>();
  /** Each table's last write: the mod revision of its version key (0: never written). */
  readonly tableRevs = new Map<string, number>();
  rev = 0;
  compacted = 0;
  private log: Change[] = [];
  readonly hub = new WatchHub();
  private waiters: { rev: number; resolve: () => void }[] = [];

  constructor(
    private readonly keys: EtcdKeys,
    private readonly historyLimit = 10_000,
  ) {}

  /** The state a range read of every key returned, at `revision`. */
  load(kvs: readonly EtcdKv[], revision: number): void {
    for (const kv of kvs) this.put(kv);
    this.rev = revision;
    this.compacted = revision;
  }

  /**
   * A fresh range read at `revision`, after the watch was lost (etcd cancels a watch whose next
   * revision it has compacted away): what differs from the replica is published as one group at
   * `revision` (puts of entries new or changed, deletes of entries gone), so that caches and
   * watchers converge without having seen the revisions in between.
   */
  resync(kvs: readonly EtcdKv[], revision: number): void {
    if (revision <= this.rev) return;
    const changes: Change[] = [];
    const present = new Set<string>();
    for (const kv of kvs) {
      const what = this.keys.parse(kv.key.toString());
      if (what?.kind === 'entry') {
        present.add(`${what.table}\n${what.key}`);
        // Unchanged since the replica had it.
        if (this.tables.get(what.table)?.get(what.key)?.modRevision === Number(kv.mod_revision)) continue;
      }
      const change = this.put(kv);
      if (change) changes.push({ ...change, revision });
    }
    for (const [t, rows] of this.tables)
      for (const k of [...rows.keys()])
        if (!present.has(`${t}\n${k}`)) {
          rows.delete(k);
          changes.push({ revision, table: t, key: k, type: 'delete' });
        }
    this.rev = revision;
    if (changes.length > 0) this.publish(changes);
    this.wake();
  }

  /** One watch response's events (etcd orders them by revision). */
  apply(events: readonly { type: string; kv: EtcdKv }[]): void {
    let group: Change[] = [];
    let groupRev = 0;
    const flush = () => {
      if (group.length > 0) this.publish(group);
      group = [];
    };
    for (const ev of events) {
      const rev = Number(ev.kv.mod_revision);
      if (rev !== groupRev) flush();
      groupRev = rev;
      const change = ev.type === 'Delete' ? this.remove(ev.kv.key.toString(), rev) : this.put(ev.kv);
      if (change) group.push(change);
      if (rev > this.rev) this.rev = rev;
    }
    flush();
    this.wake();
  }

  private put(kv: EtcdKv): Change | undefined {
    const what = this.keys.parse(kv.key.toString());
    const rev = Number(kv.mod_revision);
    if (what?.kind === 'table') this.tableRevs.set(what.table, rev);
    if (what?.kind !== 'entry') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(kv.value.toString());
    } catch {
      // Not berth's writing (every value berth puts is JSON): left out rather than crash the watch.
      return this.remove(kv.key.toString(), rev);
    }
    let rows = this.tables.get(what.table);
    if (!rows) this.tables.set(what.table, (rows = new Map()));
    rows.set(what.key, { key: what.key, value, createRevision: Number(kv.create_revision), modRevision: rev });
    return { revision: rev, table: what.table, key: what.key, type: 'put', value: clone(value) };
  }

  private remove(raw: string, rev: number): Change | undefined {
    const what = this.keys.parse(raw);
    if (what?.kind !== 'entry') return undefined;
    if (!this.tables.get(what.table)?.delete(what.key)) return undefined;
    return { revision: rev, table: what.table, key: what.key, type: 'delete' };
  }

  private publish(changes: Change[]): void {
    this.log.push(...changes);
    if (this.log.length > this.historyLimit * 2) {
      const drop = this.log.length - this.historyLimit;
      this.compacted = (this.log[drop - 1] as Change).revision;
      this.log = this.log.slice(drop);
    }
    this.hub.publish(changes);
  }

  backlog(from: number): Change[] {
    return clone(this.log.filter((c) => c.revision > from));
  }

  /** Resolves once the replica has `revision` (or after `timeoutMs`, if given). */
  caughtUp(revision: number, timeoutMs?: number): Promise<void> {
    if (this.rev >= revision) return Promise.resolve();
    return new Promise((resolve) => {
      const w = { rev: revision, resolve };
      this.waiters.push(w);
      if (timeoutMs !== undefined)
        setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve();
        }, timeoutMs).unref();
    });
  }

  private wake(): void {
    const ready = this.waiters.filter((w) => w.rev <= this.rev);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.rev > this.rev);
    for (const w of ready) w.resolve();
  }
}
