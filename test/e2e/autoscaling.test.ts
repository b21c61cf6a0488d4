import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { awsCli } from './harness.js';

// Application Auto Scaling through the AWS CLI on a real busy container: the agent reports usage
// every second (--usage-interval 1) and the target-tracking alarms use 10-second periods instead of
// AWS's 60 (--target-tracking-alarm-period 10), so scaling happens within a minute.
describe('target tracking on ECSServiceAverageCPUUtilization', () => {
  let fx: AgentFixture | undefined;
  after(async () => fx?.dispose());

  it('scales a busy service out to its maximum as AlarmHigh says, and back in once idle as AlarmLow says', async () => {
    fx = await startAgentFixture({}, { args: ['--usage-interval', '1', '--target-tracking-alarm-period', '10'] });
    const f = fx;
    const aws = async (args: string[]) => {
      const r = await awsCli(f.berth.endpoint, args);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout || '{}');
    };
    await f.register(
      'burn',
      // Busy for its first 40 seconds (a whole core: four times its 256 units), then idle.
      [
        {
          name: 'main',
          image: f.imageUri,
          memory: 64,
          command: [
            'sh',
            '-c',
            'end=$(($(date +%s) + 40)); while [ $(date +%s) -lt $end ]; do :; done; exec sleep 3600',
          ],
        },
      ],
      ['--cpu', '256', '--memory', '64'],
    );
    await aws(['ecs', 'create-service', '--service-name', 'burn', '--task-definition', 'burn', '--desired-count', '1']);
    const target = ['--service-namespace', 'ecs', '--scalable-dimension', 'ecs:service:DesiredCount'];
    await aws([
      'application-autoscaling',
      'register-scalable-target',
      ...target,
      '--resource-id',
      'service/default/burn',
      '--min-capacity',
      '1',
      '--max-capacity',
      '2',
    ]);
    const policy = await aws([
      'application-autoscaling',
      'put-scaling-policy',
      ...target,
      '--resource-id',
      'service/default/burn',
      '--policy-name',
      'cpu50',
      '--policy-type',
      'TargetTrackingScaling',
      '--target-tracking-scaling-policy-configuration',
      JSON.stringify({
        TargetValue: 50,
        ScaleInCooldown: 0,
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      }),
    ]);
    assert.match(
      policy.PolicyARN,
      /^arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:[0-9a-f-]{36}:resource\/ecs\/service\/default\/burn:policyName\/cpu50$/,
    );
    assert.equal(policy.Alarms.length, 2);
    // Three 10-second periods over 50 % after the task runs, then the next evaluation (every 10 s).
    let desired = 1;
    for (let i = 0; i < 120 && desired < 2; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      desired = (await aws(['ecs', 'describe-services', '--services', 'burn'])).services[0].desiredCount;
    }
    const high = await aws([
      'cloudwatch',
      'describe-alarms',
      '--alarm-name-prefix',
      'TargetTracking-service/default/burn-AlarmHigh',
    ]);
    assert.equal(desired, 2, `scaled out to MaxCapacity; AlarmHigh: ${JSON.stringify(high.MetricAlarms[0])}`);
    assert.equal(high.MetricAlarms[0].StateValue, 'ALARM');
    assert.match(high.MetricAlarms[0].StateReason, /^Threshold Crossed: 3 out of the last 3 datapoints \[/);
    const acts = await aws([
      'application-autoscaling',
      'describe-scaling-activities',
      '--service-namespace',
      'ecs',
      '--resource-id',
      'service/default/burn',
    ]);
    const act = acts.ScalingActivities[0] as { Description: string; Cause: string; StatusCode: string };
    assert.equal(act.Description, 'Setting desired count to 2.');
    assert.match(
      act.Cause,
      /^monitor alarm TargetTracking-service\/default\/burn-AlarmHigh-[0-9a-f-]{36} in state ALARM triggered policy cpu50$/,
    );
    assert.equal(act.StatusCode, 'Successful');

    // Both tasks idle: AlarmLow (15 periods under 45 %) goes to ALARM and the service scales in.
    for (let i = 0; i < 300 && desired > 1; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      desired = (await aws(['ecs', 'describe-services', '--services', 'burn'])).services[0].desiredCount;
    }
    const low = await aws([
      'cloudwatch',
      'describe-alarms',
      '--alarm-name-prefix',
      'TargetTracking-service/default/burn-AlarmLow',
    ]);
    assert.equal(desired, 1, `scaled in to MinCapacity; AlarmLow: ${JSON.stringify(low.MetricAlarms[0])}`);
    assert.equal(low.MetricAlarms[0].StateValue, 'ALARM');
    assert.match(low.MetricAlarms[0].StateReason, /^Threshold Crossed: 15 out of the last 15 datapoints \[/);
    const [scaledIn] = (
      await aws([
        'application-autoscaling',
        'describe-scaling-activities',
        '--service-namespace',
        'ecs',
        '--resource-id',
        'service/default/burn',
      ])
    ).ScalingActivities as { Description: string; Cause: string; StatusCode: string }[];
    assert.equal(scaledIn?.Description, 'Setting desired count to 1.');
    assert.match(
      scaledIn?.Cause ?? '',
      /^monitor alarm TargetTracking-service\/default\/burn-AlarmLow-[0-9a-f-]{36} in state ALARM triggered policy cpu50$/,
    );
    await aws(['ecs', 'delete-service', '--service', 'burn', '--force']);
  });
});
