import type { ControlPlaneDeps } from '../deps.js';
import type { Tag, TaskRecord } from '../tables.js';
import { stopTask } from '../tasks/tasks.js';
import { addEvent, messages } from './events.js';
import type { Deployment, ServiceRecord } from './model.js';

/** The scheduler stops tasks in ECS's words, and says so in the service's events. */
export function stopServiceTasks(
  deps: ControlPlaneDeps,
  s: ServiceRecord,
  primary: Deployment,
  stops: TaskRecord[],
  at: number,
): void {
  const reason = `Scaling activity initiated by (deployment ${primary.id})`;
  for (const t of stops) stopTask(deps, s.cluster, t.id, reason, 'ServiceSchedulerInitiated');
  if (stops.length)
    addEvent(
      s,
      messages.stopped(
        s.name,
        stops.map((t) => t.id),
      ),
      at,
    );
}

/**
 * The tags a service's tasks start with: ECS's managed tags when `enableECSManagedTags` is on, and
 * the service's own with `propagateTags` SERVICE (TASK_DEFINITION is applied by RunTask).
 */
export function taskTags(s: ServiceRecord): Tag[] {
  return [
    ...(s.enableECSManagedTags
      ? [
          { key: 'aws:ecs:clusterName', value: s.cluster },
          { key: 'aws:ecs:serviceName', value: s.name },
        ]
      : []),
    ...(s.propagateTags === 'SERVICE' ? s.tags : []),
  ];
}
