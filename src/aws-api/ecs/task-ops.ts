import { invalidParameter } from '../../kernel/index.js';
import type * as ecs from '@aws-sdk/client-ecs';
import {
  getCluster,
  type ControlPlaneDeps,
  runTask,
  type RunTaskInput,
  type RunTaskResult,
  runTaskOnce,
  findTask,
  listTasks,
  stopTask,
  type TaskRecord,
} from '../../control-plane/index.js';
import { EncodedJson, encodeJsonText } from '../model/encode-json.js';
import { loadModel } from '../model/load.js';
import { paginate } from '../pagination.js';

type Out<T> = Omit<T, '$metadata'>;

const date = (ms: number | undefined) => (ms !== undefined ? new Date(ms) : undefined);

export function toTask(t: TaskRecord, clusterArn: string, withTags = false): ecs.Task {
  const d = (k: string, ms: number | undefined) => (ms !== undefined ? { [k]: date(ms) } : {});
  return {
    taskArn: t.arn,
    clusterArn,
    taskDefinitionArn: t.taskDefinitionArn,
    ...(t.containerInstanceArn ? { containerInstanceArn: t.containerInstanceArn } : {}),
    launchType: t.launchType as ecs.LaunchType,
    ...(t.capacityProviderName ? { capacityProviderName: t.capacityProviderName } : {}),
    ...(t.platformVersion ? { platformVersion: t.platformVersion } : {}),
    ...(t.platformFamily ? { platformFamily: t.platformFamily } : {}),
    ...(t.ephemeralStorageGiB !== undefined ? { ephemeralStorage: { sizeInGiB: t.ephemeralStorageGiB } } : {}),
    // A task draining from its load balancers is on its way to STOPPED, as ECS shows it.
    desiredStatus: t.deactivating ? 'STOPPED' : t.desiredStatus,
    lastStatus:
      t.deactivating && t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING' ? 'DEACTIVATING' : t.lastStatus,
    group: t.group,
    ...(t.startedBy ? { startedBy: t.startedBy } : {}),
    cpu: t.cpuText ?? String(t.cpu),
    memory: t.memoryText ?? String(t.memory),
    overrides: { containerOverrides: [], inferenceAcceleratorOverrides: [], ...(t.overrides as ecs.TaskOverride) },
    containers: t.containers.map((c) => ({
      containerArn: c.arn,
      taskArn: t.arn,
      name: c.name,
      image: c.image,
      ...(c.imageDigest ? { imageDigest: c.imageDigest } : {}),
      ...(c.runtimeId ? { runtimeId: c.runtimeId } : {}),
      lastStatus: c.lastStatus,
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.reason ? { reason: c.reason } : {}),
      networkBindings: c.networkBindings as ecs.NetworkBinding[],
      networkInterfaces: c.networkInterfaces,
      healthStatus: c.healthStatus,
      ...(c.cpu ? { cpu: c.cpu } : {}),
      ...(c.memory ? { memory: c.memory } : {}),
      ...(c.memoryReservation ? { memoryReservation: c.memoryReservation } : {}),
    })),
    attachments: t.attachments as ecs.Attachment[],
    attributes: [],
    ...(t.availabilityZone ? { availabilityZone: t.availabilityZone } : {}),
    healthStatus: t.healthStatus,
    version: t.version,
    enableExecuteCommand: t.enableExecuteCommand,
    ...(t.connectivity ? { connectivity: t.connectivity } : {}),
    ...d('connectivityAt', t.connectivityAt),
    ...d('createdAt', t.createdAt),
    ...d('pullStartedAt', t.pullStartedAt),
    ...d('pullStoppedAt', t.pullStoppedAt),
    ...d('startedAt', t.startedAt),
    ...d('stoppingAt', t.stoppingAt),
    ...d('stoppedAt', t.stoppedAt),
    ...d('executionStoppedAt', t.executionStoppedAt),
    ...(t.stopCode ? { stopCode: t.stopCode as ecs.TaskStopCode } : {}),
    ...(t.stoppedReason ? { stoppedReason: t.stoppedReason } : {}),
    tags: withTags ? t.tags : [],
  };
}

