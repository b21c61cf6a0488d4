import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../kernel/index.js';
import { createCluster, getCluster } from '../clusters.js';
import { getInstance, registerContainerInstance, registerFleetHost } from '../container-instances.js';
import { FLEET, tasks, workloads } from '../tables.js';
import { registerTaskDefinition } from '../task-definitions/task-definitions.js';
import { testControlPlaneDeps } from '../test-deps.js';
import { applyPlan } from './apply-plan.js';
import type { TaskContext } from './new-task.js';
import { taskReservation } from './resources.js';

async function setUp() {
  const deps = testControlPlaneDeps();
  await createCluster(deps, { clusterName: 'c' });
  const inst = await registerContainerInstance(deps, {
    cluster: 'c',
    cpu: 1024,
    memory: 512,
    agentConnected: true,
    attributes: [{ name: 'ecs.availability-zone', value: 'az-1' }],
  });
  const td = await registerTaskDefinition(deps, {
    family: 'web',
    containerDefinitions: [{ name: 'app', image: 'busybox', memory: 300 }],
  });
  const ctx: TaskContext = {
    cluster: getCluster(deps, 'c'),
    td,
    res: taskReservation(td),
    group: 'family:web',
    createdAt: 0,
    input: {},
    tags: [],
  };
  const stored = () => deps.store.read((tx) => [tx.list(tasks).length, tx.list(workloads).length]);
  return { deps, inst, ctx, stored };
}

describe('the plan applier', () => {
  it('writes each placement as a task on its host, with its workload and the host’s reservation', async () => {
    const { deps, inst, ctx, stored } = await setUp();
    const [t] = await applyPlan(
      deps,
      ctx,
      { placements: [{ index: 0, instanceArn: inst.arn }] },
      {
        pool: 'c',
        hostPorts: true,
        stale: 'stale',
        fields: () => ({ launchType: 'EC2', ports: [] }),
      },
    );
    assert.deepEqual(t?.host, { pool: 'c', id: inst.id });
    assert.equal(t?.availabilityZone, 'az-1');
    assert.deepEqual(stored(), [1, 1]);
    assert.equal(getInstance(deps, 'c', inst.id).usage?.memory, 300);
  });

  it('refuses a plan its host no longer fits, writing nothing', async () => {
    const { deps, inst, ctx, stored } = await setUp();
    // Two tasks of 300 MiB planned onto 512 MiB (the plan was made from a snapshot that had room).
    const plan = { placements: [0, 1].map((index) => ({ index, instanceArn: inst.arn })) };
    const target = {
      pool: 'c',
      hostPorts: true,
      stale: 'no longer valid',
      fields: () => ({ launchType: 'EC2', ports: [] }),
    };
    await assert.rejects(
      async () => applyPlan(deps, ctx, plan, target),
      (e) => e instanceof BerthError && e.kind === 'Conflict' && /no longer valid/.test(e.message),
    );
    assert.deepEqual(stored(), [0, 0]);
    assert.equal(getInstance(deps, 'c', inst.id).usage?.memory ?? 0, 0);
  });

  it('places on the Fargate fleet the same way, under the fleet’s pool', async () => {
    const { deps, ctx } = await setUp();
    const host = await registerFleetHost(deps, { cpu: 4096, memory: 8192, agentConnected: true });
    const [t] = await applyPlan(
      deps,
      ctx,
      { placements: [{ index: 0, instanceArn: host.arn }] },
      {
        pool: FLEET,
        hostPorts: false,
        stale: 'stale',
        fields: () => ({ launchType: 'FARGATE', ports: [] }),
      },
    );
    assert.deepEqual(t?.host, { pool: FLEET, id: host.id });
    assert.equal(t?.lastStatus, 'PROVISIONING', 'a fleet task provisions its own network');
    assert.equal(t?.cluster, 'c');
  });
});
