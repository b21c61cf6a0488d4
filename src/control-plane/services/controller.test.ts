import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tasks } from '../tables.js';
import { applyTaskState } from '../tasks/task-state.js';
import { reconcileAll } from './controller.js';
import { failureThreshold } from './failure-detection.js';
import { serviceWorld } from './test-world.js';
import { services } from './model.js';
import { createService, getService, updateService } from './services.js';

const world = () => serviceWorld();

describe('the service controller', () => {
  it('starts the desired count, then reports the deployment completed and the service steady', async () => {
    const { deps, live, agentsReport } = await world();
    await createService(deps, { cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 3 });
    await reconcileAll(deps);
    assert.equal(live().length, 3);
    assert.ok(live().every((t) => t.group === 'service:web'));
    let s = getService(deps, 'c', 'web');
    assert.equal(s.deployments[0]?.pendingCount, 3);
    assert.equal(s.steady, false);
    await agentsReport();
    await reconcileAll(deps);
    s = getService(deps, 'c', 'web');
    assert.equal(s.deployments[0]?.runningCount, 3);
    assert.equal(s.deployments[0]?.rolloutState, 'COMPLETED');
    assert.deepEqual(
      s.events.map((e) => e.message.replace(/\(task [0-9a-f]+\)/g, '(task …)')),
      [
        '(service web) has reached a steady state.',
        `(service web) (deployment ${s.deployments[0]?.id}) deployment completed.`,
        '(service web) has started 3 tasks: (task …) (task …) (task …).',
      ],
    );
    await reconcileAll(deps);
    assert.equal(getService(deps, 'c', 'web').events.length, 3, 'a steady service says nothing new');
  });

  it('rolls a new revision out without leaving the bounds, one step per pass', async () => {
    const { deps, live, agentsReport } = await world();
    await createService(deps, {
      cluster: 'c',
      serviceName: 'web',
      taskDefinition: 'web:1',
      desiredCount: 4,
      deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 150 },
    });
    await reconcileAll(deps);
    await agentsReport();
    await reconcileAll(deps);
    await updateService(deps, { cluster: 'c', service: 'web', taskDefinition: 'web:2' });
    for (let pass = 0; pass < 20; pass++) {
      await reconcileAll(deps);
      const all = live();
      assert.ok(all.length <= 6, `at most 150% of 4 tasks not yet stopped, saw ${all.length}`);
      const healthy = all.filter((t) => t.desiredStatus === 'RUNNING' && t.lastStatus === 'RUNNING').length;
      assert.ok(healthy >= 2, `at least 50% of 4 healthy, saw ${healthy}`);
      await agentsReport();
      if (getService(deps, 'c', 'web').steady) break;
    }
    const s = getService(deps, 'c', 'web');
    assert.equal(s.steady, true);
    assert.equal(s.deployments.length, 1);
    assert.ok(live().every((t) => t.taskDefinitionArn.endsWith(':2')));
    assert.equal(live().length, 4);
  });

  it('trips the circuit breaker after the threshold of failed starts and rolls back', async () => {
    const { deps, live, agentsReport } = await world();
    await createService(deps, {
      cluster: 'c',
      serviceName: 'web',
      taskDefinition: 'web:1',
      desiredCount: 2,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    });
    await reconcileAll(deps);
    await agentsReport();
    await reconcileAll(deps);
    const good = getService(deps, 'c', 'web').deployments[0]?.id;
    await updateService(deps, { cluster: 'c', service: 'web', taskDefinition: 'web:2' });
    for (let pass = 0; pass < 10; pass++) {
      await reconcileAll(deps);
      // Every task of revision 2 fails to start.
      for (const t of live().filter((x) => x.taskDefinitionArn.endsWith(':2') && x.lastStatus !== 'RUNNING')) {
        await applyTaskState(deps, 'c', t.host?.id as string, {
          taskId: t.id,
          lastStatus: 'STOPPED',
          stopCode: 'TaskFailedToStart',
          stoppedReason: 'CannotPullContainerError: nope',
          containers: [],
        });
      }
      if (getService(deps, 'c', 'web').deployments.some((d) => d.rolloutState === 'FAILED')) break;
    }
    const s = getService(deps, 'c', 'web');
    const failed = s.deployments.find((d) => d.rolloutState === 'FAILED');
    assert.ok(failed, 'the deployment failed');
    assert.ok(failed.failedTasks >= failureThreshold(2), `failed ${failed.failedTasks}`);
    assert.equal(s.deployments[0]?.status, 'PRIMARY');
    assert.ok(s.deployments[0]?.taskDefinitionArn.endsWith(':1'));
    assert.equal(s.events[0]?.message, `(service web) rolling back to deployment ${good}.`);
    assert.ok(deps.store.read((tx) => tx.get(services, 'c/web')));
  });

  it('replaces a task that turns UNHEALTHY, and tags tasks as ECS manages them', async () => {
    const { deps, live, agentsReport } = await world();
    await createService(deps, {
      cluster: 'c',
      serviceName: 'web',
      taskDefinition: 'web:1',
      desiredCount: 1,
      enableECSManagedTags: true,
      propagateTags: 'SERVICE',
      tags: [{ key: 'team', value: 'blue' }],
    });
    await reconcileAll(deps);
    await agentsReport();
    await reconcileAll(deps);
    const [sick] = live();
    assert.deepEqual(sick?.tags, [
      { key: 'aws:ecs:clusterName', value: 'c' },
      { key: 'aws:ecs:serviceName', value: 'web' },
      { key: 'team', value: 'blue' },
    ]);
    await applyTaskState(deps, 'c', sick?.host?.id as string, {
      taskId: sick?.id as string,
      lastStatus: 'RUNNING',
      healthStatus: 'UNHEALTHY',
      containers: [],
    });
    await reconcileAll(deps);
    const stopped = deps.store.read((tx) => tx.get(tasks, `c/${sick?.id}`))?.value;
    assert.equal(stopped?.desiredStatus, 'STOPPED');
    assert.equal(stopped?.stoppedReason, 'Task failed container health checks');
    assert.equal(stopped?.stopCode, 'ServiceSchedulerInitiated');
    await agentsReport();
    await reconcileAll(deps);
    assert.equal(live().length, 1);
    assert.notEqual(live()[0]?.id, sick?.id, 'a replacement runs');
  });
});
