import { attachmentIdFor } from '../../wire/index.js';
import { placeTasks, type TaskRequest } from '../../scheduler/index.js';
import { keptFleet } from './fleet-cache.js';
import type { ControlPlaneDeps } from '../deps.js';
import { FLEET, type ContainerInstanceRecord } from '../tables.js';
import type { Launch } from './launch.js';
import type { RunTaskResult, TaskContext } from './new-task.js';
import { applyPlan } from './apply-plan.js';

// ECS's reason when Fargate has no room for a task.
export const NO_CAPACITY =
  'Capacity is unavailable at this time. Please try again later or in a different availability zone';

/** The fleet's hosts that can take a task now. */
const serving = (h: ContainerInstanceRecord): boolean => h.status === 'ACTIVE' && h.agentConnected;

/**
 * Fargate tasks: placed on the hosts of the Fargate fleet (spread over them), never on the
 * cluster's own instances. Each gets its own network namespace on its host, so it reserves no
 * host ports; what it reserves is its task-level CPU and memory.
 */
export async function runOnFargate(
  deps: ControlPlaneDeps,
  ctx: TaskContext,
  launch: Extract<Launch, { kind: 'fargate' }>,
): Promise<RunTaskResult> {
  const { res } = ctx;
  const hosts = keptFleet(deps.store, FLEET, serving);
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
  const plan = hosts.views.length
    ? placeTasks(hosts, request, count, deps.rng)
    : { placements: [], failures: Array.from({ length: count }, () => ({ reason: NO_CAPACITY })) };
  const ephemeral = (ctx.td.input.ephemeralStorage as { sizeInGiB?: number } | undefined)?.sizeInGiB ?? 20;
  const records = await applyPlan(deps, ctx, plan, {
    pool: FLEET,
    hostPorts: false,
    stale: 'The Fargate placement is no longer valid; retry.',
    fields: (_host, n, id) => {
      const provider = launch.providers[n];
      return {
        launchType: 'FARGATE',
        ports: [],
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
      };
    },
  });
  // The fleet's hosts stay out of sight: a failure names no instance.
  const failures = plan.failures.map((f) => ({ reason: f.reason.startsWith('RESOURCE') ? NO_CAPACITY : f.reason }));
  return { tasks: records, failures };
}
