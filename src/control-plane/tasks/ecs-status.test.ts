import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ecsReport, ecsStop, OOM_REASON, type TaskStateReport } from './ecs-status.js';

const id = 'a'.repeat(32);

describe('ECS words for a host’s report', () => {
  it('names phases, container states, health and failures as ECS does', () => {
    const r = ecsReport({
      taskId: id,
      phase: 'stopped',
      health: 'unhealthy',
      ended: { cause: 'essential-exited' },
      stoppedAt: 9,
      containers: [
        { name: 'app', state: 'exited', exitCode: 137, failure: { cause: 'oom-killed' }, health: 'unhealthy' },
        { name: 'side', state: 'running', runtimeId: 'r', networkBindings: [{ hostPort: 80 }] },
        { name: 'later', state: 'waiting' },
      ],
    });
    assert.equal(r?.lastStatus, 'STOPPED');
    assert.equal(r?.healthStatus, 'UNHEALTHY');
    assert.equal(r?.stopCode, 'EssentialContainerExited');
    assert.equal(r?.stoppedReason, 'Essential container in task exited');
    assert.deepEqual(r?.containers.get('app'), {
      lastStatus: 'STOPPED',
      exitCode: 137,
      reason: OOM_REASON,
      healthStatus: 'UNHEALTHY',
    });
    assert.deepEqual(r?.containers.get('side'), {
      lastStatus: 'RUNNING',
      runtimeId: 'r',
      networkBindings: [{ hostPort: 80 }],
    });
    assert.equal(r?.containers.get('later')?.lastStatus, 'PENDING');
    for (const [phase, status] of [
      ['preparing', 'PROVISIONING'],
      ['pulling', 'PENDING'],
      ['starting', 'ACTIVATING'],
      ['running', 'RUNNING'],
    ] as const)
      assert.equal(ecsReport({ taskId: id, phase, containers: [] })?.lastStatus, status);
  });

  it('says each failure to start with its ECS error name', () => {
    assert.deepEqual(ecsStop({ cause: 'image-pull', message: 'registry down' }), {
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'CannotPullContainerError: registry down',
    });
    assert.equal(
      ecsStop({ cause: 'sandbox', message: 'no veth' }).stoppedReason,
      'CannotCreateContainerError: no veth',
    );
    assert.equal(
      ecsStop({ cause: 'container-start', message: 'exec: no such file' }).stoppedReason,
      'CannotStartContainerError: exec: no such file',
    );
    assert.equal(
      ecsStop({ cause: 'refused', message: 'ResourceInitializationError: unable to pull secrets' }).stoppedReason,
      'ResourceInitializationError: unable to pull secrets',
    );
  });

  it('takes an earlier agent’s report, already in ECS’s words, as it is; a report with no status is none', () => {
    const old: TaskStateReport = {
      taskId: id,
      lastStatus: 'STOPPED',
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'CannotPullContainerError: x',
      healthStatus: 'UNKNOWN',
      executionStoppedAt: 4,
      containers: [{ name: 'app', lastStatus: 'STOPPED', reason: 'why', healthStatus: 'HEALTHY' }],
    };
    const r = ecsReport(old);
    assert.equal(r?.lastStatus, 'STOPPED');
    assert.equal(r?.stoppedReason, 'CannotPullContainerError: x');
    assert.equal(r?.executionStoppedAt, 4);
    assert.deepEqual(r?.containers.get('app'), { lastStatus: 'STOPPED', reason: 'why', healthStatus: 'HEALTHY' });
    assert.equal(ecsReport({ taskId: id, containers: [] }), undefined);
  });
});
