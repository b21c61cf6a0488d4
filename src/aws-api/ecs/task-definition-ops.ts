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
  RegisterTaskDefinition: (
    i: ecs.RegisterTaskDefinitionRequest,
    ctx: RequestContext,
  ): Out<ecs.RegisterTaskDefinitionResponse> => {
    const rec = registerTaskDefinition(
      deps,
      i as unknown as Parameters<typeof registerTaskDefinition>[1],
      callerArn(ctx),
    );
    return { taskDefinition: toTaskDefinition(rec), tags: rec.tags };
  },

  DescribeTaskDefinition: (i: ecs.DescribeTaskDefinitionRequest): Out<ecs.DescribeTaskDefinitionResponse> => {
    const rec = resolveTaskDefinition(deps, i.taskDefinition as string);
    return { taskDefinition: toTaskDefinition(rec), ...(i.include?.includes('TAGS') ? { tags: rec.tags } : {}) };
  },

  ListTaskDefinitions: (i: ecs.ListTaskDefinitionsRequest): Out<ecs.ListTaskDefinitionsResponse> => {
    const all = listTaskDefinitions(deps, {
      ...(i.familyPrefix ? { familyPrefix: i.familyPrefix } : {}),
      ...(i.status ? { status: i.status } : {}),
      ...(i.sort ? { sort: i.sort } : {}),
    }).map((t) => t.arn);
    const { page, nextToken } = paginateInOrder(all, i.maxResults, i.nextToken);
    return { taskDefinitionArns: page, ...(nextToken ? { nextToken } : {}) };
  },

  ListTaskDefinitionFamilies: (
    i: ecs.ListTaskDefinitionFamiliesRequest,
  ): Out<ecs.ListTaskDefinitionFamiliesResponse> => {
    const all = listFamilies(deps, {
      ...(i.familyPrefix ? { familyPrefix: i.familyPrefix } : {}),
      ...(i.status ? { status: i.status } : {}),
    });
    const { page, nextToken } = paginate(all, (f) => f, i.maxResults, i.nextToken);
    return { families: page, ...(nextToken ? { nextToken } : {}) };
  },

  DeregisterTaskDefinition: (i: ecs.DeregisterTaskDefinitionRequest): Out<ecs.DeregisterTaskDefinitionResponse> => ({
    taskDefinition: toTaskDefinition(deregisterTaskDefinition(deps, i.taskDefinition as string)),
  }),

  DeleteTaskDefinitions: (i: ecs.DeleteTaskDefinitionsRequest): Out<ecs.DeleteTaskDefinitionsResponse> => {
    const r = deleteTaskDefinitions(deps, i.taskDefinitions ?? []);
    return { taskDefinitions: r.deleted.map(toTaskDefinition), failures: r.failures };
  },
});
