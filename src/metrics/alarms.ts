import { hexId, invalidParameter, notFound, notImplemented } from '../kernel/index.js';
import { defineTable } from '../store/index.js';
import { nowMs, type MetricsDeps } from './deps.js';
import { checkPeriod, metricStatistics, percentileOf } from './statistics.js';
import type { Dimension } from './tables.js';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
const COMPARISONS = {
  GreaterThanOrEqualToThreshold: { test: (v: number, t: number) => v >= t, words: 'greater than or equal to' },
  GreaterThanThreshold: { test: (v: number, t: number) => v > t, words: 'greater than' },
  LessThanThreshold: { test: (v: number, t: number) => v < t, words: 'less than' },
  LessThanOrEqualToThreshold: { test: (v: number, t: number) => v <= t, words: 'less than or equal to' },
} as const;
type Comparison = keyof typeof COMPARISONS;
const MISSING = ['breaching', 'notBreaching', 'ignore', 'missing'];

/** A metric alarm as PutMetricAlarm defines it, with its state (CloudWatch's MetricAlarm). */
export interface AlarmRecord {
  AlarmName: string;
  AlarmArn: string;
  AlarmDescription?: string;
  AlarmConfigurationUpdatedTimestamp: number;
  ActionsEnabled: boolean;
  OKActions: string[];
  AlarmActions: string[];
  InsufficientDataActions: string[];
  StateValue: AlarmState;
  StateReason: string;
  StateReasonData?: string;
  StateUpdatedTimestamp: number;
  StateTransitionedTimestamp: number;
  MetricName: string;
  Namespace: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions: Dimension[];
  Period: number;
  Unit?: string;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  ComparisonOperator: Comparison;
  TreatMissingData: string;
}

export interface AlarmHistoryRecord {
  key: string;
  AlarmName: string;
  Timestamp: number;
  HistoryItemType: 'ConfigurationUpdate' | 'StateUpdate';
  HistorySummary: string;
  HistoryData?: string;
}

export const alarms = defineTable<AlarmRecord>('metrics.alarms', (a) => a.AlarmName);
export const alarmHistory = defineTable<AlarmHistoryRecord>('metrics.alarm-history', (h) => h.key, { history: false });

export interface PutAlarmInput {
  AlarmName: string;
  AlarmDescription?: string;
  ActionsEnabled?: boolean;
  OKActions?: string[];
  AlarmActions?: string[];
  InsufficientDataActions?: string[];
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions?: Dimension[];
  Period?: number;
  Unit?: string;
  EvaluationPeriods?: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator?: string;
  TreatMissingData?: string;
  Metrics?: unknown[];
  ThresholdMetricId?: string;
}

/** An alarm's history keys start with its name, escaped so that `/` only separates. */
export const historyPrefix = (name: string) => `${encodeURIComponent(name)}/`;

const bad = (field: string, message = `The value for parameter ${field} is invalid.`) =>
  invalidParameter(message, { field });

const history = (
  name: string,
  at: number,
  type: AlarmHistoryRecord['HistoryItemType'],
  summary: string,
  data?: object,
) => ({
  key: `${historyPrefix(name)}${String(at).padStart(15, '0')}/${hexId().slice(0, 8)}`,
  AlarmName: name,
  Timestamp: at,
  HistoryItemType: type,
  HistorySummary: summary,
  ...(data ? { HistoryData: JSON.stringify(data) } : {}),
});

