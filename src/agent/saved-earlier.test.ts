import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromEarlierAgent as convert } from './saved-earlier.js';
import type { LocalTask } from './task-state.js';

const fromEarlierAgent = (saved: unknown) => convert(saved) as LocalTask | undefined;

describe('a task saved by an agent of an earlier version', () => {
  it('is read in this version’s words', () => {
    const t = fromEarlierAgent({
      spec: { id: 'x' },
      lastStatus: 'RUNNING',
      startedAt: 5,
      bindings: [],
      containers: {
        app: { lastStatus: 'RUNNING', runtimeId: 'x-app', healthStatus: 'HEALTHY', startedAt: 5 },
        init: { lastStatus: 'STOPPED', runtimeId: 'x-init', exitCode: 0 },
        oom: {
          lastStatus: 'STOPPED',
          runtimeId: 'x-oom',
          exitCode: 137,
          reason: 'OutOfMemoryError: Container killed due to memory usage',
        },
        bad: { lastStatus: 'STOPPED', runtimeId: 'x-bad', reason: 'CannotStartContainerError: no such file' },
        later: { lastStatus: 'PENDING', runtimeId: 'x-later' },
      },
    });
    assert.equal(t?.phase, 'running');
    assert.equal(t?.startedAt, 5);
    assert.deepEqual(t?.containers['app'], { runtimeId: 'x-app', startedAt: 5, state: 'running', health: 'healthy' });
    assert.deepEqual(t?.containers['init'], { runtimeId: 'x-init', exitCode: 0, state: 'exited' });
    assert.deepEqual(t?.containers['oom']?.failure, { cause: 'oom-killed' });
    assert.deepEqual(t?.containers['bad']?.failure, { cause: 'container-start', message: 'no such file' });
    assert.equal(t?.containers['later']?.state, 'waiting');
    assert.equal('lastStatus' in (t as object), false);
  });

  it('keeps why it ended, in the words the face will show again', () => {
    const exited = fromEarlierAgent({
      spec: {},
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: {},
    });
    assert.deepEqual(exited?.ended, { cause: 'essential-exited' });
    assert.equal(exited?.phase, 'stopped');
    const failed = fromEarlierAgent({
      spec: {},
      lastStatus: 'PENDING',
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'CannotPullContainerError: registry down',
      containers: {},
    });
    assert.deepEqual(failed?.ended, { cause: 'refused', message: 'CannotPullContainerError: registry down' });
    assert.equal(failed?.phase, 'pulling');
  });

  it('leaves a task saved by this version as it is, and refuses what is no task', () => {
    const now = { spec: {}, phase: 'starting', containers: { a: { state: 'waiting', runtimeId: 'r' } }, bindings: [] };
    assert.equal(fromEarlierAgent(now), now);
    assert.equal(fromEarlierAgent(null), undefined);
    assert.equal(fromEarlierAgent('RUNNING'), undefined);
  });
});
