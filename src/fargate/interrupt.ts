import {
  getCluster,
  type ControlPlaneDeps,
  tasks,
  type TaskRecord,
  findTask,
  stopTask,
} from '../control-plane/index.js';
import { every, invalidParameter, notFound, type Logger } from '../kernel/index.js';

// ECS's words for a Fargate Spot task whose capacity was reclaimed.
export const SPOT_STOP_CODE = 'SpotInterruption';
export const SPOT_REASON = 'Your Spot Task was interrupted.';
/** AWS warns two minutes ahead: SIGTERM now, SIGKILL when the warning runs out. */
export const SPOT_WARNING_MS = 120_000;

export interface InterruptRequest {
  cluster?: string;
  /** One task (id or ARN) … */
  task?: string;
  /** … or this fraction (0–1] of the running Spot tasks, chosen at random. */
  fraction?: number;
  warningMs?: number;
}

const isSpot = (t: TaskRecord) => t.capacityProviderName === 'FARGATE_SPOT' && t.desiredStatus === 'RUNNING';

/** Reclaims Spot capacity as AWS does: each chosen task is stopped with a warning, then killed. */
export async function interruptSpot(deps: ControlPlaneDeps, r: InterruptRequest): Promise<TaskRecord[]> {
  const warning = r.warningMs ?? SPOT_WARNING_MS;
  let chosen: TaskRecord[];
  if (r.task !== undefined) {
    if (r.fraction !== undefined) throw invalidParameter('Give a task or a fraction, not both.', { field: 'fraction' });
    const cluster = getCluster(deps, r.cluster).name;
    const t = findTask(deps, cluster, r.task);
    if (!t) throw notFound(`The task ${r.task} was not found in cluster ${cluster}.`, { resource: 'task' });
    if (!isSpot(t)) throw invalidParameter(`The task ${t.arn} is not a running FARGATE_SPOT task.`, { field: 'task' });
    chosen = [t];
  } else {
    const f = r.fraction;
    if (f === undefined || !(f > 0 && f <= 1))
      throw invalidParameter('fraction must be above 0 and at most 1.', { field: 'fraction' });
    const cluster = r.cluster ? getCluster(deps, r.cluster).name : undefined;
    const spot = deps.store
      .read((tx) => tx.list(tasks, cluster ? { prefix: `${cluster}/` } : {}))
      .map((e) => e.value)
      .filter(isSpot);
    const rng = deps.rng ?? Math.random;
    // A random pick of ceil(f·n), by a partial Fisher–Yates shuffle.
    const n = Math.ceil(f * spot.length);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(rng() * (spot.length - i));
      [spot[i], spot[j]] = [spot[j] as TaskRecord, spot[i] as TaskRecord];
    }
    chosen = spot.slice(0, n);
  }
  const stopped: TaskRecord[] = [];
  for (const t of chosen) stopped.push(await stopTask(deps, t.cluster, t.id, SPOT_REASON, SPOT_STOP_CODE, warning));
  return stopped;
}

/**
 * Chaos for tests of Spot-tolerant services: every running Spot task is interrupted at random,
 * `perHour` times an hour on average. Returns a stop function.
 */
export function startSpotChaos(
  deps: ControlPlaneDeps,
  perHour: number,
  warningMs: number,
  logger: Logger,
  tickMs = 10_000,
): () => void {
  const p = Math.min(1, (perHour * tickMs) / 3_600_000);
  const rng = deps.rng ?? Math.random;
  const pass = async () => {
    try {
      const spot = deps.store
        .read((tx) => tx.list(tasks))
        .map((e) => e.value)
        .filter(isSpot);
      for (const t of spot) {
        if (rng() >= p) continue;
        await stopTask(deps, t.cluster, t.id, SPOT_REASON, SPOT_STOP_CODE, warningMs);
        logger.info({ task: t.arn }, 'Spot task interrupted (chaos)');
      }
    } catch (e) {
      logger.error({ err: String(e) }, 'Spot chaos pass failed');
    }
  };
  return every(tickMs, pass);
}
