import type { Etcd3, IOperation, Watcher } from 'etcd3';
import { BerthError, limitExceeded, unavailable } from '../../kernel/index.js';
import type { Change, Entry, ReadTx, SharedStore, TransactOptions, WatchOptions, WriteTx } from '../port.js';
import { copyJson as clone, countRows, listRows, readTx, writeTx, type RawOps } from '../tx-core.js';
import { etcdClient } from './client.js';
import { etcdKeys, type EtcdKeys } from './keys.js';
import { Replica, type EtcdKv } from './replica.js';

export interface EtcdStoreOptions {
  /** Client URLs of the cluster's members (`http://host:2379`). */
  endpoints: string[];
  /** Where berth's keys go (see keys.ts): `/berth` by default. */
  prefix?: string;
  /** Changes kept for watches that start from an earlier revision. */
  historyLimit?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** etcd's --max-txn-ops default. */
const MAX_TXN_OPS = 128;

/** What one run of a transaction's function read and wrote. */
interface Staged<R> {
  result: R;
  /** etcd key → the mod revision read (0: absent). */
  reads: Map<string, number>;
  /** Tables listed or counted → their version key's mod revision then. */
  listed: Map<string, number>;
  /** table → key → the entry written, or null for a delete. */
  writes: Map<string, Map<string, Entry<unknown> | null>>;
}

/**
 * The store over etcd (issue: several berth servers over one etcd cluster). Reads are served from
 * this server's replica; writes are optimistic transactions (SharedStore.transact) that commit as
 * one etcd Txn comparing the mod revision of everything the function read.
 */
export class EtcdStore implements SharedStore {
  private watcher: Watcher | undefined;
  private closed = false;

  private constructor(
    private readonly client: Etcd3,
    private readonly keys: EtcdKeys,
    private readonly replica: Replica,
  ) {}

  static async open(o: EtcdStoreOptions): Promise<EtcdStore> {
    const client = etcdClient(o.endpoints);
    const keys = etcdKeys(o.prefix);
    const replica = new Replica(keys, o.historyLimit);
    const s = new EtcdStore(client, keys, replica);
    try {
      const res = await client.getAll().prefix(keys.all).exec();
      replica.load(res.kvs as EtcdKv[], Number(res.header.revision));
      await s.follow();
    } catch (e) {
      client.close();
      throw unavailable(`etcd at ${o.endpoints.join(', ')} could not be read: ${(e as Error).message}`);
    }
    return s;
  }

  /**
   * Watches from the replica's next revision. The client reconnects by itself and resumes from the
   * last revision it delivered; a watch etcd cancels (that revision compacted away while this
   * server was cut off) is replaced by a fresh read and a new watch (`resync`).
   */
  private async follow(): Promise<void> {
    const watcher = await this.client
      .watch()
      .prefix(this.keys.all)
      .startRevision(String(this.replica.rev + 1))
      .create();
    watcher.on('data', (r) => this.replica.apply((r.events ?? []) as { type: string; kv: EtcdKv }[]));
    watcher.on('error', () => {
      if (this.watcher === watcher) void this.resync();
    });
    this.watcher = watcher;
  }

  /** A fresh range read of every key, what changed published, and a new watch from there. */
  async resync(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      try {
        // Not awaited: a watch etcd has canceled never ends the way cancel() waits for.
        void this.watcher?.cancel().catch(() => undefined);
        this.watcher = undefined;
        const res = await this.client.getAll().prefix(this.keys.all).exec();
        this.replica.resync(res.kvs as EtcdKv[], Number(res.header.revision));
        await this.follow();
        return;
      } catch {
        await sleep(1000);
      }
    }
  }

  read<R>(fn: (tx: ReadTx) => R): R {
    const r = this.replica;
    return fn(
      readTx({
        get: (t, k) => clone(r.tables.get(t)?.get(k)),
        list: (t, o) => listRows(r.tables.get(t), o),
        count: (t, p) => countRows(r.tables.get(t), p),
        set: () => {
          throw new Error('a read transaction cannot write');
        },
        remove: () => {
          throw new Error('a read transaction cannot write');
        },
      }),
    );
  }

