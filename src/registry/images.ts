import { conflict, notFound, type ErrorReason } from '../kernel/index.js';
import type { RegistryDeps } from './deps.js';
import { isIndexType } from './media-types.js';
import { repositoryNotFound } from './repositories.js';
import { imageTags, manifests, referrers, repositories, type ManifestRecord } from './tables.js';

/** An image as ECR presents it: a manifest and the tags on it. */
export interface ImageView {
  manifest: ManifestRecord;
  tags: string[];
}

export interface ImageId {
  imageDigest?: string;
  imageTag?: string;
}

export function listImageViews(deps: RegistryDeps, repo: string): ImageView[] {
  return deps.store.read((tx) => {
    if (!tx.get(repositories, repo)) throw repositoryNotFound(deps, repo);
    const tags = new Map<string, string[]>();
    for (const t of tx.list(imageTags, { prefix: `${repo}:` })) {
      tags.set(t.value.digest, [...(tags.get(t.value.digest) ?? []), t.value.tag]);
    }
    return tx
      .list(manifests, { prefix: `${repo}@` })
      .map((m) => ({ manifest: m.value, tags: tags.get(m.value.digest) ?? [] }));
  });
}

/** ECR's imageSizeInBytes: the layers of an image; for an index, the sum over its images. */
export function imageSize(deps: RegistryDeps, rec: ManifestRecord): number {
  if (isIndexType(rec.mediaType)) {
    return deps.store.read((tx) =>
      rec.children.reduce((sum, d) => {
        const child = tx.get(manifests, `${rec.repo}@${d}`)?.value;
        return sum + (child ? child.blobs.slice(1).reduce((s, b) => s + b.size, 0) : 0);
      }, 0),
    );
  }
  return rec.blobs.slice(1).reduce((s, b) => s + b.size, 0);
}

/** Why an image id finds no image (no reason: there is none by that id), and the words for it. */
export type ImageFailure = { failed: true; reason?: ErrorReason; message: string };

/** Finds one image by digest and/or tag, or says why not. */
export function findImage(views: ImageView[], id: ImageId): ImageView | ImageFailure {
  if (!id.imageDigest && !id.imageTag)
    return {
      failed: true,
      reason: 'digest-tag-missing',
      message: 'Invalid request parameters: both tag and digest cannot be null',
    };
  // A digest that could name nothing is a bad request, not an image that is absent.
  if (id.imageDigest !== undefined && !/^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$/.test(id.imageDigest))
    return {
      failed: true,
      reason: 'digest-invalid',
      message: "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'",
    };
  const byTag = id.imageTag ? views.find((v) => v.tags.includes(id.imageTag as string)) : undefined;
  const byDigest = id.imageDigest ? views.find((v) => v.manifest.digest === id.imageDigest) : undefined;
  if (id.imageTag && id.imageDigest) {
    if (byTag && byDigest && byTag !== byDigest)
      return { failed: true, reason: 'digest-tag-mismatch', message: 'Invalid image tag and digest combination' };
  }
  const found = id.imageDigest ? byDigest : byTag;
  if (!found || (id.imageTag && !byTag)) return { failed: true, message: 'Requested image not found' };
  return found;
}

export const isFailure = (x: ImageView | ImageFailure): x is ImageFailure => 'failed' in x;

/**
 * ECR's BatchDeleteImage for one id: by digest the image and all its tags go; by tag only that
 * tag goes, and the image with it once no tag is left.
 */
export async function deleteImage(deps: RegistryDeps, repo: string, id: ImageId): Promise<ImageId> {
  return await deps.store.transact((tx) => {
    const views = listImageViews(deps, repo);
    const found = findImage(views, id);
    if (isFailure(found))
      throw notFound(found.message, { resource: 'manifest', ...(found.reason ? { reason: found.reason } : {}) });
    const digest = found.manifest.digest;
    const removeWhole = !id.imageTag || found.tags.length <= 1;
    if (id.imageTag) tx.delete(imageTags, `${repo}:${id.imageTag}`);
    if (removeWhole) {
      const parent = views.find((v) => v.manifest.children.includes(digest));
      if (parent) {
        throw conflict(`Requested image referenced by manifest list: [${parent.manifest.digest}]`, {
          resource: 'manifest-in-index',
          reason: 'referenced-by-index',
        });
      }
      for (const t of found.tags) tx.delete(imageTags, `${repo}:${t}`);
      tx.delete(manifests, `${repo}@${digest}`);
      if (found.manifest.subject) tx.delete(referrers, `${repo}@${found.manifest.subject}@${digest}`);
    }
    return { imageDigest: digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) };
  });
}
