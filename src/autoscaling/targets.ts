import { hexId, invalidParameter, notImplemented } from '../kernel/index.js';
import { nowMs, type AutoscalingDeps } from './deps.js';
import { targetKey, targets, type TargetRecord } from './tables.js';

/** ECS services are what berth scales: `ecs` / `ecs:service:DesiredCount` / `service/<cluster>/<service>`. */
export function checkEcsTarget(deps: AutoscalingDeps, ns: string, resourceId: string, dimension: string): void {
  if (ns !== 'ecs') throw notImplemented(`scaling the ${ns} namespace`);
  if (dimension !== 'ecs:service:DesiredCount')
    throw invalidParameter(`Unsupported scalable dimension '${dimension}'`, { field: 'ScalableDimension' });
  if (!/^service\/[A-Za-z0-9_-]{1,255}\/[A-Za-z0-9_-]{1,255}$/.test(resourceId))
    throw invalidParameter(`Unsupported service namespace, resource type or scalable dimension: ${resourceId}`, {
      field: 'ResourceId',
    });
  if (deps.ecs.desiredCount(resourceId) === undefined)
    throw invalidParameter(`ECS service doesn't exist: ${resourceId}`, { field: 'ResourceId' });
}

export interface RegisterInput {
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
  MinCapacity?: number;
  MaxCapacity?: number;
  RoleARN?: string;
  SuspendedState?: Partial<TargetRecord['SuspendedState']>;
}

/** RegisterScalableTarget: a new target needs its capacities; an existing one takes what is given. */
export async function registerScalableTarget(deps: AutoscalingDeps, input: RegisterInput): Promise<TargetRecord> {
  checkEcsTarget(deps, input.ServiceNamespace, input.ResourceId, input.ScalableDimension);
  const key = targetKey(input.ServiceNamespace, input.ResourceId, input.ScalableDimension);
  return await deps.store.transact((tx) => {
    const was = tx.get(targets, key)?.value;
    const min = input.MinCapacity ?? was?.MinCapacity;
    const max = input.MaxCapacity ?? was?.MaxCapacity;
    if (min === undefined || max === undefined)
      throw invalidParameter('MinCapacity and MaxCapacity are required for registering a new scalable target', {
        field: min === undefined ? 'MinCapacity' : 'MaxCapacity',
      });
    if (min < 0 || max < min)
      throw invalidParameter('Minimum capacity cannot be greater than maximum capacity', { field: 'MinCapacity' });
    const rec: TargetRecord = {
      key,
      ServiceNamespace: input.ServiceNamespace,
      ResourceId: input.ResourceId,
      ScalableDimension: input.ScalableDimension,
      MinCapacity: min,
      MaxCapacity: max,
      RoleARN:
        input.RoleARN ??
        was?.RoleARN ??
        `arn:aws:iam::${deps.accountId}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
      CreationTime: was?.CreationTime ?? nowMs(deps),
      SuspendedState: {
        DynamicScalingInSuspended: false,
        DynamicScalingOutSuspended: false,
        ScheduledScalingSuspended: false,
        ...was?.SuspendedState,
        ...input.SuspendedState,
      },
      ScalableTargetARN:
        was?.ScalableTargetARN ??
        `arn:aws:application-autoscaling:${deps.region}:${deps.accountId}:scalable-target/0ec5${hexId().slice(0, 28)}`,
    };
    tx.put(targets, rec);
    return rec;
  });
}

export function describeScalableTargets(
  deps: AutoscalingDeps,
  ns: string,
  resourceIds?: readonly string[],
  dimension?: string,
): TargetRecord[] {
  return deps.store
    .read((tx) => tx.list(targets, { prefix: `${ns}|` }))
    .map((e) => e.value)
    .filter(
      (t) =>
        (!resourceIds?.length || resourceIds.includes(t.ResourceId)) &&
        (!dimension || t.ScalableDimension === dimension),
    );
}
