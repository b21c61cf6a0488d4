import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createListener,
  createLoadBalancer,
  createRule,
  createTargetGroup,
  describeTargetHealth,
  forwardWeights,
  modifyTargetGroupAttributes,
  setTargetHealth,
  type TargetGroupRecord,
} from '../../elb/index.js';
import { isBerthError } from '../../kernel/index.js';
import { loadBalancerDeps } from './load-balancing.js';
import type { DeploymentConfiguration } from './model.js';
import { continueServiceDeployment, listServiceDeployments, stopServiceDeployment } from './service-deployments.js';
import { createService, getService, updateService } from './services.js';
import { serviceWorld } from './test-world.js';

/** A world whose `web` listens on port 80 behind an ALB rule that forwards to `blue` (and `green`, at weight 0). */
async function shiftWorld(config: Partial<DeploymentConfiguration>, holdMs = 0) {
  const w = await serviceWorld({ revisions: 3, addresses: true, app: { portMappings: [{ containerPort: 80 }] } });
  w.deps.deploymentHoldMs = holdMs;
  const elb = loadBalancerDeps(w.deps);
  const lb = await createLoadBalancer(elb, { Name: 'web' });
  const blue = await createTargetGroup(elb, { Name: 'blue', Protocol: 'HTTP', Port: 80 });
  const green = await createTargetGroup(elb, { Name: 'green', Protocol: 'HTTP', Port: 80 });
  for (const tg of [blue, green])
    await modifyTargetGroupAttributes(elb, tg.arn, [{ Key: 'deregistration_delay.timeout_seconds', Value: '0' }]);
  const l = await createListener(
    elb,
    {
      LoadBalancerArn: lb.arn,
      Port: 80,
      DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }],
    },
    async () => true,
  );
  const rule = await createRule(elb, {
    ListenerArn: l.arn,
    Priority: 1,
    Conditions: [{ Field: 'path-pattern', Values: ['/*'] }],
    Actions: [{ Type: 'forward', TargetGroupArn: blue.arn }],
  });
  await createService(w.deps, {
    cluster: 'c',
    serviceName: 'web',
    taskDefinition: 'web:1',
    desiredCount: 2,
    loadBalancers: [
      {
        targetGroupArn: blue.arn,
        containerName: 'app',
        containerPort: 80,
        advancedConfiguration: { alternateTargetGroupArn: green.arn, productionListenerRule: rule.arn },
      },
    ],
    deploymentConfiguration: config,
  });
  /** Every registered target passes its health checks (the data plane's part, here by hand). */
  const healthy = async () => {
    for (const tg of [blue, green])
      for (const t of describeTargetHealth(elb, tg.arn))
        if (t.state !== 'draining') await setTargetHealth(elb, `${tg.id}/${t.targetId}/${t.port}`, 'healthy');
  };
  const pass = async (n = 1) => {
    for (let i = 0; i < n; i++) {
      await w.run(1);
      await healthy();
    }
  };
  const weights = () =>
    Object.fromEntries(forwardWeights(elb, rule.arn).map((x) => [x.arn === blue.arn ? 'blue' : 'green', x.weight]));
  const registered = (tg: TargetGroupRecord) =>
    describeTargetHealth(elb, tg.arn).filter((t) => t.state !== 'draining').length;
  const revisions = () =>
    w
      .live()
      .filter((t) => t.desiredStatus === 'RUNNING')
      .map((t) => t.taskDefinitionArn.slice(-1));
  const current = () => listServiceDeployments(w.deps, getService(w.deps, 'c', 'web'))[0];
  await pass(4);
  return { ...w, elb, blue, green, rule, pass, weights, registered, revisions, current };
}

const HOLD: Partial<DeploymentConfiguration> = {
  strategy: 'BLUE_GREEN',
  bakeTimeInMinutes: 1,
  lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_PRODUCTION_TRAFFIC_SHIFT'] }],
};

