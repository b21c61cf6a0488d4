import { uuid, invalidParameter, notFound, notImplemented } from '../../kernel/index.js';
import { checkServiceLoadBalancers } from './load-balancing.js';
import { shiftsTraffic } from './strategy-config.js';
import { checkShiftLoadBalancers } from './traffic-shift.js';
import { putServiceWithDeployments } from './service-deployments.js';
import { ecsArn, nameFromArnOrName } from '../arns.js';
import { getCluster } from '../clusters.js';
import { checkEcsName } from '../names.js';
import { deploymentConfiguration, newDeployment, type LaunchFields } from './deployments.js';
import { checkTaskRole } from '../tasks/task-role.js';
import { refuseUnsupported } from '../tasks/unsupported.js';
import { endThrottle } from './stability.js';
import { now, type ControlPlaneDeps } from '../deps.js';
import { checkStrategy } from '../capacity-providers.js';
import type { ClusterRecord, Tag, TaskDefinitionRecord } from '../tables.js';
import { resolveLaunch } from '../tasks/launch.js';
import { resolveTaskDefinition } from '../task-definitions/task-definitions.js';
import { services, type DeploymentConfiguration, type ServiceRecord } from './model.js';

export interface ServiceInput {
  cluster?: string;
  serviceName: string;
  taskDefinition?: string;
  desiredCount?: number;
  launchType?: string;
  capacityProviderStrategy?: unknown[];
  schedulingStrategy?: string;
  deploymentConfiguration?: Partial<DeploymentConfiguration>;
  deploymentController?: { type?: string };
  placementConstraints?: { type?: string; expression?: string }[];
  placementStrategy?: { type?: string; field?: string }[];
  networkConfiguration?: unknown;
  platformVersion?: string;
  loadBalancers?: unknown[];
  serviceRegistries?: unknown[];
  healthCheckGracePeriodSeconds?: number;
  enableECSManagedTags?: boolean;
  propagateTags?: string;
  enableExecuteCommand?: boolean;
  tags?: Tag[];
  role?: string;
}

export const serviceArn = (deps: ControlPlaneDeps, cluster: string, name: string) =>
  ecsArn(deps, `service/${cluster}/${name}`);

/**
 * Checks a service's launch the way RunTask will (launch type or strategy, Fargate's needs) and
 * returns what the service keeps: its launch type, or the strategy (the cluster's default when
 * the request names neither), with the platform version Fargate resolves LATEST to.
 */
function checkLaunch(
  cluster: ClusterRecord,
  td: TaskDefinitionRecord,
  input: Omit<ServiceInput, 'serviceName'>,
  strategy: string,
): LaunchFields {
  if (input.deploymentController?.type && input.deploymentController.type !== 'ECS')
    throw notImplemented(`The ${input.deploymentController.type} deployment controller is`);
  const launch = resolveLaunch(cluster, td, input, 0);
  if (launch.kind === 'instances') return { launchType: launch.launchType };
  if (strategy === 'DAEMON')
    throw invalidParameter('The DAEMON scheduling strategy is not supported on Fargate.', {
      field: 'schedulingStrategy',
    });
  const raw = input.launchType
    ? []
    : input.capacityProviderStrategy?.length
      ? input.capacityProviderStrategy
      : cluster.defaultCapacityProviderStrategy;
  const items = checkStrategy(raw, cluster);
  return {
    ...(items.length ? { capacityProviderStrategy: items } : { launchType: 'FARGATE' }),
    platformVersion: launch.platformVersion,
  };
}

