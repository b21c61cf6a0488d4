import { invalidParameter } from '../kernel/index.js';
import { alarmDatapoints, describeAlarms, type AlarmRecord, type MetricsDeps } from '../metrics/index.js';
import type { PolicyRecord, StepScalingConfiguration } from './tables.js';

const ADJUSTMENT_TYPES = ['ChangeInCapacity', 'PercentChangeInCapacity', 'ExactCapacity'];
const AGGREGATIONS = ['Average', 'Minimum', 'Maximum'];

const bad = (message: string, field = 'StepScalingPolicyConfiguration') => invalidParameter(message, { field });

/**
 * A step scaling configuration, checked as Application Auto Scaling checks it: an adjustment type,
 * at least one step, each interval's lower bound under its upper, no two overlapping and none
 * missing between them, an exact capacity never negative.
 */
export function checkStepConfiguration(cfg: StepScalingConfiguration | undefined): StepScalingConfiguration {
  if (!cfg) throw bad('StepScalingPolicyConfiguration is required for a StepScaling policy');
  if (!cfg.AdjustmentType || !ADJUSTMENT_TYPES.includes(cfg.AdjustmentType))
    throw bad(
      `AdjustmentType must be one of ${ADJUSTMENT_TYPES.join(', ')}`,
      'StepScalingPolicyConfiguration.AdjustmentType',
    );
  if (!cfg.StepAdjustments?.length)
    throw bad('At least one step adjustment is required', 'StepScalingPolicyConfiguration.StepAdjustments');
  if (cfg.MetricAggregationType !== undefined && !AGGREGATIONS.includes(cfg.MetricAggregationType))
    throw bad(`MetricAggregationType must be one of ${AGGREGATIONS.join(', ')}`);
  if (cfg.MinAdjustmentMagnitude !== undefined && cfg.AdjustmentType !== 'PercentChangeInCapacity')
    throw bad('MinAdjustmentMagnitude is only valid with the PercentChangeInCapacity adjustment type');
  const lo = (s: { MetricIntervalLowerBound?: number }) => s.MetricIntervalLowerBound ?? -Infinity;
  const hi = (s: { MetricIntervalUpperBound?: number }) => s.MetricIntervalUpperBound ?? Infinity;
  const steps = [...cfg.StepAdjustments].sort((a, b) => lo(a) - lo(b));
  steps.forEach((s, i) => {
    if (!(lo(s) < hi(s))) throw bad('The upper bound of a step adjustment must be greater than its lower bound');
    if (cfg.AdjustmentType === 'ExactCapacity' && s.ScalingAdjustment < 0)
      throw bad('ScalingAdjustment cannot be negative with the ExactCapacity adjustment type');
    const next = steps[i + 1];
    if (next && hi(s) !== lo(next)) throw bad('Step adjustment intervals must neither overlap nor leave gaps');
  });
  return { ...cfg, StepAdjustments: steps };
}

/** The alarm breach (metric minus threshold) falls in a step's interval, as the bounds' rules say. */
function stepFor(cfg: StepScalingConfiguration, breach: number) {
  return cfg.StepAdjustments.find((s) => {
    const lo = s.MetricIntervalLowerBound ?? -Infinity;
    const hi = s.MetricIntervalUpperBound ?? Infinity;
    // Above the threshold: lower inclusive, upper exclusive; below it, the other way round.
    return breach >= 0 ? breach >= lo && breach < hi : breach > lo && breach <= hi;
  });
}

/** The capacity a step asks for, before the scalable target's bounds. */
export function adjusted(cfg: StepScalingConfiguration, adjustment: number, current: number): number {
  if (cfg.AdjustmentType === 'ExactCapacity') return adjustment;
  if (cfg.AdjustmentType === 'ChangeInCapacity') return current + adjustment;
  const raw = (current * adjustment) / 100;
  // Between -1 and 1 (exclusive, not 0) a change is one task; beyond, whole tasks toward zero.
  let change = raw > 0 && raw < 1 ? 1 : raw < 0 && raw > -1 ? -1 : Math.trunc(raw);
  const min = cfg.MinAdjustmentMagnitude;
  if (min !== undefined && change !== 0 && Math.abs(change) < min) change = Math.sign(change) * min;
  return current + change;
}

/** How far an alarm's metric is past its threshold now, aggregated as the policy asks. */
function breachOf(deps: MetricsDeps, a: AlarmRecord, aggregation: string | undefined): number | undefined {
  const values = alarmDatapoints(deps, a).points.map((p) => p.value);
  if (values.length === 0) return undefined;
  const v =
    aggregation === 'Maximum'
      ? Math.max(...values)
      : aggregation === 'Minimum'
        ? Math.min(...values)
        : values.reduce((s, x) => s + x, 0) / values.length;
  return v - a.Threshold;
}

/**
 * What a step policy asks for now: the first of the alarms that call it (AlarmActions) that is in
 * ALARM with its actions enabled, the step its breach falls in, and the capacity that step gives.
 */
export function stepDecision(
  deps: MetricsDeps,
  p: PolicyRecord,
  current: number,
): { to: number; alarm: AlarmRecord } | undefined {
  const cfg = p.StepScalingPolicyConfiguration;
  if (!cfg) return undefined;
  for (const alarm of describeAlarms(deps, { ActionPrefix: p.PolicyARN, StateValue: 'ALARM' })) {
    if (!alarm.ActionsEnabled || !alarm.AlarmActions.includes(p.PolicyARN)) continue;
    const breach = breachOf(deps, alarm, cfg.MetricAggregationType);
    const step = breach === undefined ? undefined : stepFor(cfg, breach);
    if (step) return { to: adjusted(cfg, step.ScalingAdjustment, current), alarm };
  }
  return undefined;
}
