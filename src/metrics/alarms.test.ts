import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../kernel/clock.js';
import { isBerthError } from '../kernel/index.js';
import { MemoryStore } from '../store/memory-store.js';
import { localShared } from '../store/shared-local.js';
import {
  deleteAlarms,
  describeAlarmHistory,
  describeAlarms,
  evaluateAlarm,
  evaluateAlarms,
  putMetricAlarm,
  putMetricData,
  setAlarmActionsEnabled,
  type MetricsDeps,
  type PutAlarmInput,
} from './index.js';

const T0 = Date.UTC(2026, 11, 2, 12, 0);
const deps = (): MetricsDeps & { clock: ManualClock } => ({
  store: localShared(new MemoryStore()),
  clock: new ManualClock(T0),
  accountId: '000000000000',
  region: 'us-east-1',
});
const high: PutAlarmInput = {
  AlarmName: 'cpu-high',
  Namespace: 'Shop',
  MetricName: 'CPU',
  Statistic: 'Average',
  Period: 60,
  EvaluationPeriods: 2,
  Threshold: 50,
  ComparisonOperator: 'GreaterThanThreshold',
};
const put = (d: MetricsDeps, minute: number, value: number) =>
  putMetricData(d, 'Shop', [{ MetricName: 'CPU', Value: value, Timestamp: new Date(T0 + minute * 60_000 + 5_000) }]);
const failure = async (f: () => unknown) => {
  try {
    await f();
  } catch (e) {
    return isBerthError(e) ? `${e.kind}:${e.detail.field ?? e.detail.resource ?? ''}` : String(e);
  }
  return 'none';
};

