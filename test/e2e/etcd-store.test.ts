// e2e lane: shared — runs no task on this host, so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { BerthError } from '../../src/kernel/index.js';
import { defineTable } from '../../src/store/port.js';
import { EtcdStore } from '../../src/store/etcd/etcd-store.js';
import { EtcdLeadership } from '../../src/store/etcd/leadership.js';
import { sharedStoreConformance } from '../../src/store/shared-conformance.js';
import { startEtcdCluster, type EtcdCluster, type EtcdMember } from './etcd.js';
import { berthBin } from './harness.js';

let etcd: EtcdCluster;
before(async () => {
  etcd = await startEtcdCluster(1);
});
after(async () => {
  await etcd.stop();
});

// Each test its own prefix on the one etcd: two stores on it are two berth servers.
const pair = async () => {
  const prefix = `/berth-${randomBytes(4).toString('hex')}`;
  const a = await EtcdStore.open({ endpoints: etcd.endpoints, prefix });
  const b = await EtcdStore.open({ endpoints: etcd.endpoints, prefix });
  return {
    a,
    b,
    close: async () => {
      a.close();
      b.close();
    },
  };
};

sharedStoreConformance('etcd (a real etcd-server, two servers over it)', pair);

const things = defineTable<{ id: string; n: number }>('things', (t) => t.id);

describe('the etcd store', () => {
  it('loads what is there when a server opens it, revisions and all', async () => {
    const prefix = `/berth-${randomBytes(4).toString('hex')}`;
    const first = await EtcdStore.open({ endpoints: etcd.endpoints, prefix });
    const written = await first.transact((tx) => {
      tx.put(things, { id: 'a', n: 1 });
      return tx.put(things, { id: 'b', n: 2 });
    });
    first.close();
    const later = await EtcdStore.open({ endpoints: etcd.endpoints, prefix });
    try {
      const rows = later.read((tx) => tx.list(things));
      assert.deepEqual(
        rows.map((r) => [r.key, r.value.n]),
        [
          ['a', 1],
          ['b', 2],
        ],
      );
      assert.equal(rows[1]?.modRevision, later.read((tx) => tx.get(things, 'b'))?.modRevision);
      assert.ok(later.revision() >= (rows[1]?.modRevision ?? Infinity));
      assert.equal(written.value.n, 2);
      // A watch from before the load: the server has no history that old.
      assert.throws(() => later.watch(0), /compacted/);
    } finally {
      later.close();
    }
  });

  it('berth up refuses --store etcd:// without --shared-dir, and an unknown store', () => {
    const up = (store: string) =>
      spawnSync(process.execPath, [berthBin, 'up', '--port', '0', '--data-dir', tmpdir(), '--store', store], {
        encoding: 'utf8',
        timeout: 20_000,
      });
    const etcdUp = up(`etcd://${new URL(etcd.endpoints[0] as string).host}`);
    assert.equal(etcdUp.status, 1);
    assert.match(etcdUp.stderr, /--store etcd:\/\/ needs --shared-dir/);
    const other = up('redis://x');
    assert.equal(other.status, 1);
    assert.match(other.stderr, /--store must be sqlite or etcd:\/\/host:port/);
  });

  it('goes on writing when the leader of a three-member cluster is killed, none of its writes lost', async () => {
    const cluster = await startEtcdCluster(3);
    const a = await EtcdStore.open({ endpoints: cluster.endpoints, prefix: '/berth' });
    const b = await EtcdStore.open({ endpoints: cluster.endpoints.slice().reverse(), prefix: '/berth' });
    try {
      const inc = (s: EtcdStore) =>
        s.transact(
          (tx) => {
            const n = tx.get(things, 'n')?.value.n ?? 0;
            return tx.put(things, { id: 'n', n: n + 1 }).value.n;
          },
          { attempts: 100 },
        );
      await Promise.all([inc(a), inc(b), inc(a), inc(b)]);
      await (await cluster.leader()).kill();
      // The stores' clients fail over to the members left (two of three: still a quorum).
      await Promise.all([inc(a), inc(b), inc(a), inc(b)]);
      const last = await inc(a);
      assert.equal(last, 9, 'nine increments, none lost');
      for (let i = 0; i < 500 && b.read((tx) => tx.get(things, 'n'))?.value.n !== 9; i++)
        await new Promise((r) => setTimeout(r, 10));
      assert.equal(b.read((tx) => tx.get(things, 'n'))?.value.n, 9, 'the other server sees it through its watch');
    } finally {
      a.close();
      b.close();
      await cluster.stop();
    }
  });

  it('catches up by a fresh read when the revisions it missed were compacted away while it was cut off', async () => {
    const cluster = await startEtcdCluster(3);
    const [m0] = cluster.members as [EtcdMember];
    // `a` talks to one member only: killing it cuts `a` off while `b` goes on writing.
    const a = await EtcdStore.open({ endpoints: [m0.endpoint], prefix: '/berth' });
    const b = await EtcdStore.open({ endpoints: cluster.endpoints.slice(1), prefix: '/berth' });
    const admin = new Etcd3({ hosts: cluster.endpoints.slice(1) });
    try {
      await b.transact((tx) => tx.put(things, { id: 'gone', n: 1 }));
      const heard: string[] = [];
      a.subscribe((changes) => heard.push(...changes.map((c) => `${c.type} ${c.key}`)));
      for (let i = 0; i < 200 && !a.read((tx) => tx.get(things, 'gone')); i++)
        await new Promise((r) => setTimeout(r, 10));
      await m0.kill();
      await b.transact((tx) => tx.delete(things, 'gone'));
      for (let n = 1; n <= 3; n++) await b.transact((tx) => tx.put(things, { id: 'kept', n }));
      // History up to now is compacted: `a`'s watch cannot resume where it stopped.
      await admin.kv.compact({ revision: String(b.revision()), physical: true });
      m0.restart();
      for (let i = 0; i < 1500 && a.read((tx) => tx.get(things, 'kept'))?.value.n !== 3; i++)
        await new Promise((r) => setTimeout(r, 10));
      assert.equal(a.read((tx) => tx.get(things, 'kept'))?.value.n, 3, 'what was written while cut off');
      assert.equal(
        a.read((tx) => tx.get(things, 'gone')),
        undefined,
        'and what was deleted',
      );
      assert.ok(heard.includes('delete gone') && heard.includes('put kept'), heard.join(', '));
      // And it follows again from there.
      await b.transact((tx) => tx.put(things, { id: 'after', n: 1 }));
      for (let i = 0; i < 500 && !a.read((tx) => tx.get(things, 'after')); i++)
        await new Promise((r) => setTimeout(r, 10));
      assert.ok(a.read((tx) => tx.get(things, 'after')));
    } finally {
      admin.close();
      a.close();
      b.close();
      await cluster.stop();
    }
  });

  it('refuses a transaction larger than etcd takes, writing none of it', async () => {
    const s = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: `/berth-${randomBytes(4).toString('hex')}` });
    try {
      await assert.rejects(
        s.transact((tx) => {
          for (let i = 0; i < 130; i++) tx.put(things, { id: `t${i}`, n: i });
        }),
        (e: unknown) => e instanceof BerthError && e.kind === 'LimitExceeded' && /at most 128 keys/.test(e.message),
      );
      assert.equal(
        s.read((tx) => tx.count(things)),
        0,
      );
    } finally {
      s.close();
    }
  });

  it('leaves out a value under its keys that is not JSON, and goes on', async () => {
    const prefix = `/berth-${randomBytes(4).toString('hex')}`;
    const s = await EtcdStore.open({ endpoints: etcd.endpoints, prefix });
    const raw = new Etcd3({ hosts: etcd.endpoints });
    try {
      await raw.put(`${prefix}/t/things/bad`).value('{not json');
      await s.transact((tx) => tx.put(things, { id: 'good', n: 1 }));
      assert.deepEqual(
        s.read((tx) => tx.list(things)).map((e) => e.key),
        ['good'],
      );
    } finally {
      raw.close();
      s.close();
    }
  });

  it('says which etcd it could not reach', async () => {
    await assert.rejects(
      EtcdStore.open({ endpoints: ['http://127.0.0.1:1'], prefix: '/nowhere' }),
      /etcd at http:\/\/127\.0\.0\.1:1 could not be read/,
    );
  });
});

