import type * as sm from '@aws-sdk/client-secrets-manager';
import { randomInt } from 'node:crypto';
import {
  type BerthError,
  type ErrorReason,
  invalidParameter,
  isBerthError,
  notImplemented,
} from '../../kernel/index.js';
import {
  createSecret,
  deleteSecret,
  getSecretValue,
  listSecrets,
  moveSecretStage,
  putSecretValue,
  restoreSecret,
  secretRecord,
  tagSecret,
  updateSecret,
  type IamDeps,
  type SecretRecord,
  type SecretRead,
  type SecretValue,
} from '../../iam/index.js';
import { defineService, type AwsService } from '../service.js';

type Out<T> = Omit<T, '$metadata'>;

const byReason: Partial<Record<ErrorReason, string>> = {
  'scheduled-for-deletion': 'InvalidRequestException',
  'too-many-tags': 'LimitExceededException',
};

function secretsErrorCode(e: BerthError): string | undefined {
  const known = e.detail.reason && byReason[e.detail.reason];
  if (known) return known;
  switch (e.kind) {
    case 'NotFound':
      return 'ResourceNotFoundException';
    case 'AlreadyExists':
      return 'ResourceExistsException';
    case 'InvalidParameter':
      return e.detail.field === 'NextToken' ? 'InvalidNextTokenException' : 'InvalidParameterException';
    case 'Conflict':
      return 'InvalidRequestException';
    case 'LimitExceeded':
      return 'LimitExceededException';
    case 'Internal':
    case 'Unavailable':
      return 'InternalServiceError';
    default:
      return undefined;
  }
}

const date = (ms: number) => new Date(ms);

/** Exactly one of SecretString and SecretBinary, as a value; undefined when neither is given. */
function valueOf(i: { SecretString?: string; SecretBinary?: Uint8Array }, required: boolean): SecretValue | undefined {
  if (i.SecretString !== undefined && i.SecretBinary !== undefined)
    throw invalidParameter(
      'You can’t specify both a binary secret value and a string secret value in the same secret.',
      {
        field: 'SecretString',
      },
    );
  if (i.SecretString !== undefined) return { string: i.SecretString };
  if (i.SecretBinary !== undefined) return { binary: Buffer.from(i.SecretBinary) };
  if (required)
    throw invalidParameter('You must provide either SecretString or SecretBinary.', { field: 'SecretString' });
  return undefined;
}

const stagesOf = (s: SecretRecord): Record<string, string[]> =>
  Object.fromEntries(s.versions.filter((v) => v.stages.length > 0).map((v) => [v.id, v.stages]));

function describe(deps: IamDeps, s: SecretRecord): Out<sm.DescribeSecretResponse> {
  return {
    ARN: s.arn,
    Name: s.name,
    ...(s.description !== undefined ? { Description: s.description } : {}),
    ...(s.kmsKeyId !== undefined ? { KmsKeyId: s.kmsKeyId } : {}),
    RotationEnabled: false,
    LastChangedDate: date(s.lastChangedAt),
    ...(s.lastAccessedAt !== undefined ? { LastAccessedDate: date(s.lastAccessedAt) } : {}),
    ...(s.deletedAt !== undefined ? { DeletedDate: date(s.deletedAt) } : {}),
    Tags: s.tags.map((t) => ({ Key: t.key, Value: t.value })),
    VersionIdsToStages: stagesOf(s),
    CreatedDate: date(s.createdAt),
    PrimaryRegion: deps.region,
  };
}

const valueOut = (r: SecretRead): Out<sm.GetSecretValueResponse> => ({
  ARN: r.record.arn,
  Name: r.record.name,
  VersionId: r.version.id,
  ...('string' in r.value ? { SecretString: r.value.string } : { SecretBinary: r.value.binary }),
  VersionStages: r.version.stages,
  CreatedDate: date(r.version.createdAt),
});

/** An offset page: ListSecrets sorts by dates, so its token is a position, opaque to clients. */
function page<T>(items: T[], max: number | undefined, token: string | undefined): { page: T[]; NextToken?: string } {
  let start = 0;
  if (token !== undefined) {
    const n = Number(Buffer.from(token, 'base64url').toString());
    if (!Number.isSafeInteger(n) || n < 0)
      throw invalidParameter('The NextToken value is invalid.', { field: 'NextToken' });
    start = n;
  }
  const end = start + (max ?? 100);
  return end < items.length
    ? { page: items.slice(start, end), NextToken: Buffer.from(String(end)).toString('base64url') }
    : { page: items.slice(start) };
}

const tagsOf = (t: sm.Tag[] | undefined) => (t ?? []).map((x) => ({ key: x.Key ?? '', value: x.Value ?? '' }));

