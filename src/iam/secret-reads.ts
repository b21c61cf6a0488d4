import { invalidParameter, notFound } from '../kernel/index.js';
import type { ReadTx } from '../store/index.js';
import { now, type IamDeps } from './deps.js';
import { CURRENT, PREVIOUS, findSecret, openSecret, secretRecord, type SecretValue } from './secrets.js';
import { secrets, type SecretRecord, type SecretVersion } from './tables.js';

// Reading secrets: a value by version or stage, the list with its filters, and moving stages.

const DAY = 86_400_000;

export interface SecretRead {
  record: SecretRecord;
  version: SecretVersion;
  value: SecretValue;
}

/** The version a VersionId and/or VersionStage selects (AWSCURRENT when neither is given). */
function selectVersion(s: SecretRecord, versionId?: string, stage?: string): SecretVersion {
  const v = versionId !== undefined ? s.versions.find((x) => x.id === versionId) : undefined;
  const wanted = stage ?? (versionId === undefined ? CURRENT : undefined);
  const found =
    versionId !== undefined
      ? v && (wanted === undefined || v.stages.includes(wanted))
        ? v
        : undefined
      : s.versions.find((x) => x.stages.includes(wanted as string));
  if (!found)
    throw notFound(
      versionId !== undefined
        ? `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`
        : `Secrets Manager can't find the specified secret value for staging label: ${wanted}`,
      { resource: 'secret-version' },
    );
  return found;
}

/**
 * GetSecretValue: the selected version, opened. The secret's last-accessed day is kept (AWS
 * reports the date only), so a read writes at most once a day per secret.
 */
export async function getSecretValue(
  deps: IamDeps,
  id: string,
  versionId?: string,
  stage?: string,
): Promise<SecretRead> {
  const { record, version } = deps.store.read((tx) => {
    const r = secretRecord(deps, tx, id);
    return { record: r, version: selectVersion(r, versionId, stage) };
  });
  const day = Math.floor(now(deps) / DAY) * DAY;
  if (record.lastAccessedAt !== day) {
    await deps.store.transact((tx) => {
      const cur = tx.get(secrets, record.name)?.value;
      if (cur && cur.arn === record.arn) tx.put(secrets, { ...cur, lastAccessedAt: day });
    });
  }
  return { record, version, value: openSecret(deps, record, version) };
}

/**
 * A secret's value for those who hand secrets on (the control plane resolving a task's
 * `secrets`): by ARN, with ECS's `:json-key:version-stage:version-id` suffix. An error string
 * in AWS's words when it cannot be had.
 */
export function readSecretRef(deps: IamDeps, tx: ReadTx, ref: string): { value: string } | { error: string } {
  const m = /^(arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:[^:]+)(?::([^:]*):([^:]*):([^:]*))?$/.exec(ref);
  if (!m) return { error: `invalid secret reference ${ref}` };
  const [, arn, jsonKey, stage, versionId] = m as unknown as [string, string, string?, string?, string?];
  const s = findSecret(deps, tx, arn);
  const failed = (why: string) => ({ error: `failed to fetch secret ${arn} from secrets manager: ${why}` });
  if (!s) return failed("ResourceNotFoundException: Secrets Manager can't find the specified secret.");
  if (s.deletionDate !== undefined)
    return failed(
      "InvalidRequestException: You can't perform this operation on the secret because it was marked for deletion.",
    );
  let v: SecretVersion;
  try {
    v = selectVersion(s, versionId || undefined, stage || undefined);
  } catch (e) {
    return failed(`ResourceNotFoundException: ${(e as Error).message}`);
  }
  const value = openSecret(deps, s, v);
  const text = 'string' in value ? value.string : value.binary.toString('base64');
  if (!jsonKey) return { value: text };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { error: `retrieved secret from Secrets Manager did not contain json key ${jsonKey}` };
  }
  // An own key only: a crafted key (`__proto__`, `constructor`) finds nothing it was not given.
  if (typeof doc !== 'object' || doc === null || !Object.prototype.hasOwnProperty.call(doc, jsonKey))
    return { error: `retrieved secret from Secrets Manager did not contain json key ${jsonKey}` };
  const field = (doc as Record<string, unknown>)[jsonKey];
  return { value: typeof field === 'string' ? field : JSON.stringify(field) };
}

/**
 * UpdateSecretVersionStage: a stage moves to a version, or leaves one. A stage that sits on a
 * version must be removed from it by name; AWSCURRENT cannot be removed without a new home, and
 * the version it leaves takes AWSPREVIOUS.
 */
