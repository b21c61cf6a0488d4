import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCluster } from '../clusters.js';
import { registerContainerInstance } from '../container-instances.js';
import { liveTasks, tasks, type TaskRecord } from '../tables.js';
import { registerTaskDefinition } from '../task-definitions/task-definitions.js';
import { applyTaskState } from '../tasks/task-state.js';
import { testControlPlaneDeps } from '../test-deps.js';
import { reconcileAll } from './controller.js';
import { failureThreshold } from './failure-detection.js';
import { createService, getService, updateService } from './services.js';
import { DEFAULT_HOLD_MS } from './stability.js';

/** A cluster whose agents run revision 1 well and revision 2 crashes a second after it starts. */
async function world() {
  const deps = { ...testControlPlaneDeps(), deploymentHoldMs: DEFAULT_HOLD_MS };
  await createCluster(deps, { clusterName: 'c' });
  await registerContainerInstance(deps, { cluster: 'c', cpu: 4096, memory: 4096, agentConnected: true });
  for (let i = 0; i < 2; i++)
    await registerTaskDefinition(deps, {
      family: 'web',
      containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64 }],
    });
  const live = () =>
    deps.store.read((tx) =>
      tx.list(liveTasks, { prefix: 'c/' }).map((e) => tx.get(tasks, `c/${e.value.taskId}`)?.value as TaskRecord),
    );
  const report = (t: TaskRecord, lastStatus: 'RUNNING' | 'STOPPED', extra: object = {}) =>
    applyTaskState(deps, 'c', t.host?.id as string, {
      taskId: t.id,
      lastStatus,
      containers: t.containers.map((c) => ({ name: c.name, lastStatus })),
      ...extra,
    });
  const faults = { crash: true };
  /** One second of the agents' life: pending tasks start, revision 2's running tasks crash. */
  const second = async () => {
    const at = deps.clock.now().getTime();
    for (const t of live()) {
      if (t.desiredStatus !== 'RUNNING')
        await report(t, 'STOPPED', { stoppedAt: at, stopCode: 'ServiceSchedulerInitiated' });
      else if (t.lastStatus !== 'RUNNING') await report(t, 'RUNNING', { startedAt: at });
      else if (faults.crash && t.taskDefinitionArn.endsWith(':2') && at - (t.startedAt ?? at) >= 1000)
        await report(t, 'STOPPED', {
          stoppedAt: at,
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
        });
    }
    await reconcileAll(deps);
    deps.clock.advance(1000);
  };
  const run = async (seconds: number) => {
    for (let i = 0; i < seconds; i++) await second();
  };
  return { deps, live, run, faults };
}

describe('deployments that must hold, and services that keep failing', () => {
  it('completes a deployment only once its tasks have held', async () => {
    const { deps, run } = await world();
    await createService(deps, { cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2 });
    await run(3);
    assert.equal(getService(deps, 'c', 'web').deployments[0]?.rolloutState, 'IN_PROGRESS', 'running is not yet held');
    await run(DEFAULT_HOLD_MS / 1000);
    const s = getService(deps, 'c', 'web');
    assert.equal(s.deployments[0]?.rolloutState, 'COMPLETED');
    assert.ok(s.steady);
  });

  it('a revision that crashes right after it starts trips the breaker and rolls back; it never completes', async () => {
    const { deps, run } = await world();
    await createService(deps, {
      cluster: 'c',
      serviceName: 'web',
      taskDefinition: 'web:1',
      desiredCount: 2,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    });
    await run(15);
    const good = getService(deps, 'c', 'web').deployments[0]?.id as string;
    await updateService(deps, { cluster: 'c', service: 'web', taskDefinition: 'web:2' });
    const bad = getService(deps, 'c', 'web').deployments[0]?.id as string;
    const rolledBack = () => getService(deps, 'c', 'web').events.some((e) => e.message.includes('rolling back'));
    for (let i = 0; i < 120 && !rolledBack(); i++) await run(1);
    const s = getService(deps, 'c', 'web');
    const messages = s.events.map((e) => e.message);
    assert.ok(!messages.includes(`(service web) (deployment ${bad}) deployment completed.`), messages.join('\n'));
    assert.ok(messages.includes(`(service web) (deployment ${bad}) deployment failed: tasks failed to start.`));
    assert.ok(messages.includes(`(service web) rolling back to deployment ${good}.`));
    const failed = s.deployments.find((d) => d.id === bad);
    assert.equal(failed?.rolloutState, 'FAILED');
    assert.ok((failed?.failedTasks ?? 0) >= failureThreshold(2));
    await run(40);
    const after = getService(deps, 'c', 'web');
    assert.ok(after.taskDefinitionArn.endsWith(':1'));
    assert.equal(after.deployments.length, 1);
    assert.equal(after.deployments[0]?.rolloutState, 'COMPLETED');
  });

  it('throttles a service whose tasks keep crashing to a handful of launches, and says so once', async () => {
    const { deps, run } = await world();
    await createService(deps, { cluster: 'c', serviceName: 'broken', taskDefinition: 'web:2', desiredCount: 1 });
    await run(600); // ten minutes
    const s = getService(deps, 'c', 'broken');
    const started = s.events.filter((e) => e.message.startsWith('(service broken) has started')).length;
    // Unthrottled, a crash loop of 1 s would start ~300 tasks in ten minutes.
    assert.ok(started >= 4 && started <= 10, `${started} launches in ten minutes`);
    const said = s.events.filter(
      (e) => e.message === '(service broken) is unable to consistently start tasks successfully.',
    );
    assert.equal(said.length, 1);
    assert.ok((s.launchFailures ?? 0) >= started - 1);
  });

  it('a task that holds ends the throttle; with resetOnHealthyTask false the breaker keeps its count', async () => {
    for (const reset of [true, false]) {
      const { deps, run, faults } = await world();
      await createService(deps, {
        cluster: 'c',
        serviceName: 'web',
        taskDefinition: 'web:2',
        desiredCount: 1,
        deploymentConfiguration: {
          deploymentCircuitBreaker: {
            enable: true,
            rollback: false,
            resetOnHealthyTask: reset,
            thresholdConfiguration: { type: 'COUNT', value: 50 },
          },
        },
      });
      await run(20);
      const before = getService(deps, 'c', 'web').deployments[0]?.failedTasks ?? 0;
      assert.ok(before >= 2);
      // The next task of the same deployment keeps running (what it needed came back, say).
      faults.crash = false;
      await run(120);
      const s = getService(deps, 'c', 'web');
      assert.equal(s.launchFailures, undefined, 'the throttle ended');
      assert.equal(s.deployments[0]?.failedTasks, reset ? 0 : before, `resetOnHealthyTask ${reset}`);
    }
  });

  it('says "has reached a steady state" once per change, not after each replaced task', async () => {
    const { deps, run, live } = await world();
    await createService(deps, { cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2 });
    await run(15);
    const steady = () =>
      getService(deps, 'c', 'web').events.filter((e) => e.message.endsWith('has reached a steady state.')).length;
    assert.equal(steady(), 1);
    // A task dies and is replaced: the service flaps and is steady again, which is no news.
    const victim = live()[0] as TaskRecord;
    await applyTaskState(deps, 'c', victim.host?.id as string, {
      taskId: victim.id,
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      containers: [],
    });
    await run(30);
    assert.equal(steady(), 1);
    await updateService(deps, { cluster: 'c', service: 'web', desiredCount: 3 });
    await run(15);
    assert.equal(steady(), 2, 'a new desired count reached is news');
  });
});
