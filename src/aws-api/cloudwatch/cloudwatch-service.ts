import type * as cw from '@aws-sdk/client-cloudwatch';
import type { BerthError } from '../../kernel/index.js';
import {
  deleteAlarms,
  describeAlarmHistory,
  describeAlarms,
  putMetricAlarm,
  setAlarmActionsEnabled,
  setAlarmState,
  alarmRelatives,
  describeCompositeAlarms,
  putCompositeAlarm,
  setCompositeState,
  type AlarmRecord,
  type AlarmState,
  type CompositeAlarmRecord,
  type PutCompositeAlarmInput,
  type PutAlarmInput,
  listMetrics,
  metricData,
  metricStatistics,
  putMetricData,
  type MetricDataQuery,
  type MetricDatum,
  type MetricsDeps,
} from '../../metrics/index.js';
import { paginate, paginateInOrder } from '../pagination.js';
import { defineService, type AwsService } from '../service.js';

type Out<T> = Omit<T, '$metadata'>;

/** CloudWatch's codes (its query-protocol names, which every protocol's errors carry). */
function errorCode(e: BerthError): string | undefined {
  if (e.kind === 'NotFound') return 'ResourceNotFound';
  if (e.kind === 'InvalidParameter')
    return e.detail.reason === 'parameter-combination' ? 'InvalidParameterCombination' : 'InvalidParameterValue';
  if (e.kind === 'LimitExceeded') return 'LimitExceeded';
  return undefined;
}

/** A stored alarm as DescribeAlarms shows it: its times as timestamps. */
function alarmOut(a: AlarmRecord | CompositeAlarmRecord): cw.MetricAlarm {
  return {
    ...a,
    AlarmConfigurationUpdatedTimestamp: new Date(a.AlarmConfigurationUpdatedTimestamp),
    StateUpdatedTimestamp: new Date(a.StateUpdatedTimestamp),
    StateTransitionedTimestamp: new Date(a.StateTransitionedTimestamp),
  } as cw.MetricAlarm;
}