/** PutMetricAlarm: creates or replaces a static-threshold alarm on one metric (metric math: not yet). */
export function putMetricAlarm(deps: MetricsDeps, input: PutAlarmInput): AlarmRecord {
  if (input.Metrics?.length || input.ThresholdMetricId) throw notImplemented('alarms on metric math (Metrics)');
  for (const f of [
    'MetricName',
    'Namespace',
    'Period',
    'EvaluationPeriods',
    'Threshold',
    'ComparisonOperator',
  ] as const)
    if (input[f] === undefined) throw invalidParameter(`The parameter ${f} is required.`, { field: f });
  if ((input.Statistic === undefined) === (input.ExtendedStatistic === undefined))
    throw invalidParameter('Exactly one of Statistic and ExtendedStatistic must be given.', {
      field: 'Statistic',
      reason: 'parameter-combination',
    });
  if (input.ExtendedStatistic !== undefined && percentileOf(input.ExtendedStatistic) === undefined)
    throw bad('ExtendedStatistic');
  const comparison = input.ComparisonOperator as string;
  if (!Object.hasOwn(COMPARISONS, comparison)) {
    if (comparison.includes('LowerThreshold') || comparison.includes('UpperThreshold'))
      throw notImplemented(`anomaly detection bands (ComparisonOperator ${comparison})`);
    throw bad('ComparisonOperator');
  }
  checkPeriod(input.Period as number);
  if ((input.Period as number) < 60 && ![10, 30].includes(input.Period as number))
    throw bad('Period', "An alarm's Period must be 10, 30 or a multiple of 60.");
  const periods = input.EvaluationPeriods as number;
  const toAlarm = input.DatapointsToAlarm ?? periods;
  if (toAlarm < 1 || toAlarm > periods)
    throw bad('DatapointsToAlarm', 'DatapointsToAlarm must be between 1 and EvaluationPeriods.');
  if ((input.Period as number) * periods > 7 * 86_400)
    throw bad('EvaluationPeriods', 'The evaluation period (Period × EvaluationPeriods) cannot exceed one week.');
  const missing = input.TreatMissingData ?? 'missing';
  if (!MISSING.includes(missing)) throw bad('TreatMissingData');
  const now = nowMs(deps);
  return deps.store.write((tx) => {
    const was = tx.get(alarms, input.AlarmName)?.value;
    const rec: AlarmRecord = {
      AlarmName: input.AlarmName,
      AlarmArn: `arn:aws:cloudwatch:${deps.region}:${deps.accountId}:alarm:${input.AlarmName}`,
      ...(input.AlarmDescription !== undefined ? { AlarmDescription: input.AlarmDescription } : {}),
      AlarmConfigurationUpdatedTimestamp: now,
      ActionsEnabled: input.ActionsEnabled ?? true,
      OKActions: input.OKActions ?? [],
      AlarmActions: input.AlarmActions ?? [],
      InsufficientDataActions: input.InsufficientDataActions ?? [],
      // A new alarm starts unchecked; a changed one keeps its state until it is evaluated again.
      StateValue: was?.StateValue ?? 'INSUFFICIENT_DATA',
      StateReason: was?.StateReason ?? 'Unchecked: Initial alarm creation',
      ...(was?.StateReasonData ? { StateReasonData: was.StateReasonData } : {}),
      StateUpdatedTimestamp: was?.StateUpdatedTimestamp ?? now,
      StateTransitionedTimestamp: was?.StateTransitionedTimestamp ?? now,
      MetricName: input.MetricName as string,
      Namespace: input.Namespace as string,
      ...(input.Statistic !== undefined ? { Statistic: input.Statistic } : {}),
      ...(input.ExtendedStatistic !== undefined ? { ExtendedStatistic: input.ExtendedStatistic } : {}),
      Dimensions: [...(input.Dimensions ?? [])],
      Period: input.Period as number,
      ...(input.Unit !== undefined ? { Unit: input.Unit } : {}),
      EvaluationPeriods: periods,
      DatapointsToAlarm: toAlarm,
      Threshold: input.Threshold as number,
      ComparisonOperator: comparison as Comparison,
      TreatMissingData: missing,
    };
    tx.put(alarms, rec);
    tx.put(
      alarmHistory,
      history(rec.AlarmName, now, 'ConfigurationUpdate', `Alarm "${rec.AlarmName}" ${was ? 'updated' : 'created'}`),
    );
    return rec;
  });
}

/** Moves an alarm to a state, with its reason, and records the change; the same state changes nothing but the reason. */
export function setAlarmState(
  deps: MetricsDeps,
  name: string,
  state: AlarmState,
  reason: string,
  data?: string,
): AlarmRecord {
  const now = nowMs(deps);
  return deps.store.write((tx) => {
    const cur = tx.get(alarms, name)?.value;
    if (!cur) throw notFound(`Alarm ${name} not found`, { resource: 'alarm' });
    const moved = cur.StateValue !== state;
    const next: AlarmRecord = {
      ...cur,
      StateValue: state,
      StateReason: reason,
      ...(data !== undefined ? { StateReasonData: data } : {}),
      StateUpdatedTimestamp: now,
      StateTransitionedTimestamp: moved ? now : cur.StateTransitionedTimestamp,
    };
    tx.put(alarms, next);
    if (moved)
      tx.put(
        alarmHistory,
        history(name, now, 'StateUpdate', `Alarm updated from ${cur.StateValue} to ${state}`, {
          version: '1.0',
          oldState: { stateValue: cur.StateValue, stateReason: cur.StateReason },
          newState: { stateValue: state, stateReason: reason },
        }),
      );
    return next;
  });
}

// As CloudWatch prints a datapoint: `95.0`, `399.3445` (not the sum's floating-point noise).
const fmt = (v: number) => (Number.isInteger(v) ? v.toFixed(1) : String(Number(v.toPrecision(12))));
const stamp = (ms: number) => {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
};

