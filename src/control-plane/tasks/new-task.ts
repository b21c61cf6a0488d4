import { hexId } from '../../kernel/index.js';
import { containerArn, taskArn } from '../arns.js';
import type { ControlPlaneDeps } from '../deps.js';
import {
  FLEET,
  workloads,
  type ClusterRecord,
  type ContainerInstanceRecord,
  type Tag,
  type TaskDefinitionRecord,
  type TaskRecord,
} from '../tables.js';
import type { taskReservation } from './resources.js';
import { ecsWorkload } from './ecs-workload.js';
import { putTask, type InstanceBatch } from './put-task.js';
import type { WriteTx } from '../../store/index.js';

export interface RunTaskResult {
  tasks: TaskRecord[];
  failures: { arn?: string; reason: string; detail?: string }[];
}

/** What every task of one RunTask call shares. */
export interface TaskContext {
  cluster: ClusterRecord;
  td: TaskDefinitionRecord;
  res: ReturnType<typeof taskReservation>;
  group: string;
  createdAt: number;
  input: {
    startedBy?: string;
    overrides?: Record<string, unknown>;
    enableExecuteCommand?: boolean;
  };
  tags: Tag[];
}

/** Where and how one task runs: the fields that differ between instances and Fargate. */
export type Placement = Pick<TaskRecord, 'launchType' | 'ports'> &
  Partial<
    Pick<
      TaskRecord,
      | 'host'
      | 'containerInstanceArn'
      | 'availabilityZone'
      | 'capacityProviderName'
      | 'platformVersion'
      | 'platformFamily'
      | 'ephemeralStorageGiB'
      | 'subnetId'
      | 'attachments'
    >
  >;

/**
 * A new task record with its containers PENDING: PROVISIONING where the task gets a network
 * interface of its own (awsvpc, Fargate), PENDING otherwise, as ECS starts them.
 */
export function newTask(deps: ControlPlaneDeps, ctx: TaskContext, id: string, where: Placement): TaskRecord {
  const { cluster, td, res, input } = ctx;
  return {
    cluster: cluster.name,
    id,
    arn: taskArn(deps, cluster.name, id),
    taskDefinitionArn: td.arn,
    family: td.family,
    desiredStatus: 'RUNNING',
    lastStatus: where.subnetId !== undefined || where.host?.pool === FLEET ? 'PROVISIONING' : 'PENDING',
    group: ctx.group,
    ...(input.startedBy ? { startedBy: input.startedBy } : {}),
    createdAt: ctx.createdAt,
    overrides: input.overrides ?? {},
    cpu: res.cpu,
    memory: res.memory,
    cpuText: String(res.cpu),
    memoryText: String(res.memory),
    tags: ctx.tags,
    enableExecuteCommand: input.enableExecuteCommand ?? false,
    containers: res.containers.map((c) => {
      const cid = hexId();
      return {
        name: c.name as string,
        id: cid,
        arn: containerArn(deps, cluster.name, id, cid),
        image: c.image as string,
        lastStatus: 'PENDING',
        networkBindings: [],
        networkInterfaces: [],
        healthStatus: 'UNKNOWN' as const,
        essential: c.essential !== false,
        cpu: String(c.cpu ?? 0), // ECS shows 0 for a container that reserves no CPU
        ...(c.memory !== undefined ? { memory: String(c.memory) } : {}),
        ...(c.memoryReservation !== undefined ? { memoryReservation: String(c.memoryReservation) } : {}),
      };
    }),
    attachments: [],
    healthStatus: 'UNKNOWN',
    version: 1,
    ...where,
  };
}

/** A new task, stored with what its host will run: the neutral workload, translated once, here. */
export function putNewTask(tx: WriteTx, rec: TaskRecord, td: TaskDefinitionRecord, batch: InstanceBatch): TaskRecord {
  tx.put(workloads, { key: `${rec.cluster}/${rec.id}`, spec: ecsWorkload(rec, td) });
  return putTask(tx, rec, batch);
}

/** The availability zone an instance advertises, for its tasks. */
export function zoneOf(inst: ContainerInstanceRecord): { availabilityZone?: string } {
  const az = inst.attributes.find((a) => a.name === 'ecs.availability-zone')?.value;
  return az ? { availabilityZone: az } : {};
}
