import { conflict, notFound } from '../kernel/errors.js';
import { clusterArn, nameFromArnOrName } from './arns.js';
import { now, type ControlPlaneDeps } from './deps.js';
import { clusters, containerInstances, tasks, type ClusterRecord, type Tag } from './tables.js';
import { services } from './services/model.js';

export const clusterNotFound = () => notFound('Cluster not found.', { resource: 'cluster' });

export function clusterName(nameOrArn: string | undefined): string {
  return nameOrArn ? nameFromArnOrName(nameOrArn) : 'default';
}

/** The active cluster a request names (the `default` cluster when it names none). */
export function getCluster(deps: ControlPlaneDeps, nameOrArn: string | undefined): ClusterRecord {
  const c = deps.store.read((tx) => tx.get(clusters, clusterName(nameOrArn)))?.value;
  if (!c || c.status !== 'ACTIVE') throw clusterNotFound();
  return c;
}

export interface CreateClusterInput {
  clusterName?: string;
  tags?: Tag[];
  settings?: { name: string; value: string }[];
  configuration?: unknown;
  capacityProviders?: string[];
  defaultCapacityProviderStrategy?: unknown[];
  serviceConnectDefaults?: unknown;
}

/** CreateCluster is idempotent in ECS: an active cluster of that name is returned as it is. */
export function createCluster(deps: ControlPlaneDeps, input: CreateClusterInput): ClusterRecord {
  const name = input.clusterName ?? 'default';
  return deps.store.write((tx) => {
    const existing = tx.get(clusters, name)?.value;
    if (existing?.status === 'ACTIVE') return existing;
    const rec: ClusterRecord = {
      name,
      arn: clusterArn(deps, name),
      status: 'ACTIVE',
      createdAt: now(deps),
      tags: input.tags ?? [],
      settings: input.settings ?? [{ name: 'containerInsights', value: 'disabled' }],
      capacityProviders: input.capacityProviders ?? [],
      defaultCapacityProviderStrategy: input.defaultCapacityProviderStrategy ?? [],
      ...(input.configuration !== undefined ? { configuration: input.configuration } : {}),
      ...(input.serviceConnectDefaults !== undefined ? { serviceConnectDefaults: input.serviceConnectDefaults } : {}),
    };
    return tx.put(clusters, rec).value;
  });
}

export function updateCluster(
  deps: ControlPlaneDeps,
  nameOrArn: string | undefined,
  change: (c: ClusterRecord) => ClusterRecord,
): ClusterRecord {
  const name = getCluster(deps, nameOrArn).name;
  return deps.store.write((tx) => {
    const cur = tx.get(clusters, name)?.value;
    if (!cur || cur.status !== 'ACTIVE') throw clusterNotFound();
    return tx.put(clusters, change(cur)).value;
  });
}

const PENDING = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);

export interface ClusterCounts {
  registeredContainerInstancesCount: number;
  runningTasksCount: number;
  pendingTasksCount: number;
  activeServicesCount: number;
  byLaunchType: Record<string, { running: number; pending: number }>;
}

/** Live counts, read from the instances and tasks themselves. */
export function clusterCounts(deps: ControlPlaneDeps, name: string): ClusterCounts {
  return deps.store.read((tx) => {
    const counts: ClusterCounts = {
      registeredContainerInstancesCount: 0,
      runningTasksCount: 0,
      pendingTasksCount: 0,
      activeServicesCount: 0,
      byLaunchType: {},
    };
    for (const i of tx.list(containerInstances, { prefix: `${name}/` })) {
      if (i.value.status === 'ACTIVE' || i.value.status === 'DRAINING') counts.registeredContainerInstancesCount++;
    }
    for (const s of tx.list(services, { prefix: `${name}/` }))
      if (s.value.status === 'ACTIVE') counts.activeServicesCount++;
    for (const t of tx.list(tasks, { prefix: `${name}/` })) {
      const lt = (counts.byLaunchType[t.value.launchType] ??= { running: 0, pending: 0 });
      if (t.value.lastStatus === 'RUNNING') {
        counts.runningTasksCount++;
        lt.running++;
      } else if (PENDING.has(t.value.lastStatus)) {
        counts.pendingTasksCount++;
        lt.pending++;
      }
    }
    return counts;
  });
}

/** Refused while the cluster has registered instances or tasks that have not stopped, as ECS refuses. */
export function deleteCluster(deps: ControlPlaneDeps, nameOrArn: string | undefined): ClusterRecord {
  const c = getCluster(deps, nameOrArn);
  return deps.store.write((tx) => {
    const instances = tx
      .list(containerInstances, { prefix: `${c.name}/` })
      .filter((i) => i.value.status !== 'INACTIVE');
    if (instances.length > 0) {
      throw conflict('The Cluster cannot be deleted while Container Instances are active or draining.', {
        code: 'ClusterContainsContainerInstancesException',
      });
    }
    if (tx.list(services, { prefix: `${c.name}/` }).some((s) => s.value.status !== 'INACTIVE')) {
      throw conflict('The Cluster cannot be deleted while Services are active.', {
        code: 'ClusterContainsServicesException',
      });
    }
    if (tx.list(tasks, { prefix: `${c.name}/` }).some((t) => t.value.lastStatus !== 'STOPPED')) {
      throw conflict('The Cluster cannot be deleted while Tasks are active.', {
        code: 'ClusterContainsTasksException',
      });
    }
    return tx.put(clusters, { ...c, status: 'INACTIVE' as const }).value;
  });
}

export function listClusterNames(deps: ControlPlaneDeps): string[] {
  return deps.store
    .read((tx) => tx.list(clusters))
    .filter((c) => c.value.status === 'ACTIVE')
    .map((c) => c.value.name);
}

/** For DescribeClusters: active and recently deleted clusters alike, or undefined. */
export function findCluster(deps: ControlPlaneDeps, nameOrArn: string): ClusterRecord | undefined {
  return deps.store.read((tx) => tx.get(clusters, clusterName(nameOrArn)))?.value;
}
