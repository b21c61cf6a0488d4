import { randomBytes } from 'node:crypto';
import { conflict, limitExceeded, notFound } from '../kernel/index.js';
import { now, type IamDeps } from './deps.js';
import { checkEntityName, checkPath, checkTags, deleteEntity, entity, insertEntity } from './entities.js';
import { accessKeys, iamId, type AccessKeyRecord, type UserRecord } from './identity-tables.js';
import type { Tag } from './tables.js';

/** AWS's quota: two access keys per user. */
const MAX_KEYS = 2;

export async function createUser(deps: IamDeps, i: { name: string; path?: string; tags?: Tag[] }): Promise<UserRecord> {
  checkEntityName('user', i.name, 'UserName');
  const path = checkPath(i.path);
  const user: UserRecord = {
    name: i.name,
    id: iamId('AIDA'),
    arn: `arn:aws:iam::${deps.accountId}:user${path}${i.name}`,
    path,
    createdAt: now(deps),
    tags: checkTags(i.tags),
    inline: [],
    attached: [],
  };
  await insertEntity(deps, 'user', user);
  return user;
}

export async function deleteUser(deps: IamDeps, name: string): Promise<void> {
  await deleteEntity(deps, 'user', name, (u) => {
    const keys = deps.store.read((tx) => tx.list(accessKeys).some((k) => k.value.userName === u.name));
    if (keys) throw conflict('Cannot delete entity, must delete access keys first.', { reason: 'delete-conflict' });
  });
}

/** A new access key for a user: the secret is shown this once and kept sealed. */
export async function createAccessKey(
  deps: IamDeps,
  userName: string,
): Promise<{ record: AccessKeyRecord; secret: string }> {
  const user = entity<UserRecord>(deps, 'user', userName);
  const secret = randomBytes(30).toString('base64').replace(/[+/=]/g, '').slice(0, 40).padEnd(40, 'A');
  const id = iamId('AKIA');
  const record: AccessKeyRecord = {
    id,
    userName: user.name,
    sealed: deps.sealer.seal(secret, `access-key:${id}`),
    status: 'Active',
    createdAt: now(deps),
  };
  await deps.store.transact((tx) => {
    const held = tx.list(accessKeys).filter((k) => k.value.userName === user.name).length;
    if (held >= MAX_KEYS) throw limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${MAX_KEYS}`);
    tx.put(accessKeys, record);
  });
  return { record, secret };
}

export function userKeys(deps: IamDeps, userName: string): AccessKeyRecord[] {
  const user = entity<UserRecord>(deps, 'user', userName);
  return deps.store.read((tx) => tx.list(accessKeys).map((k) => k.value)).filter((k) => k.userName === user.name);
}

function ownKey(deps: IamDeps, id: string, userName: string | undefined): AccessKeyRecord {
  const k = deps.store.read((tx) => tx.get(accessKeys, id))?.value;
  if (!k || (userName !== undefined && k.userName.toLowerCase() !== userName.toLowerCase()))
    throw notFound(`The Access Key with id ${id} cannot be found.`, { resource: 'access-key' });
  return k;
}

export async function deleteAccessKey(deps: IamDeps, id: string, userName?: string): Promise<void> {
  ownKey(deps, id, userName);
  await deps.store.transact((tx) => tx.delete(accessKeys, id));
}

export async function setAccessKeyStatus(
  deps: IamDeps,
  id: string,
  status: 'Active' | 'Inactive',
  userName?: string,
): Promise<void> {
  const k = ownKey(deps, id, userName);
  await deps.store.transact((tx) => tx.put(accessKeys, { ...k, status }));
}

export const accessKey = (deps: IamDeps, id: string): AccessKeyRecord | undefined =>
  deps.store.read((tx) => tx.get(accessKeys, id))?.value;
