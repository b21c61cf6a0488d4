/**
 * The rolling-update planner, pure: given what runs now, how many tasks to start for the primary
 * deployment and how many to stop, so that one step never takes the service over `maximumPercent`
 * of the desired count (rounded down) counting every task not yet stopped, nor under
 * `minimumHealthyPercent` (rounded up) of healthy tasks — the bounds ECS documents.
 */
export interface RolloutState {
  desired: number;
  minimumHealthyPercent: number;
  maximumPercent: number;
  /** The primary deployment's live tasks: healthy ones, and ones still starting or unhealthy. */
  primaryHealthy: number;
  primaryOther: number;
  /** Older deployments' live tasks. */
  oldHealthy: number;
  oldOther: number;
  /** Tasks already told to stop that have not stopped yet: they still take room. */
  stopping: number;
}

export interface RolloutStep {
  start: number;
  /** Old tasks to stop: not-healthy ones first, then healthy ones. */
  stopOldOther: number;
  stopOldHealthy: number;
  /** Primary tasks over the desired count (a scale-down): not-healthy ones first. */
  stopPrimaryOther: number;
  stopPrimaryHealthy: number;
}

export const bounds = (s: Pick<RolloutState, 'desired' | 'minimumHealthyPercent' | 'maximumPercent'>) => ({
  maxTotal: Math.floor((s.desired * s.maximumPercent) / 100),
  minHealthy: Math.ceil((s.desired * s.minimumHealthyPercent) / 100),
});

export function planStep(s: RolloutState): RolloutStep {
  const { maxTotal, minHealthy } = bounds(s);
  // Tasks that are not healthy never count toward the floor: stopping them is always allowed.
  const stopOldOther = s.oldOther;
  let healthy = s.primaryHealthy + s.oldHealthy;
  // A scale-down stops the primary's surplus outright, as ECS does.
  const surplus = Math.max(0, s.primaryHealthy + s.primaryOther - s.desired);
  const stopPrimaryOther = Math.min(surplus, s.primaryOther);
  const stopPrimaryHealthy = surplus - stopPrimaryOther;
  healthy -= stopPrimaryHealthy;
  const stopOldHealthy = Math.max(0, Math.min(s.oldHealthy, healthy - minHealthy));
  // Stopped tasks leave room only once they are gone: those stopping, and this step's stops, still count.
  const live = s.primaryHealthy + s.primaryOther + s.oldHealthy + s.oldOther;
  const room = Math.max(0, maxTotal - live - s.stopping);
  const wanted = Math.max(0, s.desired - (s.primaryHealthy + s.primaryOther - stopPrimaryOther - stopPrimaryHealthy));
  return { start: Math.min(wanted, room), stopOldOther, stopOldHealthy, stopPrimaryOther, stopPrimaryHealthy };
}
