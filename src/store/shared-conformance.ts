import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineTable, type Change, type SharedStore } from './port.js';

interface Counter {
  name: string;
  n: number;
}
interface Seat {
  show: string;
  seat: string;
}

const counters = defineTable<Counter>('counters', (c) => c.name);
const seats = defineTable<Seat>('seats', (s) => `${s.show}/${s.seat}`);

/** Two servers' views of one fresh store (the same object twice for a store of one process). */
export interface SharedPair {
  a: SharedStore;
  b: SharedStore;
  close(): Promise<void>;
}

const until = async (what: string, ok: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; !ok();) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** One suite of SharedStore semantics, run on every implementation: conflicting writers above all. */
export function sharedStoreConformance(name: string, open: () => Promise<SharedPair>): void {
  describe(`shared store conformance: ${name}`, () => {
    const withPair = (fn: (p: SharedPair) => Promise<void>) => async () => {
      const p = await open();
      try {
        await fn(p);
      } finally {
        await p.close();
      }
    };

    it(
      'commits a transaction, which its own server reads back at once, with revisions',
      withPair(async ({ a }) => {
        const before = a.revision();
        const e = await a.transact((tx) => tx.put(counters, { name: 'x', n: 1 }));
        assert.deepEqual(e.value, { name: 'x', n: 1 });
        const got = a.read((tx) => tx.get(counters, 'x'));
        assert.deepEqual(got?.value, { name: 'x', n: 1 });
        assert.ok((got?.modRevision ?? 0) > before, 'the entry carries the revision it was written at');
        assert.ok(a.revision() >= (got?.modRevision ?? Infinity));
        await a.transact((tx) => tx.put(counters, { name: 'x', n: 2 }));
        const again = a.read((tx) => tx.get(counters, 'x'));
        assert.equal(again?.createRevision, got?.createRevision, 'an update keeps the create revision');
        assert.ok((again?.modRevision ?? 0) > (got?.modRevision ?? 0));
        assert.equal(await a.transact((tx) => tx.delete(counters, 'x')), true);
        assert.equal(
          a.read((tx) => tx.get(counters, 'x')),
          undefined,
        );
      }),
    );

    it(
      'reads, once fresh() resolves, what another server committed before it was called',
      withPair(async ({ a, b }) => {
        for (let i = 0; i < 20; i++) {
          await a.transact((tx) => tx.put(counters, { name: `f${i}`, n: i }));
          await b.fresh();
          assert.equal(b.read((tx) => tx.get(counters, `f${i}`))?.value.n, i, `write ${i}`);
          await b.transact((tx) => tx.delete(counters, `f${i}`));
          await a.fresh();
          assert.equal(
            a.read((tx) => tx.get(counters, `f${i}`)),
            undefined,
            `delete ${i}`,
          );
        }
      }),
    );

    it(
      'runs a transaction that refused on what another server had just written again, on a fresh view',
      withPair(async ({ a, b }) => {
        for (let i = 0; i < 20; i++) {
          await a.transact((tx) => tx.put(counters, { name: `g${i}`, n: i }));
          const n = await b.transact((tx) => {
            const row = tx.get(counters, `g${i}`);
            if (!row) throw new Error(`g${i} is not there`);
            tx.put(counters, { name: `g${i}`, n: row.value.n + 1 });
            return row.value.n + 1;
          });
          assert.equal(n, i + 1);
        }
      }),
    );

    it(
      'writes nothing when the function throws, and passes its error on',
      withPair(async ({ a }) => {
        await assert.rejects(
          a.transact((tx) => {
            tx.put(counters, { name: 'y', n: 1 });
            throw new Error('changed my mind');
          }),
          /changed my mind/,
        );
        assert.equal(
          a.read((tx) => tx.get(counters, 'y')),
          undefined,
        );
      }),
    );

    it(
      'loses no update when two servers increment one counter at once',
      withPair(async ({ a, b }) => {
        const inc = (s: SharedStore) =>
          s.transact(
            (tx) => {
              const n = tx.get(counters, 'hits')?.value.n ?? 0;
              tx.put(counters, { name: 'hits', n: n + 1 });
            },
            { attempts: 100 },
          );
        await Promise.all(Array.from({ length: 20 }, (_, i) => inc(i % 2 ? a : b)));
        await until('both servers to see 20', () =>
          [a, b].every((s) => s.read((tx) => tx.get(counters, 'hits'))?.value.n === 20),
        );
      }),
    );

    it(
      'runs a transaction again when a row it listed past has since been added (no phantom)',
      withPair(async ({ a, b }) => {
        // Each booking takes a seat only while fewer than 5 are taken: never more than 5, however they race.
        const book = (s: SharedStore, i: number) =>
          s.transact(
            (tx) => {
              if (tx.count(seats, 'gala/') >= 5) return false;
              tx.put(seats, { show: 'gala', seat: `s${i}` });
              return true;
            },
            { attempts: 100 },
          );
        const booked = await Promise.all(Array.from({ length: 12 }, (_, i) => book(i % 2 ? a : b, i)));
        assert.equal(booked.filter(Boolean).length, 5);
        await until('both servers to list 5 seats', () =>
          [a, b].every((s) => s.read((tx) => tx.list(seats, { prefix: 'gala/' })).length === 5),
        );
      }),
    );

    it(
      'shows every server the other’s writes, grouped by revision, to subscribers and watchers',
      withPair(async ({ a, b }) => {
        const from = b.revision();
        const seen: Change[][] = [];
        const off = b.subscribe((c) => seen.push([...c]));
        await a.transact((tx) => {
          tx.put(counters, { name: 'p', n: 1 });
          tx.put(counters, { name: 'q', n: 2 });
        });
        await until('b to be told', () => seen.length >= 1);
        off();
        const group = seen[0] as Change[];
        assert.deepEqual(
          group.map((c) => [c.table, c.key, c.type]),
          [
            ['counters', 'p', 'put'],
            ['counters', 'q', 'put'],
          ],
        );
        assert.equal(new Set(group.map((c) => c.revision)).size, 1, 'one transaction, one revision');
        const watched: Change[] = [];
        const abort = new AbortController();
        for await (const c of b.watch(from, { tables: ['counters'], signal: abort.signal })) {
          watched.push(c);
          if (watched.length === 2) abort.abort();
        }
        assert.deepEqual(
          watched.map((c) => c.key),
          ['p', 'q'],
        );
      }),
    );
  });
}
