import { invalidParameter, notImplemented } from '../kernel/index.js';
import type { MetricsDeps } from './deps.js';
import { headPoints } from './head.js';
import { unpack } from './packed.js';
import { chunks, seriesKey, timeKey, windowOf, type Dimension, type Point } from './tables.js';

export type Statistic = 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';
const STATISTICS: readonly string[] = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];

export interface MetricQuery {
  namespace: string;
  metricName: string;
  dimensions: readonly Dimension[];
  start: Date;
  end: Date;
  period: number;
  unit?: string;
}

/** One period's aggregate: the statistic sums it was built from, and every single value for percentiles. */
interface Bucket {
  at: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Single values with their counts (percentiles need them; statistic sets have none). */
  values: [number, number][];
  /** Whether a statistic set went in: percentiles of this period are then unknown. */
  fromSets: boolean;
  unit?: string;
}

const combination = (message: string, field: string) =>
  invalidParameter(message, { field, reason: 'parameter-combination' });

/** CloudWatch's periods: 1, 5, 10, 30 s (high resolution) or any multiple of 60. */
export function checkPeriod(period: number, field = 'Period'): void {
  if (!(period >= 1 && (period % 60 === 0 || [1, 5, 10, 30].includes(period))))
    throw invalidParameter(`The parameter ${field} must be 1, 5, 10, 30 or a multiple of 60.`, { field });
}

/** A metric's data between `start` (inclusive) and `end` (exclusive), by period, oldest first. */
export function buckets(deps: MetricsDeps, q: MetricQuery): Bucket[] {
  checkPeriod(q.period);
  if (q.end.getTime() <= q.start.getTime())
    throw invalidParameter('The parameter StartTime must be less than the parameter EndTime.', { field: 'StartTime' });
  const sorted = [...q.dimensions].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  const key = seriesKey(q.namespace, q.metricName, sorted);
  const periodMs = q.period * 1000;
  // Periods count from StartTime, rounded down to its minute (its second for high-resolution
  // periods), as CloudWatch rounds it.
  const step = q.period < 60 ? 1000 : 60_000;
  const start = Math.floor(q.start.getTime() / step) * step;
  // The head's points of the series (opening the head first: it may move old rows into chunks),
  // and the chunks of the windows the query touches.
  const recent = headPoints(deps.store, key);
  const rows = deps.store.read((tx) =>
    tx.list(chunks, {
      prefix: `${key}/`,
      after: `${key}/${timeKey(windowOf(start) - 1)}/~`,
      before: `${key}/${timeKey(q.end.getTime())}`,
    }),
  );
  const out = new Map<number, Bucket>();
  const take = (p: Point) => {
    if (p.at < start || p.at >= q.end.getTime()) return;
    if (q.unit !== undefined && (p.unit ?? 'None') !== q.unit) return;
    const at = start + Math.floor((p.at - start) / periodMs) * periodMs;
    let b = out.get(at);
    if (!b) out.set(at, (b = { at, count: 0, sum: 0, min: Infinity, max: -Infinity, values: [], fromSets: false }));
    add(b, p);
  };
  for (const { value } of rows) for (const p of unpack(value.points)) take(p);
  for (const p of recent) take(p);
  return [...out.values()].sort((a, b) => a.at - b.at);
}

function add(b: Bucket, p: Point): void {
  if (p.unit) b.unit = p.unit;
  // A rolled-up point may hold both a statistic set and single values.
  if (p.stats) {
    b.count += p.stats.sampleCount;
    b.sum += p.stats.sum;
    b.min = Math.min(b.min, p.stats.min);
    b.max = Math.max(b.max, p.stats.max);
    b.fromSets = true;
  }
  (p.values ?? []).forEach((v, i) => {
    const n = p.counts?.[i] ?? 1;
    if (n <= 0) return;
    b.count += n;
    b.sum += v * n;
    b.min = Math.min(b.min, v);
    b.max = Math.max(b.max, v);
    b.values.push([v, n]);
  });
}

/** The value of a statistic (`Average`, `p99`, `p99.9`) over a bucket; undefined where it has none. */
export function statistic(b: Bucket, stat: string): number | undefined {
  switch (stat) {
    case 'SampleCount':
      return b.count;
    case 'Sum':
      return b.sum;
    case 'Average':
      return b.count > 0 ? b.sum / b.count : undefined;
    case 'Minimum':
      return b.min;
    case 'Maximum':
      return b.max;
  }
  const p = percentileOf(stat);
  if (p === undefined) throw notImplemented(`the statistic ${stat}`);
  if (b.fromSets || b.values.length === 0) return undefined;
  // Nearest rank over the values weighted by their counts.
  const sorted = [...b.values].sort((x, y) => x[0] - y[0]);
  const rank = Math.max(1, Math.ceil((p / 100) * b.count));
  let seen = 0;
  for (const [v, n] of sorted) {
    seen += n;
    if (seen >= rank) return v;
  }
  return sorted[sorted.length - 1]?.[0];
}

/** `p99`, `p50`, `p99.9` → the percentile; undefined for anything else. */
export function percentileOf(stat: string): number | undefined {
  const m = /^p(\d{1,2}(?:\.\d{1,10})?|100)$/.exec(stat);
  return m ? Number(m[1]) : undefined;
}

export interface Datapoint {
  Timestamp: Date;
  SampleCount?: number;
  Average?: number;
  Sum?: number;
  Minimum?: number;
  Maximum?: number;
  Unit: string;
  ExtendedStatistics?: Record<string, number>;
}

/** GetMetricStatistics: each period's statistics asked for. */
export function metricStatistics(
  deps: MetricsDeps,
  q: MetricQuery,
  stats: readonly string[] = [],
  extended: readonly string[] = [],
): Datapoint[] {
  if ((stats.length === 0) === (extended.length === 0))
    throw combination('Must specify either Statistics or ExtendedStatistics, but not both.', 'Statistics');
  for (const s of stats)
    if (!STATISTICS.includes(s))
      throw invalidParameter(`The value ${s} for parameter Statistics is invalid.`, { field: 'Statistics' });
  for (const s of extended)
    if (percentileOf(s) === undefined)
      throw invalidParameter(`The value ${s} for parameter ExtendedStatistics is invalid.`, {
        field: 'ExtendedStatistics',
      });
  const periods = (q.end.getTime() - q.start.getTime()) / (q.period * 1000);
  if (periods > 1440)
    throw combination(
      `You have requested up to ${Math.ceil(periods)} datapoints, which exceeds the limit of 1,440.`,
      'Period',
    );
  return buckets(deps, q).map((b) => {
    const d: Datapoint = { Timestamp: new Date(b.at), Unit: q.unit ?? b.unit ?? 'None' };
    for (const s of stats) (d as unknown as Record<string, number | undefined>)[s] = statistic(b, s);
    if (extended.length > 0) {
      const e: Record<string, number> = {};
      for (const s of extended) {
        const v = statistic(b, s);
        if (v !== undefined) e[s] = v;
      }
      // Percentiles of a period that holds statistic sets are unknown: none is shown.
      if (Object.keys(e).length > 0) d.ExtendedStatistics = e;
    }
    return d;
  });
}
