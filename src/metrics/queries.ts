import { invalidParameter, notImplemented } from '../kernel/index.js';
import { nowMs, type MetricsDeps } from './deps.js';
import { buckets, checkPeriod, statistic } from './statistics.js';
import { metricPrefix, namespacePrefix, series, type Dimension, type SeriesRecord } from './tables.js';

export interface MetricDataQuery {
  Id: string;
  MetricStat?: {
    Metric: { Namespace?: string; MetricName?: string; Dimensions?: Dimension[] };
    Period: number;
    Stat: string;
    Unit?: string;
  };
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
  Period?: number;
}

export interface MetricDataResult {
  Id: string;
  Label: string;
  Timestamps: Date[];
  Values: number[];
  StatusCode: 'Complete';
}

/**
 * GetMetricData for metric queries (`MetricStat`): each query's statistic per period, newest
 * first unless ScanBy says otherwise. Metric math (`Expression`) is not served yet.
 */
export function metricData(
  deps: MetricsDeps,
  queries: readonly MetricDataQuery[],
  start: Date,
  end: Date,
  scanBy: 'TimestampDescending' | 'TimestampAscending' = 'TimestampDescending',
): MetricDataResult[] {
  const ids = new Set<string>();
  for (const [i, q] of queries.entries()) {
    const field = `MetricDataQueries.member.${i + 1}`;
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(q.Id))
      throw invalidParameter(
        `The value ${q.Id} for parameter ${field}.Id is invalid: it must start with a lowercase letter.`,
        { field: `${field}.Id` },
      );
    if (ids.has(q.Id))
      throw invalidParameter(`The value ${q.Id} for parameter ${field}.Id is not unique.`, { field: `${field}.Id` });
    ids.add(q.Id);
    if ((q.MetricStat === undefined) === (q.Expression === undefined))
      throw invalidParameter(`Exactly one of ${field}.MetricStat and ${field}.Expression must be given.`, {
        field,
        reason: 'parameter-combination',
      });
    if (q.Expression !== undefined) throw notImplemented(`metric math (${field}.Expression)`);
    checkPeriod(q.MetricStat?.Period ?? 0, `${field}.MetricStat.Period`);
  }
  return queries
    .filter((q) => q.ReturnData !== false)
    .map((q) => {
      const ms = q.MetricStat as NonNullable<MetricDataQuery['MetricStat']>;
      const rows = buckets(deps, {
        namespace: ms.Metric.Namespace ?? '',
        metricName: ms.Metric.MetricName ?? '',
        dimensions: ms.Metric.Dimensions ?? [],
        start,
        end,
        period: ms.Period,
        ...(ms.Unit ? { unit: ms.Unit } : {}),
      })
        .map((b) => [b.at, statistic(b, ms.Stat)] as const)
        .filter((r): r is readonly [number, number] => r[1] !== undefined);
      if (scanBy === 'TimestampDescending') rows.reverse();
      return {
        Id: q.Id,
        Label: q.Label ?? ms.Metric.MetricName ?? q.Id,
        Timestamps: rows.map((r) => new Date(r[0])),
        Values: rows.map((r) => r[1]),
        StatusCode: 'Complete' as const,
      };
    });
}

export interface ListMetricsInput {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name: string; Value?: string }[];
  RecentlyActive?: string;
}

/** ListMetrics: the metrics matching the filters (each filter dimension must be present, with its value if given). */
export function listMetrics(deps: MetricsDeps, input: ListMetricsInput): SeriesRecord[] {
  const prefix =
    input.Namespace === undefined
      ? undefined
      : input.MetricName === undefined
        ? namespacePrefix(input.Namespace)
        : metricPrefix(input.Namespace, input.MetricName);
  const since = input.RecentlyActive === 'PT3H' ? nowMs(deps) - 3 * 3_600_000 : undefined;
  return deps.store
    .read((tx) => tx.list(series, prefix ? { prefix } : {}))
    .map((e) => e.value)
    .filter(
      (s) =>
        (input.MetricName === undefined || s.metricName === input.MetricName) &&
        (since === undefined || s.lastPutAt >= since) &&
        (input.Dimensions ?? []).every((f) =>
          s.dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value)),
        ),
    );
}
