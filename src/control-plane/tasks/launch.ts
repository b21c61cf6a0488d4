import { invalidParameter, notImplemented } from '../../kernel/index.js';
import { checkStrategy, pickProviders } from '../capacity-providers.js';
import type { ClusterRecord, TaskDefinitionRecord } from '../tables.js';

export interface LaunchInput {
  launchType?: string;
  capacityProviderStrategy?: unknown[];
  platformVersion?: string;
  networkConfiguration?: unknown;
  placementConstraints?: unknown[];
  placementStrategy?: unknown[];
  /** Tasks already running per capacity provider (a service's), so new ones keep the split. */
  providerCounts?: Record<string, number>;
}

/** How a request's tasks launch: on the cluster's instances, or on Fargate (one provider per task). */
export type Launch =
  | { kind: 'instances'; launchType: 'EC2' | 'EXTERNAL'; subnetId?: string }
  | { kind: 'fargate'; providers: (string | undefined)[]; platformVersion: string; subnetId: string };

const PLATFORM_VERSIONS = new Set(['LATEST', '1.4.0']);

/**
 * The launch type and capacity providers of `count` new tasks, as ECS decides them: a launch type
 * and a strategy exclude each other; with neither, the cluster's default strategy applies, and
 * without one, EC2. Fargate needs a compatible definition and an awsvpc network configuration.
 */
export function resolveLaunch(
  cluster: ClusterRecord,
  td: TaskDefinitionRecord,
  input: LaunchInput,
  count: number,
): Launch {
  if (input.launchType && input.capacityProviderStrategy?.length)
    throw invalidParameter(
      'A launch type and a capacity provider strategy cannot both be given; remove one and try again.',
      { field: 'capacityProviderStrategy' },
    );
  const raw = input.launchType
    ? []
    : input.capacityProviderStrategy?.length
      ? input.capacityProviderStrategy
      : cluster.defaultCapacityProviderStrategy;
  const strategy = checkStrategy(raw, cluster);
  const launchType = input.launchType ?? (strategy.length ? 'FARGATE' : 'EC2');
  if (launchType === 'EC2' || launchType === 'EXTERNAL') {
    if (input.platformVersion)
      throw invalidParameter('A platform version can only be given for tasks on Fargate.', {
        field: 'platformVersion',
      });
    if (td.input.networkMode !== 'awsvpc') return { kind: 'instances', launchType };
    return { kind: 'instances', launchType, subnetId: subnetOf(input.networkConfiguration) };
  }
  if (launchType !== 'FARGATE') throw notImplemented(`Launch type ${launchType} is`);
  if (!td.compatibilities.includes('FARGATE'))
    throw invalidParameter(`Task definition ${td.family}:${td.revision} does not support launch type FARGATE.`, {
      field: 'taskDefinition',
    });
  const platformVersion = input.platformVersion ?? 'LATEST';
  if (!PLATFORM_VERSIONS.has(platformVersion))
    throw invalidParameter(`Platform version ${platformVersion} is not offered; use LATEST or 1.4.0.`, {
      field: 'platformVersion',
    });
  if (input.placementConstraints?.length || input.placementStrategy?.length)
    throw invalidParameter('Task placement constraints and strategies are not supported on Fargate.', {
      field: input.placementConstraints?.length ? 'placementConstraints' : 'placementStrategy',
    });
  const subnetId = subnetOf(input.networkConfiguration);
  const providers = strategy.length
    ? pickProviders(strategy, input.providerCounts ?? {}, count)
    : Array.from({ length: count }, () => undefined);
  return { kind: 'fargate', providers, platformVersion: '1.4.0', subnetId };
}

/** awsvpc tasks need a network configuration with subnets, on every launch type, as in ECS. */
function subnetOf(networkConfiguration: unknown): string {
  const vpc = (networkConfiguration as { awsvpcConfiguration?: { subnets?: unknown } } | undefined)
    ?.awsvpcConfiguration;
  if (!vpc)
    throw invalidParameter("A network configuration must be provided when the network mode is 'awsvpc'.", {
      field: 'networkConfiguration',
    });
  const subnets = vpc.subnets;
  if (!Array.isArray(subnets) || subnets.length === 0 || typeof subnets[0] !== 'string')
    throw invalidParameter('At least one subnet must be given in awsvpcConfiguration.', {
      field: 'networkConfiguration.awsvpcConfiguration.subnets',
    });
  if (subnets.length > 16)
    throw invalidParameter('At most 16 subnets can be given in awsvpcConfiguration.', {
      field: 'networkConfiguration.awsvpcConfiguration.subnets',
    });
  return subnets[0];
}
