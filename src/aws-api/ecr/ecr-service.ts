import { invalidParameter, notFound } from '../../kernel/index.js';
import { ecrErrorCode } from './ecr-errors.js';
import { repositoryByArn, type RegistryDeps } from '../../registry/index.js';
import { defineService, type AwsService, type Handler } from '../service.js';
import { imageOps } from './image-ops.js';
import { layerOps } from './layer-ops.js';
import { lifecycleOps } from './lifecycle-ops.js';
import { repositoryOps } from './repository-ops.js';

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
    resourceTags: (arn) => {
      try {
        return repositoryByArn(deps, arn).tags.map((t) => ({ key: t.Key, value: t.Value }));
      } catch {
        return undefined;
      }
    },
  });
}
