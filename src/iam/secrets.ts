import { randomInt, randomUUID } from 'node:crypto';
import { alreadyExists, conflict, formatArn, invalidParameter, limitExceeded, notFound } from '../kernel/index.js';
import type { ReadTx, WriteTx } from '../store/index.js';
import { now, type IamDeps } from './deps.js';
import { mergeTags, secrets, type SecretRecord, type SecretVersion, type Tag } from './tables.js';

// Secrets Manager's secrets: create, read, version and delete (with a recovery window).

/** AWS's limits: a value of 64 KiB; about 100 versions kept (the oldest without a stage go first). */
const VALUE_LIMIT = 65536;
const MAX_VERSIONS = 100;
const DAY = 86_400_000;
export const CURRENT = 'AWSCURRENT';
export const PREVIOUS = 'AWSPREVIOUS';

/** A value as given: a string, or bytes. */
export type SecretValue = { string: string } | { binary: Buffer };

export interface CreateSecretInput {
  name: string;
  token?: string;
  description?: string;
  kmsKeyId?: string;
  value?: SecretValue;
  tags?: Tag[];
}

const bad = (message: string, field: string) => invalidParameter(message, { field });
const gone = () => notFound("Secrets Manager can't find the specified secret.", { resource: 'secret' });
const deleting = () =>
  conflict("You can't perform this operation on the secret because it was marked for deletion.", {
    reason: 'scheduled-for-deletion',
  });

function checkName(name: string): void {
  if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name))
    throw bad(
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      'Name',
    );
}

function checkToken(token: string | undefined): string {
  if (token === undefined) return randomUUID();
  if (token.length < 32 || token.length > 64)
    throw bad('ClientRequestToken must be between 32 and 64 characters.', 'ClientRequestToken');
  return token;
}

/** AWS's ARN for a new secret: its name and a hyphen with six random characters. */
function newArn(deps: IamDeps, name: string): string {
  const abc = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const suffix = Array.from({ length: 6 }, () => abc[randomInt(abc.length)]).join('');
  return formatArn({
    service: 'secretsmanager',
    region: deps.region,
    accountId: deps.accountId,
    resource: `secret:${name}-${suffix}`,
  });
}

/** Whether a record is there for callers: a secret whose deletion date has passed is gone. */
const present = (deps: IamDeps, s: SecretRecord | undefined): s is SecretRecord =>
  s !== undefined && (s.deletionDate === undefined || s.deletionDate > now(deps));

/**
 * The secret a SecretId names: its name, its full ARN, or a partial ARN (without the random
 * suffix), as AWS resolves them. Undefined when there is none (or its deletion date has passed).
 */
export function findSecret(deps: IamDeps, tx: ReadTx, id: string): SecretRecord | undefined {
  const m = /^arn:[^:]+:secretsmanager:([^:]*):([^:]*):secret:(.+)$/.exec(id);
  if (!m) {
    const s = tx.get(secrets, id)?.value;
    return present(deps, s) ? s : undefined;
  }
  if (m[1] !== deps.region || m[2] !== deps.accountId) return undefined;
  const rest = m[3] as string;
  const full = tx.get(secrets, rest.replace(/-[A-Za-z0-9]{6}$/, ''))?.value;
  if (present(deps, full) && full.arn === id) return full;
  const partial = tx.get(secrets, rest)?.value;
  return present(deps, partial) ? partial : undefined;
}

/** The secret a SecretId names, usable (not scheduled for deletion) unless `evenDeleted`. */
export function secretRecord(deps: IamDeps, tx: ReadTx, id: string, evenDeleted = false): SecretRecord {
  const s = findSecret(deps, tx, id);
  if (!s) throw gone();
  if (!evenDeleted && s.deletionDate !== undefined) throw deleting();
  return s;
}

