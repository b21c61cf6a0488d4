import type * as ecr from '@aws-sdk/client-ecr';
import {
  type RegistryDeps,
  deleteLifecyclePolicy,
  getPreview,
  putLifecyclePolicy,
  requireLifecyclePolicy,
  startPreview,
  getRepository,
} from '../../registry/index.js';
import { paginate } from '../pagination.js';

type Out<T> = Omit<T, '$metadata'>;

// ECR answers lastEvaluatedAt always: the epoch when the policy has not been evaluated yet.
const evaluatedAt = (t: number | undefined) => ({ lastEvaluatedAt: new Date(t ?? 0) });

export const lifecycleOps = (deps: RegistryDeps) => ({
  PutLifecyclePolicy: async (i: ecr.PutLifecyclePolicyRequest): Promise<Out<ecr.PutLifecyclePolicyResponse>> => {
    const r = await putLifecyclePolicy(deps, i.repositoryName as string, i.lifecyclePolicyText as string);
    return { registryId: r.registryId, repositoryName: r.name, lifecyclePolicyText: r.lifecyclePolicyText as string };
  },

  GetLifecyclePolicy: async (i: ecr.GetLifecyclePolicyRequest): Promise<Out<ecr.GetLifecyclePolicyResponse>> => {
    const r = getRepository(deps, i.repositoryName as string);
    return {
      registryId: r.registryId,
      repositoryName: r.name,
      lifecyclePolicyText: requireLifecyclePolicy(deps, r),
      ...evaluatedAt(r.lifecycleEvaluatedAt),
    };
  },

  DeleteLifecyclePolicy: async (
    i: ecr.DeleteLifecyclePolicyRequest,
  ): Promise<Out<ecr.DeleteLifecyclePolicyResponse>> => {
    const r = await deleteLifecyclePolicy(deps, i.repositoryName as string);
    return {
      registryId: r.registryId,
      repositoryName: r.name,
      lifecyclePolicyText: r.lifecyclePolicyText as string,
      ...evaluatedAt(r.lifecycleEvaluatedAt),
    };
  },

  // The evaluation is quick enough to run inline; the status says IN_PROGRESS as ECR's first
  // answer does, and GetLifecyclePolicyPreview then reports COMPLETE, which is what waiters poll for.
  StartLifecyclePolicyPreview: async (
    i: ecr.StartLifecyclePolicyPreviewRequest,
  ): Promise<Out<ecr.StartLifecyclePolicyPreviewResponse>> => {
    const p = await startPreview(deps, i.repositoryName as string, i.lifecyclePolicyText);
    return {
      registryId: deps.accountId,
      repositoryName: p.repo,
      lifecyclePolicyText: p.policyText,
      status: 'IN_PROGRESS',
    };
  },

  GetLifecyclePolicyPreview: async (
    i: ecr.GetLifecyclePolicyPreviewRequest,
  ): Promise<Out<ecr.GetLifecyclePolicyPreviewResponse>> => {
    const p = getPreview(deps, i.repositoryName as string);
    let results = p.results;
    const status = i.filter?.tagStatus;
    if (status === 'TAGGED') results = results.filter((r) => r.tags.length > 0);
    if (status === 'UNTAGGED') results = results.filter((r) => r.tags.length === 0);
    if (i.imageIds?.length) {
      results = results.filter((r) =>
        i.imageIds?.some(
          (id) => id.imageDigest === r.digest || (id.imageTag !== undefined && r.tags.includes(id.imageTag)),
        ),
      );
    }
    const { page, nextToken } = paginate(results, (r) => r.digest, i.maxResults, i.nextToken);
    return {
      registryId: deps.accountId,
      repositoryName: p.repo,
      lifecyclePolicyText: p.policyText,
      status: 'COMPLETE',
      previewResults: page.map((r) => ({
        imageDigest: r.digest,
        ...(r.tags.length > 0 ? { imageTags: r.tags } : {}),
        imagePushedAt: new Date(r.pushedAt),
        action: { type: 'EXPIRE' },
        appliedRulePriority: r.rulePriority,
      })),
      summary: { expiringImageTotalCount: p.results.length },
      ...(nextToken ? { nextToken } : {}),
    };
  },
});
