import { tagsOfArn, type ControlPlaneDeps } from '../../control-plane/index.js';
import type { BerthError, ErrorReason } from '../../kernel/index.js';
import { defineService, type AwsService } from '../service.js';
import { clusterOps } from './cluster-ops.js';
import { instanceOps } from './instance-ops.js';
import { serviceDeploymentOps } from './service-deployment-ops.js';
import { serviceOps } from './service-ops.js';
import { tagOps } from './tag-ops.js';
import { taskOps } from './task-ops.js';
import { taskDefinitionOps } from './task-definition-ops.js';

/** ECS's exception names for the control plane's reasons. */
const byReason: Partial<Record<ErrorReason, string>> = {
  'definition-invalid': 'ClientException',
  'token-reused': 'ConflictException',
  'not-in-progress': 'ConflictException',
  'in-use': 'ResourceInUseException',
  'has-instances': 'ClusterContainsContainerInstancesException',
  'has-services': 'ClusterContainsServicesException',
  'has-tasks': 'ClusterContainsTasksException',
};

/** ECS's exception names for missing resources (ECS answers a missing task as a bad parameter). */
const notFoundByResource: Record<string, string> = {
  cluster: 'ClusterNotFoundException',
  service: 'ServiceNotFoundException',
  task: 'InvalidParameterException',
  tagged: 'ResourceNotFoundException',
  'service-deployment': 'ServiceDeploymentNotFoundException',
};

/** ECS's exception names for the control plane's errors: by reason, else by kind. */
function ecsErrorCode(e: BerthError): string | undefined {
  const known = e.detail.reason && byReason[e.detail.reason];
  if (known) return known;
  if (e.kind === 'NotFound') return notFoundByResource[e.detail.resource ?? ''] ?? 'ClientException';
  if (e.kind === 'InvalidParameter') return 'InvalidParameterException';
  if (e.kind === 'Conflict') return 'ClientException';
  if (e.kind === 'AlreadyExists') return 'ClientException';
  if (e.kind === 'LimitExceeded') return 'LimitExceededException';
  if (e.kind === 'Internal' || e.kind === 'Unavailable') return 'ServerException';
  return undefined;
}

export function ecsService(deps: ControlPlaneDeps): AwsService {
  return defineService('ecs', {
    handlers: {
      ...clusterOps(deps),
      ...taskDefinitionOps(deps),
      ...instanceOps(deps),
      ...taskOps(deps),
      ...serviceOps(deps),
      ...serviceDeploymentOps(deps),
      ...tagOps(deps),
    },
    validationErrorCode: 'InvalidParameterException',
    errorCode: ecsErrorCode,
    resourceTags: (arn) => tagsOfArn(deps, arn),
  });
}
