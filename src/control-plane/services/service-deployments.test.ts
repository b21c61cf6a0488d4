import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../kernel/index.js';
import { createCluster } from '../clusters.js';
import { registerContainerInstance } from '../container-instances.js';
import { liveTasks, tasks, type TaskRecord } from '../tables.js';
import { registerTaskDefinition } from '../task-definitions/task-definitions.js';
import { applyTaskState } from '../tasks/task-state.js';
import { testControlPlaneDeps } from '../test-deps.js';
import { reconcileAll } from './controller.js';
import { findServiceRevision, listServiceDeployments, stopServiceDeployment } from './service-deployments.js';
import { createService, getService, updateService } from './services.js';

/** A cluster of two instances, three revisions of `web`, and agents that run whatever they are given. */
function world() {
  const deps = testControlPlaneDeps();
  createCluster(deps, { clusterName: 'c' });
  for (let i = 0; i < 2; i++)
    registerContainerInstance(deps, { cluster: 'c', cpu: 2048, memory: 2048, agentConnected: true });
  for (let i = 0; i < 3; i++)
    registerTaskDefinition(deps, {
      family: 'web',
      containerDefinitions: [{ name: 'app', image: 'busybox', memory: 128 }],
    });
  const live = () =>
    deps.store.read((tx) =>
      tx.list(liveTasks, { prefix: 'c/' }).map((e) => tx.get(tasks, `c/${e.value.taskId}`)?.value as TaskRecord),
    );
  const run = (passes = 10) => {
    for (let i = 0; i < passes; i++) {
      // Each pass 5 s later: a deployment completes once its tasks have held for 10 s.
      deps.clock.advance(5000);
      reconcileAll(deps);
      for (const t of live()) {
        const lastStatus = t.desiredStatus === 'RUNNING' ? 'RUNNING' : 'STOPPED';
        if (t.lastStatus === lastStatus) continue;
        applyTaskState(deps, 'c', t.host?.id as string, {
          taskId: t.id,
          lastStatus,
          ...(lastStatus === 'RUNNING'
            ? { startedAt: deps.clock.now().getTime() }
            : { stoppedAt: deps.clock.now().getTime() }),
          containers: t.containers.map((c) => ({ name: c.name, lastStatus })),
        });
      }
    }
  };
  return { deps, run };
}

describe('service deployments', () => {
  it('records each update as a service deployment with its source and target revisions', () => {
    const { deps, run } = world();
    createService(deps, { cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2 });
    run();
    updateService(deps, { cluster: 'c', service: 'web', taskDefinition: 'web:2' });
    const s = getService(deps, 'c', 'web');
    const [second, first] = listServiceDeployments(deps, s);
    assert.equal(first?.status, 'SUCCESSFUL');
    assert.ok(first?.finishedAt);
    assert.equal(second?.status, 'IN_PROGRESS');
    assert.match(second?.arn ?? '', /^arn:aws:ecs:us-east-1:\d{12}:service-deployment\/c\/web\/\d{19}$/);
    assert.deepEqual(second?.sources, [first?.target.arn]);
    assert.match(findServiceRevision(deps, second?.target.arn ?? '')?.taskDefinition ?? '', /:2$/);
    run();
    assert.equal(listServiceDeployments(deps, s)[0]?.status, 'SUCCESSFUL');
    assert.deepEqual(listServiceDeployments(deps, s, ['IN_PROGRESS']), []);
  });

  it('rolls a deployment in progress back on request, and marks one replaced before it finished STOPPED', () => {
    const { deps, run } = world();
    createService(deps, { cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2 });
    run();
    updateService(deps, { cluster: 'c', service: 'web', taskDefinition: 'web:2' });
    updateService(deps, { cluster: 'c', service: 'web', taskDefinition: 'web:3' });
    run();
    const s = getService(deps, 'c', 'web');
    const [third, second, first] = listServiceDeployments(deps, s);
    assert.deepEqual([third?.status, second?.status, first?.status], ['SUCCESSFUL', 'STOPPED', 'SUCCESSFUL']);
    assert.equal(second?.statusReason, 'Service deployment was superseded by a newer one.');

    updateService(deps, { cluster: 'c', service: 'web', taskDefinition: 'web:1' });
    const fourth = listServiceDeployments(deps, s)[0];
    assert.equal(fourth?.status, 'IN_PROGRESS');
    stopServiceDeployment(deps, fourth?.arn ?? '', 'ROLLBACK');
    assert.equal(listServiceDeployments(deps, s)[0]?.status, 'ROLLBACK_IN_PROGRESS');
    run();
    const back = listServiceDeployments(deps, s)[0];
    assert.equal(back?.status, 'ROLLBACK_SUCCESSFUL');
    assert.equal(back?.rollback?.serviceRevisionArn, third?.target.arn, 'back to the last revision that completed');
    assert.match(getService(deps, 'c', 'web').taskDefinitionArn, /:3$/);
    const refused = (() => {
      try {
        stopServiceDeployment(deps, back?.arn ?? '', 'ROLLBACK');
      } catch (e) {
        return e;
      }
    })();
    assert.ok(isBerthError(refused) && refused.detail.reason === 'not-in-progress');
  });
});
