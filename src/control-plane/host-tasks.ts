import type { ReadTx } from '../store/index.js';
import type { TaskSpec } from '../wire/index.js';
import { taskDefinitionOfArn } from './arns.js';
import type { ControlPlaneDeps } from './deps.js';
import {
  FLEET,
  liveTaskKey,
  liveTasks,
  tasks,
  taskDefinitionKey,
  taskDefinitions,
  workloads,
  type TaskRecord,
} from './tables.js';
import { ecsWorkload } from './tasks/ecs-workload.js';

// What a host runs and reports on, read from the index of live tasks per host (see put-task.ts).

/**
 * What an agent runs for one task: the neutral workload made when the task was (older tasks: made
 * now from their definition), with the task's desired status and stop grace as they are now.
 */
export function specFor(tx: ReadTx, t: TaskRecord): TaskSpec | undefined {
  let spec = tx.get(workloads, `${t.cluster}/${t.id}`)?.value.spec;
  if (!spec) {
    const { family, revision } = taskDefinitionOfArn(t.taskDefinitionArn);
    const td = tx.get(taskDefinitions, taskDefinitionKey(family, revision))?.value;
    spec = td ? ecsWorkload(t, td) : undefined;
  }
  // An older task whose definition is gone has nothing a host could run.
  if (!spec) return undefined;
  const { stopGraceMs: _, ...sandbox } = spec.sandbox;
  return {
    ...spec,
    desired: t.desiredStatus === 'RUNNING' ? 'running' : 'stopped',
    sandbox: { ...sandbox, ...(t.stopGraceMs !== undefined ? { stopGraceMs: t.stopGraceMs } : {}) },
  };
}

/**
 * The task specs a host should be running (or stopping), from the store: those placed on it as a
 * container instance of `cluster`, and, when it serves the Fargate fleet, those placed on it there.
 */
export function desiredTasks(
  deps: ControlPlaneDeps,
  cluster: string | undefined,
  instanceId: string,
  fleet = false,
): TaskSpec[] {
  return deps.store.read((tx) => {
    const prefixes = [...(cluster ? [`${cluster}/${instanceId}/`] : []), ...(fleet ? [`${FLEET}/${instanceId}/`] : [])];
    return prefixes
      .flatMap((prefix) => tx.list(liveTasks, { prefix }))
      .map((e) => tx.get(tasks, `${e.value.taskCluster ?? e.value.cluster}/${e.value.taskId}`)?.value)
      .filter((t): t is TaskRecord => t !== undefined)
      .map((t) => specFor(tx, t))
      .filter((s): s is TaskSpec => s !== undefined);
  });
}

/**
 * Where a task this host reports on is placed, found in the host's index of live tasks (so an
 * agent need not know which cluster a workload belongs to): the task's cluster, and whether it
 * sits here as a fleet host. Undefined when the task is not live here.
 */
export function placedHere(
  deps: ControlPlaneDeps,
  host: { cluster?: string; id: string; fleet: boolean },
  taskId: string,
): { cluster: string; fleet: boolean } | undefined {
  return deps.store.read((tx) => {
    if (host.cluster && tx.get(liveTasks, liveTaskKey({ cluster: host.cluster, instanceId: host.id, taskId }))) {
      return { cluster: host.cluster, fleet: false };
    }
    if (!host.fleet) return undefined;
    // Under a fleet host a task's key carries its cluster: `~fargate/<host>/<cluster>/<task>`.
    for (const e of tx.list(liveTasks, { prefix: `${FLEET}/${host.id}/` })) {
      if (e.value.taskId === taskId && e.value.taskCluster) return { cluster: e.value.taskCluster, fleet: true };
    }
    return undefined;
  });
}
