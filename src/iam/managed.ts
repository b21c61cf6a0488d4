import { createHash } from 'node:crypto';
import { alreadyExists, conflict, invalidParameter, limitExceeded, notFound } from '../kernel/index.js';
import { now, type IamDeps } from './deps.js';
import { checkPath, checkTags } from './entities.js';
import {
  iamId,
  managedPolicies,
  roles,
  users,
  type ManagedPolicyRecord,
  type PolicyVersionRecord,
} from './identity-tables.js';
import {
  awsManagedPolicies,
  awsManagedPolicy,
  awsManagedPolicyArn,
  type AwsManagedPolicy,
} from './managed-policies.js';
import { parsePolicy } from './policy/document.js';
import { mergeTags, type Tag } from './tables.js';

// Managed policies: the account's own (versioned, at most five versions) beside AWS's built-in ones.

const MAX_VERSIONS = 5;
/** AWS's quota for a managed policy's document, whitespace not counted. */
const MAX_CHARS = 6144;

function checkDocument(document: string): void {
  parsePolicy(document);
  if (document.replace(/\s/g, '').length > MAX_CHARS)
    throw limitExceeded(`Cannot exceed quota for PolicySize: ${MAX_CHARS}`);
}
/** When berth's copies of AWS's policies are said to have been made. */
const AWS_EPOCH = Date.UTC(2015, 1, 6, 18, 40);

const noPolicy = (arn: string) =>
  notFound(`Policy ${arn} does not exist or is not attachable.`, { resource: 'policy' });

/** An AWS managed policy in the shape of the account's own, with one version. */
function fromAws(p: AwsManagedPolicy): ManagedPolicyRecord {
  const hash = createHash('sha256')
    .update(p.name)
    .digest('hex')
    .toUpperCase()
    .replace(/[^A-Z2-7]/g, '');
  return {
    arn: awsManagedPolicyArn(p),
    name: p.name,
    id: `ANPA${hash.slice(0, 17).padEnd(17, 'A')}`,
    path: p.path,
    description: p.description,
    defaultVersion: 'v1',
    versions: [{ id: 'v1', document: p.document, createdAt: AWS_EPOCH }],
    nextVersion: 2,
    createdAt: AWS_EPOCH,
    updatedAt: AWS_EPOCH,
    tags: [],
  };
}

// AWS's policies never change: each is shaped once.
const awsShaped = new Map<string, ManagedPolicyRecord>();

export function findManagedPolicy(deps: IamDeps, arn: string): ManagedPolicyRecord | undefined {
  const aws = awsManagedPolicy(arn);
  if (aws) {
    let p = awsShaped.get(arn);
    if (!p) awsShaped.set(arn, (p = Object.freeze(fromAws(aws))));
    return p;
  }
  return deps.store.read((tx) => tx.get(managedPolicies, arn))?.value;
}

export function managedPolicy(deps: IamDeps, arn: string): ManagedPolicyRecord {
  const p = findManagedPolicy(deps, arn);
  if (!p) throw noPolicy(arn);
  return p;
}

export const isAwsManaged = (arn: string) => awsManagedPolicy(arn) !== undefined;

export async function createPolicy(
  deps: IamDeps,
  i: { name: string; document: string; path?: string; description?: string; tags?: Tag[] },
): Promise<ManagedPolicyRecord> {
  if (!/^[\w+=,.@-]{1,128}$/.test(i.name))
    throw invalidParameter('The specified value for policyName is invalid.', { field: 'PolicyName' });
  const path = checkPath(i.path);
  checkDocument(i.document);
  const at = now(deps);
  const p: ManagedPolicyRecord = {
    arn: `arn:aws:iam::${deps.accountId}:policy${path}${i.name}`,
    name: i.name,
    id: iamId('ANPA'),
    path,
    ...(i.description !== undefined ? { description: i.description } : {}),
    defaultVersion: 'v1',
    versions: [{ id: 'v1', document: i.document, createdAt: at }],
    nextVersion: 2,
    createdAt: at,
    updatedAt: at,
    tags: checkTags(i.tags),
  };
  await deps.store.transact((tx) => {
    if (
      tx.list(managedPolicies).some((e) => e.value.name.toLowerCase() === i.name.toLowerCase() && e.value.path === path)
    )
      throw alreadyExists(`A policy called ${i.name} already exists. Duplicate names are not allowed.`, {
        resource: 'policy',
      });
    tx.put(managedPolicies, p);
  });
  return p;
}

/** Changes one of the account's policies; AWS's cannot be changed. */
async function updatePolicy(
  deps: IamDeps,
  arn: string,
  fn: (p: ManagedPolicyRecord) => ManagedPolicyRecord,
): Promise<ManagedPolicyRecord> {
  if (isAwsManaged(arn))
    throw invalidParameter(`Policy ${arn} is an AWS managed policy and cannot be changed.`, { field: 'PolicyArn' });
  return await deps.store.transact((tx) => {
    const p = tx.get(managedPolicies, arn)?.value;
    if (!p) throw noPolicy(arn);
    const next = fn(p);
    tx.put(managedPolicies, next);
    return next;
  });
}

