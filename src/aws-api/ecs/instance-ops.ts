import { parseJson, invalidParameter } from '../../kernel/index.js';
import type * as ecs from '@aws-sdk/client-ecs';
import {
  getCluster,
  deregisterInstance,
  filterInstances,
  findInstance,
  getInstance,
  listInstances,
  registerContainerInstance,
  remainingResources,
  updateInstance,
  type ControlPlaneDeps,
  type ContainerInstanceRecord,
} from '../../control-plane/index.js';
import { paginate } from '../pagination.js';

type Out<T> = Omit<T, '$metadata'>;

const resources = (cpu: number, memory: number, ports: string[], gpus: number): ecs.Resource[] => [
  { name: 'CPU', type: 'INTEGER', integerValue: cpu, doubleValue: 0, longValue: 0 },
  { name: 'MEMORY', type: 'INTEGER', integerValue: memory, doubleValue: 0, longValue: 0 },
  {
    name: 'PORTS',
    type: 'STRINGSET',
    stringSetValue: ports.filter((p) => !p.endsWith('/udp')).map((p) => p.split('/')[0] as string),
    doubleValue: 0,
    longValue: 0,
    integerValue: 0,
  },
  {
    name: 'PORTS_UDP',
    type: 'STRINGSET',
    stringSetValue: ports.filter((p) => p.endsWith('/udp')).map((p) => p.split('/')[0] as string),
    doubleValue: 0,
    longValue: 0,
    integerValue: 0,
  },
  ...(gpus > 0 ? [{ name: 'GPU', type: 'INTEGER', integerValue: gpus, doubleValue: 0, longValue: 0 }] : []),
];

export function toContainerInstance(
  deps: ControlPlaneDeps,
  i: ContainerInstanceRecord,
  withTags = false,
): ecs.ContainerInstance {
  const left = remainingResources(i);
  const reg = i.registeredResources;
  return {
    containerInstanceArn: i.arn,
    ...(i.ec2InstanceId ? { ec2InstanceId: i.ec2InstanceId } : {}),
    version: i.version,
    versionInfo: { agentVersion: i.agentVersion ?? 'unknown', agentHash: 'berth', dockerVersion: 'runc' },
    registeredResources: resources(reg.cpu, reg.memory, reg.ports, reg.gpus),
    remainingResources: resources(left.cpu, left.memory, [...reg.ports, ...left.usedPorts], left.gpus),
    status: i.status,
    agentConnected: i.agentConnected,
    runningTasksCount: left.running,
    pendingTasksCount: left.pending,
    attributes: i.attributes,
    registeredAt: new Date(i.registeredAt),
    attachments: [],
    ...(withTags ? { tags: i.tags } : {}),
  };
}

function intValue(list: ecs.Resource[] | undefined, name: string): number {
  return list?.find((r) => r.name === name)?.integerValue ?? 0;
}

