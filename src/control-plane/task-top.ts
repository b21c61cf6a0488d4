import { serviceOfGroup } from './services/model.js';
import type { ControlPlaneDeps } from './deps.js';
import { tasks } from './tables.js';
import { latestUse } from './task-usage.js';

/** A running task's last reading, as `berth top` shows it (Docker's `docker stats`, by task). */
export interface TopRow {
  taskArn: string;
  cluster: string;
  family: string;
  service?: string;
  /** When its agent last read it (ms); absent before the first reading. */
  at?: number;
  /** Percent of one core, as `docker stats` counts it; absent before a second reading. */
  cpuPercent?: number;
  cpuReserved: number;
  memoryMiB?: number;
  memoryReserved: number;
  netRxBytes?: number;
  netTxBytes?: number;
  blockReadBytes?: number;
  blockWriteBytes?: number;
}

/** Every running task (of one cluster, if given) with its last reading, busiest first. */
export function taskTop(deps: ControlPlaneDeps, cluster?: string): TopRow[] {
  const uses = latestUse(deps.store);
  const running = deps.store
    .read((tx) => tx.list(tasks, cluster ? { prefix: `${cluster}/` } : {}))
    .map((e) => e.value)
    .filter((t) => t.lastStatus === 'RUNNING' && (!cluster || t.cluster === cluster));
  return running
    .map((t): TopRow => {
      const u = uses.get(`${t.cluster}/${t.id}`);
      const service = serviceOfGroup(t.group);
      return {
        taskArn: t.arn,
        cluster: t.cluster,
        family: t.family,
        ...(service ? { service } : {}),
        ...(u ? { at: u.at } : {}),
        ...(u?.cpuUnits !== undefined ? { cpuPercent: Math.round((u.cpuUnits / 1024) * 100 * 100) / 100 } : {}),
        cpuReserved: t.cpu,
        ...(u ? { memoryMiB: Math.round(u.memoryMiB * 100) / 100 } : {}),
        memoryReserved: t.memory,
        ...(u?.totals.rx !== undefined ? { netRxBytes: u.totals.rx } : {}),
        ...(u?.totals.tx !== undefined ? { netTxBytes: u.totals.tx } : {}),
        ...(u?.totals.read !== undefined ? { blockReadBytes: u.totals.read } : {}),
        ...(u?.totals.write !== undefined ? { blockWriteBytes: u.totals.write } : {}),
      };
    })
    .sort((a, b) => (b.cpuPercent ?? -1) - (a.cpuPercent ?? -1) || (a.taskArn < b.taskArn ? -1 : 1));
}
