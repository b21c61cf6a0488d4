import { now, type ControlPlaneDeps } from '../deps.js';
import { tasks, workloads } from '../tables.js';

/** How long ECS keeps a stopped task describable: about an hour. */
export const STOPPED_TASK_RETENTION_MS = 60 * 60_000;

/**
 * Forgets tasks that have been STOPPED for longer than the retention, as ECS does (DescribeTasks
 * then answers MISSING), so the store does not grow with every task ever run. Returns how many.
 */
export async function purgeStoppedTasks(
  deps: ControlPlaneDeps,
  retentionMs = STOPPED_TASK_RETENTION_MS,
): Promise<number> {
  const cutoff = now(deps) - retentionMs;
  const old = deps.store
    .read((tx) => tx.list(tasks))
    .filter((e) => e.value.lastStatus === 'STOPPED' && (e.value.stoppedAt ?? e.value.createdAt) < cutoff)
    .map((e) => e.key);
  for (let i = 0; i < old.length; i += 500) {
    await deps.store.transact((tx) => {
      for (const key of old.slice(i, i + 500)) {
        tx.delete(tasks, key);
        tx.delete(workloads, key);
      }
    });
  }
  return old.length;
}
