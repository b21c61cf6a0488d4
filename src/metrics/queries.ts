import { nowMs, type MetricsDeps } from './deps.js';
import { runQueries } from './query-set.js';
import { metricPrefix, namespacePrefix, series, type SeriesRecord } from './tables.js';

import type { MetricDataQuery } from './query-set.js';

export type { MetricDataQuery };

export interface MetricDataResult {
  Id: string;
  Label: string;
  Timestamps: Date[];
  Values: number[];
  StatusCode: 'Complete';
}

/**
 * GetMetricData: each returned query's data per period, metric queries (`MetricStat`) and metric
 * math (`Expression`) alike, newest first unless ScanBy says otherwise. An expression that gives
 * an array of series gives a result for each, under its Id.
 */
export function metricData(
  deps: MetricsDeps,
  queries: readonly MetricDataQuery[],
  start: Date,
  end: Date,
  scanBy: 'TimestampDescending' | 'TimestampAscending' = 'TimestampDescending',
): MetricDataResult[] {
  return runQueries(deps, queries, start, end).flatMap(({ query, series }) =>
    series.map((s) => {
      const order = s.at.map((_, i) => i);
      if (scanBy === 'TimestampDescending') order.reverse();
      return {
        Id: query.Id,
        Label: s.label,
        Timestamps: order.map((i) => new Date(s.at[i] as number)),
        Values: order.map((i) => s.v[i] as number),
        StatusCode: 'Complete' as const,
      };
    }),
  );
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
