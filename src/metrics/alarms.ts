import { hexId, notFound } from '../kernel/index.js';
import { defineTable } from '../store/index.js';
import { nowMs, type MetricsDeps } from './deps.js';
import { runQueries, type MetricDataQuery } from './query-set.js';
import { metricStatistics } from './statistics.js';
import type { Dimension } from './tables.js';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export const COMPARISONS = {
  GreaterThanOrEqualToThreshold: { test: (v: number, t: number) => v >= t, words: 'greater than or equal to' },
  GreaterThanThreshold: { test: (v: number, t: number) => v > t, words: 'greater than' },
  LessThanThreshold: { test: (v: number, t: number) => v < t, words: 'less than' },
  LessThanOrEqualToThreshold: { test: (v: number, t: number) => v <= t, words: 'less than or equal to' },
} as const;
export type Comparison = keyof typeof COMPARISONS;
export const MISSING = ['breaching', 'notBreaching', 'ignore', 'missing'];

/** What an alarm watches: a single metric, or metric math (`Metrics`) instead. */
export interface AlarmMetric {
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions?: Dimension[];
  Period?: number;
  Unit?: string;
  Metrics?: MetricDataQuery[];
}

/** A metric alarm as PutMetricAlarm defines it, with its state (CloudWatch's MetricAlarm). */
export interface AlarmRecord extends AlarmMetric {
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

/** An alarm's history keys start with its name, escaped so that `/` only separates. */
export const historyPrefix = (name: string) => `${encodeURIComponent(name)}/`;

export const history = (
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

/** Moves an alarm to a state, with its reason, and records the change; the same state changes nothing but the reason. */
export async function setAlarmState(
  deps: MetricsDeps,
  name: string,
  state: AlarmState,
  reason: string,
  data?: string,
): Promise<AlarmRecord> {
  const now = nowMs(deps);
  return await deps.store.transact((tx) => {
    const cur = tx.get(alarms, name)?.value;
    if (!cur) throw notFound(`Alarm ${name} not found`, { resource: 'alarm' });
    const { next, change } = moved(cur, state, reason, data, now);
    tx.put(alarms, next);
    if (change) tx.put(alarmHistory, change);
    return next;
  });
}

/** What a put sets alike for a metric and a composite alarm. */
export interface AlarmBaseInput {
  AlarmName: string;
  AlarmDescription?: string;
  ActionsEnabled?: boolean;
  OKActions?: string[];
  AlarmActions?: string[];
  InsufficientDataActions?: string[];
}
type StateFields = Pick<
  AlarmRecord,
  'StateValue' | 'StateReason' | 'StateReasonData' | 'StateUpdatedTimestamp' | 'StateTransitionedTimestamp'
>;

/**
 * The part of a put alarm that does not depend on its kind — name, ARN, description, actions — and
 * its state: a new alarm starts unchecked, a changed one keeps its state until it is evaluated
 * again. With the history entry of the put.
 */
export function alarmBase(deps: MetricsDeps, input: AlarmBaseInput, was: StateFields | undefined, now: number) {
  return {
    base: {
      AlarmName: input.AlarmName,
      AlarmArn: `arn:aws:cloudwatch:${deps.region}:${deps.accountId}:alarm:${input.AlarmName}`,
      ...(input.AlarmDescription !== undefined ? { AlarmDescription: input.AlarmDescription } : {}),
      AlarmConfigurationUpdatedTimestamp: now,
      ActionsEnabled: input.ActionsEnabled ?? true,
      OKActions: input.OKActions ?? [],
      AlarmActions: input.AlarmActions ?? [],
      InsufficientDataActions: input.InsufficientDataActions ?? [],
      StateValue: was?.StateValue ?? ('INSUFFICIENT_DATA' as AlarmState),
      StateReason: was?.StateReason ?? 'Unchecked: Initial alarm creation',
      ...(was?.StateReasonData ? { StateReasonData: was.StateReasonData } : {}),
      StateUpdatedTimestamp: was?.StateUpdatedTimestamp ?? now,
      StateTransitionedTimestamp: was?.StateTransitionedTimestamp ?? now,
    },
    change: history(
      input.AlarmName,
      now,
      'ConfigurationUpdate',
      `Alarm "${input.AlarmName}" ${was ? 'updated' : 'created'}`,
    ),
  };
}

/** An alarm (metric or composite) in a new state, and the history entry of the change if its state changed. */
export function moved<
  A extends Pick<AlarmRecord, 'AlarmName' | 'StateValue' | 'StateReason' | 'StateTransitionedTimestamp'>,
>(
  cur: A,
  state: AlarmState,
  reason: string,
  data: string | undefined,
  now: number,
): { next: A; change?: AlarmHistoryRecord } {
  const changed = cur.StateValue !== state;
  const next: A = {
    ...cur,
    StateValue: state,
    StateReason: reason,
    ...(data !== undefined ? { StateReasonData: data } : {}),
    StateUpdatedTimestamp: now,
    StateTransitionedTimestamp: changed ? now : cur.StateTransitionedTimestamp,
  };
  if (!changed) return { next };
  return {
    next,
    change: history(cur.AlarmName, now, 'StateUpdate', `Alarm updated from ${cur.StateValue} to ${state}`, {
      version: '1.0',
      oldState: { stateValue: cur.StateValue, stateReason: cur.StateReason },
      newState: { stateValue: state, stateReason: reason },
    }),
  };
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
  const period = alarmPeriod(a);
  const periodMs = period * 1000;
  const end = Math.floor(now / periodMs) * periodMs;
  const start = end - a.EvaluationPeriods * periodMs;
  if (a.Metrics) {
    // The one query the alarm returns, over the same periods.
    const [result] = runQueries(deps, a.Metrics, new Date(start), new Date(end), 'Metrics.member');
    const s = result?.series[0];
    const points = (s?.at ?? []).map((at, i) => ({ at, value: s?.v[i] as number })).reverse();
    return { points, start, period, stat: undefined };
  }
  const stat = a.Statistic ?? (a.ExtendedStatistic as string);
  const points = metricStatistics(
    deps,
    {
      namespace: a.Namespace as string,
      metricName: a.MetricName as string,
      dimensions: a.Dimensions ?? [],
      start: new Date(start),
      end: new Date(end),
      period,
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
  return { points, start, period, stat };
}

/**
 * An alarm's period: its own, or for a metric-math alarm the period of the query it returns (a
 * metric query's, an expression's Period, else its metrics' shortest).
 */
export function alarmPeriod(a: Pick<AlarmRecord, 'Period' | 'Metrics'>): number {
  if (a.Period !== undefined) return a.Period;
  const metrics = a.Metrics ?? [];
  const returned = metrics.find((q) => q.ReturnData !== false);
  const periods = metrics.flatMap((q) => (q.MetricStat ? [q.MetricStat.Period] : []));
  return returned?.MetricStat?.Period ?? returned?.Period ?? (periods.length ? Math.min(...periods) : 60);
}

/**
 * Evaluates an alarm over its last EvaluationPeriods whole periods: ALARM when at least
 * DatapointsToAlarm of them breach (missing ones counted as TreatMissingData says), OK when
 * enough are present and do not, INSUFFICIENT_DATA when nothing is known. The reason is written
 * as CloudWatch writes it.
 */
export async function evaluateAlarm(deps: MetricsDeps, a: AlarmRecord, now = nowMs(deps)): Promise<AlarmRecord> {
  const { points, start, period, stat } = alarmDatapoints(deps, a, now);
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
    ...(stat ? { statistic: stat } : {}),
    period,
    recentDatapoints: points.map((p) => p.value),
    threshold: a.Threshold,
    evaluatedDatapoints: points.map((p) => ({ timestamp: new Date(p.at).toISOString(), value: p.value })),
  };
  return setAlarmState(deps, a.AlarmName, state, reason, JSON.stringify(data));
}

/** Evaluates every alarm (the evaluation loop's pass). */
export async function evaluateAlarms(deps: MetricsDeps, now = nowMs(deps)): Promise<void> {
  for (const { value } of deps.store.read((tx) => tx.list(alarms))) await evaluateAlarm(deps, value, now);
}
