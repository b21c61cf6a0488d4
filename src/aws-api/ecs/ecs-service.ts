import type { ControlPlaneDeps } from '../../control-plane/index.js';
import type { BerthError } from '../../kernel/index.js';
import { defineService, type AwsService } from '../service.js';
import { clusterOps } from './cluster-ops.js';
import { instanceOps } from './instance-ops.js';
import { serviceOps } from './service-ops.js';
import { tagOps } from './tag-ops.js';
import { taskOps } from './task-ops.js';
import { taskDefinitionOps } from './task-definition-ops.js';

/** ECS's exception names for the control plane's errors. */
function ecsErrorCode(e: BerthError): string | undefined {
  if (e.kind === 'NotFound') {
    if (e.detail.resource === 'cluster') return 'ClusterNotFoundException';
    if (e.detail.resource === 'service') return 'ServiceNotFoundException';
    if (e.detail.code) return e.detail.code;
    return 'ClientException';
  }
  if (e.kind === 'InvalidParameter')
    return e.detail.code === 'ClientException' ? 'ClientException' : 'InvalidParameterException';
  if (e.kind === 'Conflict' && !e.detail.code) return 'ClientException';
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
      ...tagOps(deps),
    },
    validationErrorCode: 'InvalidParameterException',
    errorCode: ecsErrorCode,
  });
}
