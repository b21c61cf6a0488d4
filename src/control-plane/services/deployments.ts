import { randomInt } from 'node:crypto';
import { invalidParameter } from '../../kernel/index.js';
import { now, type ControlPlaneDeps } from '../deps.js';
import { addEvent, messages } from './events.js';
import type { Deployment, DeploymentConfiguration, ServiceRecord } from './model.js';
import { endThrottle } from './stability.js';
import { strategyFields } from './strategy-config.js';

/** `ecs-svc/` and 19 digits, as ECS names deployments. */
export const deploymentId = () =>
  `ecs-svc/${String(randomInt(1, 9)) + Array.from({ length: 18 }, () => String(randomInt(0, 10))).join('')}`;

export function newDeployment(
  deps: ControlPlaneDeps,
  s: Pick<
    ServiceRecord,
    | 'taskDefinitionArn'
    | 'desiredCount'
    | 'launchType'
    | 'capacityProviderStrategy'
    | 'platformVersion'
    | 'networkConfiguration'
  >,
  reason?: string,
): Deployment {
  const id = deploymentId();
  const t = now(deps);
  return {
    id,
    status: 'PRIMARY',
    taskDefinitionArn: s.taskDefinitionArn,
    desiredCount: s.desiredCount,
    pendingCount: 0,
    runningCount: 0,
    failedTasks: 0,
    createdAt: t,
    updatedAt: t,
    ...launchOf(s),
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: reason ?? `ECS deployment ${id} in progress.`,
    ...(s.networkConfiguration ? { networkConfiguration: s.networkConfiguration } : {}),
    tracked: [],
  };
}

export function deploymentConfiguration(
  strategy: string,
  given: Partial<DeploymentConfiguration> | undefined,
  current?: DeploymentConfiguration,
): DeploymentConfiguration {
  const c: DeploymentConfiguration = {
    minimumHealthyPercent:
      given?.minimumHealthyPercent ?? current?.minimumHealthyPercent ?? (strategy === 'DAEMON' ? 0 : 100),
    maximumPercent: given?.maximumPercent ?? current?.maximumPercent ?? (strategy === 'DAEMON' ? 100 : 200),
    deploymentCircuitBreaker: given?.deploymentCircuitBreaker ??
      current?.deploymentCircuitBreaker ?? { enable: false, rollback: false },
    ...((given?.alarms ?? current?.alarms) ? { alarms: given?.alarms ?? current?.alarms } : {}),
    ...strategyFields(strategy, given, current),
  };
  if (c.minimumHealthyPercent < 0 || c.minimumHealthyPercent > 100) {
    throw invalidParameter('minimumHealthyPercent must be between 0 and 100.', {
      field: 'deploymentConfiguration.minimumHealthyPercent',
    });
  }
  if (strategy === 'REPLICA' && c.maximumPercent < 100) {
    throw invalidParameter('maximumPercent must be at least 100 for the REPLICA scheduling strategy.', {
      field: 'deploymentConfiguration.maximumPercent',
    });
  }
  return c;
}

/** How a service launches its tasks: a launch type, or a capacity provider strategy (and platform). */
export type LaunchFields = Pick<ServiceRecord, 'launchType' | 'capacityProviderStrategy' | 'platformVersion'>;

export function launchOf(s: LaunchFields): LaunchFields {
  return {
    ...(s.launchType ? { launchType: s.launchType } : {}),
    ...(s.capacityProviderStrategy ? { capacityProviderStrategy: s.capacityProviderStrategy } : {}),
    ...(s.platformVersion ? { platformVersion: s.platformVersion } : {}),
  };
}

/**
 * Rolls a service back from a deployment to an earlier one that completed, as ECS does it: a new
 * deployment of that revision, marked as the rollback of the failed one, takes over (`s` is
 * changed in place).
 */
export function rollBack(
  deps: ControlPlaneDeps,
  s: ServiceRecord,
  from: Deployment,
  to: Deployment,
  reason: string,
): void {
  const back = {
    ...newDeployment(deps, { ...s, taskDefinitionArn: to.taskDefinitionArn }, reason),
    rollbackOf: from.id,
    rollbackTo: to.id,
  };
  s.taskDefinitionArn = to.taskDefinitionArn;
  from.status = 'ACTIVE';
  endThrottle(s); // the throttle was the failed revision's
  s.deployments = [back, ...s.deployments];
  addEvent(s, messages.rollingBack(s.name, to.id), now(deps));
}
