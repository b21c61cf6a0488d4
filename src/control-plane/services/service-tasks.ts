import type { ControlPlaneDeps } from '../deps.js';
import { liveTasks, tasks, type Tag, type TaskRecord } from '../tables.js';
import { runTask } from '../tasks/run-task.js';
import { stopTask } from '../tasks/tasks.js';
import { deactivate, drainTimeMs } from './load-balancing.js';
import { addEvent, messages, placementReason } from './events.js';
import { serviceGroup, type Deployment, type ServiceRecord } from './model.js';

/** The scheduler stops tasks in ECS's words, and says so in the service's events. */
export async function stopServiceTasks(
  deps: ControlPlaneDeps,
  s: ServiceRecord,
  primary: Deployment,
  stops: TaskRecord[],
  at: number,
): Promise<void> {
  const reason = `Scaling activity initiated by (deployment ${primary.id})`;
  for (const t of stops) {
    // Behind a load balancer a task first drains: the next pass, moments later, deregisters its
    // targets, and the pass after its drain time stops it.
    const drainMs = drainTimeMs(deps, s, t.id);
    if (drainMs !== undefined && t.lastStatus === 'RUNNING')
      await deactivate(deps, s.cluster, t.id, at + drainMs, reason);
    else await stopTask(deps, s.cluster, t.id, reason, 'ServiceSchedulerInitiated');
  }
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
 * Starts up to `count` (at most 10) tasks of a deployment, on the named instance when given.
 * Returns the started task ids and, when placement fell short, the sentence ECS gives for it and
 * the scheduler's refusal reason.
 */
export async function startServiceTasks(
  deps: ControlPlaneDeps,
  s: ServiceRecord,
  d: Deployment,
  count: number,
  instanceId?: string,
): Promise<{ started: string[]; refusal?: string; reason?: string }> {
  try {
    const r = await runTask(deps, {
      cluster: s.cluster,
      taskDefinition: d.taskDefinitionArn,
      count,
      ...(s.launchType
        ? { launchType: s.launchType }
        : { capacityProviderStrategy: s.capacityProviderStrategy ?? [], providerCounts: providerCounts(deps, s) }),
      ...(s.platformVersion ? { platformVersion: s.platformVersion } : {}),
      ...((d.networkConfiguration ?? s.networkConfiguration)
        ? { networkConfiguration: d.networkConfiguration ?? s.networkConfiguration }
        : {}),
      group: serviceGroup(s.name),
      startedBy: d.id,
      placementConstraints: s.placementConstraints,
      placementStrategy: s.placementStrategy,
      ...(instanceId ? { containerInstances: [instanceId] } : {}),
      tags: taskTags(s),
      ...(s.propagateTags === 'TASK_DEFINITION' ? { propagateTags: 'TASK_DEFINITION' } : {}),
      enableExecuteCommand: s.enableExecuteCommand,
    });
    const started = r.tasks.map((t) => t.id);
    const f = r.failures[0];
    return f ? { started, refusal: placementReason(f.reason, f.arn), reason: f.reason } : { started };
  } catch (e) {
    return { started: [], refusal: `Reason: ${(e as Error).message}` };
  }
}

/** The service's wanted tasks per capacity provider, so new ones keep the strategy's split. */
function providerCounts(deps: ControlPlaneDeps, s: ServiceRecord): Record<string, number> {
  const out: Record<string, number> = {};
  deps.store.read((tx) => {
    for (const e of tx.list(liveTasks, { prefix: `${s.cluster}/` })) {
      const t = tx.get(tasks, `${s.cluster}/${e.value.taskId}`)?.value;
      if (t?.group === serviceGroup(s.name) && t.desiredStatus === 'RUNNING' && t.capacityProviderName)
        out[t.capacityProviderName] = (out[t.capacityProviderName] ?? 0) + 1;
    }
  });
  return out;
}

/** Records tasks a deployment started and says so, with a placement refusal if there was one. */
export function reportStarts(
  s: ServiceRecord,
  d: Deployment,
  started: string[],
  refusal: string | undefined,
  at: number,
) {
  d.tracked.push(...started);
  if (started.length) addEvent(s, messages.started(s.name, started), at);
  if (refusal) addEvent(s, messages.unplaceable(s.name, refusal), at);
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
