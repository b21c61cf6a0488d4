import { invalidParameter, notImplemented } from '../kernel/index.js';
import {
  alarmBase,
  alarmHistory,
  alarmPeriod,
  alarms,
  COMPARISONS,
  MISSING,
  type AlarmBaseInput,
  type AlarmMetric,
  type AlarmRecord,
  type Comparison,
} from './alarms.js';
import { compositeAlarms } from './composite-alarms.js';
import { nowMs, type MetricsDeps } from './deps.js';
import { checkQueries, runQueries, type MetricDataQuery } from './query-set.js';
import { checkPeriod, percentileOf } from './statistics.js';

export interface PutAlarmInput extends AlarmMetric, AlarmBaseInput {
  EvaluationPeriods?: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator?: string;
  TreatMissingData?: string;
  ThresholdMetricId?: string;
}

const bad = (field: string, message = `The value for parameter ${field} is invalid.`) =>
  invalidParameter(message, { field });
const combination = (message: string, field: string) =>
  invalidParameter(message, { field, reason: 'parameter-combination' });

// CloudWatch's limit on the metrics one metric-math alarm may read.
const MAX_ALARM_METRICS = 10;

/** The metric a single-metric alarm watches, checked. */
function singleMetric(input: PutAlarmInput) {
  for (const f of ['MetricName', 'Namespace', 'Period'] as const)
    if (input[f] === undefined) throw invalidParameter(`The parameter ${f} is required.`, { field: f });
  if ((input.Statistic === undefined) === (input.ExtendedStatistic === undefined))
    throw combination('Exactly one of Statistic and ExtendedStatistic must be given.', 'Statistic');
  if (input.ExtendedStatistic !== undefined && percentileOf(input.ExtendedStatistic) === undefined)
    throw bad('ExtendedStatistic');
  checkPeriod(input.Period as number);
  return {
    MetricName: input.MetricName as string,
    Namespace: input.Namespace as string,
    ...(input.Statistic !== undefined ? { Statistic: input.Statistic } : {}),
    ...(input.ExtendedStatistic !== undefined ? { ExtendedStatistic: input.ExtendedStatistic } : {}),
    Dimensions: [...(input.Dimensions ?? [])],
    Period: input.Period as number,
    ...(input.Unit !== undefined ? { Unit: input.Unit } : {}),
  };
}

/**
 * A metric-math alarm's queries, checked as CloudWatch checks them: exactly one query returned,
 * at most ten metrics, and an expression that gives one series (run once over the alarm's
 * window, so that a reference to nothing or a circle shows now). Gives the alarm's period.
 */
export function checkAlarmMetrics(deps: MetricsDeps, metrics: readonly MetricDataQuery[], member: string): number {
  const field = member.replace(/\.member$/, '');
  checkQueries(metrics, member);
  if (metrics.filter((q) => q.ReturnData !== false).length !== 1)
    throw combination('Exactly one element of the metrics list should return data.', field);
  if (metrics.filter((q) => q.MetricStat).length > MAX_ALARM_METRICS)
    throw bad(field, `An alarm can watch at most ${MAX_ALARM_METRICS} metrics.`);
  const period = alarmPeriod({ Metrics: [...metrics] });
  const end = Math.floor(nowMs(deps) / (period * 1000)) * period * 1000;
  const [result] = runQueries(deps, metrics, new Date(end - period * 1000), new Date(end), member);
  if (result?.array) throw bad(field, `The expression ${result.query.Id} must give a single time series for an alarm.`);
  return period;
}

/** A metric-math alarm: its queries, and nothing of a single metric beside them. */
function mathMetrics(deps: MetricsDeps, input: PutAlarmInput, metrics: MetricDataQuery[]) {
  for (const f of [
    'MetricName',
    'Namespace',
    'Statistic',
    'ExtendedStatistic',
    'Dimensions',
    'Period',
    'Unit',
  ] as const)
    if (input[f] !== undefined) throw combination(`${f} cannot be given with Metrics.`, f);
  return { Metrics: metrics, period: checkAlarmMetrics(deps, metrics, 'Metrics.member') };
}

/** PutMetricAlarm: creates or replaces a static-threshold alarm on one metric or on metric math. */
export async function putMetricAlarm(deps: MetricsDeps, input: PutAlarmInput): Promise<AlarmRecord> {
  if (input.ThresholdMetricId !== undefined) throw notImplemented('anomaly detection alarms (ThresholdMetricId)');
  for (const f of ['EvaluationPeriods', 'Threshold', 'ComparisonOperator'] as const)
    if (input[f] === undefined) throw invalidParameter(`The parameter ${f} is required.`, { field: f });
  const math = input.Metrics?.length ? mathMetrics(deps, input, input.Metrics) : undefined;
  const metric = math ? { Metrics: math.Metrics } : singleMetric(input);
  const period = math ? math.period : (input.Period as number);
  const comparison = input.ComparisonOperator as string;
  if (!Object.hasOwn(COMPARISONS, comparison)) {
    if (comparison.includes('LowerThreshold') || comparison.includes('UpperThreshold'))
      throw notImplemented(`anomaly detection bands (ComparisonOperator ${comparison})`);
    throw bad('ComparisonOperator');
  }
  if (period < 60 && ![10, 30].includes(period))
    throw bad(math ? 'Metrics' : 'Period', "An alarm's Period must be 10, 30 or a multiple of 60.");
  const periods = input.EvaluationPeriods as number;
  const toAlarm = input.DatapointsToAlarm ?? periods;
  if (toAlarm < 1 || toAlarm > periods)
    throw bad('DatapointsToAlarm', 'DatapointsToAlarm must be between 1 and EvaluationPeriods.');
  if (period * periods > 7 * 86_400)
    throw bad('EvaluationPeriods', 'The evaluation period (Period × EvaluationPeriods) cannot exceed one week.');
  const missing = input.TreatMissingData ?? 'missing';
  if (!MISSING.includes(missing)) throw bad('TreatMissingData');
  const now = nowMs(deps);
  return await deps.store.transact((tx) => {
    if (tx.get(compositeAlarms, input.AlarmName))
      throw invalidParameter(`The alarm ${input.AlarmName} is a composite alarm, not a metric alarm.`, {
        field: 'AlarmName',
      });
    const { base, change } = alarmBase(deps, input, tx.get(alarms, input.AlarmName)?.value, now);
    const rec: AlarmRecord = {
      ...base,
      ...metric,
      EvaluationPeriods: periods,
      DatapointsToAlarm: toAlarm,
      Threshold: input.Threshold as number,
      ComparisonOperator: comparison as Comparison,
      TreatMissingData: missing,
    };
    tx.put(alarms, rec);
    tx.put(alarmHistory, change);
    return rec;
  });
}
