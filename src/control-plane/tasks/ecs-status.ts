import {
  ECS_CONTAINER_STATUS,
  ECS_TASK_STATUS,
  type ContainerFailure,
  type Ended,
  type HealthState,
  type TaskStateMessage,
} from '../../wire/index.js';

// The ECS face's words for a host's report (the host speaks neutral words: wire/workload-state.ts).
// Reports of agents of earlier versions carry ECS's words already and are taken as they are.

/** What an agent reports about one task, level-triggered: the whole current state each time. */
export type TaskStateReport = Omit<TaskStateMessage, 'type'>;

type EcsHealth = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
const HEALTH: Record<HealthState, EcsHealth> = { healthy: 'HEALTHY', unhealthy: 'UNHEALTHY', unknown: 'UNKNOWN' };

export const OOM_REASON = 'OutOfMemoryError: Container killed due to memory usage';
const FAILED_TO_START = 'TaskFailedToStart';

/** A workload's end as ECS says it: its stop code and reason. */
export function ecsStop(e: Ended): { stopCode: string; stoppedReason: string } {
  switch (e.cause) {
    case 'essential-exited':
      return { stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited' };
    case 'image-pull':
      return { stopCode: FAILED_TO_START, stoppedReason: `CannotPullContainerError: ${e.message ?? ''}` };
    case 'sandbox':
      return { stopCode: FAILED_TO_START, stoppedReason: `CannotCreateContainerError: ${e.message ?? ''}` };
    case 'container-start':
      return { stopCode: FAILED_TO_START, stoppedReason: `CannotStartContainerError: ${e.message ?? ''}` };
    case 'refused':
      return { stopCode: FAILED_TO_START, stoppedReason: e.message ?? '' };
  }
}

/** A container's stop reason as ECS says it. */
export function ecsContainerReason(f: ContainerFailure): string {
  if (f.cause === 'oom-killed') return OOM_REASON;
  return `${f.cause === 'image-pull' ? 'CannotPullContainerError' : 'CannotStartContainerError'}: ${f.message ?? ''}`;
}

/** A container's report in ECS's words, as the task record keeps it. */
export interface EcsContainerReport {
  lastStatus?: string;
  runtimeId?: string;
  imageDigest?: string;
  exitCode?: number;
  reason?: string;
  healthStatus?: EcsHealth;
  networkBindings?: TaskStateReport['containers'][number]['networkBindings'];
  networkInterfaces?: TaskStateReport['containers'][number]['networkInterfaces'];
}

export interface EcsReport {
  lastStatus: string;
  healthStatus?: EcsHealth;
  stopCode?: string;
  stoppedReason?: string;
  executionStoppedAt?: number;
  containers: Map<string, EcsContainerReport>;
}

/** A report in ECS's words; undefined for one that says no status at all. */
export function ecsReport(r: TaskStateReport): EcsReport | undefined {
  const lastStatus = r.phase ? ECS_TASK_STATUS[r.phase] : r.lastStatus;
  if (!lastStatus) return undefined;
  const stop = r.ended ? ecsStop(r.ended) : { stopCode: r.stopCode, stoppedReason: r.stoppedReason };
  const healthStatus = r.health ? HEALTH[r.health] : r.healthStatus;
  const containers = new Map<string, EcsContainerReport>();
  for (const c of r.containers) {
    const status = c.state ? ECS_CONTAINER_STATUS[c.state] : c.lastStatus;
    const reason = c.failure ? ecsContainerReason(c.failure) : c.reason;
    const health = c.health ? HEALTH[c.health] : c.healthStatus;
    const out: EcsContainerReport = {};
    if (status !== undefined) out.lastStatus = status;
    if (c.runtimeId !== undefined) out.runtimeId = c.runtimeId;
    if (c.imageDigest !== undefined) out.imageDigest = c.imageDigest;
    if (c.exitCode !== undefined) out.exitCode = c.exitCode;
    if (reason !== undefined) out.reason = reason;
    if (health !== undefined) out.healthStatus = health;
    if (c.networkBindings !== undefined) out.networkBindings = c.networkBindings;
    if (c.networkInterfaces !== undefined) out.networkInterfaces = c.networkInterfaces;
    containers.set(c.name, out);
  }
  return {
    lastStatus,
    ...(healthStatus !== undefined ? { healthStatus } : {}),
    ...(stop.stopCode !== undefined ? { stopCode: stop.stopCode } : {}),
    ...(stop.stoppedReason !== undefined ? { stoppedReason: stop.stoppedReason } : {}),
    ...(r.executionStoppedAt !== undefined ? { executionStoppedAt: r.executionStoppedAt } : {}),
    containers,
  };
}
