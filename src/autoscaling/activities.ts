import { hexId } from '../kernel/index.js';
import { nowMs, type AutoscalingDeps } from './deps.js';
import { activities, type ActivityRecord, type TargetRecord } from './tables.js';

let sequence = 0;

/** A scaling activity, as DescribeScalingActivities lists it (done at once: berth's changes are). */
export async function recordActivity(
  deps: AutoscalingDeps,
  t: TargetRecord,
  what: { Description: string; Cause: string; StatusMessage: string; failed?: boolean },
): Promise<void> {
  const now = nowMs(deps);
  const id = hexId().slice(0, 8);
  const a: Omit<ActivityRecord, 'key'> = {
    ActivityId: `${id}-${hexId().slice(0, 4)}-${hexId().slice(0, 4)}-${hexId().slice(0, 4)}-${hexId().slice(0, 12)}`,
    ServiceNamespace: t.ServiceNamespace,
    ResourceId: t.ResourceId,
    ScalableDimension: t.ScalableDimension,
    Description: what.Description,
    Cause: what.Cause,
    StartTime: now,
    EndTime: now,
    StatusCode: what.failed ? 'Failed' : 'Successful',
    StatusMessage: what.StatusMessage,
  };
  // Keyed by time, then by a count of this process's activities: those of one millisecond list in
  // their order (the activity table keeps no history, so writes to it do not move the revision).
  sequence = (sequence + 1) % 1e9;
  const key = `${t.key}|${String(now).padStart(15, '0')}|${String(sequence).padStart(9, '0')}|${id}`;
  await deps.store.transact((tx) => tx.put(activities, { key, ...a }));
}
