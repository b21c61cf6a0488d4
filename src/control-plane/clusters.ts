import { conflict, invalidParameter, notFound } from '../kernel/index.js';
import { checkStrategy, FARGATE_PROVIDERS, type StrategyItem } from './capacity-providers.js';
import { clusterArn, nameFromArnOrName } from './arns.js';
import { checkEcsName } from './names.js';
import { now, type ControlPlaneDeps } from './deps.js';
import { clusters, containerInstances, tasks, type ClusterRecord, type Tag } from './tables.js';
import { services } from './services/model.js';

export const clusterNotFound = () => notFound('Cluster not found.', { resource: 'cluster' });

export function clusterName(nameOrArn: string | undefined): string {
  // Only a cluster left unnamed is the default one; an empty name is no name.
  if (nameOrArn === '')
    throw invalidParameter("Cluster must match ^[a-zA-Z0-9\\-_]{1,255}$, but was ''", { field: 'cluster' });
  return nameOrArn !== undefined ? nameFromArnOrName(nameOrArn) : 'default';
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

/** The providers a cluster may associate, and a default strategy that uses only those. */
function checkProviders(name: string, providers: string[], strategy: unknown[]): StrategyItem[] {
  for (const p of providers) {
    if (!(FARGATE_PROVIDERS as readonly string[]).includes(p))
      throw invalidParameter(
        `The capacity provider ${p} does not exist (berth offers FARGATE and FARGATE_SPOT; Auto Scaling group providers are not implemented).`,
        { field: 'capacityProviders' },
      );
  }
  return checkStrategy(
    strategy,
    { name, capacityProviders: providers } as ClusterRecord,
    'defaultCapacityProviderStrategy',
  );
}

/**
 * PutClusterCapacityProviders: the full list replaces the old one; a provider still used by a
 * service's strategy cannot be taken away, as ECS refuses.
 */
export async function putClusterCapacityProviders(
  deps: ControlPlaneDeps,
  nameOrArn: string | undefined,
  providers: string[],
  strategy: unknown[],
): Promise<ClusterRecord> {
  const c = getCluster(deps, nameOrArn);
  const items = checkProviders(c.name, providers, strategy);
  for (const e of deps.store.read((tx) => tx.list(services, { prefix: `${c.name}/` }))) {
    const s = e.value;
    if (s.status === 'INACTIVE') continue;
    const gone = (s.capacityProviderStrategy ?? []).find((x) => !providers.includes(x.capacityProvider));
    if (gone)
      throw conflict(`The capacity provider ${gone.capacityProvider} is in use by the service ${s.name}.`, {
        reason: 'in-use',
      });
  }
  return updateCluster(deps, c.name, (cur) => ({
    ...cur,
    capacityProviders: providers,
    defaultCapacityProviderStrategy: items,
  }));
}

/** CreateCluster is idempotent in ECS: an active cluster of that name is returned as it is. */
export async function createCluster(deps: ControlPlaneDeps, input: CreateClusterInput): Promise<ClusterRecord> {
  const name = checkEcsName(input.clusterName ?? 'default', 'Cluster', 'clusterName');
  const defaultStrategy = checkProviders(
    name,
    input.capacityProviders ?? [],
    input.defaultCapacityProviderStrategy ?? [],
  );
  return await deps.store.transact((tx) => {
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
      defaultCapacityProviderStrategy: defaultStrategy,
      ...(input.configuration !== undefined ? { configuration: input.configuration } : {}),
      ...(input.serviceConnectDefaults !== undefined ? { serviceConnectDefaults: input.serviceConnectDefaults } : {}),
    };
    return tx.put(clusters, rec).value;
  });
}

export async function updateCluster(
  deps: ControlPlaneDeps,
  nameOrArn: string | undefined,
  change: (c: ClusterRecord) => ClusterRecord,
): Promise<ClusterRecord> {
  const name = getCluster(deps, nameOrArn).name;
  return await deps.store.transact((tx) => {
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
export async function deleteCluster(deps: ControlPlaneDeps, nameOrArn: string | undefined): Promise<ClusterRecord> {
  const c = getCluster(deps, nameOrArn);
  return await deps.store.transact((tx) => {
    const instances = tx
      .list(containerInstances, { prefix: `${c.name}/` })
      .filter((i) => i.value.status !== 'INACTIVE');
    if (instances.length > 0) {
      throw conflict('The Cluster cannot be deleted while Container Instances are active or draining.', {
        reason: 'has-instances',
      });
    }
    if (tx.list(services, { prefix: `${c.name}/` }).some((s) => s.value.status !== 'INACTIVE')) {
      throw conflict('The Cluster cannot be deleted while Services are active.', {
        reason: 'has-services',
      });
    }
    if (tx.list(tasks, { prefix: `${c.name}/` }).some((t) => t.value.lastStatus !== 'STOPPED')) {
      throw conflict('The Cluster cannot be deleted while Tasks are active.', {
        reason: 'has-tasks',
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
