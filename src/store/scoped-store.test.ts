import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MemoryStore } from './memory-store.js';
import { defineTable, type Change } from './port.js';
import { scopedStore } from './scoped-store.js';
import { storeConformance } from './store-conformance.js';

storeConformance('scoped view', (historyLimit) => scopedStore(new MemoryStore(historyLimit), 'eu-west-1'));

const things = defineTable<{ id: string; n: number }>('things', (t) => t.id, { cache: true });

it('keeps each scope apart from the root and from every other scope', async () => {
  const root = new MemoryStore();
  const eu = scopedStore(root, 'eu-west-1');
  const us = scopedStore(root, 'us-west-2');
  const euChanges: Change[] = [];
  const watching = (async () => {
    for await (const c of eu.watch(0)) {
      euChanges.push(c);
      if (euChanges.length === 2) break;
    }
  })();
  root.write((tx) => tx.put(things, { id: 'a', n: 0 }));
  us.write((tx) => tx.put(things, { id: 'a', n: 2 }));
  eu.write((tx) => tx.put(things, { id: 'a', n: 1 }));
  eu.write((tx) => tx.put(things, { id: 'b', n: 1 }));
  await watching;
  assert.deepEqual(
    [root, eu, us].map((s) => s.read((tx) => tx.list(things).map((e) => `${e.key}=${e.value.n}`))),
    [['a=0'], ['a=1', 'b=1'], ['a=2']],
  );
  assert.deepEqual(
    euChanges.map((c) => [c.table, c.key, c.revision]),
    [
      ['things', 'a', 3],
      ['things', 'b', 4],
    ],
  );
  // A compare-and-swap sees only its own scope's entry.
  assert.throws(() => us.write((tx) => tx.put(things, { id: 'b', n: 9 }, { ifModRevision: 4 })));
  eu.close();
  assert.equal(
    root.read((tx) => tx.count(things)),
    1,
    'closing a view leaves the root open',
  );
  root.close();
});
