import { hexId, conflict } from '../../kernel/index.js';
import { attachmentIdFor } from '../../wire/index.js';
import { placeTasks, type TaskRequest } from '../../scheduler/index.js';
import { fleetFor } from './fleet-cache.js';
import { instanceView, listInstances } from '../container-instances.js';
import type { ControlPlaneDeps } from '../deps.js';
import { FLEET, type ContainerInstanceRecord, type TaskRecord } from '../tables.js';
import type { Launch } from './launch.js';
import { newTask, putNewTask, zoneOf, type RunTaskResult, type TaskContext } from './new-task.js';
import { InstanceBatch } from './put-task.js';

// ECS's reason when Fargate has no room for a task.
export const NO_CAPACITY =
  'Capacity is unavailable at this time. Please try again later or in a different availability zone';

/**
 * Fargate tasks: placed on the hosts of the Fargate fleet (spread over them), never on the
 * cluster's own instances. Each gets its own network namespace on its host, so it reserves no
 * host ports; what it reserves is its task-level CPU and memory.
 */
export function runOnFargate(
  deps: ControlPlaneDeps,
  ctx: TaskContext,
  launch: Extract<Launch, { kind: 'fargate' }>,
): RunTaskResult {
  const { res } = ctx;
  const hosts = listInstances(deps, FLEET).filter((h) => h.status === 'ACTIVE' && h.agentConnected);
  const request: TaskRequest = {
    cpu: res.cpu,
    memory: res.memory,
    gpus: 0,
    ports: [],
    group: ctx.group,
    requiredAttributes: [],
    constraints: [],
    strategies: [{ type: 'spread', field: 'instanceId' }],
  };
  const count = launch.providers.length;
  const plan = hosts.length
    ? placeTasks(fleetFor(deps.store, FLEET, hosts), request, count, deps.rng)
    : { placements: [], failures: Array.from({ length: count }, () => ({ reason: NO_CAPACITY })) };
  const ephemeral = (ctx.td.input.ephemeralStorage as { sizeInGiB?: number } | undefined)?.sizeInGiB ?? 20;
  const records = deps.store.write((tx) => {
    const out: TaskRecord[] = [];
    const batch = new InstanceBatch(tx);
    plan.placements.forEach((p, n) => {
      const host = hosts.find((h) => h.arn === p.instanceArn) as ContainerInstanceRecord;
      const left = instanceView(batch.instance(FLEET, host.id) ?? host);
      if (left.remaining.cpu < res.cpu || left.remaining.memory < res.memory)
        throw conflict('The Fargate placement is no longer valid; retry.');
      const provider = launch.providers[n];
      const id = hexId();
      const rec = newTask(deps, ctx, id, {
        launchType: 'FARGATE',
        ports: [],
        fargateHostId: host.id,
        ...zoneOf(host),
        ...(provider ? { capacityProviderName: provider } : {}),
        platformVersion: launch.platformVersion,
        platformFamily: 'Linux',
        ephemeralStorageGiB: ephemeral,
        subnetId: launch.subnetId,
        // The ENI-to-be, as ECS shows it before the task's network is up.
        attachments: [
          {
            id: attachmentIdFor(id),
            type: 'ElasticNetworkInterface',
            status: 'PRECREATED',
            details: [{ name: 'subnetId', value: launch.subnetId }],
          },
        ],
      });
      out.push(putNewTask(tx, rec, ctx.td, batch));
    });
    batch.flush();
    return out;
  });
  // The fleet's hosts stay out of sight: a failure names no instance.
  const failures = plan.failures.map((f) => ({ reason: f.reason.startsWith('RESOURCE') ? NO_CAPACITY : f.reason }));
  return { tasks: records, failures };
}
