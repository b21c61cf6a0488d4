import { notFound } from '../../kernel/index.js';
import { nameFromArnOrName } from '../arns.js';
import { now, type ControlPlaneDeps } from '../deps.js';
import { serviceGroup, tasks, type TaskRecord } from '../tables.js';
import { hostOf, putTask } from './put-task.js';

export function findTask(deps: ControlPlaneDeps, cluster: string, ref: string): TaskRecord | undefined {
  return deps.store.read((tx) => tx.get(tasks, `${cluster}/${nameFromArnOrName(ref)}`))?.value;
}

export interface ListTasksFilter {
  containerInstance?: string;
  family?: string;
  startedBy?: string;
  serviceName?: string;
  desiredStatus?: string;
  launchType?: string;
}

const onInstance = (t: TaskRecord, cluster: string, id: string) => {
  const h = hostOf(t);
  return h?.pool === cluster && h.id === id;
};

/** ListTasks: by default only tasks whose desired status is RUNNING, as ECS lists them. */
export function listTasks(deps: ControlPlaneDeps, cluster: string, f: ListTasksFilter): TaskRecord[] {
  const desired = f.desiredStatus ?? 'RUNNING';
  const instance = f.containerInstance ? nameFromArnOrName(f.containerInstance) : undefined;
  return deps.store
    .read((tx) => tx.list(tasks, { prefix: `${cluster}/` }))
    .map((e) => e.value)
    .filter(
      (t) =>
        t.desiredStatus === desired &&
        (instance === undefined || onInstance(t, cluster, instance)) &&
        (f.family === undefined || t.family === f.family) &&
        (f.startedBy === undefined || t.startedBy === f.startedBy) &&
        (f.serviceName === undefined || t.group === serviceGroup(f.serviceName)) &&
        (f.launchType === undefined || t.launchType === f.launchType),
    );
}

/** StopTask: the desired status turns STOPPED; the agent stops the containers and reports. */
export async function stopTask(
  deps: ControlPlaneDeps,
  cluster: string,
  ref: string,
  reason?: string,
  stopCode = 'UserInitiated',
  /** SIGKILL this long after SIGTERM, whatever the containers' stopTimeout (a Spot interruption's warning). */
  stopGraceMs?: number,
): Promise<TaskRecord> {
  return await deps.store.transact((tx) => {
    const key = `${cluster}/${nameFromArnOrName(ref)}`;
    const t = tx.get(tasks, key)?.value;
    if (!t) throw notFound('The referenced task was not found.', { resource: 'task' });
    if (t.desiredStatus === 'STOPPED') return t;
    const stopped: TaskRecord = {
      ...t,
      desiredStatus: 'STOPPED',
      stoppingAt: now(deps),
      stopCode,
      stoppedReason: reason ?? 'Task stopped by user',
      ...(stopGraceMs !== undefined ? { stopGraceMs } : {}),
      version: t.version + 1,
    };
    // A task that never reached its instance has nothing to stop there.
    if ((t.lastStatus === 'PROVISIONING' || t.lastStatus === 'PENDING') && !t.pullStartedAt) {
      Object.assign(stopped, { lastStatus: 'STOPPED', stoppedAt: now(deps), executionStoppedAt: now(deps) });
      stopped.containers = t.containers.map((c) => ({ ...c, lastStatus: 'STOPPED' }));
    }
    return putTask(tx, stopped);
  });
}
