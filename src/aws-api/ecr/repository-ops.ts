import type { RequestContext } from '../../kernel/index.js';
import type * as ecr from '@aws-sdk/client-ecr';
import {
  mintToken,
  type RegistryDeps,
  createRepository,
  deleteRepository,
  getRepository,
  repositoryUri,
  checkPolicyText,
  repositoryByArn,
  requirePolicy,
  updateRepository,
  repositories,
  type RepositoryRecord,
} from '../../registry/index.js';
import { invalidParameter } from '../../kernel/index.js';
import { paginate } from '../pagination.js';

type Out<T> = Omit<T, '$metadata'>;

export function toRepository(deps: RegistryDeps, r: RepositoryRecord): ecr.Repository {
  return {
    repositoryArn: r.arn,
    registryId: r.registryId,
    repositoryName: r.name,
    repositoryUri: repositoryUri(deps, r.name),
    createdAt: new Date(r.createdAt),
    imageTagMutability: r.imageTagMutability as ecr.ImageTagMutability,
    ...(r.imageTagMutabilityExclusionFilters
      ? {
          imageTagMutabilityExclusionFilters:
            r.imageTagMutabilityExclusionFilters as ecr.ImageTagMutabilityExclusionFilter[],
        }
      : {}),
    imageScanningConfiguration: r.imageScanningConfiguration,
    encryptionConfiguration: r.encryptionConfiguration as ecr.EncryptionConfiguration,
  };
}

function mergeTags(existing: RepositoryRecord['tags'], add: ecr.Tag[]): RepositoryRecord['tags'] {
  const out = new Map(existing.map((t) => [t.Key, t.Value]));
  for (const t of add) out.set(t.Key as string, t.Value ?? '');
  if (out.size > 50)
    throw invalidParameter('A repository can have at most 50 tags', { field: 'tags', reason: 'too-many-tags' });
  return [...out].map(([Key, Value]) => ({ Key, Value }));
}

export const repositoryOps = (deps: RegistryDeps) => ({
  CreateRepository: async (i: ecr.CreateRepositoryRequest): Promise<Out<ecr.CreateRepositoryResponse>> => {
    const rec = await createRepository(deps, {
      repositoryName: i.repositoryName as string,
      tags: mergeTags([], i.tags ?? []),
      ...(i.imageTagMutability ? { imageTagMutability: i.imageTagMutability } : {}),
      ...(i.imageTagMutabilityExclusionFilters
        ? {
            imageTagMutabilityExclusionFilters: i.imageTagMutabilityExclusionFilters as {
              filterType: string;
              filter: string;
            }[],
          }
        : {}),
      ...(i.imageScanningConfiguration ? { imageScanningConfiguration: i.imageScanningConfiguration } : {}),
      ...(i.encryptionConfiguration
        ? { encryptionConfiguration: i.encryptionConfiguration as { encryptionType: string } }
        : {}),
    });
    return { repository: toRepository(deps, rec) };
  },

  DescribeRepositories: async (i: ecr.DescribeRepositoriesRequest): Promise<Out<ecr.DescribeRepositoriesResponse>> => {
    if (i.repositoryNames?.length) {
      if (i.maxResults !== undefined || i.nextToken !== undefined) {
        throw invalidParameter('maxResults and nextToken cannot be used with repositoryNames', { field: 'maxResults' });
      }
      return { repositories: i.repositoryNames.map((n) => toRepository(deps, getRepository(deps, n))) };
    }
    const all = deps.store.read((tx) => tx.list(repositories)).map((e) => e.value);
    const { page, nextToken } = paginate(all, (r) => r.name, i.maxResults, i.nextToken);
    return { repositories: page.map((r) => toRepository(deps, r)), ...(nextToken ? { nextToken } : {}) };
  },

  DeleteRepository: async (i: ecr.DeleteRepositoryRequest): Promise<Out<ecr.DeleteRepositoryResponse>> => ({
    repository: toRepository(deps, await deleteRepository(deps, i.repositoryName as string, i.force ?? false)),
  }),

  PutImageTagMutability: async (
    i: ecr.PutImageTagMutabilityRequest,
  ): Promise<Out<ecr.PutImageTagMutabilityResponse>> => {
    const r = await updateRepository(deps, i.repositoryName as string, (cur) => {
      const next: RepositoryRecord = { ...cur, imageTagMutability: i.imageTagMutability as string };
      delete next.imageTagMutabilityExclusionFilters;
      if (i.imageTagMutabilityExclusionFilters) {
        next.imageTagMutabilityExclusionFilters = i.imageTagMutabilityExclusionFilters as {
          filterType: string;
          filter: string;
        }[];
      }
      return next;
    });
    return {
      registryId: r.registryId,
      repositoryName: r.name,
      imageTagMutability: r.imageTagMutability as ecr.ImageTagMutability,
      ...(r.imageTagMutabilityExclusionFilters
        ? {
            imageTagMutabilityExclusionFilters:
              r.imageTagMutabilityExclusionFilters as ecr.ImageTagMutabilityExclusionFilter[],
          }
        : {}),
    };
  },

  SetRepositoryPolicy: async (i: ecr.SetRepositoryPolicyRequest): Promise<Out<ecr.SetRepositoryPolicyResponse>> => {
    checkPolicyText(i.policyText as string);
    const r = await updateRepository(deps, i.repositoryName as string, (cur) => ({
      ...cur,
      policyText: i.policyText as string,
    }));
    return { registryId: r.registryId, repositoryName: r.name, policyText: r.policyText as string };
  },

  GetRepositoryPolicy: async (i: ecr.GetRepositoryPolicyRequest): Promise<Out<ecr.GetRepositoryPolicyResponse>> => {
    const r = getRepository(deps, i.repositoryName as string);
    return { registryId: r.registryId, repositoryName: r.name, policyText: requirePolicy(deps, r) };
  },

  DeleteRepositoryPolicy: async (
    i: ecr.DeleteRepositoryPolicyRequest,
  ): Promise<Out<ecr.DeleteRepositoryPolicyResponse>> => {
    const before = getRepository(deps, i.repositoryName as string);
    const policyText = requirePolicy(deps, before);
    const r = await updateRepository(deps, before.name, (cur) => {
      const next = { ...cur };
      delete next.policyText;
      return next;
    });
    return { registryId: r.registryId, repositoryName: r.name, policyText };
  },

  TagResource: async (i: ecr.TagResourceRequest): Promise<Out<ecr.TagResourceResponse>> => {
    const r = repositoryByArn(deps, i.resourceArn as string);
    await updateRepository(deps, r.name, (cur) => ({ ...cur, tags: mergeTags(cur.tags, i.tags ?? []) }));
    return {};
  },

  UntagResource: async (i: ecr.UntagResourceRequest): Promise<Out<ecr.UntagResourceResponse>> => {
    const r = repositoryByArn(deps, i.resourceArn as string);
    const drop = new Set(i.tagKeys ?? []);
    await updateRepository(deps, r.name, (cur) => ({ ...cur, tags: cur.tags.filter((t) => !drop.has(t.Key)) }));
    return {};
  },

  ListTagsForResource: async (i: ecr.ListTagsForResourceRequest): Promise<Out<ecr.ListTagsForResourceResponse>> => ({
    tags: repositoryByArn(deps, i.resourceArn as string).tags,
  }),

  GetAuthorizationToken: async (_i: object, ctx: RequestContext): Promise<Out<ecr.GetAuthorizationTokenResponse>> => ({
    authorizationData: [mintToken(deps, ctx.accessKeyId)],
  }),
});