/** The EC2 instance id an instance identity document names (its `instanceId`), if it is one. */
function identityInstanceId(doc: string | undefined): string | undefined {
  if (!doc) return undefined;
  try {
    const parsed = parseJson(doc);
    const id =
      parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>)['instanceId'] : undefined;
    return typeof id === 'string' && /^i-[0-9a-f]{8,17}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

export const instanceOps = (deps: ControlPlaneDeps) => ({
  RegisterContainerInstance: async (
    i: ecs.RegisterContainerInstanceRequest,
  ): Promise<Out<ecs.RegisterContainerInstanceResponse>> => {
    const ports = (i.totalResources ?? [])
      .filter((r) => r.name === 'PORTS' || r.name === 'PORTS_UDP')
      .flatMap((r) => (r.stringSetValue ?? []).map((p) => `${p}/${r.name === 'PORTS' ? 'tcp' : 'udp'}`));
    const ec2InstanceId = identityInstanceId(i.instanceIdentityDocument);
    const rec = registerContainerInstance(deps, {
      ...(i.cluster ? { cluster: i.cluster } : {}),
      ...(ec2InstanceId ? { ec2InstanceId } : {}),
      ...(i.containerInstanceArn
        ? { containerInstanceId: i.containerInstanceArn.slice(i.containerInstanceArn.lastIndexOf('/') + 1) }
        : {}),
      cpu: intValue(i.totalResources, 'CPU'),
      memory: intValue(i.totalResources, 'MEMORY'),
      ports,
      attributes: (i.attributes ?? []).map((a) => ({
        name: a.name as string,
        ...(a.value !== undefined ? { value: a.value } : {}),
      })),
      tags: (i.tags ?? []) as { key: string; value: string }[],
      ...(i.versionInfo?.agentVersion ? { agentVersion: i.versionInfo.agentVersion } : {}),
    });
    return { containerInstance: toContainerInstance(deps, await rec, true) };
  },

  DescribeContainerInstances: async (
    i: ecs.DescribeContainerInstancesRequest,
  ): Promise<Out<ecs.DescribeContainerInstancesResponse>> => {
    if ((i.containerInstances ?? []).length === 0)
      throw invalidParameter('Container instance cannot be empty.', { field: 'containerInstances' });
    const cluster = getCluster(deps, i.cluster).name;
    const out: ecs.ContainerInstance[] = [];
    const failures: ecs.Failure[] = [];
    for (const ref of i.containerInstances ?? []) {
      const rec = findInstance(deps, cluster, ref);
      if (rec) out.push(toContainerInstance(deps, rec, i.include?.includes('TAGS')));
      else failures.push({ arn: ref, reason: 'MISSING' });
    }
    return { containerInstances: out, failures };
  },

  ListContainerInstances: async (
    i: ecs.ListContainerInstancesRequest,
  ): Promise<Out<ecs.ListContainerInstancesResponse>> => {
    const cluster = getCluster(deps, i.cluster).name;
    const all = filterInstances(deps, cluster, {
      ...(i.filter ? { filter: i.filter } : {}),
      ...(i.status ? { status: i.status } : {}),
    });
    const { page, nextToken } = paginate(all, (c) => c.id, i.maxResults, i.nextToken);
    return { containerInstanceArns: page.map((c) => c.arn), ...(nextToken ? { nextToken } : {}) };
  },

  UpdateContainerInstancesState: async (
    i: ecs.UpdateContainerInstancesStateRequest,
  ): Promise<Out<ecs.UpdateContainerInstancesStateResponse>> => {
    const cluster = getCluster(deps, i.cluster).name;
    if (i.status !== 'ACTIVE' && i.status !== 'DRAINING')
      throw invalidParameter('status must be ACTIVE or DRAINING.', { field: 'status' });
    const out: ecs.ContainerInstance[] = [];
    const failures: ecs.Failure[] = [];
    for (const ref of i.containerInstances ?? []) {
      if (!findInstance(deps, cluster, ref)) {
        failures.push({ arn: ref, reason: 'MISSING' });
        continue;
      }
      out.push(
        toContainerInstance(
          deps,
          await updateInstance(deps, cluster, ref, (c) => ({ ...c, status: i.status as 'ACTIVE' | 'DRAINING' })),
        ),
      );
    }
    return { containerInstances: out, failures };
  },

  DeregisterContainerInstance: async (
    i: ecs.DeregisterContainerInstanceRequest,
  ): Promise<Out<ecs.DeregisterContainerInstanceResponse>> => {
    const cluster = getCluster(deps, i.cluster).name;
    return {
      containerInstance: toContainerInstance(
        deps,
        await deregisterInstance(deps, cluster, i.containerInstance as string, i.force ?? false),
      ),
    };
  },

  PutAttributes: async (i: ecs.PutAttributesRequest): Promise<Out<ecs.PutAttributesResponse>> => {
    const cluster = getCluster(deps, i.cluster).name;
    for (const a of i.attributes ?? []) {
      if (!a.targetId) throw invalidParameter('attributes.targetId is required.', { field: 'attributes' });
      getInstance(deps, cluster, a.targetId);
      await updateInstance(deps, cluster, a.targetId, (c) => ({
        ...c,
        attributes: [
          ...c.attributes.filter((x) => x.name !== a.name),
          { name: a.name as string, ...(a.value !== undefined ? { value: a.value } : {}) },
        ].sort((x, y) => (x.name < y.name ? -1 : 1)),
      }));
    }
    return { attributes: i.attributes ?? [] };
  },

  DeleteAttributes: async (i: ecs.DeleteAttributesRequest): Promise<Out<ecs.DeleteAttributesResponse>> => {
    const cluster = getCluster(deps, i.cluster).name;
    for (const a of i.attributes ?? []) {
      if (!a.targetId) throw invalidParameter('attributes.targetId is required.', { field: 'attributes' });
      await updateInstance(deps, cluster, a.targetId, (c) => ({
        ...c,
        attributes: c.attributes.filter((x) => x.name !== a.name),
      }));
    }
    return { attributes: i.attributes ?? [] };
  },

  ListAttributes: async (i: ecs.ListAttributesRequest): Promise<Out<ecs.ListAttributesResponse>> => {
    const cluster = getCluster(deps, i.cluster).name;
    const all = listInstances(deps, cluster).flatMap((c) =>
      c.attributes
        .filter(
          (a) =>
            (!i.attributeName || a.name === i.attributeName) &&
            (i.attributeValue === undefined || a.value === i.attributeValue),
        )
        .map((a) => ({ ...a, targetType: 'container-instance' as const, targetId: c.arn })),
    );
    const { page, nextToken } = paginate(all, (a) => `${a.targetId} ${a.name}`, i.maxResults, i.nextToken);
    return { attributes: page, ...(nextToken ? { nextToken } : {}) };
  },
});
