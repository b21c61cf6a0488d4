import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/errors.js';
import { defineTable, type Change, type ListOptions, type Store } from './port.js';

interface Cluster {
  name: string;
  status: string;
  tags?: Record<string, string>;
}
interface Task {
  cluster: string;
  id: string;
}

const clusters = defineTable<Cluster>('clusters', (c) => c.name);
const tasks = defineTable<Task>('tasks', (t) => `${t.cluster}/${t.id}`);
const cachedClusters = defineTable<Cluster>('cached-clusters', (c) => c.name, { cache: true });

async function take(it: AsyncIterable<Change>, n: number): Promise<Change[]> {
  const out: Change[] = [];
  if (n === 0) return out;
  for await (const c of it) {
    out.push(c);
    if (out.length === n) break;
  }
  return out;
}

/** One suite, run against every Store implementation (the in-memory twin must not drift). */
export function storeConformance(name: string, open: (historyLimit?: number) => Store): void {
  describe(`store conformance: ${name}`, () => {
    it('puts and gets with create and mod revisions', () => {
      const s = open();
      assert.equal(s.revision(), 0);
      const e1 = s.write((tx) => tx.put(clusters, { name: 'a', status: 'ACTIVE' }));
      assert.deepEqual(e1, { key: 'a', value: { name: 'a', status: 'ACTIVE' }, createRevision: 1, modRevision: 1 });
      s.write((tx) => tx.put(clusters, { name: 'a', status: 'INACTIVE' }));
      const got = s.read((tx) => tx.get(clusters, 'a'));
      assert.deepEqual(got, { key: 'a', value: { name: 'a', status: 'INACTIVE' }, createRevision: 1, modRevision: 2 });
      assert.equal(
        s.read((tx) => tx.get(clusters, 'missing')),
        undefined,
      );
      s.close();
    });

    it('gives one revision per write transaction, none to empty ones', () => {
      const s = open();
      const rev = s.write((tx) => {
        tx.put(clusters, { name: 'a', status: 'ACTIVE' });
        tx.put(clusters, { name: 'b', status: 'ACTIVE' });
        return tx.revision;
      });
      assert.equal(rev, 1);
      assert.equal(s.revision(), 1);
      s.write((tx) => tx.get(clusters, 'a'));
      assert.equal(
        s.write((tx) => tx.delete(clusters, 'nope')),
        false,
      );
      assert.equal(s.revision(), 1);
      s.close();
    });

    it('lists backwards and below a key', () => {
      const s = open();
      s.write((tx) => {
        for (const id of ['1', '2', '3', '4']) tx.put(tasks, { cluster: 'c', id });
        tx.put(tasks, { cluster: 'd', id: '9' });
      });
      const keys = (o: { reverse?: boolean; limit?: number; before?: string; after?: string }) =>
        s.read((tx) => tx.list(tasks, { prefix: 'c/', ...o })).map((e) => e.key);
      assert.deepEqual(keys({ reverse: true, limit: 2 }), ['c/4', 'c/3']);
      assert.deepEqual(keys({ before: 'c/3' }), ['c/1', 'c/2']);
      assert.deepEqual(keys({ before: 'c/4', reverse: true, limit: 2 }), ['c/3', 'c/2']);
      assert.deepEqual(keys({ after: 'c/1', before: 'c/4' }), ['c/2', 'c/3']);
      s.close();
    });

    it("hands a write-only table's put its own value back, and keeps what was written apart from it", () => {
      const s = open();
      const log = defineTable<Task & { note?: string }>('log', (t) => `${t.cluster}/${t.id}`, {
        history: false,
        writeOnly: true,
      });
      const row: Task & { note?: string } = { cluster: 'a', id: '1', note: 'first' };
      const put = s.write((tx) => tx.put(log, row));
      assert.equal(put.value, row, 'no normalised copy is made');
      row.note = 'changed after the write';
      assert.equal(s.read((tx) => tx.get(log, 'a/1'))?.value.note, 'first');
      assert.throws(() => defineTable<Task>('bad', (t) => t.id, { writeOnly: true }), /writeOnly needs history false/);
      s.close();
    });

    it('keeps bulk tables out of the history: no revision, no watch event', async () => {
      const s = open();
      const bulk = defineTable<Task>('bulk', (t) => `${t.cluster}/${t.id}`, { history: false });
      s.write((tx) => tx.put(clusters, { name: 'a', status: 'ACTIVE' }));
      s.write((tx) => {
        tx.put(bulk, { cluster: 'a', id: '1' });
        tx.put(bulk, { cluster: 'a', id: '2' });
      });
      assert.equal(s.revision(), 1, 'bulk writes alone make no revision');
      assert.deepEqual(
        s.read((tx) => tx.list(bulk, { prefix: 'a/' })).map((e) => e.value.id),
        ['1', '2'],
      );
      s.write((tx) => {
        tx.delete(bulk, 'a/1');
        tx.put(clusters, { name: 'b', status: 'ACTIVE' });
      });
      const changes = await take(s.watch(0), 2);
      assert.deepEqual(
        changes.map((c) => [c.table, c.key]),
        [
          ['clusters', 'a'],
          ['clusters', 'b'],
        ],
      );
      assert.equal(
        s.read((tx) => tx.count(bulk)),
        1,
      );
      s.close();
    });

    it('lists in key order with prefix, after and limit, and counts', () => {
      const s = open();
      s.write((tx) => {
        for (const id of ['c', 'a', 'b']) tx.put(tasks, { cluster: 'prod', id });
        tx.put(tasks, { cluster: 'dev', id: 'z' });
        tx.put(tasks, { cluster: 'prod2', id: 'x' });
      });
      assert.deepEqual(
        s.read((tx) => tx.list(tasks, { prefix: 'prod/' })).map((e) => e.key),
        ['prod/a', 'prod/b', 'prod/c'],
      );
      assert.deepEqual(
        s.read((tx) => tx.list(tasks, { prefix: 'prod/', after: 'prod/a', limit: 1 })).map((e) => e.key),
        ['prod/b'],
      );
      assert.deepEqual(
        s.read((tx) => tx.list(tasks)).map((e) => e.key),
        ['dev/z', 'prod/a', 'prod/b', 'prod/c', 'prod2/x'],
      );
      assert.equal(
        s.read((tx) => tx.count(tasks, 'prod/')),
        3,
      );
      assert.equal(
        s.read((tx) => tx.count(tasks)),
        5,
      );
      assert.equal(
        s.read((tx) => tx.count(clusters)),
        0,
      );
      s.close();
    });

    it('rolls back every write of a transaction that throws', () => {
      const s = open();
      s.write((tx) => tx.put(clusters, { name: 'keep', status: 'ACTIVE' }));
      assert.throws(
        () =>
          s.write((tx) => {
            tx.put(clusters, { name: 'keep', status: 'CHANGED' });
            tx.put(clusters, { name: 'new', status: 'ACTIVE' });
            tx.delete(clusters, 'keep');
            throw new Error('boom');
          }),
        /boom/,
      );
      assert.equal(s.revision(), 1);
      assert.deepEqual(
        s.read((tx) => tx.list(clusters)).map((e) => e.value),
        [{ name: 'keep', status: 'ACTIVE' }],
      );
      s.close();
    });

    it('compares and swaps on modRevision', () => {
      const s = open();
      s.write((tx) => tx.put(clusters, { name: 'a', status: 'ACTIVE' }, { ifModRevision: 0 }));
      const conflict = (e: unknown) => e instanceof BerthError && e.kind === 'Conflict';
      assert.throws(
        () => s.write((tx) => tx.put(clusters, { name: 'a', status: 'X' }, { ifModRevision: 0 })),
        conflict,
      );
      assert.throws(
        () => s.write((tx) => tx.put(clusters, { name: 'a', status: 'X' }, { ifModRevision: 7 })),
        conflict,
      );
      s.write((tx) => tx.put(clusters, { name: 'a', status: 'Y' }, { ifModRevision: 1 }));
      assert.throws(() => s.write((tx) => tx.delete(clusters, 'a', { ifModRevision: 1 })), conflict);
      assert.equal(
        s.write((tx) => tx.delete(clusters, 'a', { ifModRevision: 2 })),
        true,
      );
      assert.equal(
        s.read((tx) => tx.count(clusters)),
        0,
      );
      s.close();
    });

    it('hands out copies, never its own state', () => {
      const s = open();
      const value: Cluster = { name: 'a', status: 'ACTIVE', tags: { k: 'v' } };
      s.write((tx) => tx.put(clusters, value));
      (value.tags as Record<string, string>).k = 'mutated';
      const got = s.read((tx) => tx.get(clusters, 'a'));
      assert.equal(got?.value.tags?.k, 'v');
      (got?.value.tags as Record<string, string>).k = 'mutated again';
      assert.equal(s.read((tx) => tx.get(clusters, 'a'))?.value.tags?.k, 'v');
      s.close();
    });

    it('inside a write, serves a cached table’s untouched entries as committed and its own writes as written', () => {
      const s = open();
      s.write((tx) => {
        tx.put(cachedClusters, { name: 'a', status: 'ACTIVE' });
        tx.put(cachedClusters, { name: 'b', status: 'ACTIVE' });
      });
      // The table's first read comes inside a write, after the write has put an entry, and the
      // write rolls back: later reads see none of it.
      assert.throws(() =>
        s.write((tx) => {
          tx.put(cachedClusters, { name: 'c', status: 'ROLLED-BACK' });
          const b = tx.get(cachedClusters, 'b')?.value;
          assert.equal(b?.status, 'ACTIVE');
          throw new Error('boom');
        }),
      );
      assert.throws(() =>
        s.write((tx) => {
          const b = tx.get(cachedClusters, 'b')?.value;
          assert.equal(b?.status, 'ACTIVE');
          // What the write has not touched is shared and read-only, as outside a write.
          assert.throws(() => ((b as Cluster).status = 'MUTATED'));
          tx.put(cachedClusters, { name: 'a', status: 'ROLLED-BACK' });
          tx.put(cachedClusters, { name: 'c', status: 'ROLLED-BACK' });
          const a = tx.get(cachedClusters, 'a')?.value as Cluster;
          assert.equal(a.status, 'ROLLED-BACK');
          assert.equal(tx.get(cachedClusters, 'b')?.value.status, 'ACTIVE');
          assert.deepEqual(
            tx.list(cachedClusters).map((e) => `${e.key}=${e.value.status}`),
            ['a=ROLLED-BACK', 'b=ACTIVE', 'c=ROLLED-BACK'],
          );
          throw new Error('boom');
        }),
      );
      assert.deepEqual(
        s.read((tx) => tx.list(cachedClusters)).map((e) => `${e.key}=${e.value.status}`),
        ['a=ACTIVE', 'b=ACTIVE'],
      );
      s.close();
    });

    it('serves a cached table’s reads as written, through rollbacks, rewrites and deletes', () => {
      const s = open();
      const get = (k: string) => s.read((tx) => tx.get(cachedClusters, k))?.value;
      const list = () => s.read((tx) => tx.list(cachedClusters)).map((e) => [e.key, e.value.status, e.modRevision]);
      s.write((tx) => tx.put(cachedClusters, { name: 'a', status: 'ACTIVE', tags: { k: 'v' } }));
      s.write((tx) => tx.put(cachedClusters, { name: 'b', status: 'ACTIVE' }));
      assert.deepEqual(get('a'), { name: 'a', status: 'ACTIVE', tags: { k: 'v' } });
      assert.deepEqual(get('a'), get('a'), 'read again');
      assert.deepEqual(list(), [
        ['a', 'ACTIVE', 1],
        ['b', 'ACTIVE', 2],
      ]);
      // A transaction that reads its own uncommitted write, then rolls back: the next read is the
      // committed value, even though the next commit reuses the rolled-back revision number.
      assert.throws(() =>
        s.write((tx) => {
          tx.put(cachedClusters, { name: 'a', status: 'ROLLED-BACK' });
          assert.equal(tx.get(cachedClusters, 'a')?.value.status, 'ROLLED-BACK');
          assert.equal(tx.list(cachedClusters)[0]?.value.status, 'ROLLED-BACK');
          throw new Error('boom');
        }),
      );
      s.write((tx) => tx.put(cachedClusters, { name: 'a', status: 'DRAINING' }));
      assert.equal(get('a')?.status, 'DRAINING');
      assert.throws(() =>
        s.write((tx) => {
          tx.put(cachedClusters, { name: 'b', status: 'ROLLED-BACK' });
          assert.equal(tx.get(cachedClusters, 'b')?.value.status, 'ROLLED-BACK');
          throw new Error('boom');
        }),
      );
      assert.equal(get('b')?.status, 'ACTIVE');
      assert.deepEqual(list(), [
        ['a', 'DRAINING', 3],
        ['b', 'ACTIVE', 2],
      ]);
      s.write((tx) => tx.delete(cachedClusters, 'b'));
      assert.equal(get('b'), undefined);
      s.write((tx) => tx.put(cachedClusters, { name: 'b', status: 'NEW' }));
      assert.deepEqual(list(), [
        ['a', 'DRAINING', 3],
        ['b', 'NEW', 5],
      ]);
      // Listing options over a cached table, as over any other.
      s.write((tx) => {
        for (const n of ['x/1', 'x/2', 'x/3', 'y/1']) tx.put(cachedClusters, { name: n, status: 'ACTIVE' });
      });
      const keys = (o: ListOptions) => s.read((t) => t.list(cachedClusters, o)).map((e) => e.key);
      assert.deepEqual(keys({ prefix: 'x/' }), ['x/1', 'x/2', 'x/3']);
      assert.deepEqual(keys({ prefix: 'x/', after: 'x/1', limit: 1 }), ['x/2']);
      assert.deepEqual(keys({ prefix: 'x/', reverse: true, limit: 2 }), ['x/3', 'x/2']);
      assert.deepEqual(keys({ before: 'x/2', after: 'a' }), ['b', 'x/1']);
      assert.equal(
        s.read((t) => t.count(cachedClusters, 'x/')),
        3,
      );
      s.close();
    });

    it('watches history first, then live changes, filtered by table', async () => {
      const s = open();
      s.write((tx) => tx.put(clusters, { name: 'a', status: 'ACTIVE' }));
      s.write((tx) => tx.put(tasks, { cluster: 'a', id: '1' }));
      const all = s.watch(0);
      const onlyTasks = s.watch(1, { tables: ['tasks'] });
      const pendingAll = take(all, 4);
      const pendingTasks = take(onlyTasks, 2);
      s.write((tx) => tx.delete(clusters, 'a'));
      s.write((tx) => tx.put(tasks, { cluster: 'a', id: '2' }));
      const got = await pendingAll;
      assert.deepEqual(
        got.map((c) => [c.revision, c.table, c.key, c.type]),
        [
          [1, 'clusters', 'a', 'put'],
          [2, 'tasks', 'a/1', 'put'],
          [3, 'clusters', 'a', 'delete'],
          [4, 'tasks', 'a/2', 'put'],
        ],
      );
      assert.deepEqual(got[0]?.value, { name: 'a', status: 'ACTIVE' });
      assert.equal(got[2]?.value, undefined);
      assert.deepEqual(
        (await pendingTasks).map((c) => c.key),
        ['a/1', 'a/2'],
      );
      s.close();
    });

    it('tells a subscriber of each commit in its turn, until it unsubscribes or the store closes', () => {
      const s = open();
      const seen: string[][] = [];
      const off = s.subscribe((changes) =>
        seen.push(changes.map((c) => `${c.revision} ${c.table} ${c.key} ${c.type}`)),
      );
      s.write((tx) => {
        tx.put(clusters, { name: 'a', status: 'ACTIVE' });
        tx.put(tasks, { cluster: 'a', id: '1' });
      });
      assert.deepEqual(seen, [['1 clusters a put', '1 tasks a/1 put']], 'told before write returns');
      s.write(() => undefined);
      assert.throws(() =>
        s.write((tx) => {
          tx.put(tasks, { cluster: 'a', id: '2' });
          throw new Error('rolled back');
        }),
      );
      assert.equal(seen.length, 1, 'nothing for a transaction that wrote nothing or rolled back');
      s.write((tx) => tx.delete(clusters, 'a'));
      assert.deepEqual(seen[1], ['2 clusters a delete']);
      off();
      s.write((tx) => tx.put(clusters, { name: 'b', status: 'ACTIVE' }));
      assert.equal(seen.length, 2, 'nothing after unsubscribing');
      const after: number[] = [];
      s.subscribe((changes) => after.push(changes.length));
      s.close();
      assert.deepEqual(after, [], 'closing calls no listener');
    });

    it('ends a watch when its signal aborts or the store closes', async () => {
      const s = open();
      const ac = new AbortController();
      const aborted = take(s.watch(0, { signal: ac.signal }), 5);
      const closed = take(s.watch(0), 5);
      s.write((tx) => tx.put(clusters, { name: 'a', status: 'ACTIVE' }));
      ac.abort();
      assert.equal((await aborted).length, 1);
      s.close();
      assert.equal((await closed).length, 1);
    });

    it('refuses to watch from compacted history', () => {
      const s = open(2);
      for (let i = 0; i < 10; i++) s.write((tx) => tx.put(clusters, { name: `c${i}`, status: 'ACTIVE' }));
      assert.ok(s.compactedRevision() > 0);
      assert.throws(
        () => s.watch(0),
        (e: unknown) => e instanceof BerthError && e.kind === 'Conflict',
      );
      const from = s.compactedRevision();
      assert.doesNotThrow(() => s.watch(from));
      s.close();
    });
  });
}