export async function moveSecretStage(
  deps: IamDeps,
  id: string,
  stage: string,
  o: { removeFrom?: string; moveTo?: string },
): Promise<SecretRecord> {
  return await deps.store.transact((tx) => {
    const s = secretRecord(deps, tx, id);
    const holder = s.versions.find((v) => v.stages.includes(stage));
    for (const [field, vid] of [
      ['RemoveFromVersionId', o.removeFrom],
      ['MoveToVersionId', o.moveTo],
    ] as const)
      if (vid !== undefined && !s.versions.some((v) => v.id === vid))
        throw notFound(`Secrets Manager can't find the specified secret value for VersionId: ${vid}`, {
          resource: 'secret-version',
          field,
        });
    if (holder && holder.id !== o.moveTo && o.removeFrom !== holder.id)
      throw invalidParameter(
        `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`,
        { field: 'RemoveFromVersionId' },
      );
    if (o.removeFrom !== undefined && holder?.id !== o.removeFrom)
      throw invalidParameter(`Staging label ${stage} is not attached to version ${o.removeFrom}.`, {
        field: 'RemoveFromVersionId',
      });
    if (stage === CURRENT && o.moveTo === undefined)
      throw invalidParameter(
        'You can only move staging label AWSCURRENT to a different secret version. It can’t be completely removed.',
        {
          field: 'MoveToVersionId',
        },
      );
    const movesCurrent = stage === CURRENT && holder !== undefined && holder.id !== o.moveTo;
    const versions = s.versions.map((v) => {
      let stages = v.stages.filter((st) => st !== stage);
      if (movesCurrent) stages = stages.filter((st) => st !== PREVIOUS);
      if (v.id === o.moveTo) stages = [...stages, stage];
      if (movesCurrent && v.id === holder.id) stages = [...stages, PREVIOUS];
      return { ...v, stages };
    });
    const record = { ...s, versions, lastChangedAt: now(deps) };
    tx.put(secrets, record);
    return record;
  });
}

export interface SecretFilter {
  key: string;
  values: string[];
}

const KEYS = new Set(['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all']);

/**
 * One filter as a predicate, as ListSecrets documents them: prefix matches (description and
 * `all` case-insensitive), a `!` before a value negating it.
 */
function predicate(deps: IamDeps, f: SecretFilter): (s: SecretRecord) => boolean {
  if (!KEYS.has(f.key)) throw invalidParameter(`Invalid filter key: ${f.key}`, { field: 'Filters' });
  const fieldsOf = (s: SecretRecord): string[] => {
    switch (f.key) {
      case 'name':
        return [s.name];
      case 'description':
        return [s.description ?? ''];
      case 'tag-key':
        return s.tags.map((t) => t.key);
      case 'tag-value':
        return s.tags.map((t) => t.value);
      case 'primary-region':
        return [deps.region];
      case 'owning-service':
        return [];
      default:
        return [s.name, s.description ?? '', ...s.tags.flatMap((t) => [t.key, t.value])].flatMap((x) =>
          x.split(/[\s/_+=.@-]+/),
        );
    }
  };
  const folded = f.key === 'description' || f.key === 'all';
  const norm = (x: string) => (folded ? x.toLowerCase() : x);
  return (s) => {
    const fields = fieldsOf(s).map(norm);
    return f.values.some((raw) => {
      const negated = raw.startsWith('!');
      const v = norm(negated ? raw.slice(1) : raw);
      const hit = fields.some((x) => x.startsWith(v));
      return negated ? !hit : hit;
    });
  };
}

/** ListSecrets: the secrets that pass every filter, sorted as asked (by creation date by default). */
export function listSecrets(
  deps: IamDeps,
  o: { includeDeleted?: boolean; filters?: SecretFilter[]; sortBy?: string; sortOrder?: string },
): SecretRecord[] {
  const tests = (o.filters ?? []).map((f) => predicate(deps, f));
  const all = deps.store.read((tx) => tx.list(secrets).map((e) => e.value));
  const t = now(deps);
  const kept = all.filter(
    (s) =>
      (s.deletionDate === undefined || (o.includeDeleted === true && s.deletionDate > t)) && tests.every((p) => p(s)),
  );
  const by = o.sortBy ?? 'created-date';
  const key = (s: SecretRecord): string | number =>
    by === 'name'
      ? s.name
      : by === 'last-changed-date'
        ? s.lastChangedAt
        : by === 'last-accessed-date'
          ? (s.lastAccessedAt ?? 0)
          : s.createdAt;
  const sign = o.sortOrder === 'desc' ? -1 : 1;
  return kept.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return (ka < kb ? -1 : ka > kb ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0) * sign;
  });
}
