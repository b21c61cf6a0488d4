import { describeAlarms } from '../metrics/index.js';
import { nowMs, type AutoscalingDeps } from './deps.js';
import { recordActivity } from './activities.js';
import { runScheduledActions } from './scheduled.js';
import { stepDecision } from './step-scaling.js';
import { activities, policies, targets, type ActivityRecord, type PolicyRecord, type TargetRecord } from './tables.js';

/** ECS's default cooldowns for target tracking (s). */
const COOLDOWN_S = 300;

function latestValue(data: string | undefined): number | undefined {
  try {
    const v = (JSON.parse(data ?? '{}') as { recentDatapoints?: unknown[] }).recentDatapoints?.[0];
    return typeof v === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Sets the count; a refusal is a failed activity, never the end of the pass. */
async function scale(deps: AutoscalingDeps, t: TargetRecord, to: number, cause: string): Promise<void> {
  try {
    await deps.ecs.setDesiredCount(t.ResourceId, to);
  } catch (e) {
    await recordActivity(deps, t, {
      Description: `Setting desired count to ${to}.`,
      Cause: cause,
      StatusMessage: `Failed to set desired count to ${to}. ${(e as Error).message}`,
      failed: true,
    });
    return;
  }
  await recordActivity(deps, t, {
    Description: `Setting desired count to ${to}.`,
    Cause: cause,
    StatusMessage: `Successfully set desired count to ${to}. Change successfully fulfilled by ecs.`,
  });
}

/**
 * One pass of target tracking: a service below its target's minimum (or above its maximum) is
 * brought within it; a policy whose high alarm is in ALARM scales out to ceil(count × metric /
 * target), one whose low alarm is scales in toward it, each outside its cooldown and unless
 * suspended, as Application Auto Scaling does. Every change is a scaling activity.
 */
export async function runScaling(deps: AutoscalingDeps): Promise<void> {
  const now = nowMs(deps);
  await runScheduledActions(deps, now);
  const all = deps.store.read((tx) => tx.list(targets)).map((e) => e.value);
  for (const t of all) {
    const current = deps.ecs.desiredCount(t.ResourceId);
    if (current === undefined) continue;
    if (current < t.MinCapacity && !t.SuspendedState.DynamicScalingOutSuspended) {
      await scale(deps, t, t.MinCapacity, `minimum capacity was set to ${t.MinCapacity}`);
      continue;
    }
    if (current > t.MaxCapacity && !t.SuspendedState.DynamicScalingInSuspended) {
      await scale(deps, t, t.MaxCapacity, `maximum capacity was set to ${t.MaxCapacity}`);
      continue;
    }
    const ps = deps.store.read((tx) => tx.list(policies, { prefix: `${t.key}|` })).map((e) => e.value);
    for (const p of ps)
      if (p.PolicyType === 'StepScaling' ? await step(deps, t, p, current, now) : await track(deps, t, p, current, now))
        break;
  }
}

/**
 * One pass of a step policy: while an alarm that calls it is in ALARM, the step its breach falls
 * in is applied (within the target's bounds), then not again until the cooldown has passed.
 */
/** A policy's pass: its target, the count now, the time; true when it scaled. */
type PolicyPass = (
  deps: AutoscalingDeps,
  t: TargetRecord,
  p: PolicyRecord,
  current: number,
  now: number,
) => Promise<boolean>;

const step: PolicyPass = async (deps, t, p, current, now) => {
  const cooldown = (p.StepScalingPolicyConfiguration?.Cooldown ?? COOLDOWN_S) * 1000;
  const last = Math.max(p.lastInAt ?? -Infinity, p.lastOutAt ?? -Infinity);
  if (now - last < cooldown) return false;
  const d = stepDecision(deps, p, current);
  if (!d) return false;
  const out = d.to > current;
  if (out ? t.SuspendedState.DynamicScalingOutSuspended : t.SuspendedState.DynamicScalingInSuspended) return false;
  const to = Math.min(t.MaxCapacity, Math.max(t.MinCapacity, d.to));
  if (to === current) return false;
  await scale(deps, t, to, `monitor alarm ${d.alarm.AlarmName} in state ALARM triggered policy ${p.PolicyName}`);
  await deps.store.transact((tx) => tx.put(policies, { ...p, ...(out ? { lastOutAt: now } : { lastInAt: now }) }));
  return true;
};

const track: PolicyPass = async (deps, t, p, current, now) => {
  const cfg = p.TargetTrackingScalingPolicyConfiguration;
  if (!cfg) return false;
  const states = describeAlarms(deps, { AlarmNames: p.Alarms.map((a) => a.AlarmName) });
  const high = states.find((a) => a.AlarmName.includes('-AlarmHigh-'));
  const low = states.find((a) => a.AlarmName.includes('-AlarmLow-'));
  const outCooldown = (cfg.ScaleOutCooldown ?? COOLDOWN_S) * 1000;
  const inCooldown = (cfg.ScaleInCooldown ?? COOLDOWN_S) * 1000;
  const cause = (a: { AlarmName: string }) =>
    `monitor alarm ${a.AlarmName} in state ALARM triggered policy ${p.PolicyName}`;
  if (high?.StateValue === 'ALARM' && !t.SuspendedState.DynamicScalingOutSuspended) {
    if (p.lastOutAt !== undefined && now - p.lastOutAt < outCooldown) return false;
    const value = latestValue(high.StateReasonData);
    const wanted = value === undefined ? current + 1 : Math.ceil((Math.max(current, 1) * value) / cfg.TargetValue);
    const to = Math.min(t.MaxCapacity, Math.max(current + 1, wanted));
    if (to <= current) return false;
    await scale(deps, t, to, cause(high));
    await deps.store.transact((tx) => tx.put(policies, { ...p, lastOutAt: now }));
    return true;
  }
  if (low?.StateValue === 'ALARM' && !cfg.DisableScaleIn && !t.SuspendedState.DynamicScalingInSuspended) {
    // Scaling in waits for the last scale-out's cooldown too, so the two do not fight.
    const last = Math.max(p.lastInAt ?? -Infinity, p.lastOutAt ?? -Infinity);
    if (now - last < inCooldown) return false;
    const value = latestValue(low.StateReasonData) ?? 0;
    const to = Math.max(t.MinCapacity, Math.min(current - 1, Math.ceil((current * value) / cfg.TargetValue)));
    if (to >= current) return false;
    await scale(deps, t, to, cause(low));
    await deps.store.transact((tx) => tx.put(policies, { ...p, lastInAt: now }));
    return true;
  }
  return false;
};

export function describeScalingActivities(deps: AutoscalingDeps, ns: string, resourceId?: string): ActivityRecord[] {
  return deps.store
    .read((tx) => tx.list(activities, { prefix: `${ns}|` }))
    .map((e) => e.value)
    .filter((a) => !resourceId || a.ResourceId === resourceId)
    .sort((a, b) => b.StartTime - a.StartTime || (a.key < b.key ? 1 : -1));
}
