import type * as iam from '@aws-sdk/client-iam';
import {
  addRoleToInstanceProfile,
  createInstanceProfile,
  deleteInstanceProfile,
  entity,
  findEntity,
  instanceProfile,
  listInstanceProfiles,
  removeRoleFromInstanceProfile,
  type IamDeps,
  type InstanceProfileRecord,
  type RoleRecord,
} from '../../iam/index.js';
import type { Handler } from '../service.js';
import { page, roleOut, tagsIn, tagsOut } from './iam-shapes.js';

type Out<T> = Omit<T, '$metadata'>;

function profileOut(deps: IamDeps, p: InstanceProfileRecord): iam.InstanceProfile {
  return {
    Path: p.path,
    InstanceProfileName: p.name,
    InstanceProfileId: p.id,
    Arn: p.arn,
    CreateDate: new Date(p.createdAt),
    Roles: p.roles
      .map((r) => findEntity<RoleRecord>(deps, 'role', r))
      .filter((r): r is RoleRecord => r !== undefined)
      .map((r) => roleOut(r, false)),
    ...(p.tags.length ? { Tags: tagsOut(p.tags) } : {}),
  };
}

/** IAM's instance profiles: kept for the tools that make one beside an ECS cluster on EC2. */
export function instanceProfileHandlers(deps: IamDeps): Record<string, Handler> {
  const list = (items: InstanceProfileRecord[], maxItems?: number, marker?: string) => {
    const p = page(items, (x) => x.name.toLowerCase(), maxItems, marker);
    return {
      InstanceProfiles: p.items.map((x) => profileOut(deps, x)),
      IsTruncated: p.IsTruncated,
      ...(p.Marker ? { Marker: p.Marker } : {}),
    };
  };
  return {
    CreateInstanceProfile: async (
      i: iam.CreateInstanceProfileRequest,
    ): Promise<Out<iam.CreateInstanceProfileResponse>> => ({
      InstanceProfile: profileOut(
        deps,
        await createInstanceProfile(deps, {
          name: i.InstanceProfileName as string,
          ...(i.Path !== undefined ? { path: i.Path } : {}),
          tags: tagsIn(i.Tags),
        }),
      ),
    }),
    GetInstanceProfile: async (i: iam.GetInstanceProfileRequest): Promise<Out<iam.GetInstanceProfileResponse>> => ({
      InstanceProfile: profileOut(deps, instanceProfile(deps, i.InstanceProfileName as string)),
    }),
    DeleteInstanceProfile: async (i: iam.DeleteInstanceProfileRequest) => {
      await deleteInstanceProfile(deps, i.InstanceProfileName as string);
      return {};
    },
    AddRoleToInstanceProfile: async (i: iam.AddRoleToInstanceProfileRequest) => {
      await addRoleToInstanceProfile(deps, i.InstanceProfileName as string, i.RoleName as string);
      return {};
    },
    RemoveRoleFromInstanceProfile: async (i: iam.RemoveRoleFromInstanceProfileRequest) => {
      await removeRoleFromInstanceProfile(deps, i.InstanceProfileName as string, i.RoleName as string);
      return {};
    },
    ListInstanceProfiles: async (i: iam.ListInstanceProfilesRequest): Promise<Out<iam.ListInstanceProfilesResponse>> =>
      list(listInstanceProfiles(deps, i.PathPrefix ? { pathPrefix: i.PathPrefix } : {}), i.MaxItems, i.Marker),
    ListInstanceProfilesForRole: async (
      i: iam.ListInstanceProfilesForRoleRequest,
    ): Promise<Out<iam.ListInstanceProfilesForRoleResponse>> => {
      const role = entity<RoleRecord>(deps, 'role', i.RoleName as string);
      return list(listInstanceProfiles(deps, { role: role.name }), i.MaxItems, i.Marker);
    },
  };
}