export async function createPolicyVersion(
  deps: IamDeps,
  arn: string,
  document: string,
  setAsDefault: boolean,
): Promise<PolicyVersionRecord> {
  parsePolicy(document);
  let made: PolicyVersionRecord | undefined;
  await updatePolicy(deps, arn, (p) => {
    if (p.versions.length >= MAX_VERSIONS)
      throw limitExceeded(
        `A managed policy can have up to ${MAX_VERSIONS} versions. Before you create a new version, you must delete an existing version.`,
      );
    made = { id: `v${p.nextVersion}`, document, createdAt: now(deps) };
    return {
      ...p,
      versions: [...p.versions, made],
      nextVersion: p.nextVersion + 1,
      defaultVersion: setAsDefault ? made.id : p.defaultVersion,
      updatedAt: now(deps),
    };
  });
  return made as PolicyVersionRecord;
}

export function policyVersion(deps: IamDeps, arn: string, versionId: string): PolicyVersionRecord {
  const v = managedPolicy(deps, arn).versions.find((x) => x.id === versionId);
  if (!v)
    throw notFound(`Policy ${arn} version ${versionId} does not exist or is not attachable.`, { resource: 'policy' });
  return v;
}

export async function deletePolicyVersion(deps: IamDeps, arn: string, versionId: string): Promise<void> {
  await updatePolicy(deps, arn, (p) => {
    if (!p.versions.some((v) => v.id === versionId))
      throw notFound(`Policy ${arn} version ${versionId} does not exist or is not attachable.`, { resource: 'policy' });
    if (p.defaultVersion === versionId)
      throw conflict('Cannot delete the default version of a policy.', { reason: 'delete-conflict' });
    return { ...p, versions: p.versions.filter((v) => v.id !== versionId) };
  });
}

export async function setDefaultPolicyVersion(deps: IamDeps, arn: string, versionId: string): Promise<void> {
  await updatePolicy(deps, arn, (p) => {
    if (!p.versions.some((v) => v.id === versionId))
      throw notFound(`Policy ${arn} version ${versionId} does not exist or is not attachable.`, { resource: 'policy' });
    return { ...p, defaultVersion: versionId, updatedAt: now(deps) };
  });
}

/** The roles and users a policy is attached to. */
export function policyEntities(deps: IamDeps, arn: string): { roles: string[]; users: string[] } {
  return deps.store.read((tx) => ({
    roles: tx
      .list(roles)
      .filter((e) => e.value.attached.includes(arn))
      .map((e) => e.value.name),
    users: tx
      .list(users)
      .filter((e) => e.value.attached.includes(arn))
      .map((e) => e.value.name),
  }));
}

export function attachmentCount(deps: IamDeps, arn: string): number {
  const e = policyEntities(deps, arn);
  return e.roles.length + e.users.length;
}

export async function deletePolicy(deps: IamDeps, arn: string): Promise<void> {
  if (attachmentCount(deps, arn) > 0)
    throw conflict('Cannot delete a policy attached to entities.', { reason: 'delete-conflict' });
  await updatePolicy(deps, arn, (p) => {
    if (p.versions.length > 1)
      throw conflict(
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
        { reason: 'delete-conflict' },
      );
    return p;
  });
  await deps.store.transact((tx) => tx.delete(managedPolicies, arn));
}

export async function tagPolicy(deps: IamDeps, arn: string, add: Tag[], remove: string[] = []): Promise<void> {
  await updatePolicy(deps, arn, (p) => {
    return { ...p, tags: checkTags(mergeTags(p.tags, add, remove)) };
  });
}

/** ListPolicies: `All`, `AWS` (AWS's own) or `Local` (the account's), by name. */
export function listPolicies(
  deps: IamDeps,
  o: { scope?: string; pathPrefix?: string; onlyAttached?: boolean },
): ManagedPolicyRecord[] {
  const scope = o.scope ?? 'All';
  const local = scope === 'AWS' ? [] : deps.store.read((tx) => tx.list(managedPolicies).map((e) => e.value));
  const aws = scope === 'Local' ? [] : awsManagedPolicies().map(fromAws);
  return [...aws, ...local]
    .filter((p) => p.path.startsWith(o.pathPrefix ?? '/'))
    .filter((p) => !o.onlyAttached || attachmentCount(deps, p.arn) > 0)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The document of a policy's default version. */
export const defaultDocument = (p: ManagedPolicyRecord): string =>
  (p.versions.find((v) => v.id === p.defaultVersion) as PolicyVersionRecord).document;
