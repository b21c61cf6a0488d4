import { defineTable } from '../store/index.js';

/**
 * The registry's metadata, all in the store (never found by walking directories). Keys use
 * separators that repository names cannot contain, so a repository's rows are one prefix:
 * `<repo>@<digest>` for links, manifests and referrers, `<repo>:<tag>` for tags.
 */

export interface RepositoryRecord {
  name: string;
  arn: string;
  registryId: string;
  createdAt: number;
  imageTagMutability: string;
  imageTagMutabilityExclusionFilters?: { filterType: string; filter: string }[];
  imageScanningConfiguration: { scanOnPush: boolean };
  encryptionConfiguration: { encryptionType: string; kmsKey?: string };
  tags: { Key: string; Value: string }[];
  policyText?: string;
  lifecyclePolicyText?: string;
  lifecycleEvaluatedAt?: number;
}

/** A repository's claim on a blob of the global store (distribution's "link"). */
export interface BlobLink {
  repo: string;
  digest: string;
  size: number;
  linkedAt: number;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  urls?: string[];
  platform?: unknown;
}

export interface ManifestRecord {
  repo: string;
  digest: string;
  mediaType: string;
  size: number;
  pushedAt: number;
  artifactType?: string;
  configMediaType?: string;
  subject?: string;
  annotations?: Record<string, string>;
  /** Blobs the manifest references (config and layers). */
  blobs: Descriptor[];
  /** Child manifests of an index or manifest list. */
  children: string[];
  lastPulledAt?: number;
}

export interface ImageTag {
  repo: string;
  tag: string;
  digest: string;
  updatedAt: number;
}

export interface UploadRecord {
  id: string;
  repo: string;
  startedAt: number;
  /** Set by the ECR layer API (UploadLayerPart counts parts by byte offsets). */
  viaEcrApi?: boolean;
}

export interface ReferrerRecord {
  repo: string;
  subject: string;
  descriptor: Descriptor;
}

export interface LifecyclePreview {
  repo: string;
  policyText: string;
  createdAt: number;
  results: { digest: string; tags: string[]; pushedAt: number; rulePriority: number }[];
}

export interface RegistryMeta {
  name: string;
  value: string;
}

export const repositories = defineTable<RepositoryRecord>('registry.repositories', (r) => r.name);
export const blobLinks = defineTable<BlobLink>('registry.links', (l) => `${l.repo}@${l.digest}`);
export const manifests = defineTable<ManifestRecord>('registry.manifests', (m) => `${m.repo}@${m.digest}`);
export const imageTags = defineTable<ImageTag>('registry.tags', (t) => `${t.repo}:${t.tag}`);
export const uploads = defineTable<UploadRecord>('registry.uploads', (u) => u.id);
export const referrers = defineTable<ReferrerRecord>(
  'registry.referrers',
  (r) => `${r.repo}@${r.subject}@${r.descriptor.digest}`,
);
export const registryMeta = defineTable<RegistryMeta>('registry.meta', (m) => m.name);
export const lifecyclePreviews = defineTable<LifecyclePreview>('registry.lifecycle-previews', (p) => p.repo);
