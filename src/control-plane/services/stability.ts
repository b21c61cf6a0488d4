import type { ControlPlaneDeps } from '../deps.js';
import type { TaskRecord } from '../tables.js';
import { addEvent } from './events.js';
import type { Deployment, ServiceRecord } from './model.js';

/**
 * When a service's tasks count as having held, and what a service does when they do not.
 *
 * A task holds once it has been running (and healthy, where its definition has health checks)
 * for the hold time: only then does it count toward a deployment's completion, or reset the
 * circuit breaker's count (`resetOnHealthyTask`, true unless set false). A revision whose
 * tasks crash right after they start therefore never completes; its stopped tasks count as
 * failures, and the breaker trips.
 *
 * A service whose tasks keep failing to hold is throttled, as ECS throttles it: after the third
 * failure in a row, each launch waits 10 s, doubling with every further failure up to 15
 * minutes, and the service says "(service x) is unable to consistently start tasks
 * successfully." once per throttle. A task that holds ends the throttle.
 */
export const DEFAULT_HOLD_MS = 10_000;
const FREE_FAILURES = 3;
const FIRST_DELAY_MS = 10_000;
const MAX_DELAY_MS = 15 * 60_000;

export const holdMs = (deps: ControlPlaneDeps) => deps.deploymentHoldMs ?? DEFAULT_HOLD_MS;

/** Whether a live task has held by `at`. */
export const hasHeld = (deps: ControlPlaneDeps, t: TaskRecord, healthy: boolean, at: number): boolean =>
  healthy && t.startedAt !== undefined && at - t.startedAt >= holdMs(deps);

/** Whether a stopped task had held before it stopped. */
export const heldBeforeStopping = (deps: ControlPlaneDeps, t: TaskRecord): boolean =>
  t.startedAt !== undefined && (t.stoppedAt ?? t.executionStoppedAt ?? 0) - t.startedAt >= holdMs(deps);

/** Stops that are not the task's fault: the scheduler's own (a lost host's too), a user's, a reclaimed Spot host's. */
const NOT_A_FAILURE = new Set(['ServiceSchedulerInitiated', 'UserInitiated', 'SpotInterruption', 'TerminationNotice']);
export const isFailure = (t: TaskRecord) => !NOT_A_FAILURE.has(t.stopCode ?? '');

/** A failed launch: the delay before the next one grows. */
export function recordLaunchFailure(s: ServiceRecord, at: number): void {
  const n = (s.launchFailures ?? 0) + 1;
  s.launchFailures = n;
  if (n < FREE_FAILURES) return;
  const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (n - FREE_FAILURES));
  const wasThrottled = s.nextLaunchAt !== undefined;
  s.nextLaunchAt = at + delay;
  if (!wasThrottled) addEvent(s, `(service ${s.name}) is unable to consistently start tasks successfully.`, at);
}

/** Newly held tasks of a deployment: they end the throttle and (by default) reset the breaker. */
export function recordHeld(
  s: ServiceRecord,
  d: Deployment,
  held: TaskRecord[],
  resetOnHealthyTask: boolean | undefined,
): void {
  const fresh = held.filter((t) => !(d.held ?? []).includes(t.id));
  if (fresh.length === 0) return;
  d.held = [...(d.held ?? []), ...fresh.map((t) => t.id)].slice(-1000);
  if (resetOnHealthyTask !== false) d.failedTasks = 0;
  endThrottle(s);
}

/** A task that held, or a new deployment, ends the throttle. */
export function endThrottle(s: ServiceRecord): void {
  delete s.launchFailures;
  delete s.nextLaunchAt;
}

/** Whether the service may launch tasks now, or must wait out its throttle. */
export const mayLaunch = (s: ServiceRecord, at: number) => s.nextLaunchAt === undefined || at >= s.nextLaunchAt;