/**
 * DescribeTasks answers the same tasks again and again (waiters, dashboards, services polling):
 * a task record is replaced on every change and never mutated, so its ECS text is kept with it
 * (a WeakMap: it goes when the record does) and written as it is while the record stands.
 */
const encoded = new WeakMap<TaskRecord, { clusterArn: string; withTags: boolean; json: EncodedJson }>();

function describedTask(t: TaskRecord, clusterArn: string, withTags: boolean): ecs.Task {
  const known = encoded.get(t);
  if (known && known.clusterArn === clusterArn && known.withTags === withTags) return known.json as ecs.Task;
  const text = encodeJsonText(loadModel('ecs'), 'Task', toTask(t, clusterArn, withTags)) ?? '{}';
  const json = new EncodedJson(text);
  // Only a frozen record is a stored one that cannot change under the text.
  if (Object.isFrozen(t)) encoded.set(t, { clusterArn, withTags, json });
  return json as ecs.Task;
}

function toRunResult(
  deps: ControlPlaneDeps,
  r: RunTaskResult,
  clusterRef: string | undefined,
): Out<ecs.RunTaskResponse> {
  const arn = getCluster(deps, clusterRef).arn;
  return { tasks: r.tasks.map((t) => toTask(t, arn, true)), failures: r.failures };
}

export const taskOps = (deps: ControlPlaneDeps) => ({
  RunTask: async (i: ecs.RunTaskRequest): Promise<Out<ecs.RunTaskResponse>> =>
    toRunResult(deps, await runTaskOnce(deps, i as unknown as RunTaskInput & { clientToken?: string }), i.cluster),

  StartTask: async (i: ecs.StartTaskRequest): Promise<Out<ecs.StartTaskResponse>> => {
    const results: RunTaskResult[] = [];
    for (const ci of i.containerInstances ?? [])
      results.push(await runTask(deps, { ...(i as unknown as RunTaskInput), count: 1, containerInstances: [ci] }));
    const merged: RunTaskResult = {
      tasks: results.flatMap((r) => r.tasks),
      failures: results.flatMap((r) => r.failures),
    };
    return toRunResult(deps, merged, i.cluster);
  },

  StopTask: async (i: ecs.StopTaskRequest): Promise<Out<ecs.StopTaskResponse>> => {
    const c = getCluster(deps, i.cluster);
    return { task: toTask(await stopTask(deps, c.name, i.task as string, i.reason), c.arn) };
  },

  DescribeTasks: async (i: ecs.DescribeTasksRequest): Promise<Out<ecs.DescribeTasksResponse>> => {
    if ((i.tasks ?? []).length === 0) throw invalidParameter('Tasks cannot be empty.', { field: 'tasks' });
    const c = getCluster(deps, i.cluster);
    const out: ecs.Task[] = [];
    const failures: ecs.Failure[] = [];
    for (const ref of i.tasks ?? []) {
      const t = findTask(deps, c.name, ref);
      if (t) out.push(describedTask(t, c.arn, i.include?.includes('TAGS') ?? false));
      else failures.push({ arn: ref, reason: 'MISSING' });
    }
    return { tasks: out, failures };
  },

  ListTasks: async (i: ecs.ListTasksRequest): Promise<Out<ecs.ListTasksResponse>> => {
    const c = getCluster(deps, i.cluster);
    const all = listTasks(deps, c.name, {
      ...(i.containerInstance ? { containerInstance: i.containerInstance } : {}),
      ...(i.family ? { family: i.family } : {}),
      ...(i.startedBy ? { startedBy: i.startedBy } : {}),
      ...(i.serviceName ? { serviceName: i.serviceName } : {}),
      ...(i.desiredStatus ? { desiredStatus: i.desiredStatus } : {}),
      ...(i.launchType ? { launchType: i.launchType } : {}),
    });
    const { page, nextToken } = paginate(all, (t) => t.id, i.maxResults, i.nextToken);
    return { taskArns: page.map((t) => t.arn), ...(nextToken ? { nextToken } : {}) };
  },
});