describe('blue/green deployments', () => {
  it('brings green up in full beside blue, shifts production at once, bakes, then stops blue', async () => {
    const w = await shiftWorld(HOLD);
    assert.deepEqual(w.revisions(), ['1', '1']);
    assert.equal(w.registered(w.blue), 2, 'the first deployment registers in the target group');
    await updateService(w.deps, { cluster: 'c', service: 'web', taskDefinition: 'web:2' });
    await w.pass(1);
    assert.deepEqual(w.weights(), { blue: 999, green: 0 }, 'the production rule forwards to both, green at 0');
    await w.pass(4);
    assert.deepEqual(w.revisions().sort(), ['1', '1', '2', '2'], 'green runs in full beside blue');
    assert.equal(w.registered(w.green), 2);
    assert.deepEqual(w.weights(), { blue: 0, green: 999 }, 'production shifted at once');
    const d = w.current();
    assert.equal(d?.status, 'IN_PROGRESS');
    assert.equal(d?.lifecycleStage, 'POST_PRODUCTION_TRAFFIC_SHIFT');
    const hook = d?.hooks?.[0];
    assert.equal(hook?.status, 'AWAITING_ACTION', 'paused at its hook');
    await continueServiceDeployment(w.deps, d?.arn ?? '', hook?.id, 'CONTINUE');
    await w.pass(2);
    assert.equal(w.current()?.lifecycleStage, 'BAKE_TIME');
    assert.equal(w.revisions().length, 4, 'blue is kept through the bake time');
    await w.pass(14);
    assert.deepEqual(w.revisions(), ['2', '2']);
    assert.equal(w.current()?.status, 'SUCCESSFUL');
    assert.equal(w.current()?.hooks?.[0]?.status, 'SUCCEEDED');
    assert.equal(w.registered(w.blue), 0);
    assert.equal(getService(w.deps, 'c', 'web').deployments[0]?.rolloutState, 'COMPLETED');
    // The next deployment's green is the group production left.
    await updateService(w.deps, { cluster: 'c', service: 'web', taskDefinition: 'web:3' });
    await w.pass(5);
    assert.equal(w.registered(w.blue), 2);
    assert.deepEqual(w.weights(), { blue: 999, green: 0 });
  });

  it('rolls back to blue at once when a hook says ROLLBACK', async () => {
    const w = await shiftWorld(HOLD);
    await updateService(w.deps, { cluster: 'c', service: 'web', taskDefinition: 'web:2' });
    await w.pass(5);
    const d = w.current();
    await continueServiceDeployment(w.deps, d?.arn ?? '', d?.hooks?.[0]?.id, 'ROLLBACK');
    await w.pass(1);
    assert.deepEqual(w.weights(), { blue: 999, green: 0 }, 'traffic is back on blue in one pass');
    await w.pass(4);
    assert.deepEqual(w.revisions(), ['1', '1']);
    const after = listServiceDeployments(w.deps, getService(w.deps, 'c', 'web')).find((x) => x.arn === d?.arn);
    assert.equal(after?.status, 'ROLLBACK_SUCCESSFUL');
    assert.match(after?.rollback?.serviceRevisionArn ?? '', /:service-revision\/c\/web\/\d{19}$/);
    assert.match(getService(w.deps, 'c', 'web').taskDefinitionArn, /:1$/);
    await assert.rejects(
      async () => continueServiceDeployment(w.deps, d?.arn ?? '', d?.hooks?.[0]?.id),
      (e) => isBerthError(e) && e.kind === 'InvalidParameter',
      'a hook already answered is not awaiting action',
    );
  });

  it('rolls back to a blue whose own deployment had not completed yet, blue staying in its target group', async () => {
    const w = await shiftWorld(HOLD, 60_000);
    assert.equal(getService(w.deps, 'c', 'web').deployments[0]?.rolloutState, 'IN_PROGRESS');
    await updateService(w.deps, { cluster: 'c', service: 'web', taskDefinition: 'web:2' });
    await w.pass(5);
    const d = w.current();
    await continueServiceDeployment(w.deps, d?.arn ?? '', d?.hooks?.[0]?.id, 'ROLLBACK');
    await w.pass(16);
    assert.deepEqual(w.weights(), { blue: 999, green: 0 });
    assert.equal(w.registered(w.blue), 2);
    assert.equal(w.registered(w.green), 0);
    assert.deepEqual(w.revisions(), ['1', '1']);
    const s = getService(w.deps, 'c', 'web');
    assert.deepEqual(
      s.deployments.map((x) => x.rolloutState),
      ['COMPLETED'],
    );
    assert.equal(listServiceDeployments(w.deps, s).find((x) => x.arn === d?.arn)?.status, 'ROLLBACK_SUCCESSFUL');
  });

  it('rolls a shift back on StopServiceDeployment, the old tasks untouched', async () => {
    const w = await shiftWorld(HOLD);
    const before = w.live().map((t) => t.id);
    await updateService(w.deps, { cluster: 'c', service: 'web', taskDefinition: 'web:2' });
    await w.pass(5);
    await stopServiceDeployment(w.deps, w.current()?.arn ?? '', 'ROLLBACK');
    assert.deepEqual(w.weights(), { blue: 999, green: 0 });
    await w.pass(4);
    assert.deepEqual(
      w.live().map((t) => t.id),
      before,
      'blue keeps the tasks it had',
    );
  });

  it('shifts a linear deployment step by step, each step after its bake time', async () => {
    const w = await shiftWorld({
      strategy: 'LINEAR',
      bakeTimeInMinutes: 0,
      linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 1 },
    });
    await updateService(w.deps, { cluster: 'c', service: 'web', taskDefinition: 'web:2' });
    await w.pass(5);
    assert.deepEqual(w.weights(), { blue: 499, green: 500 });
    await w.pass(12);
    assert.deepEqual(w.weights(), { blue: 0, green: 999 });
    await w.pass(4);
    assert.deepEqual(w.revisions(), ['2', '2']);
    assert.equal(w.current()?.status, 'SUCCESSFUL');
  });

  it('refuses a shifting strategy without its load balancer settings, Lambda hooks, or a bake time', async () => {
    const w = await shiftWorld({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0 });
    const refusal = async (fn: () => unknown) => {
      try {
        await fn();
      } catch (e) {
        assert.ok(isBerthError(e), String(e));
        return `${e.kind} ${String(e.detail.field ?? '')}`;
      }
      assert.fail('expected a refusal');
    };
    const base = { cluster: 'c', taskDefinition: 'web:1', desiredCount: 1 };
    const lbs = [{ targetGroupArn: w.blue.arn, containerName: 'app', containerPort: 80 }];
    assert.equal(
      await refusal(() =>
        createService(w.deps, {
          ...base,
          serviceName: 'a',
          loadBalancers: lbs,
          deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0 },
        }),
      ),
      'InvalidParameter loadBalancers[0].advancedConfiguration',
    );
    assert.equal(
      await refusal(() =>
        createService(w.deps, { ...base, serviceName: 'b', deploymentConfiguration: { strategy: 'BLUE_GREEN' } }),
      ),
      'InvalidParameter deploymentConfiguration.bakeTimeInMinutes',
    );
    assert.match(
      await refusal(() =>
        updateService(w.deps, {
          cluster: 'c',
          service: 'web',
          deploymentConfiguration: { lifecycleHooks: [{ lifecycleStages: ['POST_SCALE_UP'] }] },
        }),
      ),
      /^NotImplemented/,
    );
    assert.equal(
      await refusal(() =>
        updateService(w.deps, {
          cluster: 'c',
          service: 'web',
          deploymentConfiguration: { linearConfiguration: { stepPercent: 2, stepBakeTimeInMinutes: 1 } },
        }),
      ),
      'InvalidParameter deploymentConfiguration.linearConfiguration',
    );
  });
});
