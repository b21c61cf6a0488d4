import type { ControlPlaneDeps } from '../deps.js';
import type { ContainerInstanceRecord, TaskRecord } from '../tables.js';
import { runTask } from '../tasks/run-task.js';
import { addEvent, messages, placementReason } from './events.js';
import type { Deployment, ServiceRecord } from './model.js';
import { stopServiceTasks, taskTags } from './service-tasks.js';

/**
 * One pass of a DAEMON service: one task of the primary deployment on every ACTIVE instance that
 * meets its constraints. An instance's old task is stopped before its replacement starts (the
 * daemon default of 0% healthy / 100% maximum, and the only way when the task holds host ports);
 * tasks on instances that are no longer ACTIVE stop. Returns the desired count: the eligible
 * instances.
 */
export function daemonPass(
  deps: ControlPlaneDeps,
  s: ServiceRecord,
  primary: Deployment,
  mine: TaskRecord[],
  instances: Map<string, ContainerInstanceRecord>,
  at: number,
): number {
  const wanted = mine.filter((t) => t.desiredStatus === 'RUNNING');
  const stops: TaskRecord[] = [];
  const started: string[] = [];
  let refusal: string | undefined;
  let eligible = 0;
  for (const t of wanted) {
    if (instances.get(t.containerInstanceId ?? '')?.status !== 'ACTIVE') stops.push(t);
  }
  for (const inst of instances.values()) {
    if (inst.status !== 'ACTIVE') continue;
    const here = mine.filter((t) => t.containerInstanceId === inst.id);
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
    try {
      const r = runTask(deps, {
        cluster: s.cluster,
        taskDefinition: primary.taskDefinitionArn,
        count: 1,
        launchType: s.launchType,
        group: `service:${s.name}`,
        startedBy: primary.id,
        placementConstraints: s.placementConstraints,
        containerInstances: [inst.id],
        tags: taskTags(s),
        enableExecuteCommand: s.enableExecuteCommand,
      });
      const f = r.failures[0];
      if (r.tasks.length > 0) {
        eligible++;
        started.push(...r.tasks.map((t) => t.id));
      } else if (f && f.reason !== 'ATTRIBUTE') {
        eligible++; // it belongs here but cannot start now (resources, agent): say so
        refusal = placementReason(f.reason, f.arn);
      }
    } catch (e) {
      refusal = `Reason: ${(e as Error).message}`;
    }
  }
  stopServiceTasks(deps, s, primary, stops, at);
  primary.tracked.push(...started);
  if (stops.length)
    addEvent(
      s,
      messages.stopped(
        s.name,
        stops.map((t) => t.id),
      ),
      at,
    );
  if (started.length) addEvent(s, messages.started(s.name, started), at);
  if (refusal) addEvent(s, messages.unplaceable(s.name, refusal), at);
  return eligible;
}
