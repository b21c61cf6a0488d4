import { invalidParameter, notFound, uuid } from '../kernel/index.js';
import { defineTable } from '../store/index.js';
import { nowMs, type AutoscalingDeps } from './deps.js';
import { checkTimeZone, cronMatches, parseSchedule, zonedInstant } from './schedule.js';
import { recordActivity } from './activities.js';
import { targetKey, targets, type TargetRecord } from './tables.js';

export interface ScheduledActionRecord {
  key: string;
  ScheduledActionName: string;
  ScheduledActionARN: string;
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
  Schedule: string;
  Timezone?: string;
  StartTime?: number;
  EndTime?: number;
  ScalableTargetAction: { MinCapacity?: number; MaxCapacity?: number };
  CreationTime: number;
  /** When it last ran (ms); a cron action runs once in a minute it matches. */
  lastRunAt?: number;
}

export const scheduledActions = defineTable<ScheduledActionRecord>('autoscaling.scheduled-actions', (a) => a.key);

export interface ScheduledActionInput {
  ServiceNamespace: string;
  ScheduledActionName: string;
  ResourceId: string;
  ScalableDimension: string;
  Schedule?: string;
  Timezone?: string;
  StartTime?: Date;
  EndTime?: Date;
  ScalableTargetAction?: { MinCapacity?: number; MaxCapacity?: number };
}

const missingTarget = (i: Pick<ScheduledActionInput, 'ServiceNamespace' | 'ResourceId' | 'ScalableDimension'>) =>
  notFound(
    `No scalable target registered for service namespace: ${i.ServiceNamespace}, resource ID: ${i.ResourceId}, scalable dimension: ${i.ScalableDimension}`,
    { resource: 'scalable-target' },
  );

/** PutScheduledAction: on a registered target; a schedule Application Auto Scaling can read; min ≤ max. */
export async function putScheduledAction(
  deps: AutoscalingDeps,
  i: ScheduledActionInput,
): Promise<ScheduledActionRecord> {
  const tKey = targetKey(i.ServiceNamespace, i.ResourceId, i.ScalableDimension);
  if (!deps.store.read((tx) => tx.get(targets, tKey))) throw missingTarget(i);
  const key = `${tKey}|${i.ScheduledActionName}`;
  const was = deps.store.read((tx) => tx.get(scheduledActions, key)?.value);
  const schedule = i.Schedule ?? was?.Schedule;
  if (!schedule) throw invalidParameter('Schedule is required for a new scheduled action', { field: 'Schedule' });
  parseSchedule(schedule);
  const timezone = i.Timezone ?? was?.Timezone;
  if (timezone) checkTimeZone(timezone);
  const action = i.ScalableTargetAction ?? was?.ScalableTargetAction ?? {};
  const { MinCapacity: min, MaxCapacity: max } = action;
  if ((min !== undefined && min < 0) || (min !== undefined && max !== undefined && max < min))
    throw invalidParameter('Minimum capacity cannot be greater than maximum capacity', {
      field: 'ScalableTargetAction.MinCapacity',
    });
  const rec: ScheduledActionRecord = {
    key,
    ScheduledActionName: i.ScheduledActionName,
    ScheduledActionARN:
      was?.ScheduledActionARN ??
      `arn:aws:autoscaling:${deps.region}:${deps.accountId}:scheduledAction:${uuid()}:resource/${i.ServiceNamespace}/${i.ResourceId}:scheduledActionName/${i.ScheduledActionName}`,
    ServiceNamespace: i.ServiceNamespace,
    ResourceId: i.ResourceId,
    ScalableDimension: i.ScalableDimension,
    Schedule: schedule,
    ...(timezone ? { Timezone: timezone } : {}),
    ...((i.StartTime?.getTime() ?? was?.StartTime) !== undefined
      ? { StartTime: i.StartTime?.getTime() ?? was?.StartTime }
      : {}),
    ...((i.EndTime?.getTime() ?? was?.EndTime) !== undefined ? { EndTime: i.EndTime?.getTime() ?? was?.EndTime } : {}),
    ScalableTargetAction: action,
    CreationTime: was?.CreationTime ?? nowMs(deps),
  };
  await deps.store.transact((tx) => tx.put(scheduledActions, rec));
  return rec;
}

