import type * as iam from '@aws-sdk/client-iam';
import { type BerthError, type ErrorReason } from '../../kernel/index.js';
import {
  attachmentCount,
  defaultDocument,
  type ManagedPolicyRecord,
  type RoleRecord,
  type Tag,
  type UserRecord,
  type IamDeps,
} from '../../iam/index.js';
import { paginate } from '../pagination.js';

// IAM's shapes for berth's records, its error names, and its Marker pagination.

const byReason: Partial<Record<ErrorReason, string>> = {
  'policy-malformed': 'MalformedPolicyDocumentException',
  'delete-conflict': 'DeleteConflictException',
  'too-many-tags': 'LimitExceededException',
};

export function iamErrorCode(e: BerthError): string | undefined {
  const known = e.detail.reason && byReason[e.detail.reason];
  if (known) return known;
  switch (e.kind) {
    case 'NotFound':
      return 'NoSuchEntityException';
    case 'AlreadyExists':
      return 'EntityAlreadyExistsException';
    case 'InvalidParameter':
      return 'InvalidInputException';
    case 'Conflict':
      return 'DeleteConflictException';
    case 'LimitExceeded':
      return 'LimitExceededException';
    case 'Internal':
    case 'Unavailable':
      return 'ServiceFailureException';
    default:
      return undefined;
  }
}

/** IAM hands policy documents back URL-encoded (the AWS CLI decodes them for display). */
export const encodedDocument = (text: string) => encodeURIComponent(text);

export const tagsOut = (tags: readonly Tag[]): iam.Tag[] => tags.map((t) => ({ Key: t.key, Value: t.value }));
export const tagsIn = (tags: iam.Tag[] | undefined): Tag[] =>
  (tags ?? []).map((t) => ({ key: t.Key as string, value: t.Value as string }));

export function roleOut(r: RoleRecord, full = true): iam.Role {
  return {
    Path: r.path,
    RoleName: r.name,
    RoleId: r.id,
    Arn: r.arn,
    CreateDate: new Date(r.createdAt),
    AssumeRolePolicyDocument: encodedDocument(r.trustPolicy),
    ...(r.description !== undefined ? { Description: r.description } : {}),
    MaxSessionDuration: r.maxSessionDuration,
    ...(full && r.tags.length ? { Tags: tagsOut(r.tags) } : {}),
    ...(full
      ? { RoleLastUsed: r.lastUsedAt ? { LastUsedDate: new Date(r.lastUsedAt), Region: r.lastUsedRegion } : {} }
      : {}),
  };
}

export function userOut(u: UserRecord, full = true): iam.User {
  return {
    Path: u.path,
    UserName: u.name,
    UserId: u.id,
    Arn: u.arn,
    CreateDate: new Date(u.createdAt),
    ...(full && u.tags.length ? { Tags: tagsOut(u.tags) } : {}),
  };
}

export function policyOut(deps: IamDeps, p: ManagedPolicyRecord): iam.Policy {
  return {
    PolicyName: p.name,
    PolicyId: p.id,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersion,
    AttachmentCount: attachmentCount(deps, p.arn),
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    ...(p.description !== undefined ? { Description: p.description } : {}),
    CreateDate: new Date(p.createdAt),
    UpdateDate: new Date(p.updatedAt),
    ...(p.tags.length ? { Tags: tagsOut(p.tags) } : {}),
  };
}

export const policyDocumentOut = (p: ManagedPolicyRecord) => encodedDocument(defaultDocument(p));

/** IAM's Marker/MaxItems/IsTruncated pagination over a sorted list (100 items by default). */
export function page<T>(
  items: readonly T[],
  key: (t: T) => string,
  maxItems: number | undefined,
  marker: string | undefined,
): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const r = paginate(items, key, maxItems, marker, 100);
  return r.nextToken
    ? { items: r.page, IsTruncated: true, Marker: r.nextToken }
    : { items: r.page, IsTruncated: false };
}
