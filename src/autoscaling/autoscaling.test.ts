import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../kernel/clock.js';
import { isBerthError } from '../kernel/index.js';
import { describeAlarms, evaluateAlarms, putMetricAlarm, recordMetrics } from '../metrics/index.js';
import { MemoryStore } from '../store/memory-store.js';
import { localShared } from '../store/shared-local.js';
import {
  deleteScheduledAction,
  deregisterScalableTarget,
  describeScheduledActions,
  putScheduledAction,
  describeScalableTargets,
  describeScalingActivities,
  describeScalingPolicies,
  putScalingPolicy,
  registerScalableTarget,
  runScaling,
  type AutoscalingDeps,
} from './index.js';
import { adjusted } from './step-scaling.js';

const T0 = Date.UTC(2026, 11, 2, 12, 0);
const RID = 'service/default/web';
const target = { ServiceNamespace: 'ecs', ResourceId: RID, ScalableDimension: 'ecs:service:DesiredCount' };

function world() {
  const counts = new Map<string, number>([[RID, 1]]);
  const clock = new ManualClock(T0);
  const deps: AutoscalingDeps = {
    store: localShared(new MemoryStore()),
    clock,
    accountId: '000000000000',
    region: 'us-east-1',
    ecs: { desiredCount: (id) => counts.get(id), setDesiredCount: async (id, n) => void counts.set(id, n) },
  };
  /** The service's CPU for `minutes` whole minutes from now, then the clock past them and a pass. */
  const cpu = async (value: number, minutes: number) => {
    for (let i = 0; i < minutes; i++) {
      await recordMetrics(deps, 'AWS/ECS', [
        {
          MetricName: 'CPUUtilization',
          Dimensions: [
            { Name: 'ClusterName', Value: 'default' },
            { Name: 'ServiceName', Value: 'web' },
          ],
          Value: value,
          Unit: 'Percent',
        },
      ]);
      clock.advance(60_000);
    }
    await evaluateAlarms(deps);
    await runScaling(deps);
  };
  return { deps, counts, clock, cpu };
}
const failure = async (f: () => unknown) => {
  try {
    await f();
  } catch (e) {
    return isBerthError(e) ? `${e.kind}:${e.detail.field ?? e.detail.resource ?? ''}` : String(e);
  }
  return 'none';
};