function sealedValue(deps: IamDeps, arn: string, id: string, v: SecretValue): { sealed: string; binary: boolean } {
  const plain = 'string' in v ? v.string : v.binary.toString('base64');
  const size = 'string' in v ? Buffer.byteLength(v.string) : v.binary.length;
  if (size > VALUE_LIMIT)
    throw bad(
      `The secret value must be ${VALUE_LIMIT} bytes or fewer.`,
      'string' in v ? 'SecretString' : 'SecretBinary',
    );
  return { sealed: deps.sealer.seal(plain, `${arn}#${id}`), binary: !('string' in v) };
}

/** A version's value, opened. */
export function openSecret(deps: IamDeps, s: SecretRecord, v: SecretVersion): SecretValue {
  const plain = deps.sealer.open(v.sealed, `${s.arn}#${v.id}`);
  return v.binary ? { binary: Buffer.from(plain, 'base64') } : { string: plain };
}

const sameValue = (deps: IamDeps, s: SecretRecord, v: SecretVersion, value: SecretValue) => {
  const held = openSecret(deps, s, v);
  return 'string' in value
    ? 'string' in held && held.string === value.string
    : 'binary' in held && held.binary.equals(value.binary);
};

/**
 * A secret with a new version `id` holding `stages`: each stage leaves the version that had it,
 * and the version that loses AWSCURRENT takes AWSPREVIOUS. Unstaged versions beyond AWS's limit go.
 */
function withVersion(s: SecretRecord, v: SecretVersion): SecretVersion[] {
  const oldCurrent = v.stages.includes(CURRENT) ? s.versions.find((x) => x.stages.includes(CURRENT)) : undefined;
  let versions = s.versions.map((x) => {
    let stages = x.stages.filter((st) => !v.stages.includes(st));
    if (oldCurrent && x.id === oldCurrent.id) stages = [...stages, PREVIOUS];
    else if (oldCurrent) stages = stages.filter((st) => st !== PREVIOUS);
    return { ...x, stages };
  });
  versions.push(v);
  while (versions.length > MAX_VERSIONS) {
    const i = versions.findIndex((x) => x.stages.length === 0);
    if (i < 0) throw limitExceeded('You have exceeded the maximum number of versions of this secret.');
    versions = versions.filter((_, j) => j !== i);
  }
  return versions;
}

/**
 * A new version of a secret, or the one already made for the same token and value (a retried
 * request); the same token with another value is refused, as AWS does.
 */
function addVersion(
  deps: IamDeps,
  tx: WriteTx,
  s: SecretRecord,
  token: string,
  value: SecretValue,
  stages: string[],
): { record: SecretRecord; version: SecretVersion } {
  const known = s.versions.find((v) => v.id === token);
  if (known) {
    if (!sameValue(deps, s, known, value))
      throw alreadyExists('A resource with the ID you requested already exists.', { resource: 'secret-version' });
    return { record: s, version: known };
  }
  const version: SecretVersion = { id: token, ...sealedValue(deps, s.arn, token, value), stages, createdAt: now(deps) };
  const record = { ...s, versions: withVersion(s, version), lastChangedAt: now(deps) };
  tx.put(secrets, record);
  return { record, version };
}

export async function createSecret(
  deps: IamDeps,
  i: CreateSecretInput,
): Promise<{ record: SecretRecord; versionId?: string }> {
  checkName(i.name);
  const token = checkToken(i.token);
  if ((i.tags?.length ?? 0) > 50)
    throw limitExceeded('A secret can have at most 50 tags.', { reason: 'too-many-tags' });
  return await deps.store.transact((tx) => {
    const cur = tx.get(secrets, i.name)?.value;
    if (cur && present(deps, cur)) {
      if (cur.deletionDate !== undefined)
        throw conflict(
          "You can't create this secret because a secret with this name is already scheduled for deletion.",
          { reason: 'scheduled-for-deletion' },
        );
      // A retried create (same token, same value) answers as the first did.
      const same = cur.versions.find((v) => v.id === token);
      if (same && i.value && sameValue(deps, cur, same, i.value)) return { record: cur, versionId: same.id };
      throw alreadyExists(`The operation failed because the secret ${i.name} already exists.`, { resource: 'secret' });
    }
    const at = now(deps);
    const record: SecretRecord = {
      name: i.name,
      arn: newArn(deps, i.name),
      ...(i.description !== undefined ? { description: i.description } : {}),
      ...(i.kmsKeyId !== undefined ? { kmsKeyId: i.kmsKeyId } : {}),
      tags: i.tags ?? [],
      versions: [],
      createdAt: at,
      lastChangedAt: at,
    };
    tx.put(secrets, record);
    if (!i.value) return { record };
    const added = addVersion(deps, tx, record, token, i.value, [CURRENT]);
    return { record: added.record, versionId: added.version.id };
  });
}

