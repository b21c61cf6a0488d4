import type * as ecs from '@aws-sdk/client-ecs';
import {
  continueServiceDeployment,
  findServiceDeployment,
  findServiceRevision,
  getCluster,
  getService,
  listServiceDeployments,
  stopServiceDeployment,
  type ControlPlaneDeps,
  type ServiceDeploymentRecord,
} from '../../control-plane/index.js';
import { paginateInOrder } from '../pagination.js';

type Out<T> = Omit<T, '$metadata'>;

const time = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));

function toServiceDeployment(deps: ControlPlaneDeps, d: ServiceDeploymentRecord): ecs.ServiceDeployment {
  const revision = (arn: string, counts?: ServiceDeploymentRecord['counts']) => ({
    arn,
    ...(counts
      ? { requestedTaskCount: counts.requested, runningTaskCount: counts.running, pendingTaskCount: counts.pending }
      : {}),
  });
  const cb = d.deploymentConfiguration.deploymentCircuitBreaker;
  return {
    serviceDeploymentArn: d.arn,
    serviceArn: `arn:aws:ecs:${deps.region}:${deps.accountId}:service/${d.cluster}/${d.service}`,
    clusterArn: getCluster(deps, d.cluster).arn,
    createdAt: time(d.createdAt),
    startedAt: time(d.startedAt),
    updatedAt: time(d.updatedAt),
    ...(d.finishedAt !== undefined ? { finishedAt: time(d.finishedAt) } : {}),
    ...(d.stoppedAt !== undefined ? { stoppedAt: time(d.stoppedAt) } : {}),
    sourceServiceRevisions: d.sources.map((arn) => revision(arn)),
    targetServiceRevision: revision(d.target.arn, d.counts),
    status: d.status,
    ...(d.statusReason ? { statusReason: d.statusReason } : {}),
    deploymentConfiguration: d.deploymentConfiguration as ecs.DeploymentConfiguration,
    ...(d.rollback ? { rollback: { ...d.rollback, startedAt: time(d.rollback.startedAt) } } : {}),
    deploymentCircuitBreaker: { status: cb.enable ? 'MONITORING' : 'DISABLED', failureCount: 0, threshold: 0 },
    ...alarmsOf(d),
    ...(d.lifecycleStage ? { lifecycleStage: d.lifecycleStage } : {}),
    ...(d.hooks?.length
      ? {
          lifecycleHookDetails: d.hooks.map((h) => ({
            hookId: h.id,
            targetType: h.targetType,
            status: h.status,
            ...(h.expiresAt !== undefined ? { expiresAt: time(h.expiresAt) } : {}),
            ...(h.timeoutAction ? { timeoutAction: h.timeoutAction } : {}),
          })),
        }
      : {}),
  };
}

/** A service deployment's alarms: TRIGGERED (and which), MONITORING while it runs, else done or DISABLED. */
function alarmsOf(d: ServiceDeploymentRecord): Pick<ecs.ServiceDeployment, 'alarms'> {
  const c = d.deploymentConfiguration.alarms as { alarmNames?: string[]; enable?: boolean } | undefined;
  if (!c?.enable) return { alarms: { status: 'DISABLED' } };
  return {
    alarms: {
      status: d.triggeredAlarms?.length
        ? 'TRIGGERED'
        : d.status === 'IN_PROGRESS'
          ? 'MONITORING'
          : 'MONITORING_COMPLETE',
      alarmNames: c.alarmNames ?? [],
      ...(d.triggeredAlarms?.length ? { triggeredAlarmNames: d.triggeredAlarms } : {}),
    },
  };
}

