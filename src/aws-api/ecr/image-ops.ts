import type * as ecr from '@aws-sdk/client-ecr';
import { createHash } from 'node:crypto';
import {
  type RegistryDeps,
  deleteImage,
  findImage,
  imageSize,
  isFailure,
  listImageViews,
  type ImageView,
  putManifest,
  readManifestBytes,
  getRepository,
  checkTagMove,
} from '../../registry/index.js';
import { alreadyExists, BerthError, invalidParameter } from '../../kernel/index.js';
import { paginate } from '../pagination.js';
import { imageFailureCode } from './ecr-errors.js';

type Out<T> = Omit<T, '$metadata'>;

function matchesStatus(v: ImageView, status: string | undefined): boolean {
  if (status === 'TAGGED') return v.tags.length > 0;
  if (status === 'UNTAGGED') return v.tags.length === 0;
  return true;
}

function detail(deps: RegistryDeps, registryId: string, v: ImageView): ecr.ImageDetail {
  const m = v.manifest;
  return {
    registryId,
    repositoryName: m.repo,
    imageDigest: m.digest,
    ...(v.tags.length > 0 ? { imageTags: v.tags } : {}),
    imageSizeInBytes: imageSize(deps, m),
    imagePushedAt: new Date(m.pushedAt),
    imageManifestMediaType: m.mediaType,
    ...((m.artifactType ?? m.configMediaType) ? { artifactMediaType: m.artifactType ?? m.configMediaType } : {}),
    ...(m.lastPulledAt !== undefined ? { lastRecordedPullTime: new Date(m.lastPulledAt) } : {}),
    ...(m.subject ? { subjectManifestDigest: m.subject } : {}),
    imageStatus: 'ACTIVE',
  };
}

const imageNotFound = (deps: RegistryDeps, repo: string, id: ecr.ImageIdentifier) =>
  new BerthError(
    'NotFound',
    `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repo}' in the registry with id '${deps.accountId}'`,
    { resource: 'manifest' },
  );

