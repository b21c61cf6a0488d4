import type { ControlPlaneDeps } from '../deps.js';
import type { ContainerInstanceRecord, TaskRecord } from '../tables.js';
import { hostOf } from '../tasks/put-task.js';
import type { Deployment, ServiceRecord } from './model.js';
import { reportStarts, startServiceTasks, stopServiceTasks } from './service-tasks.js';

/**
 * One pass of a DAEMON service: one task of the primary deployment on every ACTIVE instance that
 * meets its constraints. An instance's old task is stopped before its replacement starts (the
 * daemon default of 0% healthy / 100% maximum, and the only way when the task holds host ports);
 * tasks on instances that are no longer ACTIVE stop. Returns the desired count: the eligible
 * instances.
 */
export async function daemonPass(
  deps: ControlPlaneDeps,
  s: ServiceRecord,
  primary: Deployment,
  mine: TaskRecord[],
  instances: Map<string, ContainerInstanceRecord>,
  at: number,
): Promise<number> {
  const wanted = mine.filter((t) => t.desiredStatus === 'RUNNING');
  const stops: TaskRecord[] = [];
  const started: string[] = [];
  let refusal: string | undefined;
  let eligible = 0;
  // The cluster's own instances only: a host id is unique within its pool, not across pools.
  const instanceOf = (t: TaskRecord) => {
    const h = hostOf(t);
    return h?.pool === s.cluster ? h.id : undefined;
  };
  for (const t of wanted) {
    if (instances.get(instanceOf(t) ?? '')?.status !== 'ACTIVE') stops.push(t);
  }
  for (const inst of instances.values()) {
    if (inst.status !== 'ACTIVE') continue;
    const here = mine.filter((t) => instanceOf(t) === inst.id);
    const current = here.filter((t) => t.desiredStatus === 'RUNNING' && t.startedBy === primary.id);
    const others = here.filter((t) => t.desiredStatus === 'RUNNING' && t.startedBy !== primary.id);
    stops.push(...current.slice(1), ...others);
    if (current.length > 0) {
      eligible++;
      continue;
    }
    // Wait for whatever is stopping here to be gone before starting: it may hold the ports.
    if (others.length > 0 || here.some((t) => t.desiredStatus === 'STOPPED')) {
      eligible++;
      continue;
    }
    if (primary.rolloutState === 'FAILED') continue;
    const r = await startServiceTasks(deps, s, primary, 1, inst.id);
    if (r.started.length > 0) {
      eligible++;
      started.push(...r.started);
    } else if (r.reason === undefined) {
      refusal = r.refusal; // the request itself was refused
    } else if (r.reason !== 'ATTRIBUTE') {
      eligible++; // it belongs here but cannot start now (resources, agent): say so
      refusal = r.refusal;
    }
  }
  await stopServiceTasks(deps, s, primary, stops, at);
  reportStarts(s, primary, started, refusal, at);
  return eligible;
}
