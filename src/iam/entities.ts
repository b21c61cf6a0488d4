import { alreadyExists, conflict, invalidParameter, limitExceeded, notFound } from '../kernel/index.js';
import type { TableDef } from '../store/index.js';
import type { IamDeps } from './deps.js';
import { managedPolicies, roles, users, type Identity, type RoleRecord, type UserRecord } from './identity-tables.js';
import { awsManagedPolicy } from './managed-policies.js';
import { parsePolicy } from './policy/document.js';
import { mergeTags, type Tag } from './tables.js';

// What roles and users share: names and paths, inline policies, attached managed policies, tags.

export type EntityKind = 'role' | 'user';
const TABLES = { role: roles, user: users } as unknown as Record<EntityKind, TableDef<Identity>>;

/** AWS's quotas: ten managed policies attached to a role or user; 10,240 characters of inline policy for a role, 2,048 for a user. */
const MAX_ATTACHED = 10;
const INLINE_CHARS = { role: 10_240, user: 2_048 };

export const noSuch = (kind: EntityKind, name: string) =>
  notFound(`The ${kind} with name ${name} cannot be found.`, { resource: kind });

/** IAM's name rules (roles up to 64 characters, users up to 64), and its path rules. */
export function checkEntityName(kind: EntityKind | 'instanceProfile', name: string, field: string): void {
  if (!/^[\w+=,.@-]{1,64}$/.test(name))
    throw invalidParameter(
      `The specified value for ${kind}Name is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-`,
      { field },
    );
}

export function checkPath(path: string | undefined): string {
  const p = path ?? '/';
  if (p.length > 512 || !/^\/([\x21-\x7e]*\/)?$/.test(p))
    throw invalidParameter(
      'The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.',
      { field: 'Path' },
    );
  return p;
}

export function checkTags(tags: Tag[] | undefined): Tag[] {
  const list = tags ?? [];
  if (list.length > 50) throw limitExceeded('Cannot exceed quota for TagsPerRole: 50.', { reason: 'too-many-tags' });
  return list;
}

export function entity<T extends Identity>(deps: IamDeps, kind: EntityKind, name: string): T {
  const e = deps.store.read((tx) => tx.get(TABLES[kind], name.toLowerCase()))?.value;
  if (!e) throw noSuch(kind, name);
  return e as T;
}

export const findEntity = <T extends Identity>(deps: IamDeps, kind: EntityKind, name: string): T | undefined =>
  deps.store.read((tx) => tx.get(TABLES[kind], name.toLowerCase()))?.value as T | undefined;

/** Changes an entity in one write: `fn` gets the current record and returns the new one. */
export async function updateEntity<T extends Identity>(
  deps: IamDeps,
  kind: EntityKind,
  name: string,
  fn: (e: T) => T,
): Promise<T> {
  return await deps.store.transact((tx) => {
    const e = tx.get(TABLES[kind], name.toLowerCase())?.value as T | undefined;
    if (!e) throw noSuch(kind, name);
    const next = fn(e);
    tx.put(TABLES[kind], next);
    return next;
  });
}

export async function insertEntity(deps: IamDeps, kind: EntityKind, e: RoleRecord | UserRecord): Promise<void> {
  await deps.store.transact((tx) => {
    if (tx.get(TABLES[kind], e.name.toLowerCase()))
      throw alreadyExists(`${kind === 'role' ? 'Role' : 'User'} with name ${e.name} already exists.`, {
        resource: kind,
      });
    tx.put(TABLES[kind], e);
  });
}

/** Deletes an entity that holds no policies any more, as IAM requires. */
export async function deleteEntity(
  deps: IamDeps,
  kind: EntityKind,
  name: string,
  also?: (e: Identity) => void,
): Promise<void> {
  await deps.store.transact((tx) => {
    const e = tx.get(TABLES[kind], name.toLowerCase())?.value;
    if (!e) throw noSuch(kind, name);
    if (e.inline.length > 0)
      throw conflict('Cannot delete entity, must delete policies first.', { reason: 'delete-conflict' });
    if (e.attached.length > 0)
      throw conflict('Cannot delete entity, must detach all policies first.', { reason: 'delete-conflict' });
    also?.(e);
    tx.delete(TABLES[kind], e.name.toLowerCase());
  });
}

