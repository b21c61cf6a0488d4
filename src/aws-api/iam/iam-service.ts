import type * as iam from '@aws-sdk/client-iam';
import { invalidParameter, notFound, type RequestContext } from '../../kernel/index.js';
import {
  attachPolicy,
  createAccessKey,
  createRole,
  createUser,
  deleteAccessKey,
  deleteInlinePolicy,
  deleteRole,
  deleteUser,
  detachPolicy,
  entity,
  inlinePolicy,
  listEntities,
  putInlinePolicy,
  setAccessKeyStatus,
  tagEntity,
  updateRole,
  updateTrustPolicy,
  userKeys,
  accessKey,
  findManagedPolicy,
  type EntityKind,
  type IamDeps,
  type RoleRecord,
  type UserRecord,
} from '../../iam/index.js';
import { defineService, type AwsService, type Handler } from '../service.js';
import { encodedDocument, iamErrorCode, page, roleOut, tagsIn, tagsOut, userOut } from './iam-shapes.js';
import { instanceProfileHandlers } from './instance-profile-ops.js';
import { managedPolicyHandlers } from './managed-policy-ops.js';

type Out<T> = Omit<T, '$metadata'>;

/** The user a call is about: the one named, else the caller (when the caller is a user). */
function userNameOf(name: string | undefined, ctx: RequestContext): string {
  if (name) return name;
  const m = /^arn:aws:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(ctx.caller?.arn ?? '');
  if (!m) throw invalidParameter('Must specify userName when calling with non-User credentials', { field: 'UserName' });
  return m[1] as string;
}

/** Inline and attached policy operations, the same for roles and users. */
function policyHandlers(deps: IamDeps, kind: EntityKind, Kind: 'Role' | 'User'): Record<string, Handler> {
  const nameOf = (i: { RoleName?: string; UserName?: string }) => (Kind === 'Role' ? i.RoleName : i.UserName) as string;
  return {
    [`Put${Kind}Policy`]: async (i: iam.PutRolePolicyRequest & iam.PutUserPolicyRequest) => {
      await putInlinePolicy(deps, kind, nameOf(i), i.PolicyName as string, i.PolicyDocument as string);
      return {};
    },
    [`Get${Kind}Policy`]: (i: iam.GetRolePolicyRequest & iam.GetUserPolicyRequest) => ({
      [`${Kind}Name`]: entity(deps, kind, nameOf(i)).name,
      PolicyName: i.PolicyName,
      PolicyDocument: encodedDocument(inlinePolicy(deps, kind, nameOf(i), i.PolicyName as string)),
    }),
    [`Delete${Kind}Policy`]: async (i: iam.DeleteRolePolicyRequest & iam.DeleteUserPolicyRequest) => {
      await deleteInlinePolicy(deps, kind, nameOf(i), i.PolicyName as string);
      return {};
    },
    [`List${Kind}Policies`]: (i: iam.ListRolePoliciesRequest & iam.ListUserPoliciesRequest) => {
      const names = entity(deps, kind, nameOf(i))
        .inline.map((p) => p.name)
        .sort();
      const p = page(names, (n) => n, i.MaxItems, i.Marker);
      return { PolicyNames: p.items, IsTruncated: p.IsTruncated, ...(p.Marker ? { Marker: p.Marker } : {}) };
    },
    [`Attach${Kind}Policy`]: async (i: iam.AttachRolePolicyRequest & iam.AttachUserPolicyRequest) => {
      await attachPolicy(deps, kind, nameOf(i), i.PolicyArn as string);
      return {};
    },
    [`Detach${Kind}Policy`]: async (i: iam.DetachRolePolicyRequest & iam.DetachUserPolicyRequest) => {
      await detachPolicy(deps, kind, nameOf(i), i.PolicyArn as string);
      return {};
    },
    [`ListAttached${Kind}Policies`]: (i: iam.ListAttachedRolePoliciesRequest & iam.ListAttachedUserPoliciesRequest) => {
      const attached = entity(deps, kind, nameOf(i))
        .attached.map((arn) => ({
          PolicyArn: arn,
          PolicyName: findManagedPolicy(deps, arn)?.name ?? arn.split('/').pop(),
        }))
        .filter((a) => (a.PolicyArn.split(':policy')[1] ?? '').startsWith(i.PathPrefix ?? '/'));
      const p = page(attached, (a) => a.PolicyArn, i.MaxItems, i.Marker);
      return { AttachedPolicies: p.items, IsTruncated: p.IsTruncated, ...(p.Marker ? { Marker: p.Marker } : {}) };
    },
    [`Tag${Kind}`]: async (i: iam.TagRoleRequest & iam.TagUserRequest) => {
      await tagEntity(deps, kind, nameOf(i), tagsIn(i.Tags));
      return {};
    },
    [`Untag${Kind}`]: async (i: iam.UntagRoleRequest & iam.UntagUserRequest) => {
      await tagEntity(deps, kind, nameOf(i), [], i.TagKeys ?? []);
      return {};
    },
    [`List${Kind}Tags`]: (i: iam.ListRoleTagsRequest & iam.ListUserTagsRequest) => ({
      Tags: tagsOut(entity(deps, kind, nameOf(i)).tags),
      IsTruncated: false,
    }),
  };
}

