import type { Store } from '../store/index.js';
import type { UsageMessage } from '../wire/index.js';
import type { ControlPlaneDeps, MetricDatumOut } from './deps.js';
import { placedHere } from './host-tasks.js';
import { serviceOfGroup } from './services/model.js';
import { tasks } from './tables.js';

/** Each host's last reading of each task's CPU counter: the next reading's interval starts there. */
const lastRead = new WeakMap<Store, Map<string, Map<string, { cpuNs: number; at: number }>>>();

const percent = (used: number, of: number) => Math.round((used / of) * 100 * 1000) / 1000;

/**
 * A host's usage report as ECS's `AWS/ECS` metrics: each task's CPUUtilization (CPU time used
 * over the interval, as a percent of the CPU units it reserves) and MemoryUtilization (memory in
 * use as a percent of the memory it reserves), per ClusterName and ServiceName for a service's
 * tasks and per ClusterName for every task. Averaged over a service's tasks, they are the
 * service's utilisation. A task that reserves none of a resource has no metric for it; the
 * first reading of a task only starts its interval.
 */
export function recordUsage(
  deps: ControlPlaneDeps,
  host: { cluster?: string; id: string; fleet: boolean },
  msg: UsageMessage,
): void {
  if (!deps.publishMetrics) return;
  let byHost = lastRead.get(deps.store);
  if (!byHost) lastRead.set(deps.store, (byHost = new Map()));
  const hostKey = `${host.cluster ?? ''}/${host.id}`;
  const before = byHost.get(hostKey) ?? new Map<string, { cpuNs: number; at: number }>();
  // Only what this report names is kept: a task no longer reported has stopped here.
  const after = new Map<string, { cpuNs: number; at: number }>();
  const data: MetricDatumOut[] = [];
  const at = new Date(msg.at);
  for (const w of msg.workloads) {
    after.set(w.taskId, { cpuNs: w.cpuNs, at: msg.at });
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
    if (t.cpu > 0 && prev && msg.at > prev.at && w.cpuNs >= prev.cpuNs) {
      const cores = (w.cpuNs - prev.cpuNs) / ((msg.at - prev.at) * 1e6);
      values.push(['CPUUtilization', percent(cores, t.cpu / 1024)]);
    }
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
  if (data.length > 0) deps.publishMetrics('AWS/ECS', data);
}
