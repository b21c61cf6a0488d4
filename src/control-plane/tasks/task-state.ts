import { now, type ControlPlaneDeps } from '../deps.js';
import { TASK_STATUSES, type TaskStateMessage } from '../../wire/index.js';
import { FLEET, tasks, type TaskRecord } from '../tables.js';
import { eniOf } from './eni.js';
import { hostOf, onFargate, putTask } from './put-task.js';

/** What an agent reports about one task, level-triggered: the whole current state each time. */
export type TaskStateReport = Omit<TaskStateMessage, 'type'>;

const ORDER: readonly string[] = TASK_STATUSES;

/**
 * Applies an agent's report to the task it runs on that instance. Status only moves forward
 * (a late or repeated report never resurrects a stopped task), and only the agent of the host
 * that runs it may report on it: its container instance, or (`fleet`) its Fargate fleet host.
 */
export function applyTaskState(
  deps: ControlPlaneDeps,
  cluster: string,
  instanceId: string,
  r: TaskStateReport,
  fleet = false,
): TaskRecord | undefined {
  return deps.store.write((tx) => {
    const cur = tx.get(tasks, `${cluster}/${r.taskId}`)?.value;
    const host = cur && hostOf(cur);
    if (!cur || host?.pool !== (fleet ? FLEET : cluster) || host.id !== instanceId) return undefined;
    // A task without an interface of its own is never PROVISIONING on ECS: its agent's
    // provisioning shows as PENDING.
    const provisions = cur.subnetId !== undefined || onFargate(cur);
    if (r.lastStatus === 'PROVISIONING' && !provisions) r = { ...r, lastStatus: 'PENDING' };
    if (ORDER.indexOf(r.lastStatus) < ORDER.indexOf(cur.lastStatus)) return cur;
    const containers = cur.containers.map((c) => {
      const rep = r.containers.find((x) => x.name === c.name);
      if (!rep) return c;
      const { name: _name, ...rest } = rep;
      return ORDER.indexOf(rest.lastStatus ?? c.lastStatus) < ORDER.indexOf(c.lastStatus) ? c : { ...c, ...rest };
    });
    const next: TaskRecord = {
      ...cur,
      lastStatus: r.lastStatus,
      containers,
      version: cur.version + 1,
      ...(r.pullStartedAt !== undefined ? { pullStartedAt: r.pullStartedAt } : {}),
      ...(r.pullStoppedAt !== undefined ? { pullStoppedAt: r.pullStoppedAt } : {}),
      ...(r.startedAt !== undefined
        ? { startedAt: r.startedAt, connectivity: 'CONNECTED' as const, connectivityAt: r.startedAt }
        : {}),
      ...(r.healthStatus !== undefined ? { healthStatus: r.healthStatus } : {}),
      ...(r.attachments !== undefined ? { attachments: r.attachments } : {}),
    };
    // The agent reports an address; ECS shows an interface (awsvpc and Fargate tasks only).
    if (r.network && provisions) Object.assign(next, eniOf(next, r.network, r.lastStatus === 'STOPPED'));
    if (r.lastStatus === 'STOPPED') {
      next.stoppedAt = r.stoppedAt ?? now(deps);
      next.executionStoppedAt = r.executionStoppedAt ?? next.stoppedAt;
      next.stoppingAt ??= next.stoppedAt;
      next.desiredStatus = 'STOPPED';
      next.stopCode ??= r.stopCode;
      next.stoppedReason ??= r.stoppedReason;
    }
    return putTask(tx, next);
  });
}
