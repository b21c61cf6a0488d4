import { conflict, invalidParameter } from '../kernel/index.js';
import { now, type IamDeps } from './deps.js';
import {
  checkEntityName,
  checkPath,
  checkTags,
  deleteEntity,
  findEntity,
  insertEntity,
  updateEntity,
} from './entities.js';
import { iamId, instanceProfiles, type RoleRecord } from './identity-tables.js';
import { parsePolicy } from './policy/document.js';
import type { Tag } from './tables.js';

export interface CreateRoleInput {
  name: string;
  trustPolicy: string;
  path?: string;
  description?: string;
  maxSessionDuration?: number;
  tags?: Tag[];
}

function checkDuration(s: number | undefined): number {
  const d = s ?? 3600;
  if (d < 3600 || d > 43200)
    throw invalidParameter('The requested MaxSessionDuration must be between 3600 and 43200 seconds.', {
      field: 'MaxSessionDuration',
    });
  return d;
}

export const roleArn = (deps: IamDeps, path: string, name: string) =>
  `arn:aws:iam::${deps.accountId}:role${path}${name}`;

export async function createRole(deps: IamDeps, i: CreateRoleInput): Promise<RoleRecord> {
  checkEntityName('role', i.name, 'RoleName');
  const path = checkPath(i.path);
  parsePolicy(i.trustPolicy, 'resource');
  const role: RoleRecord = {
    name: i.name,
    id: iamId('AROA'),
    arn: roleArn(deps, path, i.name),
    path,
    createdAt: now(deps),
    tags: checkTags(i.tags),
    inline: [],
    attached: [],
    trustPolicy: i.trustPolicy,
    ...(i.description !== undefined ? { description: i.description } : {}),
    maxSessionDuration: checkDuration(i.maxSessionDuration),
  };
  await insertEntity(deps, 'role', role);
  return role;
}

export async function updateTrustPolicy(deps: IamDeps, name: string, document: string): Promise<void> {
  parsePolicy(document, 'resource');
  await updateEntity<RoleRecord>(deps, 'role', name, (r) => ({ ...r, trustPolicy: document }));
}

export async function updateRole(
  deps: IamDeps,
  name: string,
  o: { description?: string; maxSessionDuration?: number },
): Promise<void> {
  await updateEntity<RoleRecord>(deps, 'role', name, (r) => ({
    ...r,
    ...(o.description !== undefined ? { description: o.description } : {}),
    ...(o.maxSessionDuration !== undefined ? { maxSessionDuration: checkDuration(o.maxSessionDuration) } : {}),
  }));
}

export async function deleteRole(deps: IamDeps, name: string): Promise<void> {
  deps.store.read((tx) => {
    const inProfile = tx
      .list(instanceProfiles)
      .some((p) => p.value.roles.some((r) => r.toLowerCase() === name.toLowerCase()));
    if (inProfile)
      throw conflict('Cannot delete entity, must remove roles from instance profile first.', {
        reason: 'delete-conflict',
      });
  });
  await deleteEntity(deps, 'role', name);
}

/** A role by ARN (as a task definition or AssumeRole names it), if there is one. */
export function roleOfArn(deps: IamDeps, arn: string): RoleRecord | undefined {
  const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn);
  if (!m || m[1] !== deps.accountId) return undefined;
  const r = findEntity<RoleRecord>(deps, 'role', m[2] as string);
  // The path is part of the ARN: a role of the same name on another path is another role.
  return r && r.arn === arn ? r : undefined;
}
