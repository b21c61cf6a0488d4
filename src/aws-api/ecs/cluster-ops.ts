import type * as ecs from '@aws-sdk/client-ecs';
import {
  clusterCounts,
  createCluster,
  deleteCluster,
  findCluster,
  getCluster,
  listClusterNames,
  putClusterCapacityProviders,
  updateCluster,
  ecsArn,
  FARGATE_PROVIDERS,
  type ControlPlaneDeps,
  type ClusterRecord,
} from '../../control-plane/index.js';
import { paginate } from '../pagination.js';

type Out<T> = Omit<T, '$metadata'>;

export function toCluster(deps: ControlPlaneDeps, c: ClusterRecord, include: string[] = []): ecs.Cluster {
  const counts = clusterCounts(deps, c.name);
  const stat = (name: string, value: number) => ({ name, value: String(value) });
  return {
    clusterArn: c.arn,
    clusterName: c.name,
    status: c.status,
    registeredContainerInstancesCount: counts.registeredContainerInstancesCount,
    runningTasksCount: counts.runningTasksCount,
    pendingTasksCount: counts.pendingTasksCount,
    activeServicesCount: counts.activeServicesCount,
    statistics: include.includes('STATISTICS')
      ? [
          stat('runningEC2TasksCount', counts.byLaunchType.EC2?.running ?? 0),
          stat('pendingEC2TasksCount', counts.byLaunchType.EC2?.pending ?? 0),
          stat('runningFargateTasksCount', counts.byLaunchType.FARGATE?.running ?? 0),
          stat('pendingFargateTasksCount', counts.byLaunchType.FARGATE?.pending ?? 0),
          stat('runningExternalTasksCount', counts.byLaunchType.EXTERNAL?.running ?? 0),
          stat('pendingExternalTasksCount', counts.byLaunchType.EXTERNAL?.pending ?? 0),
        ]
      : [],
    tags: include.includes('TAGS') ? c.tags : [],
    ...(include.includes('SETTINGS') ? { settings: c.settings as ecs.ClusterSetting[] } : {}),
    ...(include.includes('CONFIGURATIONS') && c.configuration !== undefined
      ? { configuration: c.configuration as ecs.ClusterConfiguration }
      : {}),
    capacityProviders: c.capacityProviders,
    defaultCapacityProviderStrategy: c.defaultCapacityProviderStrategy as ecs.CapacityProviderStrategyItem[],
    ...(c.serviceConnectDefaults !== undefined
      ? { serviceConnectDefaults: c.serviceConnectDefaults as ecs.ClusterServiceConnectDefaults }
      : {}),
  };
}

const full = ['TAGS', 'SETTINGS', 'CONFIGURATIONS'];

export const clusterOps = (deps: ControlPlaneDeps) => ({
  CreateCluster: async (i: ecs.CreateClusterRequest): Promise<Out<ecs.CreateClusterResponse>> => ({
    cluster: toCluster(deps, await createCluster(deps, i as Parameters<typeof createCluster>[1]), full),
  }),

  DescribeClusters: async (i: ecs.DescribeClustersRequest): Promise<Out<ecs.DescribeClustersResponse>> => {
    const out: ecs.Cluster[] = [];
    const failures: ecs.Failure[] = [];
    for (const ref of i.clusters?.length ? i.clusters : ['default']) {
      const c = findCluster(deps, ref);
      if (c) out.push(toCluster(deps, c, i.include ?? []));
      else
        failures.push({
          arn: ref.startsWith('arn:') ? ref : `arn:aws:ecs:${deps.region}:${deps.accountId}:cluster/${ref}`,
          reason: 'MISSING',
        });
    }
    return { clusters: out, failures };
  },

  ListClusters: async (i: ecs.ListClustersRequest): Promise<Out<ecs.ListClustersResponse>> => {
    const { page, nextToken } = paginate(listClusterNames(deps), (n) => n, i.maxResults, i.nextToken);
    return { clusterArns: page.map((n) => getCluster(deps, n).arn), ...(nextToken ? { nextToken } : {}) };
  },

  DeleteCluster: async (i: ecs.DeleteClusterRequest): Promise<Out<ecs.DeleteClusterResponse>> => ({
    cluster: toCluster(deps, await deleteCluster(deps, i.cluster), full),
  }),

  UpdateCluster: async (i: ecs.UpdateClusterRequest): Promise<Out<ecs.UpdateClusterResponse>> => ({
    cluster: toCluster(
      deps,
      await updateCluster(deps, i.cluster, (c) => ({
        ...c,
        ...(i.settings ? { settings: mergeSettings(c.settings, i.settings) } : {}),
        ...(i.configuration ? { configuration: i.configuration } : {}),
        ...(i.serviceConnectDefaults ? { serviceConnectDefaults: i.serviceConnectDefaults } : {}),
      })),
      full,
    ),
  }),

  UpdateClusterSettings: async (
    i: ecs.UpdateClusterSettingsRequest,
  ): Promise<Out<ecs.UpdateClusterSettingsResponse>> => ({
    cluster: toCluster(
      deps,
      await updateCluster(deps, i.cluster, (c) => ({ ...c, settings: mergeSettings(c.settings, i.settings ?? []) })),
      full,
    ),
  }),

  PutClusterCapacityProviders: async (
    i: ecs.PutClusterCapacityProvidersRequest,
  ): Promise<Out<ecs.PutClusterCapacityProvidersResponse>> => ({
    cluster: toCluster(
      deps,
      await putClusterCapacityProviders(
        deps,
        i.cluster,
        i.capacityProviders ?? [],
        i.defaultCapacityProviderStrategy ?? [],
      ),
      full,
    ),
  }),

  /** The Fargate providers every account has (Auto Scaling group providers are not implemented). */
  DescribeCapacityProviders: async (
    i: ecs.DescribeCapacityProvidersRequest,
  ): Promise<Out<ecs.DescribeCapacityProvidersResponse>> => {
    const all = FARGATE_PROVIDERS.map((name) => ({
      capacityProviderArn: ecsArn(deps, `capacity-provider/${name}`),
      name,
      status: 'ACTIVE' as const,
      tags: [],
    }));
    const wanted = i.capacityProviders;
    const found = wanted ? all.filter((p) => wanted.some((w) => w === p.name || w === p.capacityProviderArn)) : all;
    const failures = (wanted ?? [])
      .filter((w) => !all.some((p) => w === p.name || w === p.capacityProviderArn))
      .map((arn) => ({ arn, reason: 'MISSING' }));
    return { capacityProviders: found, failures };
  },
});

function mergeSettings(cur: { name: string; value: string }[], add: ecs.ClusterSetting[]) {
  const m = new Map(cur.map((s) => [s.name, s.value]));
  for (const s of add) if (s.name) m.set(s.name, s.value ?? '');
  return [...m].map(([name, value]) => ({ name, value }));
}
