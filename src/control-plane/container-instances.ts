import { hexId, invalidParameter, notFound } from '../kernel/index.js';
import { evaluateQuery, parseQuery, type InstanceView } from '../scheduler/index.js';
import { containerInstanceArn, nameFromArnOrName } from './arns.js';
import { getCluster } from './clusters.js';
import { now, type ControlPlaneDeps } from './deps.js';
import { containerInstances, FLEET, type AttributeRecord, type ContainerInstanceRecord, type Tag } from './tables.js';
import { emptyUsage, groupCounts } from './tasks/put-task.js';

export interface RegisterInstanceInput {
  cluster?: string;
  /** Re-registration of a known instance (an agent that restarts keeps its identity). */
  containerInstanceId?: string;
  ec2InstanceId?: string;
  cpu: number;
  memory: number;
  ports?: string[];
  gpus?: number;
  attributes?: AttributeRecord[];
  tags?: Tag[];
  agentVersion?: string;
  hostname?: string;
  agentConnected?: boolean;
  /** The address berth reaches the host at (its agent's connection's), for load balancers' targets. */
  address?: string;
  /** Every pool the host serves, when more than one (see ContainerInstanceRecord.pools). */
  pools?: string[];
}

/** Registers (or re-registers) a container instance; attributes are merged, custom ones kept. */
export async function registerContainerInstance(
  deps: ControlPlaneDeps,
  input: RegisterInstanceInput,
): Promise<ContainerInstanceRecord> {
  return putInstance(deps, getCluster(deps, input.cluster).name, input);
}

/** A host joins (or rejoins) the Fargate fleet: an instance of the hidden FLEET pseudo-cluster. */
export async function registerFleetHost(
  deps: ControlPlaneDeps,
  input: RegisterInstanceInput,
): Promise<ContainerInstanceRecord> {
  return putInstance(deps, FLEET, input);
}

