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
    CreatePolicy: (i: iam.CreatePolicyRequest): Out<iam.CreatePolicyResponse> => ({
      Policy: policyOut(
        deps,
        createPolicy(deps, {
          name: i.PolicyName as string,
          document: i.PolicyDocument as string,
          ...(i.Path !== undefined ? { path: i.Path } : {}),
          ...(i.Description !== undefined ? { description: i.Description } : {}),
          tags: tagsIn(i.Tags),
        }),
      ),
    }),
    GetPolicy: (i: iam.GetPolicyRequest): Out<iam.GetPolicyResponse> => ({
      Policy: policyOut(deps, managedPolicy(deps, i.PolicyArn as string)),
    }),
    DeletePolicy: (i: iam.DeletePolicyRequest) => {
      deletePolicy(deps, i.PolicyArn as string);
      return {};
    },
    ListPolicies: (i: iam.ListPoliciesRequest): Out<iam.ListPoliciesResponse> => {
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
    CreatePolicyVersion: (i: iam.CreatePolicyVersionRequest): Out<iam.CreatePolicyVersionResponse> => {
      const v = createPolicyVersion(deps, i.PolicyArn as string, i.PolicyDocument as string, i.SetAsDefault ?? false);
      return {
        PolicyVersion: {
          VersionId: v.id,
          IsDefaultVersion: i.SetAsDefault ?? false,
          CreateDate: new Date(v.createdAt),
        },
      };
    },
    GetPolicyVersion: (i: iam.GetPolicyVersionRequest): Out<iam.GetPolicyVersionResponse> => {
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
    ListPolicyVersions: (i: iam.ListPolicyVersionsRequest): Out<iam.ListPolicyVersionsResponse> => {
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
    DeletePolicyVersion: (i: iam.DeletePolicyVersionRequest) => {
      deletePolicyVersion(deps, i.PolicyArn as string, i.VersionId as string);
      return {};
    },
    SetDefaultPolicyVersion: (i: iam.SetDefaultPolicyVersionRequest) => {
      setDefaultPolicyVersion(deps, i.PolicyArn as string, i.VersionId as string);
      return {};
    },
    ListEntitiesForPolicy: (i: iam.ListEntitiesForPolicyRequest): Out<iam.ListEntitiesForPolicyResponse> => {
      managedPolicy(deps, i.PolicyArn as string);
      const e = policyEntities(deps, i.PolicyArn as string);
      return {
        PolicyGroups: [],
        PolicyUsers: i.EntityFilter === 'Role' ? [] : e.users.map((u) => ({ UserName: u })),
        PolicyRoles: i.EntityFilter === 'User' ? [] : e.roles.map((r) => ({ RoleName: r })),
        IsTruncated: false,
      };
    },
    TagPolicy: (i: iam.TagPolicyRequest) => {
      tagPolicy(deps, i.PolicyArn as string, tagsIn(i.Tags));
      return {};
    },
    UntagPolicy: (i: iam.UntagPolicyRequest) => {
      tagPolicy(deps, i.PolicyArn as string, [], i.TagKeys ?? []);
      return {};
    },
    ListPolicyTags: (i: iam.ListPolicyTagsRequest): Out<iam.ListPolicyTagsResponse> => ({
      Tags: tagsOut(managedPolicy(deps, i.PolicyArn as string).tags),
      IsTruncated: false,
    }),
  };
}
