import type * as cw from '@aws-sdk/client-cloudwatch';
import type { BerthError } from '../../kernel/index.js';
import {
  listMetrics,
  metricData,
  metricStatistics,
  putMetricData,
  type MetricDataQuery,
  type MetricDatum,
  type MetricsDeps,
} from '../../metrics/index.js';
import { paginate } from '../pagination.js';
import { defineService, type AwsService } from '../service.js';

type Out<T> = Omit<T, '$metadata'>;

/** CloudWatch's codes (its query-protocol names, which every protocol's errors carry). */
function errorCode(e: BerthError): string | undefined {
  if (e.kind === 'InvalidParameter')
    return e.detail.reason === 'parameter-combination' ? 'InvalidParameterCombination' : 'InvalidParameterValue';
  if (e.kind === 'LimitExceeded') return 'LimitExceeded';
  return undefined;
}

/** CloudWatch metrics, over CBOR, JSON and query alike (the protocol is the dispatcher's business). */
export function cloudwatchService(deps: MetricsDeps): AwsService {
  return defineService('cloudwatch', {
    validationErrorCode: 'InvalidParameterValue',
    errorCode,
    handlers: {
      PutMetricData(input: cw.PutMetricDataInput): Out<cw.PutMetricDataCommandOutput> {
        // Data given with an entity is kept as the metric's own data (entities are not kept).
        const data = [
          ...(input.MetricData ?? []),
          ...(input.EntityMetricData ?? []).flatMap((e) => e.MetricData ?? []),
        ];
        putMetricData(deps, input.Namespace as string, data as MetricDatum[]);
        return {};
      },
      GetMetricStatistics(input: cw.GetMetricStatisticsInput): Out<cw.GetMetricStatisticsCommandOutput> {
        const datapoints = metricStatistics(
          deps,
          {
            namespace: input.Namespace as string,
            metricName: input.MetricName as string,
            dimensions: (input.Dimensions ?? []) as { Name: string; Value: string }[],
            start: input.StartTime as Date,
            end: input.EndTime as Date,
            period: input.Period as number,
            ...(input.Unit ? { unit: input.Unit } : {}),
          },
          input.Statistics ?? [],
          input.ExtendedStatistics ?? [],
        );
        return { Label: input.MetricName, Datapoints: datapoints as cw.Datapoint[] };
      },
      GetMetricData(input: cw.GetMetricDataInput): Out<cw.GetMetricDataCommandOutput> {
        const results = metricData(
          deps,
          (input.MetricDataQueries ?? []) as MetricDataQuery[],
          input.StartTime as Date,
          input.EndTime as Date,
          input.ScanBy === 'TimestampAscending' ? 'TimestampAscending' : 'TimestampDescending',
        );
        return { MetricDataResults: results, Messages: [] };
      },
      ListMetrics(input: cw.ListMetricsInput): Out<cw.ListMetricsCommandOutput> {
        const all = listMetrics(deps, {
          ...(input.Namespace !== undefined ? { Namespace: input.Namespace } : {}),
          ...(input.MetricName !== undefined ? { MetricName: input.MetricName } : {}),
          ...(input.Dimensions ? { Dimensions: input.Dimensions as { Name: string; Value?: string }[] } : {}),
          ...(input.RecentlyActive ? { RecentlyActive: input.RecentlyActive } : {}),
        });
        const { page, nextToken } = paginate(all, (s) => s.key, 500, input.NextToken, 500);
        return {
          Metrics: page.map((s) => ({ Namespace: s.namespace, MetricName: s.metricName, Dimensions: s.dimensions })),
          ...(nextToken ? { NextToken: nextToken } : {}),
        };
      },
    },
  });
}
