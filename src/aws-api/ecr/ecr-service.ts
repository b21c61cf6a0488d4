import type { BerthError } from '../../kernel/errors.js';
import type { RegistryDeps } from '../../registry/deps.js';
import { defineService, type AwsService } from '../service.js';
import { imageOps } from './image-ops.js';
import { layerOps } from './layer-ops.js';
import { lifecycleOps } from './lifecycle-ops.js';
import { repositoryOps } from './repository-ops.js';

const notFoundCodes: Record<string, string> = {
  repository: 'RepositoryNotFoundException',
  manifest: 'ImageNotFoundException',
  blob: 'LayersNotFoundException',
  upload: 'UploadNotFoundException',
  policy: 'RepositoryPolicyNotFoundException',
  'lifecycle-policy': 'LifecyclePolicyNotFoundException',
  'lifecycle-preview': 'LifecyclePolicyPreviewNotFoundException',
};

/** ECR's own exception names for the registry domain's errors. */
function ecrErrorCode(e: BerthError): string | undefined {
  switch (e.kind) {
    case 'NotFound':
      return notFoundCodes[e.detail.resource ?? ''];
    case 'AlreadyExists':
      if (e.detail.code === 'LayerAlreadyExistsException') return e.detail.code;
      return e.detail.resource === 'image' ? 'ImageAlreadyExistsException' : 'RepositoryAlreadyExistsException';
    case 'Conflict':
      if (e.detail.resource === 'tag') return 'ImageTagAlreadyExistsException';
      if (e.detail.resource === 'lifecycle-preview') return 'LifecyclePolicyPreviewInProgressException';
      return e.detail.code === 'RepositoryNotEmptyException' ? e.detail.code : 'InvalidParameterException';
    case 'InvalidParameter':
      if (
        e.detail.code &&
        ['InvalidLayerPartException', 'InvalidLayerException', 'EmptyUploadException'].includes(e.detail.code)
      ) {
        return e.detail.code;
      }
      if (e.detail.code === 'MANIFEST_BLOB_UNKNOWN') return 'LayersNotFoundException';
      if (e.detail.code === 'DIGEST_INVALID') return 'ImageDigestDoesNotMatchException';
      if (e.detail.code === 'TooManyTagsException') return e.detail.code;
      return 'InvalidParameterException';
    case 'LimitExceeded':
      return 'LimitExceededException';
    default:
      return undefined;
  }
}

export function ecrService(deps: RegistryDeps): AwsService {
  return defineService('ecr', {
    handlers: { ...repositoryOps(deps), ...imageOps(deps), ...lifecycleOps(deps), ...layerOps(deps) },
    validationErrorCode: 'InvalidParameterException',
    errorCode: ecrErrorCode,
  });
}
