import { invalidParameter, notFound, type BerthError } from '../../kernel/index.js';
import type { RegistryDeps } from '../../registry/index.js';
import { defineService, type AwsService, type Handler } from '../service.js';
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

/**
 * berth serves one account's registry: a call naming another account's `registryId` finds none of
 * its repositories there (rather than being quietly served from this one).
 */
function ownRegistryOnly(deps: RegistryDeps, handlers: Record<string, Handler>): Record<string, Handler> {
  const out: Record<string, Handler> = {};
  for (const [op, h] of Object.entries(handlers)) {
    out[op] = (input: { registryId?: string; repositoryName?: string; repositoryNames?: string[] }, ctx) => {
      if (input?.registryId !== undefined && input.registryId !== deps.accountId) {
        const name = input.repositoryName ?? input.repositoryNames?.[0];
        if (name !== undefined) {
          throw notFound(
            `The repository with name '${name}' does not exist in the registry with id '${input.registryId}'`,
            { resource: 'repository' },
          );
        }
        throw invalidParameter(
          `This registry serves account '${deps.accountId}', not registryId '${input.registryId}'.`,
          {
            field: 'registryId',
          },
        );
      }
      return h(input, ctx);
    };
  }
  return out;
}

export function ecrService(deps: RegistryDeps): AwsService {
  return defineService('ecr', {
    handlers: ownRegistryOnly(deps, {
      ...repositoryOps(deps),
      ...imageOps(deps),
      ...lifecycleOps(deps),
      ...layerOps(deps),
    }),
    validationErrorCode: 'InvalidParameterException',
    errorCode: ecrErrorCode,
  });
}
