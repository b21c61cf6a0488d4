import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCluster } from '../clusters.js';
import { registerContainerInstance } from '../container-instances.js';
import { registerTaskDefinition } from '../task-definitions/task-definitions.js';
import { testControlPlaneDeps } from '../test-deps.js';
import { purgeStoppedTasks } from './retention.js';
import { runTask } from './run-task.js';
import { applyTaskState } from './task-state.js';
import { findTask } from './tasks.js';

test('stopped tasks are forgotten an hour after they stopped, running ones never', async () => {
  const deps = testControlPlaneDeps();
  await createCluster(deps, { clusterName: 'c' });
  const inst = await registerContainerInstance(deps, { cluster: 'c', cpu: 1024, memory: 1024, agentConnected: true });
  await registerTaskDefinition(deps, {
    family: 'web',
    containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64 }],
  });
  const [done, alive] = (await runTask(deps, { cluster: 'c', taskDefinition: 'web', count: 2 })).tasks;
  await applyTaskState(deps, 'c', inst.id, {
    taskId: done?.id as string,
    lastStatus: 'STOPPED',
    stoppedAt: deps.clock.now().getTime(),
    containers: [],
  });
  deps.clock.advance(59 * 60_000);
  assert.equal(await purgeStoppedTasks(deps), 0, 'kept for the hour');
  deps.clock.advance(2 * 60_000);
  assert.equal(await purgeStoppedTasks(deps), 1);
  assert.equal(findTask(deps, 'c', done?.id as string), undefined);
  assert.ok(findTask(deps, 'c', alive?.id as string), 'a task still running stays');
});
