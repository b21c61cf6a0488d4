import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCluster } from '../clusters.js';
import { registerContainerInstance } from '../container-instances.js';
import { registerTaskDefinition } from '../task-definitions/task-definitions.js';
import { testControlPlaneDeps } from '../test-deps.js';
import { runTask } from './run-task.js';
import { applyTaskState } from './task-state.js';

test('a task without an interface of its own starts PENDING, an awsvpc one PROVISIONING, as on ECS', async () => {
  const deps = testControlPlaneDeps();
  await createCluster(deps, { clusterName: 'c' });
  const inst = await registerContainerInstance(deps, {
    cluster: 'c',
    cpu: 2048,
    memory: 2048,
    agentConnected: true,
    attributes: [{ name: 'ecs.capability.task-eni' }],
  });
  for (const mode of ['bridge', 'awsvpc'])
    await registerTaskDefinition(deps, {
      family: mode,
      networkMode: mode,
      containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64 }],
    });
  const bridge = (await runTask(deps, { cluster: 'c', taskDefinition: 'bridge' })).tasks[0];
  const vpc = (
    await runTask(deps, {
      cluster: 'c',
      taskDefinition: 'awsvpc',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
    })
  ).tasks[0];
  assert.equal(bridge?.lastStatus, 'PENDING');
  assert.equal(bridge?.containers[0]?.cpu, '0', 'a container that reserves no CPU shows 0');
  assert.equal(vpc?.lastStatus, 'PROVISIONING');
  // The agent provisions the bridge task: ECS would show it PENDING all the same.
  const after = await applyTaskState(deps, 'c', inst.id, {
    taskId: bridge?.id as string,
    lastStatus: 'PROVISIONING',
    pullStartedAt: 5,
    containers: [],
  });
  assert.equal(after?.lastStatus, 'PENDING');
  assert.equal(after?.pullStartedAt, 5);
});
