import { randomInt } from 'node:crypto';
import { defineTable } from '../store/index.js';
import type { Tag } from './tables.js';

// IAM's entities and STS's sessions as the store keeps them. IAM names are unique without regard
// to case ("Role names are not distinguished by case"), so they are keyed lower-cased.

export interface InlinePolicy {
  name: string;
  document: string;
}

/** What roles and users share: a path, inline policies and attached managed policies (by ARN). */
export interface Identity {
  name: string;
  id: string;
  arn: string;
  path: string;
  createdAt: number;
  tags: Tag[];
  inline: InlinePolicy[];
  attached: string[];
}

export interface RoleRecord extends Identity {
  trustPolicy: string;
  description?: string;
  maxSessionDuration: number;
  lastUsedAt?: number;
  lastUsedRegion?: string;
}

export type UserRecord = Identity;

export interface PolicyVersionRecord {
  id: string;
  document: string;
  createdAt: number;
}

/** A customer managed policy; AWS managed ones are built in (managed-policies.ts). */
export interface ManagedPolicyRecord {
  arn: string;
  name: string;
  id: string;
  path: string;
  description?: string;
  defaultVersion: string;
  versions: PolicyVersionRecord[];
  nextVersion: number;
  createdAt: number;
  updatedAt: number;
  tags: Tag[];
}

/** An IAM user's long-term key; the secret is sealed at rest, as secrets are. */
export interface AccessKeyRecord {
  id: string;
  userName: string;
  sealed: string;
  status: 'Active' | 'Inactive';
  createdAt: number;
  lastUsedAt?: number;
  lastUsedService?: string;
  lastUsedRegion?: string;
}

/** Temporary credentials from STS: for a role (AssumeRole) or for a user or the root (GetSessionToken). */
export interface SessionRecord {
  id: string;
  sealed: string;
  token: string;
  expiresAt: number;
  createdAt: number;
  role?: { name: string; arn: string; id: string; sessionName: string };
  /** The user a GetSessionToken session speaks for; neither role nor user: the account's root. */
  userName?: string;
  /** A session policy given to AssumeRole: the session may do only what both it and the role allow. */
  sessionPolicy?: string;
}

export interface InstanceProfileRecord {
  name: string;
  id: string;
  arn: string;
  path: string;
  createdAt: number;
  roles: string[];
  tags: Tag[];
}

const lower = (n: string) => n.toLowerCase();
// Read on every signed call in strict mode, written rarely: kept as frozen copies (`cache`).
const cache = { cache: true };
export const roles = defineTable<RoleRecord>('iam.roles', (r) => lower(r.name), cache);
export const users = defineTable<UserRecord>('iam.users', (u) => lower(u.name), cache);
export const managedPolicies = defineTable<ManagedPolicyRecord>('iam.policies', (p) => p.arn, cache);
export const accessKeys = defineTable<AccessKeyRecord>('iam.access-keys', (k) => k.id, cache);
export const sessions = defineTable<SessionRecord>('sts.sessions', (s) => s.id, cache);
export const instanceProfiles = defineTable<InstanceProfileRecord>('iam.instance-profiles', (p) => lower(p.name));

/**
 * IAM's unique ids: a four-letter prefix naming the kind (AROA role, AIDA user, ANPA policy, AIPA
 * instance profile: 21 characters; AKIA and ASIA access keys: 20).
 */
export function iamId(prefix: 'AROA' | 'AIDA' | 'ANPA' | 'AKIA' | 'ASIA' | 'AIPA'): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const rest = prefix === 'AKIA' || prefix === 'ASIA' ? 16 : 17;
  return prefix + Array.from({ length: rest }, () => abc[randomInt(abc.length)]).join('');
}
