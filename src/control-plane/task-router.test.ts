import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../kernel/logger.js';
import { MemoryStore } from '../store/memory-store.js';
import { tasks, type TaskRecord } from './tables.js';
import { TaskRouter, type TaskListener } from './task-router.js';

const tick = () => new Promise((r) => setTimeout(r, 5));
const task = (id: string, where: Partial<TaskRecord>) => ({ cluster: 'default', id, ...where }) as TaskRecord;

function recorder(): TaskListener & { keys: string[] } {
  const keys: string[] = [];
  return { keys, changed: (k) => keys.push(k), resync: () => keys.push('resync') };
}

describe('task router', () => {
  it('tells each host of its own tasks only, and a holder wherever its task goes', async () => {
    const store = new MemoryStore();
    const router = new TaskRouter(store, createLogger('silent'));
    const a = recorder();
    const b = recorder();
    const fleet = recorder();
    router.listen([TaskRouter.hostKey('default', 'a')], a);
    router.listen([TaskRouter.hostKey('default', 'b')], b);
    const stopFleet = router.listen([TaskRouter.hostKey(undefined, 'f')], fleet);
    store.write((tx) => tx.put(tasks, task('t1', { containerInstanceId: 'a' })));
    store.write((tx) => tx.put(tasks, task('t2', { fargateHostId: 'f' })));
    await tick();
    assert.deepEqual(a.keys, ['default/t1']);
    assert.deepEqual(b.keys, []);
    assert.deepEqual(fleet.keys, ['default/t2']);
    // a was sent t1; the task moves to b, then is deleted: a hears both, b the move.
    router.hold('t1', a);
    store.write((tx) => tx.put(tasks, task('t1', { containerInstanceId: 'b' })));
    store.write((tx) => tx.delete(tasks, 'default/t1'));
    await tick();
    assert.deepEqual(a.keys, ['default/t1', 'default/t1', 'default/t1']);
    assert.deepEqual(b.keys, ['default/t1']);
    router.release('t1', a);
    stopFleet();
    store.write((tx) => tx.put(tasks, task('t2', { fargateHostId: 'f', desiredStatus: 'STOPPED' })));
    store.write((tx) => tx.put(tasks, task('t1', { containerInstanceId: 'c' })));
    await tick();
    assert.equal(a.keys.length, 3, 'released: nothing more');
    assert.equal(fleet.keys.length, 1, 'no longer listening');
    router.close();
  });
});
