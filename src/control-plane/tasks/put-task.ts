import type { WriteTx } from '../../store/port.js';
import { containerInstances, liveTasks, tasks, type InstanceUsage, type TaskRecord } from '../tables.js';

const empty = (): InstanceUsage => ({
  cpu: 0,
  memory: 0,
  gpus: 0,
  usedPorts: [],
  taskGroups: [],
  running: 0,
  pending: 0,
});

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
    taskGroups: sign > 0 ? [...u.taskGroups, t.group] : drop(u.taskGroups, [t.group]),
    running: u.running + (t.lastStatus === 'RUNNING' ? sign : 0),
    pending: u.pending + (t.lastStatus !== 'RUNNING' ? sign : 0),
  };
}

const live = (t: TaskRecord | undefined): t is TaskRecord =>
  t !== undefined && t.containerInstanceId !== undefined && t.lastStatus !== 'STOPPED';

/**
 * Every task write goes through here, in the same transaction, so that what an instance has
 * reserved and the per-instance index of live tasks never drift from the tasks themselves.
 */
export function putTask(tx: WriteTx, t: TaskRecord): TaskRecord {
  const prev = tx.get(tasks, `${t.cluster}/${t.id}`)?.value;
  const rec = tx.put(tasks, t).value;
  if (!t.containerInstanceId) return rec;
  if (live(prev) || live(t)) {
    const inst = tx.get(containerInstances, `${t.cluster}/${t.containerInstanceId}`)?.value;
    if (inst) {
      let u = inst.usage ?? empty();
      if (live(prev)) u = withTask(u, prev, -1);
      if (live(t)) u = withTask(u, t, 1);
      tx.put(containerInstances, { ...inst, usage: u });
    }
  }
  const key = `${t.cluster}/${t.containerInstanceId}/${t.id}`;
  if (t.lastStatus === 'STOPPED') tx.delete(liveTasks, key);
  else if (!prev) tx.put(liveTasks, { cluster: t.cluster, instanceId: t.containerInstanceId, taskId: t.id });
  return rec;
}