export async function createService(deps: ControlPlaneDeps, input: ServiceInput): Promise<ServiceRecord> {
  checkEcsName(input.serviceName, 'Service', 'serviceName');
  const cluster = getCluster(deps, input.cluster);
  if (!input.taskDefinition) throw invalidParameter('TaskDefinition must be specified.', { field: 'taskDefinition' });
  const td = resolveTaskDefinition(deps, input.taskDefinition);
  if (td.status !== 'ACTIVE') throw invalidParameter('TaskDefinition is inactive', { reason: 'definition-invalid' });
  const strategy = input.schedulingStrategy ?? 'REPLICA';
  if (strategy === 'DAEMON' && input.desiredCount !== undefined)
    throw invalidParameter('The DAEMON scheduling strategy does not support a desired count.', {
      field: 'desiredCount',
    });
  if (strategy === 'DAEMON' && input.placementStrategy?.length)
    throw invalidParameter('The DAEMON scheduling strategy does not support placement strategies.', {
      field: 'placementStrategy',
    });
  refuseUnsupported(td, input);
  checkTaskRole(deps, td);
  if (input.loadBalancers?.length) checkServiceLoadBalancers(deps, input.loadBalancers, td);
  const launch = checkLaunch(cluster, td, input, strategy);
  const desiredCount = input.desiredCount ?? 0;
  const t = now(deps);
  const base = {
    cluster: cluster.name,
    name: input.serviceName,
    arn: serviceArn(deps, cluster.name, input.serviceName),
    status: 'ACTIVE' as const,
    taskDefinitionArn: td.arn,
    desiredCount,
    ...launch,
    schedulingStrategy: strategy as ServiceRecord['schedulingStrategy'],
    deploymentConfiguration: deploymentConfiguration(strategy, input.deploymentConfiguration),
    placementConstraints: input.placementConstraints ?? [],
    placementStrategy: input.placementStrategy ?? [],
    ...(input.networkConfiguration ? { networkConfiguration: input.networkConfiguration } : {}),
    // A role given by name is shown as its ARN, as ECS shows it.
    ...(input.role
      ? { roleArn: input.role.startsWith('arn:') ? input.role : `arn:aws:iam::${deps.accountId}:role/${input.role}` }
      : {}),
    loadBalancers: input.loadBalancers ?? [],
    serviceRegistries: input.serviceRegistries ?? [],
    ...(input.healthCheckGracePeriodSeconds !== undefined
      ? { healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds }
      : {}),
    enableECSManagedTags: input.enableECSManagedTags ?? false,
    propagateTags: input.propagateTags ?? 'NONE',
    enableExecuteCommand: input.enableExecuteCommand ?? false,
    tags: input.tags ?? [],
    createdAt: t,
    createdBy: `arn:aws:iam::${deps.accountId}:root`,
    events: [],
    steady: false,
  };
  if (shiftsTraffic(base.deploymentConfiguration)) checkShiftLoadBalancers(deps, base.loadBalancers);
  const rec: ServiceRecord = { ...base, deployments: [newDeployment(deps, base)] };
  return await deps.store.transact((tx) => {
    const cur = tx.get(services, `${cluster.name}/${input.serviceName}`)?.value;
    if (cur && cur.status !== 'INACTIVE') {
      throw invalidParameter('Creation of service was not idempotent.', {
        field: 'serviceName',
      });
    }
    return putServiceWithDeployments(deps, tx, rec);
  });
}

export function getService(deps: ControlPlaneDeps, cluster: string | undefined, ref: string): ServiceRecord {
  const c = getCluster(deps, cluster);
  const s = deps.store.read((tx) => tx.get(services, `${c.name}/${nameFromArnOrName(ref)}`))?.value;
  if (!s || s.status === 'INACTIVE') throw notFound('Service not found.', { resource: 'service' });
  return s;
}

/** DescribeServices: found ones (INACTIVE included, as ECS shows recently deleted services) and failures. */
export function describeServices(deps: ControlPlaneDeps, cluster: string | undefined, refs: string[]) {
  const c = getCluster(deps, cluster);
  const found: ServiceRecord[] = [];
  const failures: { arn: string; reason: string }[] = [];
  for (const ref of refs) {
    const s = deps.store.read((tx) => tx.get(services, `${c.name}/${nameFromArnOrName(ref)}`))?.value;
    if (s) found.push(s);
    else failures.push({ arn: ref.startsWith('arn:') ? ref : serviceArn(deps, c.name, ref), reason: 'MISSING' });
  }
  return { services: found, failures };
}

export function listServices(
  deps: ControlPlaneDeps,
  cluster: string | undefined,
  f: { launchType?: string; schedulingStrategy?: string },
): ServiceRecord[] {
  const c = getCluster(deps, cluster);
  return deps.store
    .read((tx) => tx.list(services, { prefix: `${c.name}/` }))
    .map((e) => e.value)
    .filter((s) => s.status === 'ACTIVE')
    .filter((s) => !f.launchType || s.launchType === f.launchType)
    .filter((s) => !f.schedulingStrategy || s.schedulingStrategy === f.schedulingStrategy);
}

/**
 * UpdateService: a new task definition, network configuration or forceNewDeployment starts a new
 * PRIMARY deployment (the old ones turn ACTIVE and drain as the new one comes up); a new desired
 * count alone changes the current deployment's target.
 */
