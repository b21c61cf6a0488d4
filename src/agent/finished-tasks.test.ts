import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskSpec, TaskStateMessage } from '../wire/index.js';
import { FinishedTasks, notRunHere } from './finished-tasks.js';

const id = (n: number) => n.toString(16).padStart(32, '0');
const report = (n: number): TaskStateMessage => ({
  type: 'task-state',
  taskId: id(n),
  phase: 'stopped',
  containers: [],
});

describe('FinishedTasks', () => {
  it('keeps the last report of each task until a full desired set leaves it out, the oldest first past the limit', () => {
    const f = new FinishedTasks(2);
    f.add(report(1));
    f.add(report(2));
    f.add(report(3));
    assert.equal(f.get(id(1)), undefined, 'the oldest went past the limit');
    assert.deepEqual(
      f.all().map((r) => r.taskId),
      [id(2), id(3)],
    );
    f.settle([id(2)]);
    assert.deepEqual(
      f.all().map((r) => r.taskId),
      [id(3)],
      'a delta removed it',
    );
    f.add(report(4));
    f.keepOnly(new Set([id(4)]));
    assert.deepEqual(
      f.all().map((r) => r.taskId),
      [id(4)],
      'a full set left it out',
    );
    f.settle([id(5)]);
    f.add(report(5));
    assert.equal(f.get(id(5)), undefined, 'removed while it was winding down: not kept once cleaned up');
  });

  it('says a task it does not run is stopped, its containers exited', () => {
    const spec = { id: id(7), containers: [{ name: 'app' }, { name: 'side' }] } as unknown as TaskSpec;
    assert.deepEqual(notRunHere(spec, 42), {
      type: 'task-state',
      taskId: id(7),
      phase: 'stopped',
      stoppedAt: 42,
      containers: [
        { name: 'app', state: 'exited', runtimeId: `${id(7)}-app` },
        { name: 'side', state: 'exited', runtimeId: `${id(7)}-side` },
      ],
    });
  });
});