/** PutSecretValue: a new version, AWSCURRENT unless other stages are named. */
export async function putSecretValue(
  deps: IamDeps,
  id: string,
  value: SecretValue,
  token?: string,
  stages?: string[],
): Promise<{ record: SecretRecord; version: SecretVersion }> {
  const versionId = checkToken(token);
  if (stages !== undefined && stages.length === 0)
    throw bad('VersionStages must name at least one stage.', 'VersionStages');
  return await deps.store.transact((tx) =>
    addVersion(deps, tx, secretRecord(deps, tx, id), versionId, value, stages ?? [CURRENT]),
  );
}

export interface UpdateSecretInput {
  id: string;
  token?: string;
  description?: string;
  kmsKeyId?: string;
  value?: SecretValue;
}

/** UpdateSecret: description and key change in place; a value makes a new AWSCURRENT version. */
export async function updateSecret(
  deps: IamDeps,
  i: UpdateSecretInput,
): Promise<{ record: SecretRecord; versionId?: string }> {
  const token = checkToken(i.token);
  return await deps.store.transact((tx) => {
    const s = secretRecord(deps, tx, i.id);
    const record: SecretRecord = {
      ...s,
      ...(i.description !== undefined ? { description: i.description } : {}),
      ...(i.kmsKeyId !== undefined ? { kmsKeyId: i.kmsKeyId } : {}),
      lastChangedAt: now(deps),
    };
    tx.put(secrets, record);
    if (!i.value) return { record };
    const added = addVersion(deps, tx, record, token, i.value, [CURRENT]);
    return { record: added.record, versionId: added.version.id };
  });
}

/** DeleteSecret: scheduled after a recovery window of 7–30 days (30 by default), or at once. */
export async function deleteSecret(
  deps: IamDeps,
  id: string,
  o: { recoveryWindowInDays?: number; force?: boolean },
): Promise<{ record: SecretRecord; deletionDate: number }> {
  if (o.force && o.recoveryWindowInDays !== undefined)
    throw bad(
      "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      'RecoveryWindowInDays',
    );
  const days = o.recoveryWindowInDays ?? 30;
  if (!o.force && (days < 7 || days > 30))
    throw bad('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).', 'RecoveryWindowInDays');
  return await deps.store.transact((tx) => {
    const s = secretRecord(deps, tx, id, true);
    if (o.force) {
      tx.delete(secrets, s.name);
      return { record: s, deletionDate: now(deps) };
    }
    if (s.deletionDate !== undefined) throw deleting();
    const deletionDate = now(deps) + days * DAY;
    tx.put(secrets, { ...s, deletedAt: now(deps), deletionDate });
    return { record: s, deletionDate };
  });
}

export async function restoreSecret(deps: IamDeps, id: string): Promise<SecretRecord> {
  return await deps.store.transact((tx) => {
    const { deletedAt: _a, deletionDate: _d, ...rest } = secretRecord(deps, tx, id, true);
    tx.put(secrets, rest);
    return rest;
  });
}

/** The secret's tags changed: `add` set (a key already there takes the new value), `remove` dropped. */
export async function tagSecret(deps: IamDeps, id: string, add: Tag[], remove: string[] = []): Promise<void> {
  await deps.store.transact((tx) => {
    const s = secretRecord(deps, tx, id, true);
    const tags = mergeTags(s.tags, add, remove);
    if (tags.length > 50) throw limitExceeded('A secret can have at most 50 tags.', { reason: 'too-many-tags' });
    tx.put(secrets, { ...s, tags });
  });
}