export async function putInlinePolicy(
  deps: IamDeps,
  kind: EntityKind,
  name: string,
  policyName: string,
  document: string,
): Promise<void> {
  if (!/^[\w+=,.@-]{1,128}$/.test(policyName))
    throw invalidParameter('The specified value for policyName is invalid.', { field: 'PolicyName' });
  parsePolicy(document);
  await updateEntity(deps, kind, name, (e) => {
    const inline = [...e.inline.filter((p) => p.name !== policyName), { name: policyName, document }];
    const size = inline.reduce((n, p) => n + p.document.replace(/\s/g, '').length, 0);
    if (size > INLINE_CHARS[kind])
      throw limitExceeded(`Maximum policy size of ${INLINE_CHARS[kind]} bytes exceeded for ${kind} ${e.name}`);
    return { ...e, inline };
  });
}

export function inlinePolicy(deps: IamDeps, kind: EntityKind, name: string, policyName: string): string {
  const p = entity(deps, kind, name).inline.find((x) => x.name === policyName);
  if (!p) throw notFound(`The ${kind} policy with name ${policyName} cannot be found.`, { resource: `${kind}-policy` });
  return p.document;
}

export async function deleteInlinePolicy(
  deps: IamDeps,
  kind: EntityKind,
  name: string,
  policyName: string,
): Promise<void> {
  await updateEntity(deps, kind, name, (e) => {
    if (!e.inline.some((p) => p.name === policyName))
      throw notFound(`The ${kind} policy with name ${policyName} cannot be found.`, { resource: `${kind}-policy` });
    return { ...e, inline: e.inline.filter((p) => p.name !== policyName) };
  });
}

/** Attaches a managed policy (AWS's or the account's) by ARN; attaching one already there changes nothing. */
export async function attachPolicy(deps: IamDeps, kind: EntityKind, name: string, arn: string): Promise<void> {
  await deps.store.transact((tx) => {
    if (!awsManagedPolicy(arn) && !tx.get(managedPolicies, arn))
      throw notFound(`Policy ${arn} does not exist or is not attachable.`, { resource: 'policy' });
    const table = TABLES[kind];
    const e = tx.get(table, name.toLowerCase())?.value;
    if (!e) throw noSuch(kind, name);
    if (e.attached.includes(arn)) return;
    if (e.attached.length >= MAX_ATTACHED)
      throw limitExceeded(`Cannot exceed quota for PoliciesPer${kind === 'role' ? 'Role' : 'User'}: ${MAX_ATTACHED}.`);
    tx.put(table, { ...e, attached: [...e.attached, arn] });
  });
}

export async function detachPolicy(deps: IamDeps, kind: EntityKind, name: string, arn: string): Promise<void> {
  await updateEntity(deps, kind, name, (e) => {
    if (!e.attached.includes(arn)) throw notFound(`Policy ${arn} was not found.`, { resource: 'policy' });
    return { ...e, attached: e.attached.filter((a) => a !== arn) };
  });
}

export async function tagEntity(
  deps: IamDeps,
  kind: EntityKind,
  name: string,
  add: Tag[],
  remove: string[] = [],
): Promise<void> {
  await updateEntity(deps, kind, name, (e) => {
    return { ...e, tags: checkTags(mergeTags(e.tags, add, remove)) };
  });
}

/** Entities of a kind under a path prefix, by name. */
export function listEntities<T extends Identity>(deps: IamDeps, kind: EntityKind, pathPrefix = '/'): T[] {
  return deps.store
    .read((tx) => tx.list(TABLES[kind]).map((e) => e.value as T))
    .filter((e) => e.path.startsWith(pathPrefix))
    .sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
}