/** IAM: roles, users and their keys, inline and managed policies. IAM is global: one per account. */
export function iamService(deps: IamDeps): AwsService {
  return defineService('iam', {
    handlers: {
      CreateRole: async (i: iam.CreateRoleRequest): Promise<Out<iam.CreateRoleResponse>> => {
        if (i.PermissionsBoundary)
          throw invalidParameter('berth does not support permissions boundaries yet.', {
            field: 'PermissionsBoundary',
          });
        const r = createRole(deps, {
          name: i.RoleName as string,
          trustPolicy: i.AssumeRolePolicyDocument as string,
          ...(i.Path !== undefined ? { path: i.Path } : {}),
          ...(i.Description !== undefined ? { description: i.Description } : {}),
          ...(i.MaxSessionDuration !== undefined ? { maxSessionDuration: i.MaxSessionDuration } : {}),
          tags: tagsIn(i.Tags),
        });
        const { RoleLastUsed: _, ...role } = roleOut(await r);
        return { Role: role };
      },
      GetRole: async (i: iam.GetRoleRequest): Promise<Out<iam.GetRoleResponse>> => ({
        Role: roleOut(entity<RoleRecord>(deps, 'role', i.RoleName as string)),
      }),
      ListRoles: async (i: iam.ListRolesRequest): Promise<Out<iam.ListRolesResponse>> => {
        const p = page(
          listEntities<RoleRecord>(deps, 'role', i.PathPrefix),
          (r) => r.name.toLowerCase(),
          i.MaxItems,
          i.Marker,
        );
        return {
          Roles: p.items.map((r) => roleOut(r, false)),
          IsTruncated: p.IsTruncated,
          ...(p.Marker ? { Marker: p.Marker } : {}),
        };
      },
      DeleteRole: async (i: iam.DeleteRoleRequest) => {
        await deleteRole(deps, i.RoleName as string);
        return {};
      },
      UpdateAssumeRolePolicy: async (i: iam.UpdateAssumeRolePolicyRequest) => {
        await updateTrustPolicy(deps, i.RoleName as string, i.PolicyDocument as string);
        return {};
      },
      UpdateRole: async (i: iam.UpdateRoleRequest) => {
        await updateRole(deps, i.RoleName as string, {
          ...(i.Description !== undefined ? { description: i.Description } : {}),
          ...(i.MaxSessionDuration !== undefined ? { maxSessionDuration: i.MaxSessionDuration } : {}),
        });
        return {};
      },
      ...policyHandlers(deps, 'role', 'Role'),

      CreateUser: async (i: iam.CreateUserRequest): Promise<Out<iam.CreateUserResponse>> => {
        if (i.PermissionsBoundary)
          throw invalidParameter('berth does not support permissions boundaries yet.', {
            field: 'PermissionsBoundary',
          });
        return {
          User: userOut(
            await createUser(deps, {
              name: i.UserName as string,
              ...(i.Path !== undefined ? { path: i.Path } : {}),
              tags: tagsIn(i.Tags),
            }),
          ),
        };
      },
      GetUser: async (i: iam.GetUserRequest, ctx: RequestContext): Promise<Out<iam.GetUserResponse>> => ({
        User: userOut(entity<UserRecord>(deps, 'user', userNameOf(i.UserName, ctx))),
      }),
      ListUsers: async (i: iam.ListUsersRequest): Promise<Out<iam.ListUsersResponse>> => {
        const p = page(
          listEntities<UserRecord>(deps, 'user', i.PathPrefix),
          (u) => u.name.toLowerCase(),
          i.MaxItems,
          i.Marker,
        );
        return {
          Users: p.items.map((u) => userOut(u, false)),
          IsTruncated: p.IsTruncated,
          ...(p.Marker ? { Marker: p.Marker } : {}),
        };
      },
      DeleteUser: async (i: iam.DeleteUserRequest) => {
        await deleteUser(deps, i.UserName as string);
        return {};
      },
      ...policyHandlers(deps, 'user', 'User'),

      CreateAccessKey: async (
        i: iam.CreateAccessKeyRequest,
        ctx: RequestContext,
      ): Promise<Out<iam.CreateAccessKeyResponse>> => {
        const { record, secret } = await createAccessKey(deps, userNameOf(i.UserName, ctx));
        return {
          AccessKey: {
            UserName: record.userName,
            AccessKeyId: record.id,
            Status: record.status,
            SecretAccessKey: secret,
            CreateDate: new Date(record.createdAt),
          },
        };
      },
      ListAccessKeys: async (
        i: iam.ListAccessKeysRequest,
        ctx: RequestContext,
      ): Promise<Out<iam.ListAccessKeysResponse>> => ({
        AccessKeyMetadata: userKeys(deps, userNameOf(i.UserName, ctx)).map((k) => ({
          UserName: k.userName,
          AccessKeyId: k.id,
          Status: k.status,
          CreateDate: new Date(k.createdAt),
        })),
        IsTruncated: false,
      }),
      DeleteAccessKey: async (i: iam.DeleteAccessKeyRequest) => {
        await deleteAccessKey(deps, i.AccessKeyId as string, i.UserName);
        return {};
      },
      UpdateAccessKey: async (i: iam.UpdateAccessKeyRequest) => {
        await setAccessKeyStatus(deps, i.AccessKeyId as string, i.Status as 'Active' | 'Inactive', i.UserName);
        return {};
      },
      GetAccessKeyLastUsed: async (
        i: iam.GetAccessKeyLastUsedRequest,
      ): Promise<Out<iam.GetAccessKeyLastUsedResponse>> => {
        const k = accessKey(deps, i.AccessKeyId as string);
        if (!k) throw notFound(`The Access Key with id ${i.AccessKeyId} cannot be found.`, { resource: 'access-key' });
        return { UserName: k.userName, AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } };
      },
      ...managedPolicyHandlers(deps),
      ...instanceProfileHandlers(deps),
    },
    errorCode: iamErrorCode,
  });
}
