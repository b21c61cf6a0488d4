import { invalidParameter } from '../kernel/index.js';
import type { StoreView } from '../store/index.js';
import { nowMs, type MetricsDeps } from './deps.js';
import { appendPoints, headOf } from './head.js';
import { series, seriesKey, type Dimension, type Point } from './tables.js';

export interface MetricDatum {
  MetricName: string;
  Dimensions?: Dimension[];
  Timestamp?: Date;
  Value?: number;
  StatisticValues?: { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
  Values?: number[];
  Counts?: number[];
  Unit?: string;
  StorageResolution?: number;
}

const TWO_WEEKS = 14 * 86_400_000;
const TWO_HOURS = 2 * 3_600_000;
/** CloudWatch refuses values outside ±2^360, and NaN or infinities. */
const LIMIT = 2 ** 360;

const combination = (message: string, field: string) =>
  invalidParameter(message, { field, reason: 'parameter-combination' });

function checkNumber(v: number, field: string): void {
  if (!Number.isFinite(v) || Math.abs(v) > LIMIT || (v !== 0 && Math.abs(v) < 2 ** -260))
    throw invalidParameter(`The value ${v} for parameter ${field} is invalid.`, { field });
}

/** One datum as the point it stores, after CloudWatch's checks (names as its errors name them). */
function pointOf(d: MetricDatum, i: number, now: number): { dims: Dimension[]; point: Point } {
  const at = `MetricData.member.${i + 1}`;
  const given = [d.Value !== undefined, d.StatisticValues !== undefined, d.Values !== undefined].filter(Boolean).length;
  if (given > 1)
    throw combination(
      `The parameters ${at}.Value, ${at}.StatisticValues and ${at}.Values are mutually exclusive and you have specified more than one.`,
      `${at}.Value`,
    );
  if (given === 0) throw invalidParameter(`The parameter ${at}.Value is required.`, { field: `${at}.Value` });
  const names = new Set<string>();
  for (const dim of d.Dimensions ?? []) {
    if (names.has(dim.Name))
      throw invalidParameter(`The parameter ${at}.Dimensions has the dimension ${dim.Name} more than once.`, {
        field: `${at}.Dimensions`,
      });
    names.add(dim.Name);
  }
  const time = d.Timestamp?.getTime() ?? now;
  if (time < now - TWO_WEEKS || time > now + TWO_HOURS)
    throw invalidParameter(
      `The parameter ${at}.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.`,
      { field: `${at}.Timestamp` },
    );
  // Standard resolution is kept by the minute, high resolution (1) by the second.
  const step = d.StorageResolution === 1 ? 1000 : 60_000;
  if (d.StorageResolution !== undefined && d.StorageResolution !== 1 && d.StorageResolution !== 60)
    throw invalidParameter(`The value ${d.StorageResolution} for parameter ${at}.StorageResolution is invalid.`, {
      field: `${at}.StorageResolution`,
    });
  const point: Point = { at: Math.floor(time / step) * step };
  if (d.Unit && d.Unit !== 'None') point.unit = d.Unit;
  if (d.Value !== undefined) {
    checkNumber(d.Value, `${at}.Value`);
    point.values = [d.Value];
  } else if (d.Values !== undefined) {
    if (d.Counts !== undefined && d.Counts.length !== d.Values.length)
      throw combination(`The parameters ${at}.Values and ${at}.Counts must be of the same size.`, `${at}.Counts`);
    d.Values.forEach((v, j) => checkNumber(v, `${at}.Values.member.${j + 1}`));
    point.values = d.Values;
    if (d.Counts) point.counts = d.Counts;
  } else if (d.StatisticValues) {
    const s = d.StatisticValues;
    for (const [k, v] of Object.entries(s)) checkNumber(v, `${at}.StatisticValues.${k}`);
    if (s.SampleCount <= 0 || s.Minimum > s.Maximum)
      throw invalidParameter(`The parameter ${at}.StatisticValues is not a valid statistic set.`, {
        field: `${at}.StatisticValues`,
      });
    point.stats = { sampleCount: s.SampleCount, sum: s.Sum, min: s.Minimum, max: s.Maximum };
  }
  const dims = [...(d.Dimensions ?? [])].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  return { dims, point };
}

/**
 * PutMetricData: every datum checked before any is stored, then all stored in one write (a bad
 * datum stores nothing). Namespaces beginning `AWS/` are the services' own.
 */
export async function putMetricData(deps: MetricsDeps, namespace: string, data: readonly MetricDatum[]): Promise<void> {
  if (namespace.startsWith('AWS/'))
    throw invalidParameter(`The value ${namespace} for parameter Namespace is invalid.`, { field: 'Namespace' });
  await recordMetrics(deps, namespace, data);
}

/** When each series' record was last written (ms), so that a busy series is not read back every call. */
const written = new WeakMap<StoreView, Map<string, number>>();

/** Stores data for any namespace: berth's own publishers (AWS/ECS) come through here. */
export async function recordMetrics(deps: MetricsDeps, namespace: string, data: readonly MetricDatum[]): Promise<void> {
  const now = nowMs(deps);
  const checked = data.map((d, i) => {
    const { dims, point } = pointOf(d, i, now);
    return { d, dims, point };
  });
  let seen = written.get(deps.store);
  if (!seen) written.set(deps.store, (seen = new Map()));
  const fresh = new Map<string, number>();
  let after = () => {};
  const head = headOf(deps.store);
  await deps.store.transact((tx) => {
    const entries = checked.map(({ d, dims, point }) => {
      const key = seriesKey(namespace, d.MetricName, dims);
      // ListMetrics' RecentlyActive wants a series' last put within the minute, no closer.
      if (!fresh.has(key) && !((seen.get(key) ?? -Infinity) >= now - 60_000)) {
        const known = tx.get(series, key)?.value;
        if (!known || known.lastPutAt < now - 60_000)
          tx.put(series, { key, namespace, metricName: d.MetricName, dimensions: dims, lastPutAt: now });
        fresh.set(key, known && known.lastPutAt >= now - 60_000 ? known.lastPutAt : now);
      }
      return { series: key, point };
    });
    after = appendPoints(deps.store, head, tx, entries, now);
  });
  for (const [key, at] of fresh) seen.set(key, at);
  after();
}
