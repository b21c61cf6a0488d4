import { alreadyExists, conflict, limitExceeded, notFound } from '../kernel/index.js';
import { now, type IamDeps } from './deps.js';
import { checkEntityName, checkPath, checkTags, entity } from './entities.js';
import { iamId, instanceProfiles, type InstanceProfileRecord, type RoleRecord } from './identity-tables.js';
import type { Tag } from './tables.js';

// Instance profiles: the container a role is handed to EC2 instances in (ECS container instances
// are launched with one). berth runs no EC2, so a profile is kept for the tools that make one
// beside their cluster (Terraform, CloudFormation, CDK).

const noProfile = (name: string) =>
  notFound(`Instance Profile ${name} cannot be found.`, { resource: 'instance-profile' });

export async function createInstanceProfile(
  deps: IamDeps,
  i: { name: string; path?: string; tags?: Tag[] },
): Promise<InstanceProfileRecord> {
  checkEntityName('instanceProfile', i.name, 'InstanceProfileName');
  const path = checkPath(i.path);
  const p: InstanceProfileRecord = {
    name: i.name,
    id: iamId('AIPA'),
    arn: `arn:aws:iam::${deps.accountId}:instance-profile${path}${i.name}`,
    path,
    createdAt: now(deps),
    roles: [],
    tags: checkTags(i.tags),
  };
  await deps.store.transact((tx) => {
    if (tx.get(instanceProfiles, i.name.toLowerCase()))
      throw alreadyExists(`Instance Profile ${i.name} already exists.`, { resource: 'instance-profile' });
    tx.put(instanceProfiles, p);
  });
  return p;
}

export function instanceProfile(deps: IamDeps, name: string): InstanceProfileRecord {
  const p = deps.store.read((tx) => tx.get(instanceProfiles, name.toLowerCase()))?.value;
  if (!p) throw noProfile(name);
  return p;
}

async function updateProfile(
  deps: IamDeps,
  name: string,
  fn: (p: InstanceProfileRecord) => InstanceProfileRecord,
): Promise<void> {
  await deps.store.transact((tx) => {
    const p = tx.get(instanceProfiles, name.toLowerCase())?.value;
    if (!p) throw noProfile(name);
    tx.put(instanceProfiles, fn(p));
  });
}

/** A profile holds one role at most, as IAM allows. */
export async function addRoleToInstanceProfile(deps: IamDeps, profile: string, roleName: string): Promise<void> {
  const role = entity<RoleRecord>(deps, 'role', roleName);
  await updateProfile(deps, profile, (p) => {
    if (p.roles.length >= 1) throw limitExceeded('Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1');
    return { ...p, roles: [role.name] };
  });
}

export async function removeRoleFromInstanceProfile(deps: IamDeps, profile: string, roleName: string): Promise<void> {
  await updateProfile(deps, profile, (p) => {
    if (!p.roles.some((r) => r.toLowerCase() === roleName.toLowerCase()))
      throw notFound(`The role with name ${roleName} cannot be found.`, { resource: 'role' });
    return { ...p, roles: p.roles.filter((r) => r.toLowerCase() !== roleName.toLowerCase()) };
  });
}

export async function deleteInstanceProfile(deps: IamDeps, name: string): Promise<void> {
  await deps.store.transact((tx) => {
    const p = tx.get(instanceProfiles, name.toLowerCase())?.value;
    if (!p) throw noProfile(name);
    if (p.roles.length > 0)
      throw conflict('Cannot delete entity, must remove roles from instance profile first.', {
        reason: 'delete-conflict',
      });
    tx.delete(instanceProfiles, p.name.toLowerCase());
  });
}

export function listInstanceProfiles(
  deps: IamDeps,
  o: { pathPrefix?: string; role?: string } = {},
): InstanceProfileRecord[] {
  return deps.store
    .read((tx) => tx.list(instanceProfiles).map((e) => e.value))
    .filter((p) => p.path.startsWith(o.pathPrefix ?? '/'))
    .filter((p) => o.role === undefined || p.roles.some((r) => r.toLowerCase() === o.role?.toLowerCase()))
    .sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
}
