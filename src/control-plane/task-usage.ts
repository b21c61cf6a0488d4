import type { StoreView } from '../store/index.js';
import type { UsageMessage } from '../wire/index.js';
import type { ControlPlaneDeps, MetricDatumOut } from './deps.js';
import { placedHere } from './host-tasks.js';
import { serviceOfGroup } from './services/model.js';
import { tasks } from './tables.js';

type Reading = UsageMessage['workloads'][number] & { at: number };
/** Each host's last reading of each task's counters: the next reading's interval starts there. */
const lastRead = new WeakMap<StoreView, Map<string, Map<string, Reading>>>();

/** A task's use over its last interval, as Container Insights reports it. */
export interface TaskUse {
  at: number;
  cluster: string;
  family: string;
  service?: string;
  /** CPU units in use (1,024 a core), and reserved. */
  cpuUnits?: number;
  cpuReserved: number;
  memoryMiB: number;
  memoryReserved: number;
  /** Bytes a second over the interval; absent on the host's network. */
  rxRate?: number;
  txRate?: number;
  /** Bytes read and written over the interval. */
  readBytes?: number;
  writeBytes?: number;
  /** The counters as last read: since the task started. */
  totals: { rx?: number; tx?: number; read?: number; write?: number };
}
/** Each region's last use of each task (by `cluster/id`), for Container Insights' minute. */
const lastUse = new WeakMap<StoreView, Map<string, TaskUse>>();

/** The tasks' last use, in a store's region. */
export function latestUse(store: StoreView): Map<string, TaskUse> {
  return lastUse.get(store) ?? new Map();
}

const delta = (now: number | undefined, before: number | undefined) =>
  now !== undefined && before !== undefined && now >= before ? now - before : undefined;

const percent = (used: number, of: number) => Math.round((used / of) * 100 * 1000) / 1000;

/**
 * A host's usage report as ECS's `AWS/ECS` metrics: each task's CPUUtilization (CPU time used
 * over the interval, as a percent of the CPU units it reserves) and MemoryUtilization (memory in
 * use as a percent of the memory it reserves), per ClusterName and ServiceName for a service's
 * tasks and per ClusterName for every task. Averaged over a service's tasks, they are the
 * service's utilisation. A task that reserves none of a resource has no metric for it; the
 * first reading of a task only starts its interval.
 */
export async function recordUsage(
  deps: ControlPlaneDeps,
  host: { cluster?: string; id: string; fleet: boolean },
  msg: UsageMessage,
): Promise<void> {
  if (!deps.publishMetrics) return;
  let byHost = lastRead.get(deps.store);
  if (!byHost) lastRead.set(deps.store, (byHost = new Map()));
  let uses = lastUse.get(deps.store);
  if (!uses) lastUse.set(deps.store, (uses = new Map()));
  const hostKey = `${host.cluster ?? ''}/${host.id}`;
  const before = byHost.get(hostKey) ?? new Map<string, Reading>();
  // Only what this report names is kept: a task no longer reported has stopped here.
  const after = new Map<string, Reading>();
  const data: MetricDatumOut[] = [];
  const at = new Date(msg.at);
  for (const w of msg.workloads) {
    after.set(w.taskId, { ...w, at: msg.at });
    const where = placedHere(deps, host, w.taskId);
    const t = where && deps.store.read((tx) => tx.get(tasks, `${where.cluster}/${w.taskId}`)?.value);
    if (!t) continue;
    const service = serviceOfGroup(t.group);
    const dimensions = [
      [{ Name: 'ClusterName', Value: t.cluster }],
      ...(service
        ? [
            [
              { Name: 'ClusterName', Value: t.cluster },
              { Name: 'ServiceName', Value: service },
            ],
          ]
        : []),
    ];
    const prev = before.get(w.taskId);
    const values: [string, number][] = [];
    const seconds = prev && msg.at > prev.at ? (msg.at - prev.at) / 1000 : undefined;
    const cpuNs = seconds ? delta(w.cpuNs, prev?.cpuNs) : undefined;
    const cores = cpuNs !== undefined && seconds ? cpuNs / (seconds * 1e9) : undefined;
    if (t.cpu > 0 && cores !== undefined) values.push(['CPUUtilization', percent(cores, t.cpu / 1024)]);
    const rx = seconds ? delta(w.rxBytes, prev?.rxBytes) : undefined;
    const tx = seconds ? delta(w.txBytes, prev?.txBytes) : undefined;
    const read = delta(w.readBytes, prev?.readBytes);
    const written = delta(w.writeBytes, prev?.writeBytes);
    uses.set(`${t.cluster}/${t.id}`, {
      at: msg.at,
      cluster: t.cluster,
      family: t.family,
      ...(service ? { service } : {}),
      ...(cores !== undefined ? { cpuUnits: cores * 1024 } : {}),
      cpuReserved: t.cpu,
      memoryMiB: w.memoryBytes / (1024 * 1024),
      memoryReserved: t.memory,
      ...(rx !== undefined && seconds ? { rxRate: rx / seconds } : {}),
      ...(tx !== undefined && seconds ? { txRate: tx / seconds } : {}),
      ...(read !== undefined ? { readBytes: read } : {}),
      ...(written !== undefined ? { writeBytes: written } : {}),
      totals: {
        ...(w.rxBytes !== undefined ? { rx: w.rxBytes } : {}),
        ...(w.txBytes !== undefined ? { tx: w.txBytes } : {}),
        ...(w.readBytes !== undefined ? { read: w.readBytes } : {}),
        ...(w.writeBytes !== undefined ? { write: w.writeBytes } : {}),
      },
    });
    if (t.memory > 0) values.push(['MemoryUtilization', percent(w.memoryBytes, t.memory * 1024 * 1024)]);
    // Kept by the second: each reading stays its own datapoint, for alarm periods of any length.
    for (const [name, value] of values)
      for (const dims of dimensions)
        data.push({
          MetricName: name,
          Dimensions: dims,
          Value: value,
          Unit: 'Percent',
          Timestamp: at,
          StorageResolution: 1,
        });
  }
  byHost.set(hostKey, after);
  if (data.length > 0) await deps.publishMetrics('AWS/ECS', data);
}
