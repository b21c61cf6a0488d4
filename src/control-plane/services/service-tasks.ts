import type { ControlPlaneDeps } from '../deps.js';
import type { TaskRecord } from '../tables.js';
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
