import type { ControlPlaneDeps, MetricDatumOut } from './deps.js';
import { serviceOfGroup, services } from './services/model.js';
import { clusters, containerInstances, tasks } from './tables.js';
import { latestUse, type TaskUse } from './task-usage.js';

/** A task's last use counts if it is this recent (agents report every 20 s by default). */
const FRESH_MS = 2 * 60_000;
const PENDING = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);

type Dims = { Name: string; Value: string }[];

/** Sums of the tasks under one set of dimensions. */
interface Sums {
  dims: Dims;
  cpuUnits?: number;
  cpuReserved: number;
  memoryMiB?: number;
  memoryReserved: number;
  rxRate?: number;
  txRate?: number;
  readBytes?: number;
  writeBytes?: number;
  running: number;
}

const plus = (a: number | undefined, b: number | undefined) => (b === undefined ? a : (a ?? 0) + b);

/** Whether a cluster's `containerInsights` setting turns Container Insights on. */
export const insightsOn = (settings: readonly { name: string; value: string }[]) =>
  settings.some((s) => s.name === 'containerInsights' && (s.value === 'enabled' || s.value === 'enhanced'));

/**
 * Container Insights (`ECS/ContainerInsights`) for the clusters whose `containerInsights` setting
 * is enabled (or enhanced), once a minute as ECS publishes it: the running tasks' use — CPU units
 * and memory used and reserved, network bytes a second, storage bytes read and written — summed
 * by ClusterName, by ClusterName and ServiceName, and by ClusterName and TaskDefinitionFamily;
 * and the counts: tasks, services and instances by cluster, desired, running and pending tasks
 * and deployments by service. Returns how many datapoints it published.
 */
export async function publishContainerInsights(
  deps: ControlPlaneDeps,
  now = deps.clock.now().getTime(),
): Promise<number> {
  if (!deps.publishMetrics) return 0;
  const uses = latestUse(deps.store);
  // Stopped tasks' last use is kept no longer than it could count.
  for (const [k, u] of uses) if (now - u.at > FRESH_MS) uses.delete(k);
  const { on, taskList, serviceList, instanceList } = deps.store.read((tx) => {
    const on = tx
      .list(clusters)
      .map((e) => e.value)
      .filter((c) => c.status === 'ACTIVE' && insightsOn(c.settings));
    // Nothing else is read while no cluster has it on.
    const any = on.length > 0;
    return {
      on,
      taskList: any ? tx.list(tasks).map((e) => e.value) : [],
      serviceList: any ? tx.list(services).map((e) => e.value) : [],
      instanceList: any ? tx.list(containerInstances).map((e) => e.value) : [],
    };
  });
  const data: MetricDatumOut[] = [];
  const at = new Date(Math.floor(now / 60_000) * 60_000);
  const put = (name: string, dims: Dims, value: number | undefined, unit: string) => {
    if (value !== undefined)
      data.push({
        MetricName: name,
        Dimensions: dims,
        Value: Math.round(value * 1000) / 1000,
        Unit: unit,
        Timestamp: at,
      });
  };
  for (const c of on) {
    const cluster = { Name: 'ClusterName', Value: c.name };
    const groups = new Map<string, Sums>();
    const sums = (key: string, dims: Dims) => {
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { dims, cpuReserved: 0, memoryReserved: 0, running: 0 }));
      return g;
    };
    const mine = taskList.filter((t) => t.cluster === c.name);
    const running = mine.filter((t) => t.lastStatus === 'RUNNING');
    for (const t of running) {
      const service = serviceOfGroup(t.group);
      const use: TaskUse | undefined = uses.get(`${c.name}/${t.id}`);
      const fresh = use && now - use.at <= FRESH_MS ? use : undefined;
      const targets = [
        sums('', [cluster]),
        sums(`f/${t.family}`, [cluster, { Name: 'TaskDefinitionFamily', Value: t.family }]),
        ...(service ? [sums(`s/${service}`, [cluster, { Name: 'ServiceName', Value: service }])] : []),
      ];
      for (const g of targets) {
        g.running++;
        g.cpuReserved += t.cpu;
        g.memoryReserved += t.memory;
        g.cpuUnits = plus(g.cpuUnits, fresh?.cpuUnits);
        g.memoryMiB = plus(g.memoryMiB, fresh?.memoryMiB);
        g.rxRate = plus(g.rxRate, fresh?.rxRate);
        g.txRate = plus(g.txRate, fresh?.txRate);
        g.readBytes = plus(g.readBytes, fresh?.readBytes);
        g.writeBytes = plus(g.writeBytes, fresh?.writeBytes);
      }
    }
    for (const g of groups.values()) {
      put('CpuUtilized', g.dims, g.cpuUnits, 'None');
      put('CpuReserved', g.dims, g.cpuReserved, 'None');
      put('MemoryUtilized', g.dims, g.memoryMiB, 'Megabytes');
      put('MemoryReserved', g.dims, g.memoryReserved, 'Megabytes');
      put('NetworkRxBytes', g.dims, g.rxRate, 'Bytes/Second');
      put('NetworkTxBytes', g.dims, g.txRate, 'Bytes/Second');
      put('StorageReadBytes', g.dims, g.readBytes, 'Bytes');
      put('StorageWriteBytes', g.dims, g.writeBytes, 'Bytes');
      if (g.dims.length === 2 && g.dims[1]?.Name === 'TaskDefinitionFamily')
        put('RunningTaskCount', g.dims, g.running, 'Count');
    }
    const active = serviceList.filter((s) => s.cluster === c.name && s.status === 'ACTIVE');
    put('TaskCount', [cluster], running.length, 'Count');
    put('ServiceCount', [cluster], active.length, 'Count');
    put(
      'ContainerInstanceCount',
      [cluster],
      instanceList.filter((i) => i.cluster === c.name && i.status === 'ACTIVE').length,
      'Count',
    );
    for (const s of active) {
      const dims = [cluster, { Name: 'ServiceName', Value: s.name }];
      const own = mine.filter((t) => serviceOfGroup(t.group) === s.name);
      put('DesiredTaskCount', dims, s.desiredCount, 'Count');
      put('RunningTaskCount', dims, own.filter((t) => t.lastStatus === 'RUNNING').length, 'Count');
      put('PendingTaskCount', dims, own.filter((t) => PENDING.has(t.lastStatus)).length, 'Count');
      put('DeploymentCount', dims, s.deployments.length, 'Count');
    }
  }
  if (data.length > 0) await deps.publishMetrics('ECS/ContainerInsights', data);
  return data.length;
}
