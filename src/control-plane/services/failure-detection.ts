import type { ControlPlaneDeps } from '../deps.js';
import { rollBack } from './deployments.js';
import { addEvent, messages } from './events.js';
import type { Deployment, DeploymentConfiguration, ServiceRecord } from './model.js';
import { rollBackShift } from './traffic-shift.js';

/**
 * The circuit breaker's failure threshold: by default half the desired count, at least 3, at most
 * 200 (`BOUNDED_PERCENT` 50); `thresholdConfiguration` may give a count or another percentage.
 */
export function failureThreshold(desired: number, c?: DeploymentConfiguration['deploymentCircuitBreaker']): number {
  const t = c?.thresholdConfiguration ?? { type: 'BOUNDED_PERCENT' as const, value: 50 };
  if (t.type === 'COUNT') return Math.max(1, t.value);
  const share = Math.ceil((t.value / 100) * desired);
  return t.type === 'UNBOUNDED_PERCENT' ? Math.max(1, share) : Math.min(200, Math.max(3, share));
}

/** `deploymentConfiguration.alarms`, as ECS takes it. */
interface DeploymentAlarms {
  alarmNames?: string[];
  enable?: boolean;
  rollback?: boolean;
}

/**
 * The deployment alarms that went into ALARM since the deployment began (one already in ALARM
 * when it began is not the deployment's doing, and ECS passes over it).
 */
export function firingAlarms(deps: ControlPlaneDeps, s: ServiceRecord, d: Deployment): string[] {
  const c = s.deploymentConfiguration.alarms as DeploymentAlarms | undefined;
  if (!c?.enable || !c.alarmNames?.length || !deps.alarmStates) return [];
  return deps
    .alarmStates(c.alarmNames)
    .filter((a) => a.state === 'ALARM' && a.since >= d.createdAt)
    .map((a) => a.name);
}

/**
 * A deployment in progress fails when the circuit breaker trips or one of its deployment alarms
 * fires; with `rollback`, the service goes back to the last deployment that completed (a traffic
 * shift back to blue, still running; a rolling update by redeploying the old revision). Returns
 * whether it rolled back (the pass ends there: the next one rolls the rollback out).
 */
export async function detectFailure(
  deps: ControlPlaneDeps,
  s: ServiceRecord,
  primary: Deployment,
  at: number,
): Promise<boolean> {
  if (primary.rolloutState !== 'IN_PROGRESS') return false;
  const cb = s.deploymentConfiguration.deploymentCircuitBreaker;
  const tripped = cb.enable && primary.failedTasks >= failureThreshold(s.desiredCount, cb);
  const firing = tripped ? [] : firingAlarms(deps, s, primary);
  if (!tripped && firing.length === 0) return false;
  primary.rolloutState = 'FAILED';
  primary.rolloutStateReason = tripped
    ? 'ECS deployment circuit breaker: tasks failed to start.'
    : `ECS deployment ${primary.id} failed: alarm(s) ${firing.join(', ')} in ALARM state.`;
  addEvent(s, tripped ? messages.failed(s.name, primary.id) : messages.alarmFailed(s.name, primary.id, firing), at);
  if (!tripped) primary.triggeredAlarms = firing;
  const last = s.deployments.find((d) => d !== primary && d.rolloutState === 'COMPLETED');
  const rollback = tripped ? cb.rollback : (s.deploymentConfiguration.alarms as DeploymentAlarms).rollback;
  if (!rollback || !last) return false;
  const why = tripped
    ? `ECS deployment circuit breaker: rolling back to deploymentId ${last.id}.`
    : `ECS deployment alarm(s) ${firing.join(', ')} in ALARM state: rolling back to deploymentId ${last.id}.`;
  if (!(await rollBackShift(deps, s, primary, why, at))) rollBack(deps, s, primary, last, why);
  return true;
}