export const imageOps = (deps: RegistryDeps) => ({
  ListImages: async (i: ecr.ListImagesRequest): Promise<Out<ecr.ListImagesResponse>> => {
    const ids: ecr.ImageIdentifier[] = [];
    for (const v of listImageViews(deps, i.repositoryName as string)) {
      if (!matchesStatus(v, i.filter?.tagStatus)) continue;
      if (v.tags.length === 0) ids.push({ imageDigest: v.manifest.digest });
      for (const t of v.tags) ids.push({ imageDigest: v.manifest.digest, imageTag: t });
    }
    const key = (x: ecr.ImageIdentifier) => `${x.imageDigest}:${x.imageTag ?? ''}`;
    const { page, nextToken } = paginate(ids, key, i.maxResults, i.nextToken, 1000);
    return { imageIds: page, ...(nextToken ? { nextToken } : {}) };
  },

  DescribeImages: async (i: ecr.DescribeImagesRequest): Promise<Out<ecr.DescribeImagesResponse>> => {
    const repo = getRepository(deps, i.repositoryName as string);
    const views = listImageViews(deps, repo.name);
    if (i.imageIds?.length) {
      return {
        imageDetails: i.imageIds.map((id) => {
          const found = findImage(views, id);
          if (isFailure(found)) {
            if (found.reason === 'digest-invalid')
              throw invalidParameter(found.message, { field: 'imageIds.imageDigest' });
            throw imageNotFound(deps, repo.name, id);
          }
          return detail(deps, repo.registryId, found);
        }),
      };
    }
    const selected = views.filter((v) => matchesStatus(v, i.filter?.tagStatus));
    const { page, nextToken } = paginate(selected, (v) => v.manifest.digest, i.maxResults, i.nextToken);
    return { imageDetails: page.map((v) => detail(deps, repo.registryId, v)), ...(nextToken ? { nextToken } : {}) };
  },

  BatchGetImage: async (i: ecr.BatchGetImageRequest): Promise<Out<ecr.BatchGetImageResponse>> => {
    const repo = getRepository(deps, i.repositoryName as string);
    const views = listImageViews(deps, repo.name);
    const images: ecr.Image[] = [];
    const failures: ecr.ImageFailure[] = [];
    for (const id of i.imageIds ?? []) {
      const found = findImage(views, id);
      if (isFailure(found)) {
        failures.push({ imageId: id, failureCode: imageFailureCode(found.reason), failureReason: found.message });
        continue;
      }
      const m = found.manifest;
      if (i.acceptedMediaTypes?.length && !i.acceptedMediaTypes.includes(m.mediaType)) {
        failures.push({
          imageId: id,
          failureCode: 'ImageNotFound',
          failureReason: `The image is a ${m.mediaType}, which is not among the acceptedMediaTypes`,
        });
        continue;
      }
      images.push({
        registryId: repo.registryId,
        repositoryName: repo.name,
        imageId: { imageDigest: m.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
        imageManifest: (await readManifestBytes(deps, m)).toString('utf8'),
        imageManifestMediaType: m.mediaType,
      });
    }
    return { images, failures };
  },

  BatchDeleteImage: async (i: ecr.BatchDeleteImageRequest): Promise<Out<ecr.BatchDeleteImageResponse>> => {
    getRepository(deps, i.repositoryName as string);
    const imageIds: ecr.ImageIdentifier[] = [];
    const failures: ecr.ImageFailure[] = [];
    for (const id of i.imageIds ?? []) {
      try {
        imageIds.push(await deleteImage(deps, i.repositoryName as string, id));
      } catch (e) {
        if (!(e instanceof BerthError)) throw e;
        failures.push({
          imageId: id,
          failureCode: imageFailureCode(e.detail.reason),
          failureReason: e.message,
        });
      }
    }
    return { imageIds, failures };
  },

  PutImage: async (i: ecr.PutImageRequest): Promise<Out<ecr.PutImageResponse>> => {
    const repo = getRepository(deps, i.repositoryName as string);
    const bytes = Buffer.from(i.imageManifest as string, 'utf8');
    const views = listImageViews(deps, repo.name);
    const bytesDigest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (i.imageTag) {
      const current = views.find((v) => v.tags.includes(i.imageTag as string));
      // An immutable tag on other bytes is refused before the manifest is even read, as ECR does.
      checkTagMove(repo, i.imageTag, current?.manifest.digest, i.imageDigest ?? bytesDigest);
      if (current && current.manifest.digest === (i.imageDigest ?? bytesDigest)) {
        throw alreadyExists(
          `Image with digest '${current.manifest.digest}' and tag '${i.imageTag}' already exists in the repository with name '${repo.name}' in registry with id '${repo.registryId}'`,
          { resource: 'image' },
        );
      }
    }
    // Retagging (BatchGetImage's bytes put back under a new tag, as ECR's docs show it) names no
    // media type when the manifest's body has none (OCI makes it optional): the stored image's
    // type is the one those bytes were pushed with.
    const mediaType =
      i.imageManifestMediaType ?? views.find((v) => v.manifest.digest === bytesDigest)?.manifest.mediaType;
    let r = await putManifest(
      deps,
      repo.name,
      // Neither tag nor digest: an untagged image, stored under its own digest (ECR allows it).
      i.imageDigest ?? i.imageTag ?? bytesDigest,
      mediaType,
      bytes,
    );
    if (i.imageTag && i.imageDigest) r = await putManifest(deps, repo.name, i.imageTag, mediaType, bytes);
    return {
      image: {
        registryId: repo.registryId,
        repositoryName: repo.name,
        imageId: { imageDigest: r.digest, ...(i.imageTag ? { imageTag: i.imageTag } : {}) },
        imageManifest: i.imageManifest as string,
        imageManifestMediaType: r.mediaType,
      },
    };
  },
});