describe('metric alarms', () => {
  it('goes to ALARM when enough periods breach, back to OK when they stop, saying why as CloudWatch does', async () => {
    const d = deps();
    const created = await putMetricAlarm(d, high);
    assert.equal(created.StateValue, 'INSUFFICIENT_DATA');
    assert.equal(created.StateReason, 'Unchecked: Initial alarm creation');
    assert.equal(created.AlarmArn, 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:cpu-high');
    await put(d, 0, 80);
    await put(d, 1, 90);
    d.clock.advance(T0 + 2 * 60_000 + 1_000 - d.clock.now().getTime());
    const alarm = await evaluateAlarm(d, created);
    assert.equal(alarm.StateValue, 'ALARM');
    assert.equal(
      alarm.StateReason,
      'Threshold Crossed: 2 out of the last 2 datapoints [90.0 (02/12/26 12:01:00), 80.0 (02/12/26 12:00:00)] were greater than the threshold (50.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    assert.deepEqual(JSON.parse(alarm.StateReasonData ?? '{}').recentDatapoints, [90, 80]);
    // One period of two breaching is not enough (DatapointsToAlarm = EvaluationPeriods).
    await put(d, 2, 10);
    d.clock.advance(T0 + 3 * 60_000 + 1_000 - d.clock.now().getTime());
    await evaluateAlarms(d);
    const [ok] = describeAlarms(d, { AlarmNames: ['cpu-high'] });
    assert.equal(ok?.StateValue, 'OK');
    assert.match(
      ok?.StateReason ?? '',
      /^Threshold Crossed: 1 out of the last 2 datapoints .* was not greater than the threshold \(50\.0\) \(minimum 2 datapoints for ALARM -> OK transition\)\.$/,
    );
    assert.deepEqual(
      describeAlarmHistory(d, { AlarmName: 'cpu-high' }).map((h) => [h.HistoryItemType, h.HistorySummary]),
      [
        ['StateUpdate', 'Alarm updated from ALARM to OK'],
        ['StateUpdate', 'Alarm updated from INSUFFICIENT_DATA to ALARM'],
        ['ConfigurationUpdate', 'Alarm "cpu-high" created'],
      ],
    );
    assert.deepEqual(describeAlarms(d, { StateValue: 'ALARM' }), []);
  });

  it('treats missing data as told, and takes M out of N', async () => {
    const d = deps();
    d.clock.advance(T0 + 5 * 60_000 - d.clock.now().getTime());
    const breaching = putMetricAlarm(d, { ...high, AlarmName: 'b', TreatMissingData: 'breaching' });
    assert.equal((await evaluateAlarm(d, await breaching)).StateValue, 'ALARM');
    const missing = putMetricAlarm(d, { ...high, AlarmName: 'm' });
    assert.equal((await evaluateAlarm(d, await missing)).StateValue, 'INSUFFICIENT_DATA');
    const quiet = putMetricAlarm(d, { ...high, AlarmName: 'n', TreatMissingData: 'notBreaching' });
    assert.equal((await evaluateAlarm(d, await quiet)).StateValue, 'OK');
    await put(d, 2, 99);
    await put(d, 4, 1);
    const mOfN = putMetricAlarm(d, { ...high, AlarmName: '1of3', EvaluationPeriods: 3, DatapointsToAlarm: 1 });
    assert.equal((await evaluateAlarm(d, await mOfN)).StateValue, 'ALARM');
    // 3 of 3 wanted, one period missing and one breaching: the missing one could still breach,
    // so the alarm does not decide OK yet; a clear period decides it.
    const all3 = putMetricAlarm(d, { ...high, AlarmName: '3of3', EvaluationPeriods: 3, Threshold: 0 });
    assert.equal((await evaluateAlarm(d, await all3)).StateValue, 'INSUFFICIENT_DATA');
    const strict = putMetricAlarm(d, { ...high, AlarmName: '3of3-high', EvaluationPeriods: 3, Threshold: 50 });
    assert.equal((await evaluateAlarm(d, await strict)).StateValue, 'OK');
  });

  it('refuses what CloudWatch refuses; actions turn on and off; deleting a missing alarm deletes nothing', async () => {
    const d = deps();
    assert.equal(await failure(() => putMetricAlarm(d, { ...high, Period: 45 })), 'InvalidParameter:Period');
    assert.equal(await failure(() => putMetricAlarm(d, { ...high, Period: 5 })), 'InvalidParameter:Period');
    assert.equal(
      await failure(() => putMetricAlarm(d, { ...high, DatapointsToAlarm: 3 })),
      'InvalidParameter:DatapointsToAlarm',
    );
    assert.equal(
      await failure(() => putMetricAlarm(d, { ...high, ExtendedStatistic: 'p99' })),
      'InvalidParameter:Statistic',
    );
    assert.equal(
      await failure(() => putMetricAlarm(d, { ...high, ComparisonOperator: 'Sideways' })),
      'InvalidParameter:ComparisonOperator',
    );
    assert.equal(
      await failure(() => putMetricAlarm(d, { ...high, TreatMissingData: 'maybe' })),
      'InvalidParameter:TreatMissingData',
    );
    assert.equal(await failure(() => putMetricAlarm(d, { ...high, ThresholdMetricId: 'ad1' })), 'NotImplemented:');
    await putMetricAlarm(d, high);
    await putMetricAlarm(d, {
      ...high,
      AlarmName: 'cpu-low',
      AlarmActions: ['arn:aws:sns:us-east-1:000000000000:ops'],
    });
    await setAlarmActionsEnabled(d, ['cpu-high', 'nope'], false);
    assert.deepEqual(
      describeAlarms(d, { AlarmNamePrefix: 'cpu-' }).map((a) => [a.AlarmName, a.ActionsEnabled]),
      [
        ['cpu-high', false],
        ['cpu-low', true],
      ],
    );
    assert.deepEqual(
      describeAlarms(d, { ActionPrefix: 'arn:aws:sns' }).map((a) => a.AlarmName),
      ['cpu-low'],
    );
    assert.equal(await failure(() => deleteAlarms(d, ['cpu-high', 'nope'])), 'NotFound:alarm');
    assert.equal(describeAlarms(d, {}).length, 2, 'nothing deleted');
    await deleteAlarms(d, ['cpu-high']);
    assert.deepEqual(describeAlarmHistory(d, { AlarmName: 'cpu-high' }), []);
  });

  it('watches metric math: the one returned query, over the metrics it reads, refused when it is not one series', async () => {
    const d = deps();
    const cpu = (id: string, stat: string) => ({
      Id: id,
      MetricStat: { Metric: { Namespace: 'Shop', MetricName: 'CPU' }, Period: 60, Stat: stat },
      ReturnData: false,
    });
    const spread: PutAlarmInput = {
      AlarmName: 'cpu-spread',
      Metrics: [cpu('hi', 'Maximum'), cpu('lo', 'Minimum'), { Id: 'spread', Expression: 'hi - lo', Label: 'Spread' }],
      EvaluationPeriods: 2,
      Threshold: 40,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    };
    const created = await putMetricAlarm(d, spread);
    assert.equal(created.MetricName, undefined);
    assert.equal(created.Period, undefined, 'a metric-math alarm has no Period of its own, as in CloudWatch');
    assert.deepEqual(
      created.Metrics?.map((q) => q.Id),
      ['hi', 'lo', 'spread'],
    );
    for (const minute of [0, 1]) {
      await put(d, minute, 10);
      await put(d, minute, 60);
    }
    d.clock.advance(T0 + 2 * 60_000 + 1_000 - d.clock.now().getTime());
    const alarm = await evaluateAlarm(d, created);
    assert.equal(alarm.StateValue, 'ALARM');
    assert.match(
      alarm.StateReason,
      /^Threshold Crossed: 2 out of the last 2 datapoints \[50\.0 .*, 50\.0 .*\] were greater than or equal to the threshold \(40\.0\)/,
    );
    assert.equal(JSON.parse(alarm.StateReasonData ?? '{}').period, 60);
    assert.equal(JSON.parse(alarm.StateReasonData ?? '{}').statistic, undefined);
    // A metric query returned by itself is watched as well.
    const single = putMetricAlarm(d, {
      ...spread,
      AlarmName: 'hi',
      Metrics: [{ ...cpu('hi', 'Maximum'), ReturnData: true }],
      Threshold: 59,
    });
    assert.equal((await evaluateAlarm(d, await single)).StateValue, 'ALARM');

    const refused: [Partial<PutAlarmInput>, string][] = [
      [{ Namespace: 'Shop' }, 'InvalidParameter:Namespace'],
      [{ Period: 60 }, 'InvalidParameter:Period'],
      [
        {
          Metrics: [
            { ...cpu('hi', 'Maximum'), ReturnData: true },
            { Id: 'e', Expression: 'hi' },
          ],
        },
        'InvalidParameter:Metrics',
      ],
      [{ Metrics: [cpu('hi', 'Maximum'), { Id: 'e', Expression: 'METRICS()' }] }, 'InvalidParameter:Metrics'],
      [
        { Metrics: [cpu('hi', 'Maximum'), { Id: 'e', Expression: 'hi + nope' }] },
        'InvalidParameter:Metrics.member.2.Expression',
      ],
      [
        { Metrics: [cpu('hi', 'Maximum'), { Id: 'e', Expression: 'hi +' }] },
        'InvalidParameter:Metrics.member.2.Expression',
      ],
      [
        { Metrics: [{ ...cpu('hi', 'Maximum'), MetricStat: { ...cpu('hi', 'Maximum').MetricStat, Period: 45 } }] },
        'InvalidParameter:Metrics.member.1.MetricStat.Period',
      ],
      [
        {
          Metrics: [
            ...Array.from({ length: 11 }, (_, i) => cpu(`m${i}`, 'Sum')),
            { Id: 'e', Expression: 'SUM(METRICS())' },
          ],
        },
        'InvalidParameter:Metrics',
      ],
    ];
    for (const [change, want] of refused)
      assert.equal(
        await failure(() => putMetricAlarm(d, { ...spread, AlarmName: 'refused', ...change })),
        want,
        JSON.stringify(change),
      );
    assert.deepEqual(describeAlarms(d, { AlarmNames: ['refused'] }), [], 'nothing stored for a refused alarm');
  });
});