export function secretsManagerService(deps: IamDeps): AwsService {
  const record = (id: string) => deps.store.read((tx) => secretRecord(deps, tx, id, true));
  return defineService('secretsmanager', {
    handlers: {
      CreateSecret: async (i: sm.CreateSecretRequest): Promise<Out<sm.CreateSecretResponse>> => {
        if (i.AddReplicaRegions?.length) throw notImplemented('Replicating secrets to other regions');
        const value = valueOf(i, false);
        const r = await createSecret(deps, {
          name: i.Name as string,
          ...(i.ClientRequestToken !== undefined ? { token: i.ClientRequestToken } : {}),
          ...(i.Description !== undefined ? { description: i.Description } : {}),
          ...(i.KmsKeyId !== undefined ? { kmsKeyId: i.KmsKeyId } : {}),
          ...(value ? { value } : {}),
          tags: tagsOf(i.Tags),
        });
        return { ARN: r.record.arn, Name: r.record.name, ...(r.versionId ? { VersionId: r.versionId } : {}) };
      },

      GetSecretValue: async (i: sm.GetSecretValueRequest): Promise<Out<sm.GetSecretValueResponse>> =>
        valueOut(await getSecretValue(deps, i.SecretId as string, i.VersionId, i.VersionStage)),

      BatchGetSecretValue: async (i: sm.BatchGetSecretValueRequest): Promise<Out<sm.BatchGetSecretValueResponse>> => {
        if (i.Filters?.length && i.SecretIdList?.length)
          throw invalidParameter('Either Filters or SecretIdList must be given, not both.', { field: 'Filters' });
        const ids = i.SecretIdList?.length
          ? i.SecretIdList
          : listSecrets(deps, {
              filters: (i.Filters ?? []).map((f) => ({ key: f.Key as string, values: f.Values ?? [] })),
            }).map((s) => s.arn);
        const p = page(ids, i.MaxResults, i.NextToken);
        const values: sm.SecretValueEntry[] = [];
        const errors: sm.APIErrorType[] = [];
        for (const id of p.page) {
          try {
            values.push(valueOut(await getSecretValue(deps, id)));
          } catch (e) {
            if (!isBerthError(e)) throw e;
            errors.push({ SecretId: id, ErrorCode: secretsErrorCode(e) ?? 'InternalServiceError', Message: e.message });
          }
        }
        return { SecretValues: values, Errors: errors, ...(p.NextToken ? { NextToken: p.NextToken } : {}) };
      },

      PutSecretValue: async (i: sm.PutSecretValueRequest): Promise<Out<sm.PutSecretValueResponse>> => {
        const r = await putSecretValue(
          deps,
          i.SecretId as string,
          valueOf(i, true) as SecretValue,
          i.ClientRequestToken,
          i.VersionStages,
        );
        return { ARN: r.record.arn, Name: r.record.name, VersionId: r.version.id, VersionStages: r.version.stages };
      },

      UpdateSecret: async (i: sm.UpdateSecretRequest): Promise<Out<sm.UpdateSecretResponse>> => {
        const value = valueOf(i, false);
        const r = await updateSecret(deps, {
          id: i.SecretId as string,
          ...(i.ClientRequestToken !== undefined ? { token: i.ClientRequestToken } : {}),
          ...(i.Description !== undefined ? { description: i.Description } : {}),
          ...(i.KmsKeyId !== undefined ? { kmsKeyId: i.KmsKeyId } : {}),
          ...(value ? { value } : {}),
        });
        return { ARN: r.record.arn, Name: r.record.name, ...(r.versionId ? { VersionId: r.versionId } : {}) };
      },

      UpdateSecretVersionStage: async (
        i: sm.UpdateSecretVersionStageRequest,
      ): Promise<Out<sm.UpdateSecretVersionStageResponse>> => {
        const s = await moveSecretStage(deps, i.SecretId as string, i.VersionStage as string, {
          ...(i.RemoveFromVersionId !== undefined ? { removeFrom: i.RemoveFromVersionId } : {}),
          ...(i.MoveToVersionId !== undefined ? { moveTo: i.MoveToVersionId } : {}),
        });
        return { ARN: s.arn, Name: s.name };
      },

      DescribeSecret: async (i: sm.DescribeSecretRequest): Promise<Out<sm.DescribeSecretResponse>> =>
        describe(deps, record(i.SecretId as string)),

      ListSecrets: async (i: sm.ListSecretsRequest): Promise<Out<sm.ListSecretsResponse>> => {
        const list = listSecrets(deps, {
          ...(i.IncludePlannedDeletion !== undefined ? { includeDeleted: i.IncludePlannedDeletion } : {}),
          filters: (i.Filters ?? []).map((f) => ({ key: f.Key as string, values: f.Values ?? [] })),
          ...(i.SortBy ? { sortBy: i.SortBy } : {}),
          ...(i.SortOrder ? { sortOrder: i.SortOrder } : {}),
        });
        const p = page(list, i.MaxResults, i.NextToken);
        return {
          SecretList: p.page.map((s) => {
            const { VersionIdsToStages, ...d } = describe(deps, s);
            return { ...d, SecretVersionsToStages: VersionIdsToStages };
          }),
          ...(p.NextToken ? { NextToken: p.NextToken } : {}),
        };
      },

      ListSecretVersionIds: async (
        i: sm.ListSecretVersionIdsRequest,
      ): Promise<Out<sm.ListSecretVersionIdsResponse>> => {
        const s = record(i.SecretId as string);
        // Versions without a stage are "deprecated": listed only when asked for.
        const versions = s.versions.filter((v) => i.IncludeDeprecated === true || v.stages.length > 0);
        const p = page(versions, i.MaxResults, i.NextToken);
        return {
          ARN: s.arn,
          Name: s.name,
          Versions: p.page.map((v) => ({ VersionId: v.id, VersionStages: v.stages, CreatedDate: date(v.createdAt) })),
          ...(p.NextToken ? { NextToken: p.NextToken } : {}),
        };
      },

      DeleteSecret: async (i: sm.DeleteSecretRequest): Promise<Out<sm.DeleteSecretResponse>> => {
        const r = await deleteSecret(deps, i.SecretId as string, {
          ...(i.RecoveryWindowInDays !== undefined ? { recoveryWindowInDays: i.RecoveryWindowInDays } : {}),
          ...(i.ForceDeleteWithoutRecovery ? { force: true } : {}),
        });
        return { ARN: r.record.arn, Name: r.record.name, DeletionDate: date(r.deletionDate) };
      },

      RestoreSecret: async (i: sm.RestoreSecretRequest): Promise<Out<sm.RestoreSecretResponse>> => {
        const s = await restoreSecret(deps, i.SecretId as string);
        return { ARN: s.arn, Name: s.name };
      },

      TagResource: async (i: sm.TagResourceRequest): Promise<Out<object>> => {
        await tagSecret(deps, i.SecretId as string, tagsOf(i.Tags));
        return {};
      },

      UntagResource: async (i: sm.UntagResourceRequest): Promise<Out<object>> => {
        await tagSecret(deps, i.SecretId as string, [], i.TagKeys ?? []);
        return {};
      },

      GetRandomPassword: async (i: sm.GetRandomPasswordRequest): Promise<Out<sm.GetRandomPasswordResponse>> => ({
        RandomPassword: randomPassword(i),
      }),
    },
    errorCode: secretsErrorCode,
  });
}