/** ECS's service deployments and service revisions: what each update of a service rolled out, and how. */
export const serviceDeploymentOps = (deps: ControlPlaneDeps) => ({
  ListServiceDeployments: async (
    i: ecs.ListServiceDeploymentsRequest,
  ): Promise<Out<ecs.ListServiceDeploymentsResponse>> => {
    const s = getService(deps, i.cluster, i.service as string);
    const all = listServiceDeployments(deps, s, i.status, {
      ...(i.createdAt?.before ? { before: i.createdAt.before } : {}),
      ...(i.createdAt?.after ? { after: i.createdAt.after } : {}),
    });
    const { page, nextToken } = paginateInOrder(all, i.maxResults, i.nextToken, 20);
    return {
      serviceDeployments: page.map((d) => ({
        serviceDeploymentArn: d.arn,
        serviceArn: s.arn,
        clusterArn: getCluster(deps, s.cluster).arn,
        createdAt: time(d.createdAt),
        startedAt: time(d.startedAt),
        ...(d.finishedAt !== undefined ? { finishedAt: time(d.finishedAt) } : {}),
        targetServiceRevisionArn: d.target.arn,
        status: d.status,
        ...(d.statusReason ? { statusReason: d.statusReason } : {}),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  },
  DescribeServiceDeployments: async (
    i: ecs.DescribeServiceDeploymentsRequest,
  ): Promise<Out<ecs.DescribeServiceDeploymentsResponse>> => {
    const out: ecs.ServiceDeployment[] = [];
    const failures: ecs.Failure[] = [];
    for (const arn of i.serviceDeploymentArns ?? []) {
      const d = findServiceDeployment(deps, arn);
      if (d) out.push(toServiceDeployment(deps, d));
      else failures.push({ arn, reason: 'MISSING' });
    }
    return { serviceDeployments: out, failures };
  },
  StopServiceDeployment: async (
    i: ecs.StopServiceDeploymentRequest,
  ): Promise<Out<ecs.StopServiceDeploymentResponse>> => ({
    serviceDeploymentArn: (await stopServiceDeployment(deps, i.serviceDeploymentArn as string, i.stopType)).arn,
  }),
  ContinueServiceDeployment: async (
    i: ecs.ContinueServiceDeploymentRequest,
  ): Promise<Out<ecs.ContinueServiceDeploymentResponse>> => ({
    serviceDeploymentArn: (
      await continueServiceDeployment(
        deps,
        i.serviceDeploymentArn as string,
        i.hookId,
        (i.action ?? 'CONTINUE') as 'CONTINUE' | 'ROLLBACK',
      )
    ).arn,
  }),
  DescribeServiceRevisions: async (
    i: ecs.DescribeServiceRevisionsRequest,
  ): Promise<Out<ecs.DescribeServiceRevisionsResponse>> => {
    const out: ecs.ServiceRevision[] = [];
    const failures: ecs.Failure[] = [];
    for (const arn of i.serviceRevisionArns ?? []) {
      const r = findServiceRevision(deps, arn);
      const m = /service-revision\/([^/]+)\/([^/]+)\//.exec(arn);
      if (!r || !m) {
        failures.push({ arn, reason: 'MISSING' });
        continue;
      }
      out.push({
        serviceRevisionArn: r.arn,
        serviceArn: `arn:aws:ecs:${deps.region}:${deps.accountId}:service/${m[1]}/${m[2]}`,
        clusterArn: getCluster(deps, m[1]).arn,
        taskDefinition: r.taskDefinition,
        ...(r.launchType ? { launchType: r.launchType as ecs.LaunchType } : {}),
        ...(r.capacityProviderStrategy
          ? { capacityProviderStrategy: r.capacityProviderStrategy as ecs.CapacityProviderStrategyItem[] }
          : {}),
        ...(r.platformVersion ? { platformVersion: r.platformVersion } : {}),
        loadBalancers: r.loadBalancers as ecs.LoadBalancer[],
        serviceRegistries: r.serviceRegistries as ecs.ServiceRegistry[],
        ...(r.networkConfiguration ? { networkConfiguration: r.networkConfiguration as ecs.NetworkConfiguration } : {}),
        createdAt: time(r.createdAt),
      });
    }
    return { serviceRevisions: out, failures };
  },
});
