import { invalidParameter } from '../../kernel/index.js';
import {
  parseQuery,
  placeTasks,
  type Constraint,
  type Plan,
  type Strategy,
  type TaskRequest,
} from '../../scheduler/index.js';
import { getCluster } from '../clusters.js';
import { instanceView, listInstances } from '../container-instances.js';
import { now, type ControlPlaneDeps } from '../deps.js';
import { type ClusterRecord, type ContainerInstanceRecord, type Tag, type TaskDefinitionRecord } from '../tables.js';
import { resolveTaskDefinition } from '../task-definitions/task-definitions.js';
import { runOnFargate } from './fargate-run.js';
import { keptFleet } from './fleet-cache.js';
import { resolveLaunch } from './launch.js';
import { checkTaskRole } from './task-role.js';
import { refuseUnsupported } from './unsupported.js';
import type { RunTaskResult, TaskContext } from './new-task.js';

export type { RunTaskResult } from './new-task.js';
import { applyPlan } from './apply-plan.js';
import { taskReservation, type Overrides } from './resources.js';

export interface RunTaskInput {
  cluster?: string;
  taskDefinition: string;
  count?: number;
  launchType?: string;
  capacityProviderStrategy?: unknown[];
  overrides?: Overrides & Record<string, unknown>;
  placementConstraints?: { type?: string; expression?: string }[];
  placementStrategy?: { type?: string; field?: string }[];
  group?: string;
  startedBy?: string;
  tags?: Tag[];
  propagateTags?: string;
  enableExecuteCommand?: boolean;
  platformVersion?: string;
  networkConfiguration?: unknown;
  /** Internal (services): tasks already running per capacity provider, to keep the strategy's split. */
  providerCounts?: Record<string, number>;
  /** StartTask: place only on these instances. */
  containerInstances?: string[];
}

/** The instances RunTask sees: all but the deregistered. */
const registered = (i: ContainerInstanceRecord): boolean => i.status !== 'INACTIVE';

function toConstraints(list: RunTaskInput['placementConstraints']): Constraint[] {
  return (list ?? []).map((c) => {
    if (c.type === 'distinctInstance') {
      if (c.expression)
        throw invalidParameter('distinctInstance takes no expression.', { field: 'placementConstraints' });
      return { type: 'distinctInstance' } as const;
    }
    if (!c.expression) throw invalidParameter('memberOf requires an expression.', { field: 'placementConstraints' });
    return { type: 'memberOf', expression: parseQuery(c.expression) } as const;
  });
}

function toStrategies(list: RunTaskInput['placementStrategy']): Strategy[] {
  return (list ?? []).map((s) => {
    if (s.type === 'random') return { type: 'random' } as const;
    if (s.type === 'binpack') {
      const field = (s.field ?? '').toLowerCase();
      if (field !== 'cpu' && field !== 'memory')
        throw invalidParameter("binpack's field must be cpu or memory.", { field: 'placementStrategy' });
      return { type: 'binpack', field } as const;
    }
    if (!s.field) throw invalidParameter('spread requires a field.', { field: 'placementStrategy' });
    return { type: 'spread', field: s.field } as const;
  });
}

/**
 * RunTask and StartTask: resolve, place with the pure scheduler, then commit the plan in one
 * transaction that re-checks every placement against the instances as they are at commit time,
 * so two racing calls can never both take the last resources of an instance.
 */
export async function runTask(deps: ControlPlaneDeps, input: RunTaskInput): Promise<RunTaskResult> {
  const cluster = getCluster(deps, input.cluster);
  const td = resolveTaskDefinition(deps, input.taskDefinition);
  if (td.status !== 'ACTIVE') throw invalidParameter('TaskDefinition is inactive', { reason: 'definition-invalid' });
  const count = input.count ?? 1;
  if (count < 1 || count > 10) throw invalidParameter('count must be between 1 and 10.', { field: 'count' });
  refuseUnsupported(td, input);
  checkTaskRole(deps, td, input.overrides as Record<string, unknown> | undefined);
  const launch = resolveLaunch(cluster, td, input, count);
  const ctx = taskContext(deps, cluster, td, input);
  if (launch.kind === 'fargate') {
    if (input.containerInstances)
      throw invalidParameter('StartTask does not launch tasks on Fargate.', { field: 'launchType' });
    return runOnFargate(deps, ctx, launch);
  }
  return runOnInstances(deps, ctx, launch, input, count);
}

function taskContext(
  deps: ControlPlaneDeps,
  cluster: ClusterRecord,
  td: TaskDefinitionRecord,
  input: RunTaskInput,
): TaskContext {
  return {
    cluster,
    td,
    res: taskReservation(td, input.overrides),
    group: input.group ?? `family:${td.family}`,
    createdAt: now(deps),
    input,
    tags: [...(input.propagateTags === 'TASK_DEFINITION' ? td.tags : []), ...(input.tags ?? [])],
  };
}

async function runOnInstances(
  deps: ControlPlaneDeps,
  ctx: TaskContext,
  launch: { launchType: string; subnetId?: string },
  input: RunTaskInput,
  count: number,
): Promise<RunTaskResult> {
  const { cluster, td, res, group } = ctx;
  const tdConstraints = ((td.input.placementConstraints as RunTaskInput['placementConstraints']) ?? []).filter(
    (c) => c.type === 'memberOf',
  );
  const request: TaskRequest = {
    cpu: res.cpu,
    memory: res.memory,
    gpus: res.gpus,
    ports: res.ports,
    group,
    requiredAttributes: td.requiresAttributes,
    constraints: toConstraints([...tdConstraints, ...(input.placementConstraints ?? [])]),
    strategies: toStrategies(input.placementStrategy),
  };
  // StartTask names its instances; RunTask places over the cluster's kept fleet.
  const named = input.containerInstances?.map((r) => r.slice(r.lastIndexOf('/') + 1));
  const candidates = named
    ? listInstances(deps, cluster.name)
        .filter((i) => registered(i) && named.includes(i.id))
        .map((i) => instanceView(i))
    : keptFleet(deps.store, cluster.name, registered);
  if ((Array.isArray(candidates) ? candidates : candidates.views).length === 0)
    throw invalidParameter('No Container Instances were found in your cluster.', { field: 'cluster' });
  const plan: Plan = placeTasks(candidates, request, count, deps.rng);
  const records = await applyPlan(deps, ctx, plan, {
    pool: cluster.name,
    hostPorts: true,
    stale: 'A placement on a container instance is no longer valid; retry.',
    fields: (inst) => ({
      containerInstanceArn: inst.arn,
      launchType: launch.launchType,
      ports: res.ports,
      ...(launch.subnetId ? { subnetId: launch.subnetId } : {}),
    }),
  });
  return { tasks: records, failures: plan.failures.map((f) => ({ arn: f.arn, reason: f.reason })) };
}
