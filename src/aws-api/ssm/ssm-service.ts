import type * as ssm from '@aws-sdk/client-ssm';
import { type BerthError, type ErrorReason, invalidParameter, isBerthError, notFound } from '../../kernel/index.js';
import {
  deleteParameter,
  describeParameters,
  getParameter,
  labelParameterVersion,
  latestVersion,
  nameOf,
  openValue,
  parameterArn,
  parameterRecord,
  parametersByPath,
  putParameter,
  splitRef,
  findParameter,
  tagParameter,
  type IamDeps,
  type ParameterFilter,
  type ParameterRecord,
  type ParameterValue,
  type ParameterVersion,
} from '../../iam/index.js';
import { paginate } from '../pagination.js';
import { defineService, type AwsService } from '../service.js';

type Out<T> = Omit<T, '$metadata'>;

/** SSM's exception names for the domain's reasons. */
const byReason: Partial<Record<ErrorReason, string>> = {
  'pattern-invalid': 'InvalidAllowedPatternException',
  'pattern-mismatch': 'ParameterPatternMismatchException',
  'max-versions': 'ParameterMaxVersionLimitExceeded',
  'too-many-labels': 'ParameterVersionLabelLimitExceeded',
  'too-many-tags': 'TooManyTagsError',
  'filter-key': 'InvalidFilterKey',
  'filter-option': 'InvalidFilterOption',
  'filter-value': 'InvalidFilterValue',
};

function ssmErrorCode(e: BerthError): string | undefined {
  const known = e.detail.reason && byReason[e.detail.reason];
  if (known) return known;
  if (e.kind === 'NotFound') {
    if (e.detail.field === 'ResourceId') return 'InvalidResourceId';
    return e.detail.resource === 'parameter-version' ? 'ParameterVersionNotFound' : 'ParameterNotFound';
  }
  if (e.kind === 'AlreadyExists') return 'ParameterAlreadyExists';
  if (e.kind === 'InvalidParameter') return e.detail.field === 'nextToken' ? 'InvalidNextToken' : 'ValidationException';
  if (e.kind === 'Internal' || e.kind === 'Unavailable') return 'InternalServerError';
  return undefined;
}

const date = (ms: number) => new Date(ms);
const userOf = (deps: IamDeps) => `arn:aws:iam::${deps.accountId}:root`;

/**
 * A SecureString's value leaves in the clear only when asked WithDecryption; else as stored,
 * sealed, and then it is not even opened.
 */
const shown = (p: ParameterRecord, v: ParameterVersion, value: () => string, decrypt: boolean | undefined) =>
  p.type === 'SecureString' && !decrypt ? v.sealed : value();

function toParameter(deps: IamDeps, r: ParameterValue, decrypt: boolean | undefined): ssm.Parameter {
  return {
    Name: r.record.name,
    Type: r.record.type,
    Value: shown(r.record, r.version, () => r.value, decrypt),
    Version: r.version.version,
    ...(r.selector ? { Selector: r.selector } : {}),
    LastModifiedDate: date(r.version.modifiedAt),
    ARN: parameterArn(deps, r.record.name),
    DataType: r.record.dataType,
  };
}

function toMetadata(deps: IamDeps, p: ParameterRecord): ssm.ParameterMetadata {
  const v = latestVersion(p);
  return {
    Name: p.name,
    ARN: parameterArn(deps, p.name),
    Type: p.type,
    ...(p.keyId ? { KeyId: p.keyId } : {}),
    LastModifiedDate: date(v.modifiedAt),
    LastModifiedUser: v.modifiedBy,
    ...(v.description !== undefined ? { Description: v.description } : {}),
    ...(v.allowedPattern !== undefined ? { AllowedPattern: v.allowedPattern } : {}),
    Version: v.version,
    Tier: p.tier,
    Policies: [],
    DataType: p.dataType,
  };
}

