import type { ContainerSpec } from '../wire/index.js';
import type { ContainerState, LocalTask } from './task-state.js';

/** Kubernetes' restart back-off: 10 s, doubling with each restart, at most 5 minutes. */
export function restartBackoffMs(restarts: number): number {
  return Math.min(10_000 * 2 ** Math.max(0, restarts - 1), 300_000);
}

/** A container that ran this long without exiting starts its back-off afresh (Kubernetes: 10 minutes). */
export const BACKOFF_RESET_MS = 10 * 60_000;

/** Whether a container that exited with `code` after running `ranMs` is started again, by its restart policy. */
export function restarts(c: ContainerSpec, code: number, ranMs: number): boolean {
  const r = c.restart;
  if (r.policy === 'never' || (r.policy === 'on-failure' && code === 0)) return false;
  if (r.ignoredExitCodes.includes(code)) return false;
  return r.minRunMs === undefined || ranMs >= r.minRunMs;
}

/**
 * Whether a container that exited is started again, by its restart policy, after Kubernetes'
 * back-off (which starts afresh once the container had run ten minutes) or at once; never while
 * the task stops. Marks the container PENDING until `restartAt` when it is.
 */
export function planRestart(c: ContainerSpec, st: ContainerState, task: LocalTask, code: number, now: number): boolean {
  const ran = now - (st.startedAt ?? now);
  if (!restarts(c, code, ran) || task.stoppingAt !== undefined || task.spec.desired !== 'running') return false;
  st.restartCount = (st.restartCount ?? 0) + 1;
  st.lastExit = {
    code,
    oomKilled: st.failure?.cause === 'oom-killed',
    ...(st.startedAt !== undefined ? { startedAt: st.startedAt } : {}),
    finishedAt: now,
  };
  if (ran >= BACKOFF_RESET_MS) st.restartStreak = 0;
  st.restartStreak = (st.restartStreak ?? 0) + 1;
  st.state = 'waiting';
  st.restartAt = c.restart.backoff ? now + restartBackoffMs(st.restartStreak) : now;
  return true;
}
