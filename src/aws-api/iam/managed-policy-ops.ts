import type * as iam from '@aws-sdk/client-iam';
import {
  createPolicy,
  createPolicyVersion,
  deletePolicy,
  deletePolicyVersion,
  listPolicies,
  managedPolicy,
  policyEntities,
  policyVersion,
  setDefaultPolicyVersion,
  tagPolicy,
  type IamDeps,
} from '../../iam/index.js';
import type { Handler } from '../service.js';
import { encodedDocument, page, policyOut, tagsIn, tagsOut } from './iam-shapes.js';

type Out<T> = Omit<T, '$metadata'>;

/** IAM's managed-policy operations: the account's own policies and AWS's, versions and tags. */
export function managedPolicyHandlers(deps: IamDeps): Record<string, Handler> {
  return {
    CreatePolicy: async (i: iam.CreatePolicyRequest): Promise<Out<iam.CreatePolicyResponse>> => ({
      Policy: policyOut(
        deps,
        await createPolicy(deps, {
          name: i.PolicyName as string,
          document: i.PolicyDocument as string,
          ...(i.Path !== undefined ? { path: i.Path } : {}),
          ...(i.Description !== undefined ? { description: i.Description } : {}),
          tags: tagsIn(i.Tags),
        }),
      ),
    }),
    GetPolicy: async (i: iam.GetPolicyRequest): Promise<Out<iam.GetPolicyResponse>> => ({
      Policy: policyOut(deps, managedPolicy(deps, i.PolicyArn as string)),
    }),
    DeletePolicy: async (i: iam.DeletePolicyRequest) => {
      await deletePolicy(deps, i.PolicyArn as string);
      return {};
    },
    ListPolicies: async (i: iam.ListPoliciesRequest): Promise<Out<iam.ListPoliciesResponse>> => {
      const list = listPolicies(deps, {
        ...(i.Scope ? { scope: i.Scope } : {}),
        ...(i.PathPrefix ? { pathPrefix: i.PathPrefix } : {}),
        ...(i.OnlyAttached ? { onlyAttached: true } : {}),
      });
      const p = page(list, (x) => `${x.name}\u0000${x.arn}`, i.MaxItems, i.Marker);
      return {
        Policies: p.items.map((x) => policyOut(deps, x)),
        IsTruncated: p.IsTruncated,
        ...(p.Marker ? { Marker: p.Marker } : {}),
      };
    },
    CreatePolicyVersion: async (i: iam.CreatePolicyVersionRequest): Promise<Out<iam.CreatePolicyVersionResponse>> => {
      const v = await createPolicyVersion(
        deps,
        i.PolicyArn as string,
        i.PolicyDocument as string,
        i.SetAsDefault ?? false,
      );
      return {
        PolicyVersion: {
          VersionId: v.id,
          IsDefaultVersion: i.SetAsDefault ?? false,
          CreateDate: new Date(v.createdAt),
        },
      };
    },
    GetPolicyVersion: async (i: iam.GetPolicyVersionRequest): Promise<Out<iam.GetPolicyVersionResponse>> => {
      const p = managedPolicy(deps, i.PolicyArn as string);
      const v = policyVersion(deps, i.PolicyArn as string, i.VersionId as string);
      return {
        PolicyVersion: {
          Document: encodedDocument(v.document),
          VersionId: v.id,
          IsDefaultVersion: v.id === p.defaultVersion,
          CreateDate: new Date(v.createdAt),
        },
      };
    },
    ListPolicyVersions: async (i: iam.ListPolicyVersionsRequest): Promise<Out<iam.ListPolicyVersionsResponse>> => {
      const p = managedPolicy(deps, i.PolicyArn as string);
      return {
        Versions: [...p.versions].reverse().map((v) => ({
          VersionId: v.id,
          IsDefaultVersion: v.id === p.defaultVersion,
          CreateDate: new Date(v.createdAt),
        })),
        IsTruncated: false,
      };
    },
    DeletePolicyVersion: async (i: iam.DeletePolicyVersionRequest) => {
      await deletePolicyVersion(deps, i.PolicyArn as string, i.VersionId as string);
      return {};
    },
    SetDefaultPolicyVersion: async (i: iam.SetDefaultPolicyVersionRequest) => {
      await setDefaultPolicyVersion(deps, i.PolicyArn as string, i.VersionId as string);
      return {};
    },
    ListEntitiesForPolicy: async (
      i: iam.ListEntitiesForPolicyRequest,
    ): Promise<Out<iam.ListEntitiesForPolicyResponse>> => {
      managedPolicy(deps, i.PolicyArn as string);
      const e = policyEntities(deps, i.PolicyArn as string);
      return {
        PolicyGroups: [],
        PolicyUsers: i.EntityFilter === 'Role' ? [] : e.users.map((u) => ({ UserName: u })),
        PolicyRoles: i.EntityFilter === 'User' ? [] : e.roles.map((r) => ({ RoleName: r })),
        IsTruncated: false,
      };
    },
    TagPolicy: async (i: iam.TagPolicyRequest) => {
      await tagPolicy(deps, i.PolicyArn as string, tagsIn(i.Tags));
      return {};
    },
    UntagPolicy: async (i: iam.UntagPolicyRequest) => {
      await tagPolicy(deps, i.PolicyArn as string, [], i.TagKeys ?? []);
      return {};
    },
    ListPolicyTags: async (i: iam.ListPolicyTagsRequest): Promise<Out<iam.ListPolicyTagsResponse>> => ({
      Tags: tagsOut(managedPolicy(deps, i.PolicyArn as string).tags),
      IsTruncated: false,
    }),
  };
}
