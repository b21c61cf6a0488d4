import { uuid } from '../../kernel/index.js';
import type { ServiceEvent, ServiceRecord } from './model.js';

/** How long ECS waits before it says the same thing again. */
export const SIX_HOURS = 6 * 60 * 60_000;
const KEEP = 100;

/**
 * Adds an event, newest first, keeping the last 100; a message identical to the newest one is not
 * repeated until six hours have passed, as ECS omits duplicates.
 */
export function addEvent(s: ServiceRecord, message: string, at: number): void {
  const last = s.events[0];
  if (last && last.message === message && at - last.createdAt < SIX_HOURS) return;
  const e: ServiceEvent = { id: uuid(), createdAt: at, message };
  s.events = [e, ...s.events].slice(0, KEEP);
}

const list = (ids: string[]) => ids.map((id) => `(task ${id})`).join(' ');

export const messages = {
  started: (svc: string, ids: string[]) => `(service ${svc}) has started ${ids.length} tasks: ${list(ids)}.`,
  stopped: (svc: string, ids: string[]) => `(service ${svc}) has stopped ${ids.length} running tasks: ${list(ids)}.`,
  steady: (svc: string) => `(service ${svc}) has reached a steady state.`,
  completed: (svc: string, dep: string) => `(service ${svc}) (deployment ${dep}) deployment completed.`,
  failed: (svc: string, dep: string) =>
    `(service ${svc}) (deployment ${dep}) deployment failed: tasks failed to start.`,
  alarmFailed: (svc: string, dep: string, alarms: readonly string[]) =>
    `(service ${svc}) (deployment ${dep}) deployment failed: alarm detected: ${alarms.join(', ')}.`,
  rollingBack: (svc: string, dep: string) => `(service ${svc}) rolling back to deployment ${dep}.`,
  unhealthy: (svc: string, ids: string[]) =>
    `(service ${svc}) has stopped ${ids.length} running tasks: ${list(ids)} because they failed container health checks.`,
  unplaceable: (svc: string, why: string) =>
    `(service ${svc}) was unable to place a task because no container instance met all of its requirements. ${why} For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`,
};

/** The sentence ECS adds for a placement refusal's reason. */
export function placementReason(reason: string, instanceArn?: string): string {
  const inst = instanceArn ? `(container-instance ${instanceArn.slice(instanceArn.lastIndexOf('/') + 1)})` : '';
  switch (reason) {
    case 'RESOURCE:MEMORY':
      return `The closest matching ${inst} has insufficient memory available.`;
    case 'RESOURCE:CPU':
      return `The closest matching ${inst} has insufficient CPU units available.`;
    case 'RESOURCE:PORTS':
      return `The closest matching ${inst} is already using a port required by your task.`;
    case 'ATTRIBUTE':
      return `The closest matching ${inst} is missing an attribute required by your task.`;
    case 'AGENT':
      return `The closest matching ${inst} encountered error "AGENT".`;
    default:
      return `Reason: ${reason}.`;
  }
}
