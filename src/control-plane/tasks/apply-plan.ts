import { Lanes, conflict, timeOrderedHexId } from '../../kernel/index.js';
import type { Plan } from '../../scheduler/index.js';
import { instanceView } from '../container-instances.js';
import type { ControlPlaneDeps } from '../deps.js';
import type { ContainerInstanceRecord, TaskRecord } from '../tables.js';
import { newTask, putNewTask, zoneOf, type Placement, type TaskContext } from './new-task.js';
import { InstanceBatch } from './put-task.js';

/** How one launch type's placements become tasks: the hosts' pool and what each task adds. */
export interface PlanTarget {
  /** The pool the plan's hosts serve (a cluster's name, or FLEET). */
  pool: string;
  /** Whether the tasks take host ports (instances' tasks do; a task with its own network does not). */
  hostPorts: boolean;
  /** Said when a host no longer has the room the plan counted on. */
  stale: string;
  /** The task's fields beyond its host and zone: launch type, ports, network, provider. */
  fields: (host: ContainerInstanceRecord, n: number, id: string) => Omit<Placement, 'host'>;
}

/**
 * A server commits one plan at a time per store. Plans crowd onto the same hosts (binpack picks
 * the fullest), so over a shared store (etcd) concurrent commits of one server would mostly
 * conflict with each other and retry; in a lane only the servers contend. Over SQLite a
 * transaction runs at once, so the lane costs a microtask.
 */
const planLanes = new Lanes();

/**
 * Commits a scheduler plan, for every launch type: in one transaction, each placement is checked
 * again against its host as the transaction sees it (earlier placements in it already count,
 * and the plan was made from a snapshot), then written as a new task with its workload. A host
 * that no longer fits fails the whole call with a conflict the caller may retry.
 */
export async function applyPlan(
  deps: ControlPlaneDeps,
  ctx: TaskContext,
  plan: Pick<Plan, 'placements'>,
  target: PlanTarget,
): Promise<TaskRecord[]> {
  const { res } = ctx;
  return await planLanes.of(deps.store).run(() => commitPlan(deps, ctx, plan, target, res));
}

function commitPlan(
  deps: ControlPlaneDeps,
  ctx: TaskContext,
  plan: Pick<Plan, 'placements'>,
  target: PlanTarget,
  res: TaskContext['res'],
): Promise<TaskRecord[]> {
  return deps.store.transact((tx) => {
    const out: TaskRecord[] = [];
    const batch = new InstanceBatch(tx);
    plan.placements.forEach((p, n) => {
      // The host as this transaction sees it (a host's id ends its ARN): not the list the plan
      // was made from, which a fleet of thousands would have to be searched through.
      const host = batch.instance(target.pool, p.instanceArn.slice(p.instanceArn.lastIndexOf('/') + 1));
      if (!host || host.arn !== p.instanceArn || host.status === 'INACTIVE') throw conflict(target.stale);
      const left = instanceView(host);
      if (
        left.remaining.cpu < res.cpu ||
        left.remaining.memory < res.memory ||
        (target.hostPorts && res.ports.some((x) => left.usedPorts.includes(x)))
      ) {
        throw conflict(target.stale);
      }
      // Time-ordered: the call's tasks and workloads are written side by side in the store.
      const id = timeOrderedHexId(ctx.createdAt);
      const rec = newTask(deps, ctx, id, {
        host: { pool: target.pool, id: host.id },
        ...zoneOf(host),
        ...target.fields(host, n, id),
      });
      out.push(putNewTask(tx, rec, ctx.td, batch));
    });
    batch.flush();
    return out;
  });
}
