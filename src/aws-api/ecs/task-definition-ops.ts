import type * as ecs from '@aws-sdk/client-ecs';
import {
  type ControlPlaneDeps,
  type TaskDefinitionRecord,
  deleteTaskDefinitions,
  deregisterTaskDefinition,
  listFamilies,
  listTaskDefinitions,
  registerTaskDefinition,
  resolveTaskDefinition,
} from '../../control-plane/index.js';
import type { RequestContext } from '../../kernel/index.js';
import { paginate, paginateInOrder } from '../pagination.js';

type Out<T> = Omit<T, '$metadata'>;

/**
 * A container definition as ECS echoes it: what was registered, verbatim, with the defaults ECS
 * writes in (no CPU reserved, essential, and empty lists rather than absent ones).
 */
function echoContainer(c: ecs.ContainerDefinition): ecs.ContainerDefinition {
  return {
    cpu: 0,
    portMappings: [],
    essential: true,
    environment: [],
    mountPoints: [],
    volumesFrom: [],
    ...c,
  };
}

/** The registered input comes back verbatim, with what ECS adds around it. */
export function toTaskDefinition(t: TaskDefinitionRecord): ecs.TaskDefinition {
  return {
    ...(t.input as ecs.TaskDefinition),
    containerDefinitions: ((t.input.containerDefinitions ?? []) as ecs.ContainerDefinition[]).map(echoContainer),
    taskDefinitionArn: t.arn,
    family: t.family,
    revision: t.revision,
    status: t.status,
    networkMode: ((t.input.networkMode as string | undefined) ?? 'bridge') as ecs.NetworkMode,
    requiresAttributes: t.requiresAttributes,
    compatibilities: t.compatibilities as ecs.Compatibility[],
    registeredAt: new Date(t.registeredAt),
    ...(t.registeredBy ? { registeredBy: t.registeredBy } : {}),
    ...(t.deregisteredAt !== undefined ? { deregisteredAt: new Date(t.deregisteredAt) } : {}),
    ...(t.deleteRequestedAt !== undefined ? { deleteRequestedAt: new Date(t.deleteRequestedAt) } : {}),
    volumes: (t.input.volumes as ecs.Volume[] | undefined) ?? [],
    placementConstraints: (t.input.placementConstraints as ecs.TaskDefinitionPlacementConstraint[] | undefined) ?? [],
  };
}

const callerArn = (ctx: RequestContext) => `arn:aws:iam::${ctx.accountId}:root`;

export const taskDefinitionOps = (deps: ControlPlaneDeps) => ({
  RegisterTaskDefinition: async (
    i: ecs.RegisterTaskDefinitionRequest,
    ctx: RequestContext,
  ): Promise<Out<ecs.RegisterTaskDefinitionResponse>> => {
    const rec = await registerTaskDefinition(
      deps,
      i as unknown as Parameters<typeof registerTaskDefinition>[1],
      callerArn(ctx),
    );
    return { taskDefinition: toTaskDefinition(rec), tags: rec.tags };
  },

  DescribeTaskDefinition: async (
    i: ecs.DescribeTaskDefinitionRequest,
  ): Promise<Out<ecs.DescribeTaskDefinitionResponse>> => {
    const rec = resolveTaskDefinition(deps, i.taskDefinition as string);
    return { taskDefinition: toTaskDefinition(rec), ...(i.include?.includes('TAGS') ? { tags: rec.tags } : {}) };
  },

  ListTaskDefinitions: async (i: ecs.ListTaskDefinitionsRequest): Promise<Out<ecs.ListTaskDefinitionsResponse>> => {
    const all = listTaskDefinitions(deps, {
      ...(i.familyPrefix ? { familyPrefix: i.familyPrefix } : {}),
      ...(i.status ? { status: i.status } : {}),
      ...(i.sort ? { sort: i.sort } : {}),
    }).map((t) => t.arn);
    const { page, nextToken } = paginateInOrder(all, i.maxResults, i.nextToken);
    return { taskDefinitionArns: page, ...(nextToken ? { nextToken } : {}) };
  },

  ListTaskDefinitionFamilies: async (
    i: ecs.ListTaskDefinitionFamiliesRequest,
  ): Promise<Out<ecs.ListTaskDefinitionFamiliesResponse>> => {
    const all = listFamilies(deps, {
      ...(i.familyPrefix ? { familyPrefix: i.familyPrefix } : {}),
      ...(i.status ? { status: i.status } : {}),
    });
    const { page, nextToken } = paginate(all, (f) => f, i.maxResults, i.nextToken);
    return { families: page, ...(nextToken ? { nextToken } : {}) };
  },

  DeregisterTaskDefinition: async (
    i: ecs.DeregisterTaskDefinitionRequest,
  ): Promise<Out<ecs.DeregisterTaskDefinitionResponse>> => ({
    taskDefinition: toTaskDefinition(await deregisterTaskDefinition(deps, i.taskDefinition as string)),
  }),

  DeleteTaskDefinitions: async (
    i: ecs.DeleteTaskDefinitionsRequest,
  ): Promise<Out<ecs.DeleteTaskDefinitionsResponse>> => {
    const r = await deleteTaskDefinitions(deps, i.taskDefinitions ?? []);
    return { taskDefinitions: r.deleted.map(toTaskDefinition), failures: r.failures };
  },
});
