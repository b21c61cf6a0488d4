import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listServiceDeployments } from './service-deployments.js';
import { createService, getService, updateService } from './services.js';
import { serviceWorld } from './test-world.js';

describe('deployment alarms', () => {
  it('fail a deployment when one goes into ALARM after it began, and roll it back', async () => {
    const w = await serviceWorld({ revisions: 3 });
    w.deps.deploymentHoldMs = 120_000; // deployments stay in progress long enough to be watched
    const alarms = new Map<string, { state: string; since: number }>([['errors', { state: 'OK', since: 0 }]]);
    w.deps.alarmStates = (names) =>
      names.flatMap((name) => {
        const a = alarms.get(name);
        return a ? [{ name, ...a }] : [];
      });
    await createService(w.deps, {
      cluster: 'c',
      serviceName: 'web',
      taskDefinition: 'web:1',
      desiredCount: 2,
      deploymentConfiguration: { alarms: { alarmNames: ['errors', 'gone'], enable: true, rollback: true } },
    });
    await w.run(30);
    assert.equal(getService(w.deps, 'c', 'web').deployments[0]?.rolloutState, 'COMPLETED');

    // Already in ALARM when the deployment begins: not the deployment's doing.
    alarms.set('errors', { state: 'ALARM', since: w.deps.clock.now().getTime() });
    w.deps.clock.advance(1000);
    await updateService(w.deps, { cluster: 'c', service: 'web', taskDefinition: 'web:2' });
    await w.run(2);
    assert.equal(getService(w.deps, 'c', 'web').deployments[0]?.rolloutState, 'IN_PROGRESS');
    await w.run(30);

    alarms.set('errors', { state: 'OK', since: w.deps.clock.now().getTime() });
    await updateService(w.deps, { cluster: 'c', service: 'web', taskDefinition: 'web:3' });
    await w.run(2);
    alarms.set('errors', { state: 'ALARM', since: w.deps.clock.now().getTime() });
    await w.run(1);
    const s = getService(w.deps, 'c', 'web');
    const failed = s.deployments.find((d) => d.taskDefinitionArn.endsWith(':3'));
    assert.equal(failed?.rolloutState, 'FAILED');
    assert.equal(failed?.rolloutStateReason, `ECS deployment ${failed?.id} failed: alarm(s) errors in ALARM state.`);
    assert.ok(
      s.events.some(
        (e) => e.message === `(service web) (deployment ${failed?.id}) deployment failed: alarm detected: errors.`,
      ),
    );
    await w.run(30);
    const after = getService(w.deps, 'c', 'web');
    assert.match(after.taskDefinitionArn, /:2$/, 'back on the last revision that completed');
    const [latest] = listServiceDeployments(w.deps, after);
    assert.equal(latest?.status, 'ROLLBACK_SUCCESSFUL');
    assert.deepEqual(latest?.triggeredAlarms, ['errors']);
  });
});
