import assert from 'node:assert/strict';
import { it } from 'node:test';
import { inform, work } from './informer.js';
import { WorkQueue } from './work-queue.js';

it('queues a key once however often it is added, and never to two workers at once', async () => {
  const q = new WorkQueue<string>();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  q.add('a'); // added while processing: not handed out again until done
  assert.equal(await q.get(), 'b');
  assert.equal(q.length, 0);
  q.done('a');
  assert.equal(q.length, 1, 'queued again once done');
  assert.equal(await q.get(), 'a');
  q.done('a');
  q.done('b');
  assert.equal(q.length, 0);
});

it('hands a key to a worker already waiting, and undefined once shut down', async () => {
  const q = new WorkQueue<string>();
  const waiting = q.get();
  q.add('x');
  assert.equal(await waiting, 'x');
  const later = q.get();
  q.shutDown();
  assert.equal(await later, undefined);
  q.add('y');
  assert.equal(await q.get(), undefined);
});

it('backs a failing key off exponentially, which plain adds do not cut short, until it is forgotten', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const q = new WorkQueue<string>({ baseDelayMs: 10, maxDelayMs: 40 });
  const due = (ms: number) => {
    t.mock.timers.tick(ms);
    return q.length;
  };
  q.addRateLimited('k'); // 10 ms
  q.add('k');
  assert.equal(q.length, 0, 'an add does not cut a back-off short');
  assert.equal(due(9), 0);
  assert.equal(due(1), 1);
  assert.equal(await q.get(), 'k');
  q.done('k');
  q.addRateLimited('k'); // 20 ms
  assert.equal(due(19), 0);
  assert.equal(due(1), 1);
  assert.equal(await q.get(), 'k');
  q.done('k');
  q.addRateLimited('k'); // 40
  q.done('k');
  assert.equal(q.retries('k'), 3);
  assert.equal(due(39), 0);
  assert.equal(due(1), 1);
  assert.equal(await q.get(), 'k');
  q.done('k');
  q.addRateLimited('k'); // capped at 40
  assert.equal(due(39), 0);
  assert.equal(due(1), 1);
  await q.get();
  q.done('k');
  q.forget('k');
  q.addRateLimited('k'); // from the start again: 10
  assert.equal(due(10), 1);
  q.shutDown();
});

it('delays a key with addAfter, the earliest time winning', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const q = new WorkQueue<string>();
  q.addAfter('a', 50);
  q.addAfter('a', 100);
  t.mock.timers.tick(50);
  assert.equal(q.length, 1);
  q.addAfter('b', 100);
  q.addAfter('b', 30);
  t.mock.timers.tick(30);
  assert.equal(q.length, 2);
  q.shutDown();
});

it('turns changes into keys, resyncs every key, and retries a failing sync with back-off', async () => {
  const changes: { table: string; key: string }[] = [];
  let push: (() => void) | undefined;
  const source = {
    revision: () => 0,
    watch: (_from: number, o: { signal?: AbortSignal }) => ({
      async *[Symbol.asyncIterator]() {
        while (!o.signal?.aborted) {
          const c = changes.shift();
          if (c) yield c;
          else await new Promise<void>((r) => (push = r));
        }
      },
    }),
  };
  const q = new WorkQueue<string>({ baseDelayMs: 1 });
  const synced: string[] = [];
  const errors: number[] = [];
  let failuresLeft = 2;
  const worker = work(
    q,
    (k) => {
      if (k === 'svc/bad' && failuresLeft-- > 0) throw new Error('broken');
      synced.push(k);
    },
    (_k, _e, retries) => errors.push(retries),
  );
  const stop = inform(source, q, {
    tables: ['tasks'],
    keysOf: (c) => [`svc/${c.key}`],
    all: () => ['svc/a'],
    resyncMs: 60_000,
    batchMs: 1,
  });
  changes.push({ table: 'tasks', key: 'bad' }, { table: 'tasks', key: 'b' });
  push?.();
  for (let i = 0; i < 100 && !synced.includes('svc/bad'); i++) await new Promise((r) => setTimeout(r, 5));
  stop();
  push?.();
  q.shutDown();
  await worker;
  assert.deepEqual(errors, [1, 2]);
  assert.deepEqual([...new Set(synced)].sort(), ['svc/a', 'svc/b', 'svc/bad']);
});