/**
 * An alarm's datapoints over its last EvaluationPeriods whole periods, newest first, in its
 * statistic: what it is evaluated on (and what a step scaling policy measures its breach by).
 */
export function alarmDatapoints(deps: MetricsDeps, a: AlarmRecord, now = nowMs(deps)) {
  const periodMs = a.Period * 1000;
  const end = Math.floor(now / periodMs) * periodMs;
  const start = end - a.EvaluationPeriods * periodMs;
  const stat = a.Statistic ?? (a.ExtendedStatistic as string);
  const points = metricStatistics(
    deps,
    {
      namespace: a.Namespace,
      metricName: a.MetricName,
      dimensions: a.Dimensions,
      start: new Date(start),
      end: new Date(end),
      period: a.Period,
      ...(a.Unit ? { unit: a.Unit } : {}),
    },
    a.Statistic ? [a.Statistic] : [],
    a.ExtendedStatistic ? [a.ExtendedStatistic] : [],
  )
    .map((p) => ({
      at: p.Timestamp.getTime(),
      value: a.Statistic
        ? (p as unknown as Record<string, number | undefined>)[a.Statistic]
        : p.ExtendedStatistics?.[stat],
    }))
    .filter((p): p is { at: number; value: number } => p.value !== undefined)
    .sort((x, y) => y.at - x.at);
  return { points, start, stat };
}

/**
 * Evaluates an alarm over its last EvaluationPeriods whole periods: ALARM when at least
 * DatapointsToAlarm of them breach (missing ones counted as TreatMissingData says), OK when
 * enough are present and do not, INSUFFICIENT_DATA when nothing is known. The reason is written
 * as CloudWatch writes it.
 */
export function evaluateAlarm(deps: MetricsDeps, a: AlarmRecord, now = nowMs(deps)): AlarmRecord {
  const { points, start, stat } = alarmDatapoints(deps, a, now);
  const test = COMPARISONS[a.ComparisonOperator].test;
  const missing = a.EvaluationPeriods - points.length;
  let breaching = points.filter((p) => test(p.value, a.Threshold)).length;
  if (a.TreatMissingData === 'breaching') breaching += missing;
  if (points.length === 0 && (a.TreatMissingData === 'missing' || a.TreatMissingData === 'ignore')) {
    if (a.StateValue === 'INSUFFICIENT_DATA' || a.TreatMissingData === 'ignore') return a;
    return setAlarmState(
      deps,
      a.AlarmName,
      'INSUFFICIENT_DATA',
      'Insufficient Data: no datapoints were received for the evaluation periods.',
    );
  }
  // ALARM once enough periods breach; OK once too few are left to (missing ones could still
  // breach); in between, the alarm stays as it is until the data says more.
  const clear = points.filter((p) => !test(p.value, a.Threshold)).length;
  const state: AlarmState | undefined =
    breaching >= a.DatapointsToAlarm
      ? 'ALARM'
      : clear > a.EvaluationPeriods - a.DatapointsToAlarm || a.TreatMissingData === 'notBreaching'
        ? 'OK'
        : undefined;
  if (state === undefined) return a;
  const shown = points.map((p) => `${fmt(p.value)} (${stamp(p.at)})`).join(', ');
  const counted = state === 'ALARM' ? breaching : clear;
  const reason =
    `Threshold Crossed: ${counted} out of the last ${a.EvaluationPeriods} datapoints [${shown}] ` +
    `${state === 'ALARM' ? (counted === 1 ? 'was' : 'were') : counted === 1 ? 'was not' : 'were not'} ${COMPARISONS[a.ComparisonOperator].words} the threshold (${fmt(a.Threshold)}) ` +
    `(minimum ${a.DatapointsToAlarm} datapoint${a.DatapointsToAlarm === 1 ? '' : 's'} for ${state === 'ALARM' ? 'OK -> ALARM' : 'ALARM -> OK'} transition).`;
  if (state === a.StateValue) return a;
  const data = {
    version: '1.0',
    queryDate: new Date(now).toISOString(),
    startDate: new Date(start).toISOString(),
    statistic: stat,
    period: a.Period,
    recentDatapoints: points.map((p) => p.value),
    threshold: a.Threshold,
    evaluatedDatapoints: points.map((p) => ({ timestamp: new Date(p.at).toISOString(), value: p.value })),
  };
  return setAlarmState(deps, a.AlarmName, state, reason, JSON.stringify(data));
}

/** Evaluates every alarm (the evaluation loop's pass). */
export function evaluateAlarms(deps: MetricsDeps, now = nowMs(deps)): void {
  for (const { value } of deps.store.read((tx) => tx.list(alarms))) evaluateAlarm(deps, value, now);
}
