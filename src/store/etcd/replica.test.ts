import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Change } from '../port.js';
import { etcdKeys } from './keys.js';
import { Replica, type EtcdKv } from './replica.js';

const keys = etcdKeys('/b');
const kv = (table: string, key: string, value: unknown, mod: number, create = mod): EtcdKv => ({
  key: Buffer.from(keys.entry(table, key)),
  value: Buffer.from(JSON.stringify(value)),
  create_revision: String(create),
  mod_revision: String(mod),
});

it('after a lost watch, converges on a fresh read: what changed, appeared or went is published once', () => {
  const r = new Replica(keys);
  r.load([kv('tasks', 'a', { n: 1 }, 2), kv('tasks', 'b', { n: 2 }, 3), kv('tasks', 'c', { n: 3 }, 4)], 4);
  const seen: Change[][] = [];
  r.hub.subscribe((changes) => seen.push([...changes]));
  // Meanwhile (revisions 5-9, never seen): b changed, c deleted, d added; a untouched.
  r.resync([kv('tasks', 'a', { n: 1 }, 2), kv('tasks', 'b', { n: 20 }, 7, 3), kv('tasks', 'd', { n: 4 }, 8)], 9);
  assert.equal(r.rev, 9);
  assert.deepEqual(
    [...(r.tables.get('tasks')?.entries() ?? [])].map(([k, e]) => [k, e.value, e.modRevision]),
    [
      ['a', { n: 1 }, 2],
      ['b', { n: 20 }, 7],
      ['d', { n: 4 }, 8],
    ],
  );
  assert.equal(seen.length, 1, 'one group');
  assert.deepEqual(seen[0]?.map((c) => [c.type, c.key, c.revision]).sort(), [
    ['delete', 'c', 9],
    ['put', 'b', 9],
    ['put', 'd', 9],
  ]);
  // A read no newer than what the replica has changes nothing.
  r.resync([], 9);
  assert.equal(r.tables.get('tasks')?.size, 3);
});
