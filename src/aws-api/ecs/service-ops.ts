import type * as ecs from '@aws-sdk/client-ecs';
import {
  getCluster,
  type ControlPlaneDeps,
  createServiceOnce,
  type ServiceRecord,
  deleteService,
  describeServices,
  listServices,
  updateService,
  type ServiceInput,
} from '../../control-plane/index.js';
import { paginate } from '../pagination.js';

type Out<T> = Omit<T, '$metadata'>;

export function toService(s: ServiceRecord, clusterArn: string, withTags = false): ecs.Service {
  const primary = s.deployments.find((d) => d.status === 'PRIMARY');
  const sum = (k: 'runningCount' | 'pendingCount') => s.deployments.reduce((n, d) => n + d[k], 0);
  return {
    serviceArn: s.arn,
    serviceName: s.name,
    clusterArn,
    loadBalancers: s.loadBalancers as ecs.LoadBalancer[],
    serviceRegistries: s.serviceRegistries as ecs.ServiceRegistry[],
    status: s.status,
    desiredCount: s.schedulingStrategy === 'DAEMON' ? (primary?.desiredCount ?? 0) : s.desiredCount,
    runningCount: sum('runningCount'),
    pendingCount: sum('pendingCount'),
    ...(s.launchType ? { launchType: s.launchType as ecs.LaunchType } : {}),
    ...(s.capacityProviderStrategy ? { capacityProviderStrategy: s.capacityProviderStrategy } : {}),
    ...(s.platformVersion ? { platformVersion: s.platformVersion, platformFamily: 'Linux' } : {}),
    taskDefinition: s.taskDefinitionArn,
    ...(s.roleArn ? { roleArn: s.roleArn } : {}),
    deploymentConfiguration: s.deploymentConfiguration as ecs.DeploymentConfiguration,
    deployments: s.deployments.map((d) => ({
      id: d.id,
      status: d.status,
      taskDefinition: d.taskDefinitionArn,
      desiredCount: d.desiredCount,
      pendingCount: d.pendingCount,
      runningCount: d.runningCount,
      failedTasks: d.failedTasks,
      createdAt: new Date(d.createdAt),
      updatedAt: new Date(d.updatedAt),
      ...(d.launchType ? { launchType: d.launchType as ecs.LaunchType } : {}),
      ...(d.capacityProviderStrategy ? { capacityProviderStrategy: d.capacityProviderStrategy } : {}),
      ...(d.platformVersion ? { platformVersion: d.platformVersion, platformFamily: 'Linux' } : {}),
      ...(d.networkConfiguration ? { networkConfiguration: d.networkConfiguration as ecs.NetworkConfiguration } : {}),
      rolloutState: d.rolloutState,
      rolloutStateReason: d.rolloutStateReason,
    })),
    events: s.events.map((e) => ({ id: e.id, createdAt: new Date(e.createdAt), message: e.message })),
    createdAt: new Date(s.createdAt),
    placementConstraints: s.placementConstraints as ecs.PlacementConstraint[],
    placementStrategy: s.placementStrategy as ecs.PlacementStrategy[],
    ...(s.networkConfiguration ? { networkConfiguration: s.networkConfiguration as ecs.NetworkConfiguration } : {}),
    ...(s.healthCheckGracePeriodSeconds !== undefined
      ? { healthCheckGracePeriodSeconds: s.healthCheckGracePeriodSeconds }
      : {}),
    schedulingStrategy: s.schedulingStrategy,
    deploymentController: { type: 'ECS' },
    ...(withTags ? { tags: s.tags } : {}),
    createdBy: s.createdBy,
    enableECSManagedTags: s.enableECSManagedTags,
    propagateTags: s.propagateTags as ecs.PropagateTags,
    enableExecuteCommand: s.enableExecuteCommand,
  };
}

export const serviceOps = (deps: ControlPlaneDeps) => {
  const arn = (cluster: string | undefined) => getCluster(deps, cluster).arn;
  return {
    CreateService: async (i: ecs.CreateServiceRequest): Promise<Out<ecs.CreateServiceResponse>> => ({
      service: toService(await createServiceOnce(deps, i as unknown as ServiceInput), arn(i.cluster), true),
    }),
    UpdateService: async (i: ecs.UpdateServiceRequest): Promise<Out<ecs.UpdateServiceResponse>> => ({
      service: toService(
        await updateService(deps, i as unknown as Parameters<typeof updateService>[1]),
        arn(i.cluster),
      ),
    }),
    DeleteService: async (i: ecs.DeleteServiceRequest): Promise<Out<ecs.DeleteServiceResponse>> => ({
      service: toService(await deleteService(deps, i.cluster, i.service as string, i.force ?? false), arn(i.cluster)),
    }),
    DescribeServices: async (i: ecs.DescribeServicesRequest): Promise<Out<ecs.DescribeServicesResponse>> => {
      const r = describeServices(deps, i.cluster, i.services ?? []);
      const tags = i.include?.includes('TAGS') ?? false;
      return { services: r.services.map((s) => toService(s, arn(i.cluster), tags)), failures: r.failures };
    },
    ListServices: async (i: ecs.ListServicesRequest): Promise<Out<ecs.ListServicesResponse>> => {
      const all = listServices(deps, i.cluster, {
        ...(i.launchType ? { launchType: i.launchType } : {}),
        ...(i.schedulingStrategy ? { schedulingStrategy: i.schedulingStrategy } : {}),
      });
      const { page, nextToken } = paginate(all, (s) => s.name, i.maxResults, i.nextToken, 10);
      return { serviceArns: page.map((s) => s.arn), ...(nextToken ? { nextToken } : {}) };
    },
    // Service Connect namespaces are not kept, so no service is in one.
    ListServicesByNamespace: async (
      i: ecs.ListServicesByNamespaceRequest,
    ): Promise<Out<ecs.ListServicesByNamespaceResponse>> => {
      void i;
      return { serviceArns: [] };
    },
  };
};
