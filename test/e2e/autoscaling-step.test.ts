import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { awsJson, putEachSecondUntil, sleep } from './harness.js';

// Application Auto Scaling through the AWS CLI beyond target tracking: a step policy driven by a
// custom metric the test pushes with put-metric-data (an alarm of 10-second periods calls it),
// and a scheduled action that sets the service's bounds at its time.
describe('step scaling on a custom metric and scheduled actions', () => {
  let fx: AgentFixture | undefined;
  let tracked: AgentFixture | undefined;
  after(async () => {
    await fx?.dispose();
    await tracked?.dispose();
  });

  it('steps a service out as the custom metric breaches its alarm, then sets its bounds on schedule', async () => {
    fx = await startAgentFixture();
    const f = fx;
    const { aws } = awsJson(f.berth.endpoint);
    await f.register('worker', [
      { name: 'main', image: f.imageUri, memory: 16, command: ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"] },
    ]);
    await aws([
      'ecs',
      'create-service',
      '--service-name',
      'worker',
      '--task-definition',
      'worker',
      '--desired-count',
      '1',
    ]);
    const target = [
      '--service-namespace',
      'ecs',
      '--scalable-dimension',
      'ecs:service:DesiredCount',
      '--resource-id',
      'service/default/worker',
    ];
    await aws([
      'application-autoscaling',
      'register-scalable-target',
      ...target,
      '--min-capacity',
      '1',
      '--max-capacity',
      '5',
    ]);
    const policy = await aws([
      'application-autoscaling',
      'put-scaling-policy',
      ...target,
      '--policy-name',
      'queue-depth',
      '--policy-type',
      'StepScaling',
      '--step-scaling-policy-configuration',
      JSON.stringify({
        AdjustmentType: 'ChangeInCapacity',
        Cooldown: 600,
        MetricAggregationType: 'Average',
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 50, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 50, ScalingAdjustment: 2 },
        ],
      }),
    ]);
    assert.deepEqual(policy.Alarms ?? [], [], 'a step policy makes no alarms');
    await aws([
      'cloudwatch',
      'put-metric-alarm',
      '--alarm-name',
      'queue-deep',
      '--namespace',
      'Shop',
      '--metric-name',
      'QueueDepth',
      '--statistic',
      'Average',
      '--period',
      '10',
      '--evaluation-periods',
      '1',
      '--threshold',
      '20',
      '--comparison-operator',
      'GreaterThanOrEqualToThreshold',
      '--alarm-actions',
      policy.PolicyARN,
    ]);
    // The queue is 100 deep (breach 80: the second step, +2) until the service has scaled.
    const desired = await putEachSecondUntil(
      f.berth.endpoint,
      'Shop',
      'MetricName=QueueDepth,Value=100,StorageResolution=1',
      async () => (await aws(['ecs', 'describe-services', '--services', 'worker'])).services[0].desiredCount,
      (n) => n !== 1,
      60,
    );
    assert.equal(desired, 3, 'one step of +2');
    const [activity] = (await aws(['application-autoscaling', 'describe-scaling-activities', ...target.slice(0, 2)]))
      .ScalingActivities;
    assert.equal(activity.Description, 'Setting desired count to 3.');
    assert.equal(activity.Cause, 'monitor alarm queue-deep in state ALARM triggered policy queue-depth');
    assert.equal(activity.StatusCode, 'Successful');
    const history = (
      await aws([
        'cloudwatch',
        'describe-alarm-history',
        '--alarm-name',
        'queue-deep',
        '--history-item-type',
        'StateUpdate',
      ])
    ).AlarmHistoryItems as { HistorySummary: string }[];
    assert.ok(
      history.some(
        (h) =>
          h.HistorySummary === 'Alarm updated from INSUFFICIENT_DATA to ALARM' ||
          h.HistorySummary === 'Alarm updated from OK to ALARM',
      ),
      JSON.stringify(history),
    );

    // A scheduled action 20 s from now (in Tokyo time) lowers the maximum to 2: the service follows.
    const at = new Date(Date.now() + 20_000 + 9 * 3_600_000).toISOString().slice(0, 19);
    await aws([
      'application-autoscaling',
      'put-scheduled-action',
      ...target,
      '--scheduled-action-name',
      'night',
      '--schedule',
      `at(${at})`,
      '--timezone',
      'Asia/Tokyo',
      '--scalable-target-action',
      'MinCapacity=1,MaxCapacity=2',
    ]);
    const listed = (await aws(['application-autoscaling', 'describe-scheduled-actions', '--service-namespace', 'ecs']))
      .ScheduledActions;
    assert.deepEqual(
      listed.map((a: { ScheduledActionName: string; Schedule: string }) => [a.ScheduledActionName, a.Schedule]),
      [['night', `at(${at})`]],
    );
    let bounds: [number, number] = [1, 5];
    for (let i = 0; i < 60 && bounds[1] !== 2; i++) {
      await sleep(1000);
      const t = (await aws(['application-autoscaling', 'describe-scalable-targets', '--service-namespace', 'ecs']))
        .ScalableTargets[0];
      bounds = [t.MinCapacity, t.MaxCapacity];
    }
    assert.deepEqual(bounds, [1, 2]);
    const activities = (await aws(['application-autoscaling', 'describe-scaling-activities', ...target.slice(0, 2)]))
      .ScalingActivities as { Description: string; Cause: string }[];
    assert.deepEqual(
      activities.slice(0, 2).map((a) => [a.Description, a.Cause]),
      [
        ['Setting desired count to 2.', 'maximum capacity was set to 2'],
        ['Setting min capacity to 1 and max capacity to 2', 'scheduled action name night was triggered'],
      ],
    );
    assert.equal((await aws(['ecs', 'describe-services', '--services', 'worker'])).services[0].desiredCount, 2);
  });

  it('tracks a target on a customized metric: the service scales to keep the metric at the target', async () => {
    // Target tracking's alarms in 10-second periods (AWS's are 60 s), so the scale-out comes within a minute.
    tracked = await startAgentFixture({}, { args: ['--target-tracking-alarm-period', '10'] });
    const f = tracked;
    const { aws } = awsJson(f.berth.endpoint);
    await f.register('consumer', [
      { name: 'main', image: f.imageUri, memory: 16, command: ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"] },
    ]);
    await aws([
      'ecs',
      'create-service',
      '--service-name',
      'consumer',
      '--task-definition',
      'consumer',
      '--desired-count',
      '1',
    ]);
    const target = [
      '--service-namespace',
      'ecs',
      '--scalable-dimension',
      'ecs:service:DesiredCount',
      '--resource-id',
      'service/default/consumer',
    ];
    await aws([
      'application-autoscaling',
      'register-scalable-target',
      ...target,
      '--min-capacity',
      '1',
      '--max-capacity',
      '6',
    ]);
    const policy = await aws([
      'application-autoscaling',
      'put-scaling-policy',
      ...target,
      '--policy-name',
      'backlog',
      '--policy-type',
      'TargetTrackingScaling',
      '--target-tracking-scaling-policy-configuration',
      JSON.stringify({
        TargetValue: 10,
        CustomizedMetricSpecification: {
          Namespace: 'Shop',
          MetricName: 'BacklogPerTask',
          Dimensions: [{ Name: 'Queue', Value: 'orders' }],
          Statistic: 'Average',
        },
      }),
    ]);
    const names = (policy.Alarms as { AlarmName: string }[]).map((a) => a.AlarmName);
    assert.equal(names.length, 2);
    const high = names.find((n) => n.startsWith('TargetTracking-service/default/consumer-AlarmHigh-'));
    assert.ok(high, JSON.stringify(names));
    // The alarms watch the user's own metric, with its dimensions.
    const alarm = (await aws(['cloudwatch', 'describe-alarms', '--alarm-names', high])).MetricAlarms[0];
    assert.deepEqual(
      [alarm.Namespace, alarm.MetricName, alarm.Dimensions, alarm.Statistic, alarm.Threshold],
      ['Shop', 'BacklogPerTask', [{ Name: 'Queue', Value: 'orders' }], 'Average', 10],
    );
    // 30 a task against a target of 10: one task becomes three (1 × 30 / 10).
    const desired = await putEachSecondUntil(
      f.berth.endpoint,
      'Shop',
      'MetricName=BacklogPerTask,Dimensions=[{Name=Queue,Value=orders}],Value=30,StorageResolution=1',
      async () => (await aws(['ecs', 'describe-services', '--services', 'consumer'])).services[0].desiredCount,
      (n) => n !== 1,
      90,
    );
    assert.equal(desired, 3);
    const [activity] = (await aws(['application-autoscaling', 'describe-scaling-activities', ...target.slice(0, 2)]))
      .ScalingActivities;
    assert.equal(activity.Description, 'Setting desired count to 3.');
    assert.equal(activity.Cause, `monitor alarm ${high} in state ALARM triggered policy backlog`);
  });
});