async function putInstance(
  deps: ControlPlaneDeps,
  cluster: string,
  input: RegisterInstanceInput,
): Promise<ContainerInstanceRecord> {
  return await deps.store.transact((tx) => {
    const id = input.containerInstanceId ?? hexId();
    const existing = tx.get(containerInstances, `${cluster}/${id}`)?.value;
    const attrs = new Map((existing?.attributes ?? []).map((a) => [a.name, a]));
    for (const a of input.attributes ?? []) attrs.set(a.name, a);
    const rec: ContainerInstanceRecord = {
      cluster,
      id,
      arn: containerInstanceArn(deps, cluster, id),
      ec2InstanceId: input.ec2InstanceId ?? existing?.ec2InstanceId ?? `i-${id.slice(0, 17)}`,
      status: existing && existing.status !== 'INACTIVE' ? existing.status : 'ACTIVE',
      agentConnected: input.agentConnected ?? false,
      ...(input.agentConnected ? { agentLastSeenAt: now(deps) } : {}),
      registeredAt: existing?.registeredAt ?? now(deps),
      registeredResources: { cpu: input.cpu, memory: input.memory, ports: input.ports ?? [], gpus: input.gpus ?? 0 },
      attributes: [...attrs.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
      tags: input.tags ?? existing?.tags ?? [],
      version: (existing?.version ?? 0) + 1,
      ...(existing?.usage ? { usage: existing.usage } : {}),
      ...(input.agentVersion ? { agentVersion: input.agentVersion } : {}),
      ...(input.hostname ? { hostname: input.hostname } : {}),
      ...((input.address ?? existing?.address) ? { address: input.address ?? existing?.address } : {}),
      ...(input.pools && input.pools.length > 1 ? { pools: input.pools } : {}),
    };
    return tx.put(containerInstances, rec).value;
  });
}

/**
 * A host's rows in the pools it serves, each made to count what the others' tasks reserve of its
 * memory: exact from the rows' own usage, whatever the host served before (a host that starts
 * serving a second pool while tasks run).
 */
export async function sharePoolMemory(deps: ControlPlaneDeps, pools: string[], id: string): Promise<void> {
  if (pools.length < 2) return;
  await deps.store.transact((tx) => {
    const rows = pools.flatMap((p) => tx.get(containerInstances, `${p}/${id}`)?.value ?? []);
    const total = rows.reduce((n, r) => n + (r.usage?.memory ?? 0), 0);
    for (const r of rows) {
      const others = total - (r.usage?.memory ?? 0);
      if ((r.usage?.otherPoolsMemory ?? 0) === others) continue;
      const usage = { ...(r.usage ?? emptyUsage()), otherPoolsMemory: others };
      tx.put(containerInstances, { ...r, usage, version: r.version + 1 });
    }
  });
}

export function findInstance(
  deps: ControlPlaneDeps,
  cluster: string,
  ref: string,
): ContainerInstanceRecord | undefined {
  return deps.store.read((tx) => tx.get(containerInstances, `${cluster}/${nameFromArnOrName(ref)}`))?.value;
}

export function getInstance(deps: ControlPlaneDeps, cluster: string, ref: string): ContainerInstanceRecord {
  const rec = findInstance(deps, cluster, ref);
  if (!rec)
    throw invalidParameter(`Container instance '${ref}' not found in cluster '${cluster}'.`, {
      field: 'containerInstance',
    });
  return rec;
}

export function listInstances(deps: ControlPlaneDeps, cluster: string): ContainerInstanceRecord[] {
  return deps.store.read((tx) => tx.list(containerInstances, { prefix: `${cluster}/` })).map((e) => e.value);
}

/** What an instance has left: registered minus every task placed on it that has not stopped. */
export function remainingResources(inst: ContainerInstanceRecord) {
  const u = inst.usage;
  const reg = inst.registeredResources;
  return {
    cpu: reg.cpu - (u?.cpu ?? 0),
    memory: reg.memory - (u?.memory ?? 0) - (u?.otherPoolsMemory ?? 0),
    gpus: reg.gpus - (u?.gpus ?? 0),
    usedPorts: u?.usedPorts ?? [],
    taskGroups: u ? groupCounts(u) : {},
    running: u?.running ?? 0,
    pending: u?.pending ?? 0,
  };
}

export async function updateInstance(
  deps: ControlPlaneDeps,
  cluster: string,
  ref: string,
  change: (i: ContainerInstanceRecord) => ContainerInstanceRecord,
): Promise<ContainerInstanceRecord> {
  const id = nameFromArnOrName(ref);
  return await deps.store.transact((tx) => {
    const cur = tx.get(containerInstances, `${cluster}/${id}`)?.value;
    if (!cur) throw notFound(`Container instance '${ref}' not found.`, { resource: 'container-instance' });
    return tx.put(containerInstances, { ...change(cur), version: cur.version + 1 }).value;
  });
}

/** Refused while tasks run on it, unless forced (the tasks are then orphaned, as in ECS). */
export async function deregisterInstance(
  deps: ControlPlaneDeps,
  cluster: string,
  ref: string,
  force: boolean,
): Promise<ContainerInstanceRecord> {
  const inst = getInstance(deps, cluster, ref);
  const left = remainingResources(inst);
  if (!force && left.running + left.pending > 0) {
    throw invalidParameter('Found running tasks on the instance.', { field: 'containerInstance' });
  }
  return updateInstance(deps, cluster, ref, (i) => ({ ...i, status: 'INACTIVE', agentConnected: false }));
}

export async function setAgentConnected(
  deps: ControlPlaneDeps,
  cluster: string,
  id: string,
  connected: boolean,
): Promise<void> {
  await deps.store.transact((tx) => {
    const cur = tx.get(containerInstances, `${cluster}/${id}`)?.value;
    if (cur && cur.agentConnected !== connected) {
      tx.put(containerInstances, {
        ...cur,
        agentConnected: connected,
        agentLastSeenAt: now(deps),
        version: cur.version + 1,
      });
    }
  });
}

/** An instance as the scheduler and the cluster query language see it. */
// Records from the store's cache are frozen and the same object until the instance changes: their
// views are built once (and the scheduler's per-attributes answers then hold across RunTasks).
const views = new WeakMap<ContainerInstanceRecord, InstanceView>();

export function instanceView(i: ContainerInstanceRecord): InstanceView {
  let v = views.get(i);
  if (!v) {
    v = buildView(i);
    if (Object.isFrozen(i)) views.set(i, Object.freeze(v));
  }
  return v;
}

function buildView(i: ContainerInstanceRecord): InstanceView {
  const left = remainingResources(i);
  return {
    arn: i.arn,
    id: i.id,
    status: i.status,
    agentConnected: i.agentConnected,
    registeredAt: i.registeredAt,
    ...(i.ec2InstanceId ? { ec2InstanceId: i.ec2InstanceId } : {}),
    ...(i.agentVersion ? { agentVersion: i.agentVersion } : {}),
    attributes: Object.fromEntries(i.attributes.map((a) => [a.name, a.value ?? ''])),
    remaining: { cpu: left.cpu, memory: left.memory, gpus: left.gpus },
    usedPorts: left.usedPorts,
    taskGroups: left.taskGroups,
    runningTasksCount: left.running,
  };
}

/** ListContainerInstances: by status (all but INACTIVE by default) and cluster query filter. */
export function filterInstances(
  deps: ControlPlaneDeps,
  cluster: string,
  options: { filter?: string; status?: string },
): ContainerInstanceRecord[] {
  const expr = options.filter ? parseQuery(options.filter) : undefined;
  return listInstances(deps, cluster).filter(
    (c) =>
      (options.status ? c.status === options.status : c.status !== 'INACTIVE') &&
      (!expr || evaluateQuery(expr, instanceView(c))),
  );
}

/**
 * The address of a host, by the EC2 instance id or container instance id a load balancer's
 * `instance` target names it by; undefined for a host berth does not know or cannot reach.
 */
export function hostAddressOf(deps: ControlPlaneDeps, instanceId: string): string | undefined {
  const rec = deps.store
    .read((tx) => tx.list(containerInstances))
    .find((e) => e.value.ec2InstanceId === instanceId || e.value.id === instanceId)?.value;
  return rec?.address;
}