  async transact<R>(fn: (tx: WriteTx) => R, options: TransactOptions = {}): Promise<R> {
    const attempts = options.attempts ?? 20;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw unavailable('the store is closed');
      let staged: Staged<R>;
      try {
        staged = this.stage(fn);
      } catch (e) {
        // `fn` may have refused on a stale view (a row another server has just written): it runs
        // again once this server has caught up, if that brought anything new.
        const seen = this.replica.rev;
        await this.fresh();
        if (this.replica.rev === seen || attempt >= attempts) throw e;
        continue;
      }
      if (staged.writes.size === 0) return staged.result;
      let res: Awaited<ReturnType<EtcdStore['commit']>>;
      try {
        res = await this.commit(staged);
      } catch (e) {
        if (e instanceof BerthError) throw e;
        // The request may or may not have been applied (etcd unreachable mid-commit, say).
        throw unavailable(`etcd did not answer the transaction's commit: ${(e as Error).message}`);
      }
      const revision = Number(res.header.revision);
      if (res.succeeded) {
        await this.replica.caughtUp(revision, 10_000);
        if (this.replica.rev < revision)
          throw unavailable(`committed at revision ${revision}, but this server has not seen it within 10 s`);
        return staged.result;
      }
      // Contention is the server's condition, not the caller's fault: Unavailable (a 5xx the AWS
      // SDKs and CLI retry), not a Conflict, which ECS answers as a ClientException no one retries.
      if (attempt >= attempts)
        throw unavailable(`the transaction conflicted with other writers ${attempts} times; try again`);
      // Run again once the replica has what the other writer committed, after a back-off with
      // jitter (5 ms doubling, at most 100 ms: a longer sleep leaves a writer behind fresh ones on a
      // busy row), so that writers that collided do not collide again.
      await this.replica.caughtUp(revision, 250);
      await sleep(Math.min(100, 5 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
    }
  }

  /** Runs `fn` against the replica, noting what it reads and keeping what it writes. */
  private stage<R>(fn: (tx: WriteTx) => R): Staged<R> {
    const r = this.replica;
    const reads = new Map<string, number>();
    const listed = new Map<string, number>();
    const writes = new Map<string, Map<string, Entry<unknown> | null>>();
    const staged = (t: string, k: string) => writes.get(t)?.get(k);
    const seen = (t: string, k: string) => {
      const e = r.tables.get(t)?.get(k);
      const key = this.keys.entry(t, k);
      if (!reads.has(key)) reads.set(key, e?.modRevision ?? 0);
      return e;
    };
    const lists = (t: string) => {
      if (!listed.has(t)) listed.set(t, r.tableRevs.get(t) ?? 0);
    };
    const write = (t: string, k: string, e: Entry<unknown> | null) => {
      let m = writes.get(t);
      if (!m) writes.set(t, (m = new Map()));
      m.set(k, e);
    };
    const raw: RawOps = {
      get: (t, k) => {
        const s = staged(t, k);
        if (s !== undefined) return s === null ? undefined : clone(s);
        return clone(seen(t, k));
      },
      revisions: (t, k) => {
        const s = staged(t, k);
        const e = s !== undefined ? s : seen(t, k);
        return e ? { createRevision: e.createRevision, modRevision: e.modRevision } : undefined;
      },
      list: (t, o) => {
        lists(t);
        return listRows(r.tables.get(t), o, writes.get(t));
      },
      count: (t, p) => {
        lists(t);
        return countRows(r.tables.get(t), p, writes.get(t));
      },
      set: (t, e) => write(t, e.key, clone(e)),
      remove: (t, k) => write(t, k, null),
    };
    const changes: Change[] = [];
    const result = fn(writeTx(raw, r.rev + 1, changes));
    return { result, reads, listed, writes };
  }

  private commit<R>(s: Staged<R>) {
    const compares: [string, number][] = [...s.reads];
    for (const [t, rev] of s.listed) compares.push([this.keys.tableVersion(t), rev]);
    const ops: IOperation[] = [];
    for (const [t, rows] of s.writes) {
      for (const [k, e] of rows) {
        const key = this.keys.entry(t, k);
        ops.push(e === null ? this.client.delete().key(key) : this.client.put(key).value(JSON.stringify(e.value)));
      }
      ops.push(this.client.put(this.keys.tableVersion(t)).value(''));
    }
    // etcd refuses a Txn of more than --max-txn-ops (128 by default) compares or operations.
    if (ops.length > MAX_TXN_OPS || compares.length > MAX_TXN_OPS)
      throw limitExceeded(
        `a transaction over etcd may read or write at most ${MAX_TXN_OPS} keys (this one read ${compares.length} and made ${ops.length} writes)`,
      );
    // Every write reads its key first (tx-core), so there is always something to compare.
    const [first, ...rest] = compares as [[string, number], ...[string, number][]];
    let txn = this.client.if(first[0], 'Mod', '==', first[1]);
    for (const [k, rev] of rest) txn = txn.and(k, 'Mod', '==', rev);
    return txn.then(...ops).commit();
  }

  async fresh(): Promise<void> {
    // Every transaction writes its tables' version keys: the newest of them is the last write.
    let latest: number;
    try {
      const res = await this.client.getAll().prefix(this.keys.versions).sort('Mod', 'Descend').limit(1).exec();
      latest = Number(res.kvs[0]?.mod_revision ?? 0);
    } catch (e) {
      throw unavailable(`etcd did not answer: ${(e as Error).message}`);
    }
    await this.replica.caughtUp(latest, 10_000);
    if (this.replica.rev < latest)
      throw unavailable(`etcd is at revision ${latest}, but this server has not seen it within 10 s`);
  }

  revision(): number {
    return this.replica.rev;
  }

  compactedRevision(): number {
    return this.replica.compacted;
  }

  watch(fromRevision: number, options?: WatchOptions): AsyncIterable<Change> {
    return this.replica.hub.watch(fromRevision, this.replica.compacted, (f) => this.replica.backlog(f), options);
  }

  subscribe(listener: (changes: readonly Change[]) => void): () => void {
    return this.replica.hub.subscribe(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.replica.hub.close();
    void this.watcher?.cancel().catch(() => undefined);
    this.client.close();
  }
}
