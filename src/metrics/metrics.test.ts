import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../kernel/clock.js';
import { isBerthError } from '../kernel/index.js';
import { MemoryStore } from '../store/memory-store.js';
import { localShared } from '../store/shared-local.js';
import {
  listMetrics,
  metricData,
  metricStatistics,
  percentileOf,
  putMetricData,
  recordMetrics,
  type MetricsDeps,
} from './index.js';

const T0 = Date.UTC(2026, 11, 2, 12, 0);
const deps = (): MetricsDeps & { clock: ManualClock } => ({
  store: localShared(new MemoryStore()),
  clock: new ManualClock(T0 + 10 * 60_000),
  accountId: '000000000000',
  region: 'us-east-1',
});
const api = [{ Name: 'Service', Value: 'api' }];
const query = {
  namespace: 'Shop',
  metricName: 'Latency',
  dimensions: api,
  start: new Date(T0),
  end: new Date(T0 + 10 * 60_000),
};
const reasonOf = async (f: () => unknown) => {
  try {
    await f();
  } catch (e) {
    return isBerthError(e) ? `${e.kind}:${e.detail.reason ?? ''}:${e.detail.field ?? ''}` : String(e);
  }
  return 'no error';
};

describe('metrics', () => {
  it('aggregates values, counts and statistic sets per period from StartTime', async () => {
    const d = deps();
    await putMetricData(d, 'Shop', [
      {
        MetricName: 'Latency',
        Dimensions: api,
        Timestamp: new Date(T0 + 30_000),
        Values: [1, 2, 3],
        Counts: [1, 2, 1],
      },
      { MetricName: 'Latency', Dimensions: api, Timestamp: new Date(T0 + 65_000), Value: 10 },
      {
        MetricName: 'Latency',
        Dimensions: api,
        Timestamp: new Date(T0 + 125_000),
        StatisticValues: { SampleCount: 4, Sum: 40, Minimum: 5, Maximum: 20 },
      },
      // Another metric: other dimensions are another series.
      { MetricName: 'Latency', Dimensions: [{ Name: 'Service', Value: 'web' }], Timestamp: new Date(T0), Value: 99 },
    ]);
    const per = metricStatistics(d, { ...query, period: 60 }, ['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum']);
    assert.deepEqual(
      per.map((p) => [p.Timestamp.getTime() - T0, p.SampleCount, p.Sum, p.Average, p.Minimum, p.Maximum, p.Unit]),
      [
        [0, 4, 8, 2, 1, 3, 'None'],
        [60_000, 1, 10, 10, 10, 10, 'None'],
        [120_000, 4, 40, 10, 5, 20, 'None'],
      ],
    );
    const whole = metricStatistics(d, { ...query, period: 600 }, ['SampleCount', 'Maximum']);
    assert.deepEqual(
      whole.map((p) => [p.SampleCount, p.Maximum]),
      [[9, 20]],
    );
    // Percentiles come from single values only.
    const pct = metricStatistics(d, { ...query, end: new Date(T0 + 120_000), period: 120 }, [], ['p50', 'p75', 'p100']);
    assert.deepEqual(pct[0]?.ExtendedStatistics, { p50: 2, p75: 3, p100: 10 });
    assert.equal(metricStatistics(d, { ...query, period: 600 }, [], ['p50'])[0]?.ExtendedStatistics, undefined);
  });

  it('filters by unit, answers metric queries newest first, and lists by namespace and dimension', async () => {
    const d = deps();
    await putMetricData(d, 'Shop', [
      { MetricName: 'Latency', Dimensions: api, Timestamp: new Date(T0), Value: 1, Unit: 'Seconds' },
      { MetricName: 'Latency', Dimensions: api, Timestamp: new Date(T0 + 60_000), Value: 500, Unit: 'Milliseconds' },
      { MetricName: 'Orders', Dimensions: [...api, { Name: 'Region', Value: 'eu' }], Value: 1 },
    ]);
    assert.deepEqual(
      metricStatistics(d, { ...query, period: 60, unit: 'Seconds' }, ['Sum']).map((p) => [p.Sum, p.Unit]),
      [[1, 'Seconds']],
    );
    const [r] = metricData(
      d,
      [
        {
          Id: 'm1',
          MetricStat: {
            Metric: { Namespace: 'Shop', MetricName: 'Latency', Dimensions: api },
            Period: 60,
            Stat: 'Maximum',
          },
        },
      ],
      new Date(T0),
      new Date(T0 + 10 * 60_000),
    );
    assert.deepEqual(r?.Values, [500, 1]);
    assert.deepEqual(
      r?.Timestamps.map((t) => t.getTime() - T0),
      [60_000, 0],
    );
    assert.deepEqual(
      listMetrics(d, { Namespace: 'Shop' }).map((s) => s.metricName),
      ['Latency', 'Orders'],
    );
    assert.deepEqual(
      listMetrics(d, { Dimensions: [{ Name: 'Region' }] }).map((s) => s.dimensions.map((x) => x.Name)),
      [['Region', 'Service']],
      'dimensions sorted by name',
    );
    assert.deepEqual(listMetrics(d, { Namespace: 'Sho' }), [], 'a namespace is matched whole, not as a prefix');
    d.clock.advance(4 * 3_600_000);
    assert.deepEqual(listMetrics(d, { RecentlyActive: 'PT3H' }), []);
  });

  it('refuses what CloudWatch refuses, naming the field, and stores nothing of a refused call', async () => {
    const d = deps();
    assert.equal(
      await reasonOf(() => putMetricData(d, 'AWS/ECS', [{ MetricName: 'x', Value: 1 }])),
      'InvalidParameter::Namespace',
    );
    assert.equal(
      await reasonOf(() =>
        putMetricData(d, 'Shop', [
          { MetricName: 'ok', Value: 1 },
          { MetricName: 'x', Value: 1, Values: [1] },
        ]),
      ),
      'InvalidParameter:parameter-combination:MetricData.member.2.Value',
    );
    assert.equal(
      await reasonOf(() => putMetricData(d, 'Shop', [{ MetricName: 'x', Values: [1, 2], Counts: [1] }])),
      'InvalidParameter:parameter-combination:MetricData.member.1.Counts',
    );
    assert.equal(
      await reasonOf(() => putMetricData(d, 'Shop', [{ MetricName: 'x', Value: Number.NaN }])),
      'InvalidParameter::MetricData.member.1.Value',
    );
    assert.equal(
      await reasonOf(() =>
        putMetricData(d, 'Shop', [{ MetricName: 'x', Value: 1, Timestamp: new Date(T0 - 15 * 86_400_000) }]),
      ),
      'InvalidParameter::MetricData.member.1.Timestamp',
    );
    assert.equal(
      await reasonOf(() =>
        putMetricData(d, 'Shop', [
          {
            MetricName: 'x',
            Value: 1,
            Dimensions: [
              { Name: 'a', Value: '1' },
              { Name: 'a', Value: '2' },
            ],
          },
        ]),
      ),
      'InvalidParameter::MetricData.member.1.Dimensions',
    );
    assert.deepEqual(listMetrics(d, {}), [], 'the first datum of a refused call was not stored');
    assert.equal(
      await reasonOf(() => metricStatistics(d, { ...query, period: 45 }, ['Sum'])),
      'InvalidParameter::Period',
    );
    assert.equal(
      await reasonOf(() => metricStatistics(d, { ...query, period: 60 }, ['Sum'], ['p9'])),
      'InvalidParameter:parameter-combination:Statistics',
    );
    assert.equal(
      await reasonOf(() => metricStatistics(d, { ...query, period: 60 }, ['Median'])),
      'InvalidParameter::Statistics',
    );
    assert.equal(
      await reasonOf(() => metricStatistics(d, { ...query, period: 60, end: new Date(T0) }, ['Sum'])),
      'InvalidParameter::StartTime',
    );
    assert.match(
      await reasonOf(() =>
        metricData(d, [{ Id: 'e', Expression: "SEARCH('{Shop} Latency', 'Sum', 60)" }], new Date(T0), new Date(T0 + 1)),
      ),
      /^NotImplemented/,
    );
    assert.equal(
      await reasonOf(() => metricData(d, [{ Id: 'Bad', Expression: 'x' }], new Date(T0), new Date(T0 + 1))),
      'InvalidParameter::MetricDataQueries.member.1.Id',
    );
    // berth's own publishers may use AWS/ namespaces.
    await recordMetrics(d, 'AWS/ECS', [{ MetricName: 'CPUUtilization', Value: 5 }]);
    assert.equal(listMetrics(d, { Namespace: 'AWS/ECS' }).length, 1);
  });

  it('names percentiles as CloudWatch does', () => {
    assert.deepEqual(['p50', 'p99', 'p99.9', 'p100', 'p0'].map(percentileOf), [50, 99, 99.9, 100, 0]);
    assert.deepEqual(['p', 'p101', 'P50', 'tm99', 'p50x'].map(percentileOf), [
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