describe('leadership by etcd election', () => {
  const waitFor = async (what: string, ok: () => boolean, ms: number) => {
    for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 20)))
      if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
  };
  const two = (ttlSeconds: number) => {
    const prefix = `/berth-${randomBytes(4).toString('hex')}`;
    return ['one', 'two'].map((id) => EtcdLeadership.start({ endpoints: etcd.endpoints, prefix, id, ttlSeconds }));
  };

  it('elects one of two servers; when it resigns the other leads', async () => {
    const [x, y] = two(5) as [EtcdLeadership, EtcdLeadership];
    try {
      await waitFor('a leader', () => x.leading || y.leading, 5000);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(Number(x.leading) + Number(y.leading), 1, 'exactly one leads');
      const [leader, other] = x.leading ? [x, y] : [y, x];
      const told: boolean[] = [];
      other.onChange((l) => told.push(l));
      await leader.close();
      assert.equal(leader.leading, false);
      await waitFor('the other to lead', () => other.leading, 3000);
      assert.deepEqual(told, [true]);
    } finally {
      await Promise.all([x.close(), y.close()]);
    }
  });

  it('hands the lead on once a leader killed -9 (no resignation) has let its lease lapse', async () => {
    const prefix = `/berth-${randomBytes(4).toString('hex')}`;
    const script = fileURLToPath(new URL('./etcd-candidate.ts', import.meta.url));
    const dead = spawn(
      process.execPath,
      ['--import', 'tsx', script, etcd.endpoints[0] as string, prefix, 'dead', '2'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    dead.stdout.on('data', (d: Buffer) => (out += d.toString()));
    let other: EtcdLeadership | undefined;
    try {
      await waitFor('the first server to lead', () => out.includes('leading'), 10_000);
      other = EtcdLeadership.start({ endpoints: etcd.endpoints, prefix, id: 'other', ttlSeconds: 2 });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(other.leading, false, 'one leader at a time');
      dead.kill('SIGKILL');
      const died = Date.now();
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(other.leading, false, 'the dead leader’s lease still holds');
      await waitFor('the other to lead after the lease', () => other?.leading === true, 8000);
      assert.ok(Date.now() - died >= 1500, `led ${Date.now() - died} ms after the kill, before the 2 s lease lapsed`);
    } finally {
      dead.kill('SIGKILL');
      await other?.close();
    }
  });
});
