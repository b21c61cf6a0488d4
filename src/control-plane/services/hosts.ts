import type { ControlPlaneDeps } from '../deps.js';
import { now } from '../deps.js';
import { containerInstances, FLEET, tasks, type ContainerInstanceRecord, type TaskRecord } from '../tables.js';
import { hostOf, putTask } from '../tasks/put-task.js';

export const LOST_REASON = 'Task stopped because the agent on its container instance stopped responding.';

/** The cluster's instances by id, read once per pass. */
export function instancesOf(deps: ControlPlaneDeps, cluster: string): Map<string, ContainerInstanceRecord> {
  return new Map(
    deps.store.read((tx) => tx.list(containerInstances, { prefix: `${cluster}/` })).map((e) => [e.value.id, e.value]),
  );
}

/** The Fargate fleet's hosts by id. */
export function fleetHosts(deps: ControlPlaneDeps): Map<string, ContainerInstanceRecord> {
  return instancesOf(deps, FLEET);
}

/** The host a task runs on: an instance of its cluster, or a fleet host for a Fargate task. */
export function hostOfTask(
  instances: Map<string, ContainerInstanceRecord>,
  fleet: Map<string, ContainerInstanceRecord>,
  t: TaskRecord,
): ContainerInstanceRecord | undefined {
  const h = hostOf(t);
  if (!h) return undefined;
  return h.pool === FLEET ? fleet.get(h.id) : instances.get(h.id);
}

/** Whether a task sits on an instance whose agent has been gone longer than the grace period. */
export function isLost(deps: ControlPlaneDeps, t: TaskRecord, inst: ContainerInstanceRecord | undefined): boolean {
  if (!inst || inst.agentConnected) return false;
  return now(deps) - (inst.agentLastSeenAt ?? 0) >= (deps.agentLostGraceMs ?? 60_000);
}

/**
 * A service task whose host went silent is written off as STOPPED, so the service replaces it and
 * its reservation is released; should the agent come back, the task is no longer in its desired
 * set and it stops the containers.
 */
export async function markLost(deps: ControlPlaneDeps, t: TaskRecord): Promise<void> {
  await deps.store.transact((tx) => {
    const cur = tx.get(tasks, `${t.cluster}/${t.id}`)?.value;
    if (!cur || cur.lastStatus === 'STOPPED') return;
    const at = now(deps);
    putTask(tx, {
      ...cur,
      desiredStatus: 'STOPPED',
      lastStatus: 'STOPPED',
      stoppingAt: cur.stoppingAt ?? at,
      stoppedAt: at,
      executionStoppedAt: at,
      stopCode: cur.stopCode ?? 'ServiceSchedulerInitiated',
      stoppedReason: cur.stoppedReason ?? LOST_REASON,
      containers: cur.containers.map((c) => ({ ...c, lastStatus: 'STOPPED' })),
      version: cur.version + 1,
    });
  });
}
