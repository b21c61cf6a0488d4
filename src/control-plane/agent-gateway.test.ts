import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../kernel/logger.js';
import type { ServerMessage } from '../wire/agent-protocol.js';
import { AgentSession } from './agent-gateway.js';
import { findInstance, remainingResources } from './container-instances.js';
import { containerInstances, FLEET, type ContainerInstanceRecord } from './tables.js';
import { runTask } from './tasks/run-task.js';
import { findTask, stopTask } from './tasks/tasks.js';
import { registerTaskDefinition } from './task-definitions/task-definitions.js';
import { createCluster } from './clusters.js';
import { fargateTaskDefinition, testControlPlaneDeps } from './test-deps.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('agent gateway', () => {
  it('registers on hello, sends desired sets on change, takes state reports, and marks disconnects', async () => {
    const deps = testControlPlaneDeps();
    await createCluster(deps, { clusterName: 'default' });
    await registerTaskDefinition(deps, {
      family: 'web',
      containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64 }],
    });
    const sent: ServerMessage[] = [];
    let closed: string | undefined;
    const session = new AgentSession(
      deps,
      { send: (m) => sent.push(m), close: (_c, r) => (closed = r) },
      { logger: createLogger('silent') },
    );
    await session.onMessage('not json');
    assert.deepEqual(sent.pop(), { type: 'error', message: 'messages must be JSON' });
    await session.onMessage(JSON.stringify({ type: 'task-state', taskId: 'x' }));
    assert.match((sent.pop() as { message: string }).message, /invalid message: taskId/);
    await session.onMessage(
      JSON.stringify({
        type: 'hello',
        cluster: 'default',
        agentVersion: '0.1.0',
        resources: { cpu: 2048, memory: 2048, ports: [] },
        attributes: [{ name: 'ecs.os-type', value: 'linux' }],
      }),
    );
    const welcome = sent.shift() as Extract<ServerMessage, { type: 'welcome' }>;
    assert.equal(welcome.type, 'welcome');
    assert.deepEqual(sent.shift(), { type: 'desired', seq: 1, tasks: [] });
    const { tasks } = await runTask(deps, { taskDefinition: 'web' });
    await tick();
    const desired = sent.shift() as Extract<ServerMessage, { type: 'desired-delta' }>;
    assert.equal(desired.type, 'desired-delta', 'after the full set, only changes');
    assert.equal(desired.seq, 2);
    assert.deepEqual(desired.removed, []);
    assert.equal(desired.tasks.length, 1);
    assert.equal(desired.tasks[0]?.id, tasks[0]?.id);
    assert.deepEqual(
      desired.tasks[0]?.containers.map((c) => [c.name, c.image, c.resources.memoryLimitBytes]),
      [['app', 'busybox', 64 * 2 ** 20]],
    );
    await session.onMessage(
      JSON.stringify({
        type: 'task-state',
        taskId: tasks[0]?.id,
        lastStatus: 'RUNNING',
        startedAt: 1,
        containers: [{ name: 'app', lastStatus: 'RUNNING', runtimeId: 'abc' }],
      }),
    );
    assert.equal(findTask(deps, 'default', tasks[0]?.id as string)?.lastStatus, 'RUNNING');
    await tick();
    assert.deepEqual(sent, [], 'a status report changes no spec, so nothing is sent');
    await stopTask(deps, 'default', tasks[0]?.arn as string);
    await tick();
    const afterStop = sent.shift() as unknown as Extract<ServerMessage, { type: 'desired-delta' }>;
    assert.equal(afterStop.seq, 3);
    assert.equal(afterStop.tasks[0]?.desired, 'stopped');
    await session.onMessage(
      JSON.stringify({ type: 'task-state', taskId: tasks[0]?.id, lastStatus: 'STOPPED', stoppedAt: 2, containers: [] }),
    );
    await tick();
    const gone = sent.shift() as unknown as Extract<ServerMessage, { type: 'desired-delta' }>;
    assert.deepEqual([gone.tasks, gone.removed], [[], [tasks[0]?.id]], 'a stopped task leaves the set');
    await session.onClose();
    assert.equal(findInstance(deps, 'default', welcome.containerInstanceId)?.agentConnected, false);
    assert.equal(closed, undefined);
  });

  it('applies a fleet host’s report to its task found among the host’s live tasks, with no cluster named', async () => {
    const deps = testControlPlaneDeps();
    await createCluster(deps, { clusterName: 'c', capacityProviders: ['FARGATE'] });
    await createCluster(deps, { clusterName: 'other' });
    await registerTaskDefinition(deps, fargateTaskDefinition('web'));
    const sent: ServerMessage[] = [];
    const session = new AgentSession(
      deps,
      { send: (m) => sent.push(m), close: () => {} },
      { logger: createLogger('silent') },
    );
    await session.onMessage(
      JSON.stringify({
        type: 'hello',
        fargate: true,
        agentVersion: '1',
        resources: { cpu: 4096, memory: 8192, ports: [] },
        attributes: [],
      }),
    );
    const [task] = (
      await runTask(deps, {
        cluster: 'c',
        taskDefinition: 'web',
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
      })
    ).tasks;
    assert.ok(task);
    const report = (lastStatus: string, extra: object = {}) =>
      session.onMessage(
        JSON.stringify({
          type: 'task-state',
          taskId: task.id,
          lastStatus,
          containers: [{ name: 'app', lastStatus, runtimeId: 'r' }],
          ...extra,
        }),
      );
    await report('RUNNING', { startedAt: 5 });
    assert.equal(findTask(deps, 'c', task.id)?.lastStatus, 'RUNNING');
    // A report naming another cluster (as an agent of an earlier version might) is still the host's task.
    await report('STOPPED', { cluster: 'other', stoppedAt: 9 });
    assert.equal(findTask(deps, 'c', task.id)?.lastStatus, 'STOPPED');
    // Another host's task is not this one's to report on.
    const other = (
      await runTask(deps, {
        cluster: 'c',
        taskDefinition: 'web',
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
      })
    ).tasks[0];
    assert.ok(other);
    const stranger = new AgentSession(deps, { send: () => {}, close: () => {} }, { logger: createLogger('silent') });
    await stranger.onMessage(
      JSON.stringify({
        type: 'hello',
        cluster: 'other',
        agentVersion: '1',
        resources: { cpu: 1, memory: 1, ports: [] },
        attributes: [],
      }),
    );
    await stranger.onMessage(
      JSON.stringify({ type: 'task-state', taskId: other.id, lastStatus: 'RUNNING', containers: [] }),
    );
    assert.equal(findTask(deps, 'c', other.id)?.lastStatus, 'PROVISIONING');
    await session.onClose();
    await stranger.onClose();
  });

  it('counts one memory for a host serving a cluster and the Fargate fleet: each pool sees what the other reserves', async () => {
    const deps = testControlPlaneDeps();
    await createCluster(deps, { clusterName: 'default', capacityProviders: ['FARGATE'] });
    await registerTaskDefinition(deps, {
      family: 'ec2',
      containerDefinitions: [{ name: 'app', image: 'busybox', memory: 1000 }],
    });
    await registerTaskDefinition(deps, fargateTaskDefinition('web'));
    const session = new AgentSession(deps, { send: () => {}, close: () => {} }, { logger: createLogger('silent') });
    await session.onMessage(
      JSON.stringify({
        type: 'hello',
        cluster: 'default',
        fargate: true,
        agentVersion: '1',
        resources: { cpu: 4096, memory: 4096, ports: [] },
        fargateResources: { cpu: 16384, memory: 4096 },
        attributes: [],
      }),
    );
    const id = (deps.store.read((tx) => tx.list(containerInstances, { prefix: 'default/' }))[0]?.value.id ??
      '') as string;
    const left = () =>
      ['default', FLEET].map(
        (pool) => remainingResources(findInstance(deps, pool, id) as ContainerInstanceRecord).memory,
      );
    assert.deepEqual(left(), [4096, 4096]);
    const ec2 = (await runTask(deps, { taskDefinition: 'ec2' })).tasks[0];
    assert.deepEqual(left(), [3096, 3096], 'an EC2 task takes from the fleet host too');
    await runTask(deps, {
      taskDefinition: 'web',
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
    });
    assert.deepEqual(left(), [2584, 2584], 'a Fargate task (512 MiB) takes from the instance too');
    await stopTask(deps, 'default', ec2?.arn as string);
    await session.onMessage(
      JSON.stringify({ type: 'task-state', taskId: ec2?.id, lastStatus: 'STOPPED', stoppedAt: 2, containers: [] }),
    );
    assert.deepEqual(left(), [3584, 3584], 'a stopped task gives it back in both');
    await session.onClose();
  });

  it("counts what a host's tasks already reserve when it starts serving a second pool", async () => {
    const deps = testControlPlaneDeps();
    await createCluster(deps, { clusterName: 'default' });
    await registerTaskDefinition(deps, {
      family: 'ec2',
      containerDefinitions: [{ name: 'app', image: 'busybox', memory: 700 }],
    });
    const hello = (fargate: boolean, containerInstanceId?: string) =>
      JSON.stringify({
        type: 'hello',
        cluster: 'default',
        ...(fargate ? { fargate } : {}),
        ...(containerInstanceId ? { containerInstanceId } : {}),
        agentVersion: '1',
        resources: { cpu: 4096, memory: 4096, ports: [] },
        attributes: [],
      });
    const first = new AgentSession(deps, { send: () => {}, close: () => {} }, { logger: createLogger('silent') });
    await first.onMessage(hello(false));
    const id = deps.store.read((tx) => tx.list(containerInstances, { prefix: 'default/' }))[0]?.value.id as string;
    await runTask(deps, { taskDefinition: 'ec2' });
    await first.onClose();
    const again = new AgentSession(deps, { send: () => {}, close: () => {} }, { logger: createLogger('silent') });
    await again.onMessage(hello(true, id));
    const fleetRow = findInstance(deps, FLEET, id) as ContainerInstanceRecord;
    assert.deepEqual(fleetRow.pools, ['default', FLEET]);
    assert.equal(remainingResources(fleetRow).memory, 4096 - 700);
    assert.equal(remainingResources(findInstance(deps, 'default', id) as ContainerInstanceRecord).memory, 4096 - 700);
    await again.onClose();
  });
});