export async function updateService(
  deps: ControlPlaneDeps,
  input: Omit<ServiceInput, 'serviceName'> & { service: string; forceNewDeployment?: boolean },
): Promise<ServiceRecord> {
  const cur = getService(deps, input.cluster, input.service);
  if (cur.schedulingStrategy === 'DAEMON' && input.desiredCount !== undefined)
    throw invalidParameter('The DAEMON scheduling strategy does not support a desired count.', {
      field: 'desiredCount',
    });
  const td = input.taskDefinition ? resolveTaskDefinition(deps, input.taskDefinition) : undefined;
  if (td && td.status !== 'ACTIVE')
    throw invalidParameter('TaskDefinition is inactive', { reason: 'definition-invalid' });
  if (td || input.enableExecuteCommand) {
    refuseUnsupported(td ?? resolveTaskDefinition(deps, cur.taskDefinitionArn), {
      ...(input.enableExecuteCommand !== undefined ? { enableExecuteCommand: input.enableExecuteCommand } : {}),
    });
  }
  if (td) checkTaskRole(deps, td);
  if (input.loadBalancers?.length || (td && cur.loadBalancers.length))
    checkServiceLoadBalancers(
      deps,
      input.loadBalancers ?? cur.loadBalancers,
      td ?? resolveTaskDefinition(deps, cur.taskDefinitionArn),
    );
  // The launch is checked again whenever what it depends on changes (definition, network, strategy).
  const relaunch =
    td !== undefined ||
    input.launchType !== undefined ||
    input.capacityProviderStrategy !== undefined ||
    input.networkConfiguration !== undefined ||
    input.platformVersion !== undefined;
  const launch = relaunch
    ? checkLaunch(
        getCluster(deps, cur.cluster),
        td ?? resolveTaskDefinition(deps, cur.taskDefinitionArn),
        {
          ...(input.capacityProviderStrategy || cur.capacityProviderStrategy
            ? { capacityProviderStrategy: input.capacityProviderStrategy ?? cur.capacityProviderStrategy }
            : { launchType: input.launchType ?? cur.launchType }),
          networkConfiguration: input.networkConfiguration ?? cur.networkConfiguration,
          placementConstraints: input.placementConstraints ?? cur.placementConstraints,
          placementStrategy: input.placementStrategy ?? cur.placementStrategy,
          ...((input.platformVersion ?? cur.platformVersion)
            ? { platformVersion: input.platformVersion ?? cur.platformVersion }
            : {}),
        },
        cur.schedulingStrategy,
      )
    : undefined;
  return await deps.store.transact((tx) => {
    const s = tx.get(services, `${cur.cluster}/${cur.name}`)?.value ?? cur;
    const { launchType: _l, capacityProviderStrategy: _c, platformVersion: _p, ...rest } = s;
    const next: ServiceRecord = {
      ...(launch ? rest : s),
      ...launch,
      ...(td ? { taskDefinitionArn: td.arn } : {}),
      ...(input.desiredCount !== undefined ? { desiredCount: input.desiredCount } : {}),
      deploymentConfiguration: deploymentConfiguration(
        s.schedulingStrategy,
        input.deploymentConfiguration,
        s.deploymentConfiguration,
      ),
      ...(input.placementConstraints ? { placementConstraints: input.placementConstraints } : {}),
      ...(input.placementStrategy ? { placementStrategy: input.placementStrategy } : {}),
      ...(input.networkConfiguration ? { networkConfiguration: input.networkConfiguration } : {}),
      ...(input.loadBalancers ? { loadBalancers: input.loadBalancers } : {}),
      ...(input.serviceRegistries ? { serviceRegistries: input.serviceRegistries } : {}),
      ...(input.healthCheckGracePeriodSeconds !== undefined
        ? { healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds }
        : {}),
      ...(input.enableECSManagedTags !== undefined ? { enableECSManagedTags: input.enableECSManagedTags } : {}),
      ...(input.propagateTags ? { propagateTags: input.propagateTags } : {}),
      ...(input.enableExecuteCommand !== undefined ? { enableExecuteCommand: input.enableExecuteCommand } : {}),
    };
    if (shiftsTraffic(next.deploymentConfiguration)) checkShiftLoadBalancers(deps, next.loadBalancers);
    const redeploy =
      (td && td.arn !== s.taskDefinitionArn) ||
      input.forceNewDeployment === true ||
      input.networkConfiguration !== undefined ||
      input.capacityProviderStrategy !== undefined ||
      input.platformVersion !== undefined;
    if (redeploy) {
      next.deployments = [
        newDeployment(deps, next),
        ...s.deployments.map((d) => ({ ...d, status: 'ACTIVE' as const })),
      ];
      next.steady = false;
      endThrottle(next); // a new revision starts with a clean slate
    } else {
      next.deployments = s.deployments.map((d) =>
        d.status === 'PRIMARY' ? { ...d, desiredCount: next.desiredCount, updatedAt: now(deps) } : d,
      );
      if (next.desiredCount !== s.desiredCount) {
        next.steady = false;
        delete next.steadyEventAt;
      }
    }
    return putServiceWithDeployments(deps, tx, next);
  });
}

/**
 * DeleteService: refused while tasks are wanted unless `force`; the service turns DRAINING (its
 * desired count zero) and INACTIVE once its tasks are gone, as ECS does.
 */
export async function deleteService(
  deps: ControlPlaneDeps,
  cluster: string | undefined,
  ref: string,
  force: boolean,
): Promise<ServiceRecord> {
  const cur = getService(deps, cluster, ref);
  if (!force && cur.schedulingStrategy === 'REPLICA' && cur.desiredCount > 0) {
    throw invalidParameter('The service cannot be stopped while it is scaled above 0.', {});
  }
  return await deps.store.transact((tx) => {
    const s = tx.get(services, `${cur.cluster}/${cur.name}`)?.value ?? cur;
    const next: ServiceRecord = {
      ...s,
      status: 'DRAINING',
      desiredCount: 0,
      deletedAt: now(deps),
      deployments: s.deployments.map((d) => (d.status === 'PRIMARY' ? { ...d, desiredCount: 0 } : d)),
    };
    return putServiceWithDeployments(deps, tx, next);
  });
}

export const serviceEvent = (deps: ControlPlaneDeps, message: string) => ({
  id: uuid(),
  createdAt: now(deps),
  message,
});
