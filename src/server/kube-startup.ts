import { every, type Logger } from '../kernel/index.js';
import {
  ensureApiService,
  ensureBootstrapRbac,
  ensureClusterDns,
  ensurePriorityClasses,
  ensureStorageClass,
  ensureIngressClass,
  ensureSystemNamespaces,
  KUBE_CLUSTER,
  type LoadBalancerPort,
  pruneEvents,
  pruneTombstones,
  startAppsControllers,
  startDisruptionController,
  startHpaController,
  startNamespaceController,
  startLoadBalancerController,
  startIngressController,
  startQuotaController,
  type IngressLoadBalancerPort,
  startPodControllers,
  startRbacAggregationController,
  startServiceAccountController,
  startServiceControllers,
  startVolumeController,
} from '../kube/index.js';
import type { kubeFace } from './kube-face.js';
import type { LeaderWork } from './leader-work.js';

/**
 * The `default` Kubernetes cluster's start: what every cluster has from the first (its system
 * namespaces, cluster DNS and API Services, storage and priority classes, the default RBAC),
 * made by whichever server comes first, then its controllers and upkeep as the leader's work.
 */
export async function startKubernetes(
  kube: ReturnType<typeof kubeFace>,
  leaderWork: LeaderWork,
  logger: Logger,
  o: {
    apiAddress: { ip: string; port: number };
    hpaPeriodMs: number;
    loadBalancers: LoadBalancerPort & IngressLoadBalancerPort;
  },
): Promise<void> {
  const deps = kube.deps;
  await ensureSystemNamespaces(deps, KUBE_CLUSTER);
  await ensureClusterDns(deps, KUBE_CLUSTER);
  await ensureStorageClass(deps, KUBE_CLUSTER);
  await ensureIngressClass(deps, KUBE_CLUSTER);
  await ensurePriorityClasses(deps, KUBE_CLUSTER);
  await ensureApiService(deps, KUBE_CLUSTER, o.apiAddress);
  await ensureBootstrapRbac(deps, KUBE_CLUSTER);
  leaderWork.add('kubernetes service accounts', () => {
    const c = startServiceAccountController(deps, KUBE_CLUSTER, logger);
    return () => c.stop();
  });
  leaderWork.add('kubernetes cluster role aggregation', () => {
    const c = startRbacAggregationController(deps, KUBE_CLUSTER, logger);
    return () => c.stop();
  });
  leaderWork.add('kubernetes namespaces', () => {
    const c = startNamespaceController(deps, logger, () => [KUBE_CLUSTER]);
    return () => c.stop();
  });
  leaderWork.add('kubernetes nodes and scheduler', () => {
    const c = startPodControllers(deps, KUBE_CLUSTER, kube.hosts, logger);
    return () => c.stop();
  });
  leaderWork.add('kubernetes workloads', () => {
    const c = startAppsControllers(deps, KUBE_CLUSTER, logger);
    return () => c.stop();
  });
  leaderWork.add('kubernetes autoscalers', () => {
    const c = startHpaController(deps, KUBE_CLUSTER, kube.usage, logger, o.hpaPeriodMs);
    return () => c.stop();
  });
  leaderWork.add('kubernetes resource quotas', () => {
    const c = startQuotaController(deps, KUBE_CLUSTER, logger);
    return () => c.stop();
  });
  leaderWork.add('kubernetes disruption budgets', () => {
    const c = startDisruptionController(deps, KUBE_CLUSTER, logger);
    return () => c.stop();
  });
  leaderWork.add('kubernetes volumes', () => {
    const c = startVolumeController(deps, KUBE_CLUSTER, logger);
    return () => c.stop();
  });
  leaderWork.add('kubernetes endpoints', () => {
    const c = startServiceControllers(deps, KUBE_CLUSTER, logger);
    return () => c.stop();
  });
  leaderWork.add('kubernetes load balancers', () => {
    const c = startLoadBalancerController(deps, KUBE_CLUSTER, o.loadBalancers, logger);
    return () => c.stop();
  });
  leaderWork.add('kubernetes ingresses', () => {
    const c = startIngressController(deps, KUBE_CLUSTER, o.loadBalancers, logger);
    return () => c.stop();
  });
  leaderWork.add('kubernetes tombstones', () =>
    every(60_000, async () => {
      try {
        await pruneTombstones(deps);
        await pruneEvents(deps, KUBE_CLUSTER);
      } catch (e) {
        logger.error({ err: String(e) }, 'pruning Kubernetes tombstones failed');
      }
    }),
  );
}