/** CloudWatch metrics, over CBOR, JSON and query alike (the protocol is the dispatcher's business). */
export function cloudwatchService(deps: MetricsDeps): AwsService {
  return defineService('cloudwatch', {
    validationErrorCode: 'InvalidParameterValue',
    errorCode,
    handlers: {
      async PutMetricData(input: cw.PutMetricDataInput): Promise<Out<cw.PutMetricDataCommandOutput>> {
        // Data given with an entity is kept as the metric's own data (entities are not kept).
        const data = [
          ...(input.MetricData ?? []),
          ...(input.EntityMetricData ?? []).flatMap((e) => e.MetricData ?? []),
        ];
        await putMetricData(deps, input.Namespace as string, data as MetricDatum[]);
        return {};
      },
      async GetMetricStatistics(input: cw.GetMetricStatisticsInput): Promise<Out<cw.GetMetricStatisticsCommandOutput>> {
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
      async GetMetricData(input: cw.GetMetricDataInput): Promise<Out<cw.GetMetricDataCommandOutput>> {
        const results = metricData(
          deps,
          (input.MetricDataQueries ?? []) as MetricDataQuery[],
          input.StartTime as Date,
          input.EndTime as Date,
          input.ScanBy === 'TimestampAscending' ? 'TimestampAscending' : 'TimestampDescending',
        );
        return { MetricDataResults: results, Messages: [] };
      },
      async PutMetricAlarm(input: cw.PutMetricAlarmInput): Promise<Out<cw.PutMetricAlarmCommandOutput>> {
        await putMetricAlarm(deps, input as PutAlarmInput);
        return {};
      },
      async PutCompositeAlarm(input: cw.PutCompositeAlarmInput): Promise<Out<cw.PutCompositeAlarmCommandOutput>> {
        await putCompositeAlarm(deps, input as PutCompositeAlarmInput);
        return {};
      },
      async DescribeAlarms(input: cw.DescribeAlarmsInput): Promise<Out<cw.DescribeAlarmsCommandOutput>> {
        const filter = {
          ...(input.AlarmNames ? { AlarmNames: input.AlarmNames } : {}),
          ...(input.AlarmNamePrefix ? { AlarmNamePrefix: input.AlarmNamePrefix } : {}),
          ...(input.StateValue ? { StateValue: input.StateValue as AlarmState } : {}),
          ...(input.ActionPrefix ? { ActionPrefix: input.ActionPrefix } : {}),
        };
        // Without AlarmTypes, metric alarms only, as CloudWatch answers; a family query gives both kinds.
        const types = input.AlarmTypes?.length ? input.AlarmTypes : ['MetricAlarm'];
        const family =
          input.ChildrenOfAlarmName !== undefined || input.ParentsOfAlarmName !== undefined
            ? alarmRelatives(deps, {
                ...(input.ChildrenOfAlarmName !== undefined ? { ChildrenOfAlarmName: input.ChildrenOfAlarmName } : {}),
                ...(input.ParentsOfAlarmName !== undefined ? { ParentsOfAlarmName: input.ParentsOfAlarmName } : {}),
              })
            : undefined;
        const metric = family?.metric ?? (types.includes('MetricAlarm') ? describeAlarms(deps, filter) : []);
        const composite =
          family?.composite ?? (types.includes('CompositeAlarm') ? describeCompositeAlarms(deps, filter) : []);
        type Listed = { name: string; metric?: AlarmRecord; composite?: CompositeAlarmRecord };
        const all: Listed[] = [
          ...metric.map((a) => ({ name: a.AlarmName, metric: a })),
          ...composite.map((a) => ({ name: a.AlarmName, composite: a })),
        ].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
        const { page, nextToken } = paginate(all, (a) => a.name, input.MaxRecords, input.NextToken, 50);
        return {
          MetricAlarms: page.flatMap((a) => (a.metric ? [alarmOut(a.metric)] : [])),
          CompositeAlarms: page.flatMap((a) => (a.composite ? [alarmOut(a.composite) as cw.CompositeAlarm] : [])),
          ...(nextToken ? { NextToken: nextToken } : {}),
        };
      },
      async DeleteAlarms(input: cw.DeleteAlarmsInput): Promise<Out<cw.DeleteAlarmsCommandOutput>> {
        await deleteAlarms(deps, input.AlarmNames ?? []);
        return {};
      },
      async SetAlarmState(input: cw.SetAlarmStateInput): Promise<Out<cw.SetAlarmStateCommandOutput>> {
        const composite = await setCompositeState(
          deps,
          input.AlarmName as string,
          input.StateValue as AlarmState,
          input.StateReason as string,
          input.StateReasonData,
        );
        if (composite) return {};
        await setAlarmState(
          deps,
          input.AlarmName as string,
          input.StateValue as AlarmState,
          input.StateReason as string,
          input.StateReasonData,
        );
        return {};
      },
      async EnableAlarmActions(input: cw.EnableAlarmActionsInput): Promise<Out<cw.EnableAlarmActionsCommandOutput>> {
        await setAlarmActionsEnabled(deps, input.AlarmNames ?? [], true);
        return {};
      },
      async DisableAlarmActions(input: cw.DisableAlarmActionsInput): Promise<Out<cw.DisableAlarmActionsCommandOutput>> {
        await setAlarmActionsEnabled(deps, input.AlarmNames ?? [], false);
        return {};
      },
      async DescribeAlarmHistory(
        input: cw.DescribeAlarmHistoryInput,
      ): Promise<Out<cw.DescribeAlarmHistoryCommandOutput>> {
        const all = describeAlarmHistory(deps, {
          ...(input.AlarmName ? { AlarmName: input.AlarmName } : {}),
          ...(input.HistoryItemType ? { HistoryItemType: input.HistoryItemType } : {}),
          ...(input.StartDate ? { StartDate: input.StartDate } : {}),
          ...(input.EndDate ? { EndDate: input.EndDate } : {}),
          ascending: input.ScanBy === 'TimestampAscending',
        });
        const { page, nextToken } = paginateInOrder(all, input.MaxRecords, input.NextToken, 100);
        const composite = new Set(describeCompositeAlarms(deps, {}).map((a) => a.AlarmName));
        return {
          AlarmHistoryItems: page.map((h) => ({
            AlarmName: h.AlarmName,
            AlarmType: composite.has(h.AlarmName) ? 'CompositeAlarm' : 'MetricAlarm',
            Timestamp: new Date(h.Timestamp),
            HistoryItemType: h.HistoryItemType,
            HistorySummary: h.HistorySummary,
            ...(h.HistoryData ? { HistoryData: h.HistoryData } : {}),
          })),
          ...(nextToken ? { NextToken: nextToken } : {}),
        };
      },
      async ListMetrics(input: cw.ListMetricsInput): Promise<Out<cw.ListMetricsCommandOutput>> {
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
