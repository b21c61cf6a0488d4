import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../kernel/clock.js';
import { MemoryStore } from '../store/memory-store.js';
import { localShared } from '../store/shared-local.js';
import { listMetrics, metricStatistics, recordMetrics, type MetricsDeps } from './index.js';
import { KEEP_MS, rollUp, rollUpMetrics } from './rollup.js';
import { chunks } from './tables.js';

const T0 = Date.UTC(2026, 11, 2, 12, 0);
const HOUR = 3_600_000;

describe('metric rollups', () => {
  it('keeps sums, counts, extremes and percentiles as CloudWatch rolls data up: 1 s → 1 min → 5 min → 1 h → gone', async () => {
    const clock = new ManualClock(T0 + 10 * 60_000);
    const d: MetricsDeps = { store: localShared(new MemoryStore()), clock, accountId: '0', region: 'us-east-1' };
    // Ten minutes of high-resolution data, three puts a minute, and a statistic set.
    for (let m = 0; m < 10; m++)
      for (const s of [5, 25, 45])
        await recordMetrics(d, 'Shop', [
          {
            MetricName: 'Latency',
            Timestamp: new Date(T0 + m * 60_000 + s * 1000),
            Values: [m, 100 + s],
            Counts: [2, 1],
            StorageResolution: 1,
          },
        ]);
    await recordMetrics(d, 'Shop', [
      {
        MetricName: 'Latency',
        Timestamp: new Date(T0 + 9 * 60_000),
        StatisticValues: { SampleCount: 4, Sum: 40, Minimum: 1, Maximum: 19 },
      },
    ]);
    const stats = (period: number, extended: string[] = []) =>
      metricStatistics(
        d,
        {
          namespace: 'Shop',
          metricName: 'Latency',
          dimensions: [],
          start: new Date(T0),
          end: new Date(T0 + (period === 1 ? 20 * 60_000 : HOUR)),
          period,
        },
        extended.length ? [] : ['SampleCount', 'Sum', 'Minimum', 'Maximum'],
        extended,
      ).map((p) => (extended.length ? p.ExtendedStatistics : [p.SampleCount, p.Sum, p.Minimum, p.Maximum]));
    const pointsStored = () => d.store.read((tx) => tx.list(chunks)).reduce((n, c) => n + c.value.points.at.length, 0);
    const byMinute = stats(60);
    const byFive = stats(300);
    const byHour = stats(3600);
    const percentiles = stats(60, ['p50', 'p90']).slice(0, 9);
    assert.equal(stats(1).length, 31, 'thirty seconds hold values, one the statistic set');

    // Three hours on, the seconds are rolled into minutes: the same statistics by the minute.
    clock.advance(3 * HOUR + HOUR);
    await rollUpMetrics(d);
    assert.equal(pointsStored(), 10, 'a point a minute');
    assert.deepEqual(stats(60), byMinute);
    assert.deepEqual(stats(60, ['p50', 'p90']).slice(0, 9), percentiles, 'values kept with their counts');
    assert.equal(stats(1).length, 10, 'a 1-second period finds the minutes');
    // A second pass has nothing to do.
    assert.deepEqual(await rollUpMetrics(d), { rolled: 0, expired: 0 });

    clock.advance(15 * 24 * HOUR);
    await rollUpMetrics(d);
    assert.equal(pointsStored(), 2, 'a point every five minutes');
    assert.deepEqual(stats(300), byFive);
    clock.advance(63 * 24 * HOUR);
    await rollUpMetrics(d);
    assert.equal(pointsStored(), 1, 'a point an hour');
    assert.deepEqual(stats(3600), byHour);
    assert.equal(listMetrics(d, { Namespace: 'Shop' }).length, 1);

    clock.advance(KEEP_MS);
    assert.equal((await rollUpMetrics(d)).expired, 1);
    assert.equal(pointsStored(), 0);
    assert.deepEqual(listMetrics(d, { Namespace: 'Shop' }), [], 'a metric with no data left is gone');
  });

  it('merges by step and unit, folding too many distinct values into a statistic set', () => {
    const merged = rollUp(
      [
        { at: 1_000, values: [1, 2], unit: 'Count' },
        { at: 2_000, values: [2], counts: [3], unit: 'Count' },
        { at: 3_000, values: [7], unit: 'Seconds' },
        { at: 60_000, values: [9] },
      ],
      60_000,
    );
    assert.deepEqual(merged, [
      { at: 0, unit: 'Count', values: [1, 2], counts: [1, 4] },
      { at: 0, unit: 'Seconds', values: [7] },
      { at: 60_000, values: [9] },
    ]);
    const many = rollUp(
      Array.from({ length: 1500 }, (_, i) => ({ at: i * 10, values: [i] })),
      60_000,
    );
    assert.deepEqual(many, [{ at: 0, stats: { sampleCount: 1500, sum: (1499 * 1500) / 2, min: 0, max: 1499 } }]);
  });
});