/** GetRandomPassword: from the classes not excluded, one of each when RequireEachIncludedType (the default). */
export function randomPassword(i: sm.GetRandomPasswordRequest): string {
  const length = i.PasswordLength ?? 32;
  if (length < 1 || length > 4096)
    throw invalidParameter('PasswordLength must be between 1 and 4096.', { field: 'PasswordLength' });
  const exclude = new Set(i.ExcludeCharacters ?? '');
  const classes = [
    i.ExcludeLowercase ? '' : 'abcdefghijklmnopqrstuvwxyz',
    i.ExcludeUppercase ? '' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    i.ExcludeNumbers ? '' : '0123456789',
    i.ExcludePunctuation ? '' : '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
    i.IncludeSpace ? ' ' : '',
  ]
    .map((c) => [...c].filter((ch) => !exclude.has(ch)).join(''))
    .filter((c) => c.length > 0);
  const all = classes.join('');
  if (all.length === 0)
    throw invalidParameter('The password cannot be made: every character class is excluded.', {
      field: 'ExcludeCharacters',
    });
  const pick = (set: string) => set[randomInt(set.length)] as string;
  const chars = Array.from({ length }, () => pick(all));
  if (i.RequireEachIncludedType !== false) {
    if (classes.length > length)
      throw invalidParameter('PasswordLength is too short to include every character type.', {
        field: 'PasswordLength',
      });
    // Distinct positions, one per class.
    const positions = Array.from({ length }, (_, k) => k);
    classes.forEach((c, k) => {
      const j = k + randomInt(length - k);
      [positions[k], positions[j]] = [positions[j] as number, positions[k] as number];
      chars[positions[k] as number] = pick(c);
    });
  }
  return chars.join('');
}