export function describeScheduledActions(
  deps: AutoscalingDeps,
  ns: string,
  filter: { names?: readonly string[]; resourceId?: string; dimension?: string } = {},
): ScheduledActionRecord[] {
  return deps.store
    .read((tx) => tx.list(scheduledActions, { prefix: `${ns}|` }))
    .map((e) => e.value)
    .filter(
      (a) =>
        (!filter.names?.length || filter.names.includes(a.ScheduledActionName)) &&
        (!filter.resourceId || a.ResourceId === filter.resourceId) &&
        (!filter.dimension || a.ScalableDimension === filter.dimension),
    );
}

export async function deleteScheduledAction(
  deps: AutoscalingDeps,
  i: Pick<ScheduledActionInput, 'ServiceNamespace' | 'ResourceId' | 'ScalableDimension' | 'ScheduledActionName'>,
): Promise<void> {
  const key = `${targetKey(i.ServiceNamespace, i.ResourceId, i.ScalableDimension)}|${i.ScheduledActionName}`;
  await deps.store.transact((tx) => {
    if (!tx.get(scheduledActions, key))
      throw notFound(`No scheduled action found for name: ${i.ScheduledActionName}`, { resource: 'scheduled-action' });
    tx.delete(scheduledActions, key);
  });
}

/** Whether an action is due now: `at` once its time has come, `rate` every interval, `cron` in a matching minute. */
function due(a: ScheduledActionRecord, now: number): boolean {
  if ((a.StartTime !== undefined && now < a.StartTime) || (a.EndTime !== undefined && now > a.EndTime)) return false;
  const s = parseSchedule(a.Schedule);
  const zone = a.Timezone ?? 'UTC';
  if (s.kind === 'at') return a.lastRunAt === undefined && now >= zonedInstant(s.local, zone);
  if (s.kind === 'rate') return now >= (a.lastRunAt ?? a.StartTime ?? a.CreationTime) + s.everyMs;
  const minute = Math.floor(now / 60_000);
  return cronMatches(s.fields, now, zone) && (a.lastRunAt === undefined || Math.floor(a.lastRunAt / 60_000) < minute);
}

/**
 * A pass over the scheduled actions: each one due sets its target's minimum and maximum (the
 * scaling pass then brings the count within them), as a scaling activity of its own.
 */
export async function runScheduledActions(deps: AutoscalingDeps, now = nowMs(deps)): Promise<void> {
  for (const { value: a } of deps.store.read((tx) => tx.list(scheduledActions))) {
    if (!due(a, now)) continue;
    const tKey = targetKey(a.ServiceNamespace, a.ResourceId, a.ScalableDimension);
    const t = await deps.store.transact((tx) => {
      tx.put(scheduledActions, { ...a, lastRunAt: now });
      const cur = tx.get(targets, tKey)?.value;
      if (!cur || cur.SuspendedState.ScheduledScalingSuspended) return undefined;
      const next: TargetRecord = {
        ...cur,
        MinCapacity: a.ScalableTargetAction.MinCapacity ?? cur.MinCapacity,
        MaxCapacity: a.ScalableTargetAction.MaxCapacity ?? cur.MaxCapacity,
      };
      // A minimum set over the current maximum raises the maximum too, and the other way round.
      if (a.ScalableTargetAction.MinCapacity !== undefined && next.MaxCapacity < next.MinCapacity)
        next.MaxCapacity = next.MinCapacity;
      if (a.ScalableTargetAction.MaxCapacity !== undefined && next.MinCapacity > next.MaxCapacity)
        next.MinCapacity = next.MaxCapacity;
      tx.put(targets, next);
      return next;
    });
    if (!t) continue;
    const what = `min capacity to ${t.MinCapacity} and max capacity to ${t.MaxCapacity}`;
    await recordActivity(deps, t, {
      Description: `Setting ${what}`,
      Cause: `scheduled action name ${a.ScheduledActionName} was triggered`,
      StatusMessage: `Successfully set ${what}. Change successfully fulfilled by ${a.ServiceNamespace}.`,
    });
  }
}
