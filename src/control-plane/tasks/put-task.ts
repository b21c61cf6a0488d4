import type { WriteTx } from '../../store/index.js';
import {
  containerInstances,
  FLEET,
  liveTaskKey,
  liveTasks,
  tasks,
  type HostRef,
  type LiveTask,
  type ContainerInstanceRecord,
  type InstanceUsage,
  type TaskRecord,
} from '../tables.js';

export const emptyUsage = (): InstanceUsage => ({
  cpu: 0,
  memory: 0,
  gpus: 0,
  usedPorts: [],
  groups: {},
  running: 0,
  pending: 0,
});

/** Tasks per group on an instance, from the counts (or the list earlier versions kept). */
export function groupCounts(u: InstanceUsage): Record<string, number> {
  if (u.groups) return u.groups;
  const out: Record<string, number> = {};
  for (const g of u.taskGroups ?? []) out[g] = (out[g] ?? 0) + 1;
  return out;
}

function withGroup(groups: Record<string, number>, group: string, sign: 1 | -1): Record<string, number> {
  const n = (groups[group] ?? 0) + sign;
  const { [group]: _gone, ...rest } = groups;
  return n > 0 ? { ...rest, [group]: n } : rest;
}

function withTask(u: InstanceUsage, t: TaskRecord, sign: 1 | -1): InstanceUsage {
  const drop = <T>(list: T[], items: T[]) => {
    const out = [...list];
    for (const x of items) {
      const i = out.indexOf(x);
      if (i >= 0) out.splice(i, 1);
    }
    return out;
  };
  return {
    cpu: u.cpu + sign * t.cpu,
    memory: u.memory + sign * t.memory,
    gpus: u.gpus,
    usedPorts: sign > 0 ? [...u.usedPorts, ...t.ports] : drop(u.usedPorts, t.ports),
    groups: withGroup(groupCounts(u), t.group, sign),
    running: u.running + (t.lastStatus === 'RUNNING' ? sign : 0),
    pending: u.pending + (t.lastStatus !== 'RUNNING' ? sign : 0),
    ...(u.otherPoolsMemory ? { otherPoolsMemory: u.otherPoolsMemory } : {}),
  };
}

/**
 * Where a task runs: its host (a container instance of its cluster, or a host of the Fargate
 * fleet). Tasks written by earlier versions name it in fields of their own, read here only.
 */
export function hostOf(t: TaskRecord): HostRef | undefined {
  if (t.host) return t.host;
  if (t.containerInstanceId) return { pool: t.cluster, id: t.containerInstanceId };
  if (t.fargateHostId) return { pool: FLEET, id: t.fargateHostId };
  return undefined;
}

/** Whether a task runs on the Fargate fleet. */
export const onFargate = (t: TaskRecord): boolean => hostOf(t)?.pool === FLEET;

const live = (t: TaskRecord | undefined): t is TaskRecord =>
  t !== undefined && hostOf(t) !== undefined && t.lastStatus !== 'STOPPED';

/**
 * Instances a transaction has changed but not yet written, so that many task writes to one
 * instance (a RunTask of ten) write it once: read through `instance`, written by `flush`.
 */
export class InstanceBatch {
  private readonly pending = new Map<string, ContainerInstanceRecord>();

  constructor(private readonly tx: WriteTx) {}

  instance(cluster: string, id: string): ContainerInstanceRecord | undefined {
    const key = `${cluster}/${id}`;
    return this.pending.get(key) ?? this.tx.get(containerInstances, key)?.value;
  }

  set(rec: ContainerInstanceRecord): void {
    this.pending.set(`${rec.cluster}/${rec.id}`, rec);
  }

  flush(): void {
    for (const rec of this.pending.values()) this.tx.put(containerInstances, rec);
    this.pending.clear();
  }
}

/** The host's row in another pool it serves counts `memory` more (or less) reserved there. */
function otherPool(batch: InstanceBatch, pool: string, id: string, memory: number): void {
  const row = batch.instance(pool, id);
  if (!row) return;
  const u = row.usage ?? emptyUsage();
  batch.set({ ...row, usage: { ...u, otherPoolsMemory: Math.max(0, (u.otherPoolsMemory ?? 0) + memory) } });
}

/**
 * Every task write goes through here, in the same transaction, so that what an instance has
 * reserved and the per-instance index of live tasks never drift from the tasks themselves. With a
 * batch, the instance is written when the batch is flushed (before the transaction ends).
 */
export function putTask(tx: WriteTx, t: TaskRecord, batch?: InstanceBatch): TaskRecord {
  const prev = tx.get(tasks, `${t.cluster}/${t.id}`)?.value;
  const rec = tx.put(tasks, t).value;
  const host = hostOf(t);
  if (!host) return rec;
  if (live(prev) || live(t)) {
    const own = batch ?? new InstanceBatch(tx);
    const inst = own.instance(host.pool, host.id);
    if (inst) {
      let u = inst.usage ?? emptyUsage();
      if (live(prev)) u = withTask(u, prev, -1);
      if (live(t)) u = withTask(u, t, 1);
      own.set({ ...inst, usage: u });
      const memory = (live(t) ? t.memory : 0) - (live(prev) ? prev.memory : 0);
      if (memory !== 0)
        for (const pool of inst.pools ?? []) if (pool !== host.pool) otherPool(own, pool, host.id, memory);
    }
    if (!batch) own.flush();
  }
  // A Fargate task is indexed twice: under its fleet host (for that host's agent) and under its
  // cluster with FLEET in the instance's place (so a cluster's live tasks are still one prefix).
  const entries: LiveTask[] =
    host.pool === FLEET
      ? [
          { cluster: FLEET, instanceId: host.id, taskId: t.id, taskCluster: t.cluster },
          { cluster: t.cluster, instanceId: FLEET, taskId: t.id },
        ]
      : [{ cluster: t.cluster, instanceId: host.id, taskId: t.id }];
  for (const e of entries) {
    if (t.lastStatus === 'STOPPED') tx.delete(liveTasks, liveTaskKey(e));
    else if (!prev) tx.put(liveTasks, e);
  }
  return rec;
}
