import { now, type ControlPlaneDeps } from '../deps.js';
import { TASK_STATUSES } from '../../wire/index.js';
import { FLEET, tasks, type TaskRecord } from '../tables.js';
import { ecsReport, type TaskStateReport } from './ecs-status.js';
import { eniOf } from './eni.js';
import { hostOf, onFargate, putTask } from './put-task.js';

export type { TaskStateReport } from './ecs-status.js';

const ORDER: readonly string[] = TASK_STATUSES;

/**
 * Applies an agent's report to the task it runs on that instance. Status only moves forward
 * (a late or repeated report never resurrects a stopped task), and only the agent of the host
 * that runs it may report on it: its container instance, or (`fleet`) its Fargate fleet host.
 */
export async function applyTaskState(
  deps: ControlPlaneDeps,
  cluster: string,
  instanceId: string,
  report: TaskStateReport,
  fleet = false,
): Promise<TaskRecord | undefined> {
  const r = ecsReport(report);
  if (!r) return undefined;
  return await deps.store.transact((tx) => {
    const cur = tx.get(tasks, `${cluster}/${report.taskId}`)?.value;
    const host = cur && hostOf(cur);
    if (!cur || host?.pool !== (fleet ? FLEET : cluster) || host.id !== instanceId) return undefined;
    // A task without an interface of its own is never PROVISIONING on ECS: its agent's
    // provisioning shows as PENDING.
    const provisions = cur.subnetId !== undefined || onFargate(cur);
    const lastStatus = r.lastStatus === 'PROVISIONING' && !provisions ? 'PENDING' : r.lastStatus;
    if (ORDER.indexOf(lastStatus) < ORDER.indexOf(cur.lastStatus)) return cur;
    const containers = cur.containers.map((c) => {
      const rep = r.containers.get(c.name);
      if (!rep) return c;
      return ORDER.indexOf(rep.lastStatus ?? c.lastStatus) < ORDER.indexOf(c.lastStatus) ? c : { ...c, ...rep };
    });
    const next: TaskRecord = {
      ...cur,
      lastStatus,
      containers,
      version: cur.version + 1,
      ...(report.pullStartedAt !== undefined ? { pullStartedAt: report.pullStartedAt } : {}),
      ...(report.pullStoppedAt !== undefined ? { pullStoppedAt: report.pullStoppedAt } : {}),
      ...(report.startedAt !== undefined
        ? { startedAt: report.startedAt, connectivity: 'CONNECTED' as const, connectivityAt: report.startedAt }
        : {}),
      ...(r.healthStatus !== undefined ? { healthStatus: r.healthStatus } : {}),
      ...(report.attachments !== undefined ? { attachments: report.attachments } : {}),
    };
    // The agent reports an address; ECS shows an interface (awsvpc and Fargate tasks only).
    if (report.network && provisions) Object.assign(next, eniOf(next, report.network, lastStatus === 'STOPPED'));
    if (lastStatus === 'STOPPED') {
      next.stoppedAt = report.stoppedAt ?? now(deps);
      next.executionStoppedAt = r.executionStoppedAt ?? next.stoppedAt;
      next.stoppingAt ??= next.stoppedAt;
      next.desiredStatus = 'STOPPED';
      next.stopCode ??= r.stopCode;
      next.stoppedReason ??= r.stoppedReason;
    }
    return putTask(tx, next);
  });
}