const filtersOf = (list: ssm.ParameterStringFilter[] | undefined): ParameterFilter[] =>
  (list ?? []).map((f) => ({
    key: f.Key as string,
    ...(f.Option ? { option: f.Option } : {}),
    ...(f.Values ? { values: f.Values } : {}),
  }));

/** The one tagged resource type berth serves here. */
function taggedName(deps: IamDeps, type: string | undefined, id: string | undefined): string {
  if (type !== 'Parameter')
    throw invalidParameter(`berth tags resources of type Parameter only, not ${type}.`, { field: 'ResourceType' });
  return nameOf(id ?? '');
}

export function ssmService(deps: IamDeps): AwsService {
  return defineService('ssm', {
    handlers: {
      PutParameter: async (i: ssm.PutParameterRequest): Promise<Out<ssm.PutParameterResult>> => {
        const r = await putParameter(deps, {
          name: i.Name as string,
          value: i.Value as string,
          ...(i.Type ? { type: i.Type } : {}),
          ...(i.Description !== undefined ? { description: i.Description } : {}),
          ...(i.KeyId ? { keyId: i.KeyId } : {}),
          ...(i.Overwrite ? { overwrite: true } : {}),
          ...(i.AllowedPattern !== undefined ? { allowedPattern: i.AllowedPattern } : {}),
          ...(i.Tags ? { tags: i.Tags.map((t) => ({ key: t.Key as string, value: t.Value as string })) } : {}),
          ...(i.Tier ? { tier: i.Tier } : {}),
          ...(i.Policies ? { policies: i.Policies } : {}),
          ...(i.DataType ? { dataType: i.DataType } : {}),
          by: userOf(deps),
        });
        return { Version: r.version, Tier: r.tier as ssm.ParameterTier };
      },

      GetParameter: async (i: ssm.GetParameterRequest): Promise<Out<ssm.GetParameterResult>> => ({
        Parameter: toParameter(deps, getParameter(deps, i.Name as string), i.WithDecryption),
      }),

      GetParameters: async (i: ssm.GetParametersRequest): Promise<Out<ssm.GetParametersResult>> => {
        const found: ssm.Parameter[] = [];
        const invalid: string[] = [];
        for (const name of new Set(i.Names ?? [])) {
          try {
            found.push(toParameter(deps, getParameter(deps, name), i.WithDecryption));
          } catch (e) {
            if (!isBerthError(e) || e.kind !== 'NotFound') throw e;
            invalid.push(name);
          }
        }
        return { Parameters: found, InvalidParameters: invalid };
      },

      GetParametersByPath: async (i: ssm.GetParametersByPathRequest): Promise<Out<ssm.GetParametersByPathResult>> => {
        const list = parametersByPath(deps, i.Path as string, i.Recursive ?? false, filtersOf(i.ParameterFilters));
        const { page, nextToken } = paginate(list, (p) => p.name, i.MaxResults, i.NextToken, 10);
        return {
          Parameters: page.map((p) => {
            const v = latestVersion(p);
            return toParameter(
              deps,
              {
                record: p,
                version: v,
                get value() {
                  return openValue(deps, p, v);
                },
              },
              i.WithDecryption,
            );
          }),
          ...(nextToken ? { NextToken: nextToken } : {}),
        };
      },

      DeleteParameter: async (i: ssm.DeleteParameterRequest): Promise<Out<ssm.DeleteParameterResult>> => {
        await deleteParameter(deps, nameOf(i.Name as string));
        return {};
      },

      DeleteParameters: async (i: ssm.DeleteParametersRequest): Promise<Out<ssm.DeleteParametersResult>> => {
        const deleted: string[] = [];
        const invalid: string[] = [];
        for (const name of new Set(i.Names ?? [])) {
          try {
            await deleteParameter(deps, nameOf(name));
            deleted.push(name);
          } catch (e) {
            if (!isBerthError(e) || e.kind !== 'NotFound') throw e;
            invalid.push(name);
          }
        }
        return { DeletedParameters: deleted, InvalidParameters: invalid };
      },

      DescribeParameters: async (i: ssm.DescribeParametersRequest): Promise<Out<ssm.DescribeParametersResult>> => {
        if (i.Filters?.length && i.ParameterFilters?.length)
          throw invalidParameter('You can use either Filters or ParameterFilters in a single request.', {
            field: 'Filters',
          });
        const filters = i.Filters?.length
          ? i.Filters.map((f) => ({ key: f.Key as string, option: 'Equals', values: f.Values ?? [] }))
          : filtersOf(i.ParameterFilters);
        // Parameters shared from other accounts: berth has one account, so none.
        const list = i.Shared ? [] : describeParameters(deps, filters);
        const { page, nextToken } = paginate(list, (p) => p.name, i.MaxResults, i.NextToken, 10);
        return { Parameters: page.map((p) => toMetadata(deps, p)), ...(nextToken ? { NextToken: nextToken } : {}) };
      },

      GetParameterHistory: async (i: ssm.GetParameterHistoryRequest): Promise<Out<ssm.GetParameterHistoryResult>> => {
        // The record alone: a selector in the name is ignored, and no value is opened to find it.
        const p = parameterRecord(deps, splitRef(i.Name as string).name);
        const key = (v: ParameterVersion) => String(v.version).padStart(6, '0');
        const { page, nextToken } = paginate(p.versions, key, i.MaxResults, i.NextToken, 50);
        return {
          Parameters: page.map((v) => ({
            Name: p.name,
            Type: p.type,
            ...(p.keyId ? { KeyId: p.keyId } : {}),
            LastModifiedDate: date(v.modifiedAt),
            LastModifiedUser: v.modifiedBy,
            ...(v.description !== undefined ? { Description: v.description } : {}),
            Value: shown(p, v, () => openValue(deps, p, v), i.WithDecryption),
            ...(v.allowedPattern !== undefined ? { AllowedPattern: v.allowedPattern } : {}),
            Version: v.version,
            Labels: v.labels,
            Tier: p.tier,
            Policies: [],
            DataType: p.dataType,
          })),
          ...(nextToken ? { NextToken: nextToken } : {}),
        };
      },

      LabelParameterVersion: async (
        i: ssm.LabelParameterVersionRequest,
      ): Promise<Out<ssm.LabelParameterVersionResult>> => {
        const r = await labelParameterVersion(deps, nameOf(i.Name as string), i.Labels ?? [], i.ParameterVersion);
        return { InvalidLabels: r.invalid, ParameterVersion: r.version };
      },

      AddTagsToResource: async (i: ssm.AddTagsToResourceRequest): Promise<Out<ssm.AddTagsToResourceResult>> => {
        const tags = (i.Tags ?? []).map((t) => ({ key: t.Key as string, value: t.Value as string }));
        await tagParameter(deps, taggedName(deps, i.ResourceType, i.ResourceId), tags);
        return {};
      },

      RemoveTagsFromResource: async (
        i: ssm.RemoveTagsFromResourceRequest,
      ): Promise<Out<ssm.RemoveTagsFromResourceResult>> => {
        await tagParameter(deps, taggedName(deps, i.ResourceType, i.ResourceId), [], i.TagKeys ?? []);
        return {};
      },

      ListTagsForResource: async (i: ssm.ListTagsForResourceRequest): Promise<Out<ssm.ListTagsForResourceResult>> => {
        const name = taggedName(deps, i.ResourceType, i.ResourceId);
        const p = findParameter(deps, name);
        if (!p) throw notFound(`The resource ID "${i.ResourceId}" is not valid.`, { field: 'ResourceId' });
        return { TagList: p.tags.map((t) => ({ Key: t.key, Value: t.value })) };
      },
    },
    errorCode: ssmErrorCode,
  });
}
