import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createLogger } from '../../kernel/logger.js';
import { createCluster } from '../clusters.js';
import { registerContainerInstance } from '../container-instances.js';
import { liveTasks } from '../tables.js';
import { registerTaskDefinition } from '../task-definitions/task-definitions.js';
import { testControlPlaneDeps } from '../test-deps.js';
import { startServiceController } from './runner.js';
import { createService, updateService } from './services.js';

const until = async (what: () => boolean) => {
  for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 5));
  return what();
};

it('syncs a service as soon as it changes, without waiting for the resync', async () => {
  const deps = testControlPlaneDeps();
  await createCluster(deps, { clusterName: 'c' });
  await registerContainerInstance(deps, { cluster: 'c', cpu: 4096, memory: 4096, agentConnected: true });
  await registerTaskDefinition(deps, {
    family: 'web',
    containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64 }],
  });
  const placed = () => deps.store.read((tx) => tx.count(liveTasks, 'c/'));
  // A resync far away: only the change itself can bring the service's tasks in time.
  const controller = startServiceController(deps, createLogger('silent'), 60_000);
  try {
    await createService(deps, { cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2 });
    assert.ok(await until(() => placed() === 2), `placed ${placed()}`);
    await updateService(deps, { cluster: 'c', service: 'web', desiredCount: 3 });
    assert.ok(await until(() => placed() === 3), `placed ${placed()}`);
  } finally {
    controller.stop();
  }
});
