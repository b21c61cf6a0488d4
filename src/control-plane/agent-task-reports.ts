import type { AgentMessage } from '../wire/index.js';
import type { ControlPlaneDeps } from './deps.js';
import { placedHere } from './host-tasks.js';
import { applyTaskState } from './tasks/task-state.js';

type TaskStateMessage = Extract<AgentMessage, { type: 'task-state' }>;

/**
 * A task's state as its agent reports it: the other face's workloads go to it; an ECS or
 * Fargate task to its record.
 */
export async function applyAgentTaskState(
  deps: ControlPlaneDeps,
  inst: { cluster?: string; id: string; fleet: boolean },
  msg: TaskStateMessage,
): Promise<void> {
  const { type: _t, cluster, ...report } = msg;
  if (deps.foreign?.owns(report.taskId)) {
    await deps.foreign.report({ id: inst.id, ...(inst.cluster ? { cluster: inst.cluster } : {}) }, report);
    return;
  }
  // Over a shared store this server's view may not have the task yet (placed through another
  // server a moment ago): a report found nowhere is looked up again once the view is current,
  // rather than dropped while the agent goes on as if it had been taken.
  let here = placedHere(deps, inst, report.taskId);
  if (!here) {
    await deps.store.fresh();
    here = placedHere(deps, inst, report.taskId);
  }
  if (here) {
    await applyTaskState(deps, here.cluster, inst.id, report, here.fleet);
    return;
  }
  // No longer live here (stopped by the control plane while the agent was away): agents of
  // earlier versions name the cluster, and the task's record still takes the report.
  const applied = inst.cluster ? await applyTaskState(deps, cluster ?? inst.cluster, inst.id, report) : undefined;
  if (!applied && inst.fleet && cluster) await applyTaskState(deps, cluster, inst.id, report, true);
}