describe('Application Auto Scaling of an ECS service', () => {
  it('tracks a CPU target: its alarms, scaling out by the ratio, the cooldown, scaling in, the activities', async () => {
    const { deps, counts, cpu } = world();
    await registerScalableTarget(deps, { ...target, MinCapacity: 1, MaxCapacity: 4 });
    const p = await putScalingPolicy(deps, {
      ...target,
      PolicyName: 'cpu50',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 50,
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        ScaleInCooldown: 60,
      },
    });
    assert.match(
      p.PolicyARN,
      /^arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:[0-9a-f-]{36}:resource\/ecs\/service\/default\/web:policyName\/cpu50$/,
    );
    assert.deepEqual(
      p.Alarms.map((a) => a.AlarmName.replace(/[0-9a-f-]{36}$/, '<uuid>')),
      ['TargetTracking-service/default/web-AlarmHigh-<uuid>', 'TargetTracking-service/default/web-AlarmLow-<uuid>'],
    );
    const [high, low] = describeAlarms(deps, { AlarmNames: p.Alarms.map((a) => a.AlarmName) }).sort((a, b) =>
      a.AlarmName.includes('High') ? -1 : b.AlarmName.includes('High') ? 1 : 0,
    );
    assert.deepEqual(
      [high?.EvaluationPeriods, high?.Threshold, high?.ComparisonOperator, high?.AlarmActions],
      [3, 50, 'GreaterThanThreshold', [p.PolicyARN]],
    );
    assert.deepEqual([low?.EvaluationPeriods, low?.Threshold, low?.ComparisonOperator], [15, 45, 'LessThanThreshold']);
    await cpu(150, 3);
    assert.equal(counts.get(RID), 3, 'ceil(1 × 150 / 50)');
    const [act] = describeScalingActivities(deps, 'ecs', RID);
    assert.equal(act?.Description, 'Setting desired count to 3.');
    assert.equal(act?.Cause, `monitor alarm ${high?.AlarmName} in state ALARM triggered policy cpu50`);
    assert.equal(act?.StatusMessage, 'Successfully set desired count to 3. Change successfully fulfilled by ecs.');
    await cpu(150, 1);
    assert.equal(counts.get(RID), 3, 'within the scale-out cooldown (300 s)');
    await cpu(200, 5);
    assert.equal(counts.get(RID), 4, 'held to MaxCapacity');
    await cpu(10, 15);
    assert.equal(counts.get(RID), 1, 'scaled in toward ceil(4 × 10 / 50), not under MinCapacity');
    assert.equal(describeScalingActivities(deps, 'ecs').length, 3);
    assert.equal(describeScalingPolicies(deps, 'ecs', RID)[0]?.PolicyName, 'cpu50');
    await deregisterScalableTarget(deps, 'ecs', RID, 'ecs:service:DesiredCount');
    assert.deepEqual(describeScalableTargets(deps, 'ecs'), []);
    assert.deepEqual(describeAlarms(deps, {}), [], 'the policy’s alarms went with it');
  });

  it('brings a service within its capacities, never scales in when told not to, and refuses what it cannot do', async () => {
    const { deps, counts, cpu } = world();
    await registerScalableTarget(deps, { ...target, MinCapacity: 2, MaxCapacity: 3 });
    await runScaling(deps);
    assert.equal(counts.get(RID), 2, 'raised to MinCapacity');
    await putScalingPolicy(deps, {
      ...target,
      PolicyName: 'mem',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 70,
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageMemoryUtilization' },
        DisableScaleIn: true,
      },
    });
    assert.equal(describeAlarms(deps, {}).length, 1, 'no low alarm when scale-in is disabled');
    await cpu(1, 16);
    assert.equal(counts.get(RID), 2);
    assert.equal(
      await failure(() =>
        registerScalableTarget(deps, { ...target, ResourceId: 'service/default/nope', MinCapacity: 1, MaxCapacity: 2 }),
      ),
      'InvalidParameter:ResourceId',
    );
    assert.equal(
      await failure(() => registerScalableTarget(deps, { ...target, MinCapacity: 3, MaxCapacity: 1 })),
      'InvalidParameter:MinCapacity',
    );
    assert.equal(
      await failure(() => registerScalableTarget(deps, { ...target, ServiceNamespace: 'dynamodb' })),
      'NotImplemented:',
    );
    assert.equal(
      await failure(() => putScalingPolicy(deps, { ...target, PolicyName: 'step', PolicyType: 'StepScaling' })),
      'InvalidParameter:StepScalingPolicyConfiguration',
    );
    assert.equal(
      await failure(() =>
        putScalingPolicy(deps, {
          ...target,
          ResourceId: 'service/default/other',
          PolicyName: 'x',
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: 1,
            PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
          },
        }),
      ),
      'NotFound:scalable-target',
    );
  });

  it('steps by the size of the breach of a user alarm on a custom metric, within bounds and cooldown', async () => {
    const { deps, counts, clock } = world();
    await registerScalableTarget(deps, { ...target, MinCapacity: 1, MaxCapacity: 10 });
    const p = await putScalingPolicy(deps, {
      ...target,
      PolicyName: 'queue',
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ChangeInCapacity',
        Cooldown: 60,
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 100, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 100, ScalingAdjustment: 3 },
        ],
      },
    });
    assert.deepEqual(p.Alarms, [], 'a step policy makes no alarms of its own');
    await putMetricAlarm(deps, {
      AlarmName: 'queue-deep',
      AlarmActions: [p.PolicyARN],
      Namespace: 'Shop',
      MetricName: 'QueueDepth',
      Dimensions: [],
      Statistic: 'Average',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 50,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const depth = async (value: number) => {
      await recordMetrics(deps, 'Shop', [{ MetricName: 'QueueDepth', Dimensions: [], Value: value }]);
      clock.advance(60_000);
      await evaluateAlarms(deps);
      await runScaling(deps);
    };
    await depth(120); // breach 70: the first step
    assert.equal(counts.get(RID), 2);
    assert.equal(
      describeScalingActivities(deps, 'ecs', RID)[0]?.Cause,
      'monitor alarm queue-deep in state ALARM triggered policy queue',
    );
    await depth(400); // breach 350: the second step, the cooldown (60 s) over
    assert.equal(counts.get(RID), 5);
    await depth(10); // OK: nothing
    assert.equal(counts.get(RID), 5);
    const refusal = async (cfg: object) =>
      await failure(() =>
        putScalingPolicy(deps, {
          ...target,
          PolicyName: 'bad',
          PolicyType: 'StepScaling',
          StepScalingPolicyConfiguration: cfg as never,
        }),
      );
    assert.equal(
      await refusal({
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 20, ScalingAdjustment: 2 },
        ],
      }),
      'InvalidParameter:StepScalingPolicyConfiguration',
      'a gap between steps',
    );
    assert.equal(
      await refusal({ AdjustmentType: 'Double', StepAdjustments: [{ ScalingAdjustment: 1 }] }),
      'InvalidParameter:StepScalingPolicyConfiguration.AdjustmentType',
    );
  });

  it('turns a percentage into whole tasks as Application Auto Scaling does', () => {
    const pct = (adj: number, current: number, min?: number) =>
      adjusted(
        {
          AdjustmentType: 'PercentChangeInCapacity',
          StepAdjustments: [],
          ...(min !== undefined ? { MinAdjustmentMagnitude: min } : {}),
        },
        adj,
        current,
      );
    assert.equal(pct(25, 4), 5);
    assert.equal(pct(25, 4, 2), 6, 'MinAdjustmentMagnitude');
    assert.equal(pct(10, 3), 4, 'between 0 and 1: one task');
    assert.equal(pct(-50, 5), 3, 'toward zero');
    assert.equal(pct(-10, 3), 2, 'between -1 and 0: one task');
  });

  it('runs scheduled actions at their time: min and max set, the count brought within them', async () => {
    const { deps, counts, clock } = world();
    await registerScalableTarget(deps, { ...target, MinCapacity: 1, MaxCapacity: 4 });
    await putScheduledAction(deps, {
      ...target,
      ScheduledActionName: 'morning',
      Schedule: 'at(2026-12-02T13:00:00)',
      Timezone: 'Europe/Berlin', // 12:00 UTC: now
      ScalableTargetAction: { MinCapacity: 3, MaxCapacity: 6 },
    });
    await putScheduledAction(deps, {
      ...target,
      ScheduledActionName: 'evening',
      Schedule: 'cron(30 12 ? * * *)',
      ScalableTargetAction: { MaxCapacity: 2 },
    });
    await runScaling(deps);
    assert.equal(counts.get(RID), 3, 'raised to the new minimum at once');
    const [set, first] = describeScalingActivities(deps, 'ecs', RID);
    assert.equal(first?.Description, 'Setting min capacity to 3 and max capacity to 6');
    assert.equal(first?.Cause, 'scheduled action name morning was triggered');
    assert.equal(set?.Cause, 'minimum capacity was set to 3');
    await runScaling(deps);
    assert.equal(describeScalingActivities(deps, 'ecs', RID).length, 2, 'an at() action runs once');
    clock.advance(30 * 60_000);
    await runScaling(deps);
    assert.deepEqual(
      [describeScalableTargets(deps, 'ecs')[0]?.MinCapacity, describeScalableTargets(deps, 'ecs')[0]?.MaxCapacity],
      [2, 2],
      'a maximum under the minimum lowers the minimum with it',
    );
    assert.equal(counts.get(RID), 2);
    await runScaling(deps);
    assert.equal(describeScalingActivities(deps, 'ecs', RID).length, 4, 'a cron action runs once in its minute');
    assert.deepEqual(
      describeScheduledActions(deps, 'ecs')
        .map((a) => a.ScheduledActionName)
        .sort(),
      ['evening', 'morning'],
    );
    assert.equal(
      await failure(() =>
        putScheduledAction(deps, {
          ...target,
          ScheduledActionName: 'x',
          Schedule: 'rate(5 minutes)',
          Timezone: 'Mars/Base',
        }),
      ),
      'InvalidParameter:Timezone',
    );
    assert.equal(
      await failure(() =>
        putScheduledAction(deps, {
          ...target,
          ResourceId: 'service/default/none',
          ScheduledActionName: 'x',
          Schedule: 'rate(5 minutes)',
        }),
      ),
      'NotFound:scalable-target',
    );
    await deleteScheduledAction(deps, { ...target, ScheduledActionName: 'evening' });
    assert.equal(describeScheduledActions(deps, 'ecs').length, 1);
  });

  it('tracks requests per target of an ALB target group (ALBRequestCountPerTarget)', async () => {
    const { deps, counts, clock } = world();
    await registerScalableTarget(deps, { ...target, MinCapacity: 1, MaxCapacity: 10 });
    const label = 'app/shop/0123456789abcdef/targetgroup/web/1111111111111111';
    const p = await putScalingPolicy(deps, {
      ...target,
      PolicyName: 'rps',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 100,
        PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: label },
      },
    });
    const [high] = describeAlarms(deps, { AlarmNames: [p.Alarms[0]?.AlarmName ?? ''] });
    assert.deepEqual(
      [high?.Namespace, high?.MetricName, high?.Statistic, high?.Dimensions],
      [
        'AWS/ApplicationELB',
        'RequestCountPerTarget',
        'Sum',
        [
          { Name: 'TargetGroup', Value: 'targetgroup/web/1111111111111111' },
          { Name: 'LoadBalancer', Value: 'app/shop/0123456789abcdef' },
        ],
      ],
    );
    for (let i = 0; i < 3; i++) {
      await recordMetrics(deps, 'AWS/ApplicationELB', [
        { MetricName: 'RequestCountPerTarget', Dimensions: high?.Dimensions ?? [], Value: 250 },
      ]);
      clock.advance(60_000);
    }
    await evaluateAlarms(deps);
    await runScaling(deps);
    assert.equal(counts.get(RID), 3, 'ceil(1 × 250 / 100)');
    assert.equal(
      await failure(() =>
        putScalingPolicy(deps, {
          ...target,
          PolicyName: 'bad',
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: 100,
            PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' },
          },
        }),
      ),
      'InvalidParameter:TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.ResourceLabel',
    );
  });

  it('tracks a customized metric (any CloudWatch metric and statistic)', async () => {
    const { deps, counts, clock } = world();
    await registerScalableTarget(deps, { ...target, MinCapacity: 1, MaxCapacity: 10 });
    const spec = {
      Namespace: 'Shop',
      MetricName: 'Backlog',
      Dimensions: [{ Name: 'Queue', Value: 'orders' }],
      Statistic: 'Average',
    };
    const p = await putScalingPolicy(deps, {
      ...target,
      PolicyName: 'backlog',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 10, CustomizedMetricSpecification: spec },
    });
    const [high] = describeAlarms(deps, { AlarmNames: [p.Alarms[0]?.AlarmName ?? ''] });
    assert.deepEqual(
      [high?.Namespace, high?.MetricName, high?.Statistic, high?.Dimensions],
      ['Shop', 'Backlog', 'Average', spec.Dimensions],
    );
    assert.deepEqual(
      describeScalingPolicies(deps, 'ecs', RID)[0]?.TargetTrackingScalingPolicyConfiguration
        ?.CustomizedMetricSpecification,
      spec,
    );
    for (let i = 0; i < 3; i++) {
      await recordMetrics(deps, 'Shop', [{ MetricName: 'Backlog', Dimensions: spec.Dimensions, Value: 45 }]);
      clock.advance(60_000);
    }
    await evaluateAlarms(deps);
    await runScaling(deps);
    assert.equal(counts.get(RID), 5, 'ceil(1 × 45 / 10)');
    const put = async (cfg: object) =>
      await failure(() =>
        putScalingPolicy(deps, {
          ...target,
          PolicyName: 'bad',
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: { TargetValue: 1, ...cfg },
        }),
      );
    assert.equal(
      await put({ CustomizedMetricSpecification: { ...spec, Statistic: 'p99' } }),
      'InvalidParameter:TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification.Statistic',
    );
    assert.equal(
      await put({ CustomizedMetricSpecification: { ...spec, Metrics: [{ Id: 'e', Expression: 'TIME_SERIES(1)' }] } }),
      'InvalidParameter:TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification.MetricName',
    );
    assert.equal(
      await put({ CustomizedMetricSpecification: { Metrics: [{ Id: 'e', Expression: 'nothing * 2' }] } }),
      'InvalidParameter:TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification.Metrics.member.1.Expression',
    );
    assert.equal(
      await put({
        CustomizedMetricSpecification: spec,
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      }),
      'InvalidParameter:TargetTrackingScalingPolicyConfiguration',
    );
  });

  it('tracks metric math: its alarms run the queries at their period, and the returned one scales the service', async () => {
    const { deps, counts, clock } = world();
    await registerScalableTarget(deps, { ...target, MinCapacity: 1, MaxCapacity: 10 });
    const queue = [{ Name: 'Queue', Value: 'orders' }];
    const Metrics = [
      {
        Id: 'backlog',
        MetricStat: { Metric: { Namespace: 'Shop', MetricName: 'Backlog', Dimensions: queue }, Stat: 'Sum' },
        ReturnData: false,
      },
      {
        Id: 'workers',
        MetricStat: { Metric: { Namespace: 'Shop', MetricName: 'Workers', Dimensions: queue }, Stat: 'Maximum' },
        ReturnData: false,
      },
      { Id: 'perWorker', Expression: 'backlog / workers', Label: 'Backlog per worker', ReturnData: true },
    ];
    const p = await putScalingPolicy(deps, {
      ...target,
      PolicyName: 'per-worker',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 10, CustomizedMetricSpecification: { Metrics } },
    });
    const [high] = describeAlarms(deps, { AlarmNames: [p.Alarms[0]?.AlarmName ?? ''] });
    assert.equal(high?.MetricName, undefined);
    assert.deepEqual(
      high?.Metrics?.map((q) => [q.Id, q.MetricStat?.Period, q.Expression]),
      [
        ['backlog', 60, undefined],
        ['workers', 60, undefined],
        ['perWorker', undefined, 'backlog / workers'],
      ],
    );
    for (let i = 0; i < 3; i++) {
      await recordMetrics(deps, 'Shop', [
        { MetricName: 'Backlog', Dimensions: queue, Value: 40 },
        { MetricName: 'Backlog', Dimensions: queue, Value: 50 },
        { MetricName: 'Workers', Dimensions: queue, Value: 3 },
      ]);
      clock.advance(60_000);
    }
    await evaluateAlarms(deps);
    await runScaling(deps);
    assert.equal(counts.get(RID), 3, 'ceil(1 × (90 / 3) / 10)');
  });
});
