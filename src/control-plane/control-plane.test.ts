import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/errors.js';
import { createCluster, deleteCluster, clusterCounts } from './clusters.js';
import { registerContainerInstance, remainingResources, getInstance } from './container-instances.js';
import { runTask } from './tasks/run-task.js';
import { applyTaskState } from './tasks/task-state.js';
import { listTasks, stopTask } from './tasks/tasks.js';
import {
  deregisterTaskDefinition,
  registerTaskDefinition,
  resolveTaskDefinition,
} from './task-definitions/task-definitions.js';
import { testControlPlaneDeps } from './test-deps.js';

const code = (c: string) => (e: unknown) => e instanceof BerthError && (e.detail.reason === c || e.kind === c);
const container = (over: object = {}) => ({ name: 'app', image: 'busybox', memory: 128, ...over });

describe('task definitions', () => {
  it('counts revisions up and resolves family, family:revision and ARNs', async () => {
    const deps = testControlPlaneDeps();
    const r1 = await registerTaskDefinition(deps, { family: 'web', containerDefinitions: [container()] });
    const r2 = await registerTaskDefinition(deps, {
      family: 'web',
      containerDefinitions: [container({ memory: 256 })],
    });
    assert.equal(r1.revision, 1);
    assert.equal(r2.revision, 2);
    assert.equal(resolveTaskDefinition(deps, 'web').revision, 2);
    assert.equal(resolveTaskDefinition(deps, 'web:1').arn, r1.arn);
    assert.equal(resolveTaskDefinition(deps, r1.arn).revision, 1);
    await deregisterTaskDefinition(deps, 'web:2');
    assert.equal(resolveTaskDefinition(deps, 'web').revision, 1, 'the latest ACTIVE revision');
    assert.deepEqual(r2.input.containerDefinitions, [container({ memory: 256 })], 'kept verbatim');
  });

  it('validates as ECS does, naming the container and field', async () => {
    const deps = testControlPlaneDeps();
    const bad: [object, RegExp][] = [
      [
        { family: 'web', containerDefinitions: [{ name: 'app', image: 'x' }] },
        /At least one of 'memory' or 'memoryReservation'/,
      ],
      [{ family: 'web', containerDefinitions: [container(), container()] }, /Duplicate container name 'app'/],
      [{ family: 'web', containerDefinitions: [container({ essential: false })] }, /at least one essential container/],
      [
        { family: 'web', containerDefinitions: [container({ memory: 100, memoryReservation: 200 })] },
        /'memoryReservation' must be less than or equal to 'memory'/,
      ],
      [
        {
          family: 'web',
          containerDefinitions: [container({ dependsOn: [{ containerName: 'db', condition: 'START' }] })],
        },
        /container 'db' is not another container/,
      ],
      [{ family: 'web', cpu: 'lots', containerDefinitions: [container()] }, /Invalid 'cpu' setting/],
      [
        { family: 'web', containerDefinitions: [container({ dockerSecurityOptions: ['yes-please'] })] },
        /Invalid dockerSecurityOptions value 'yes-please'/,
      ],
      [
        {
          family: 'web',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [container()],
        },
        /Fargate only supports network mode 'awsvpc'/,
      ],
      [
        {
          family: 'web',
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'awsvpc',
          cpu: '256',
          memory: '4GB',
          containerDefinitions: [container()],
        },
        /No Fargate configuration exists for given values: 256 CPU, 4096 memory/,
      ],
      [
        {
          family: 'web',
          networkMode: 'awsvpc',
          containerDefinitions: [container({ portMappings: [{ containerPort: 80, hostPort: 8080 }] })],
        },
        /containerPort and hostPort values must match/,
      ],
      [{ family: 'bad name', containerDefinitions: [container()] }, /Family contains invalid characters/],
    ];
    for (const [input, why] of bad) {
      await assert.rejects(
        async () => registerTaskDefinition(deps, input as never),
        (e: unknown) => code('definition-invalid')(e) && why.test((e as Error).message),
        String(why),
      );
    }
    await assert.rejects(
      async () =>
        registerTaskDefinition(deps, {
          family: 'web',
          containerDefinitions: [container({ dockerSecurityOptions: ['label:disable'] })],
        } as never),
      (e: unknown) =>
        e instanceof BerthError &&
        e.kind === 'NotImplemented' &&
        /dockerSecurityOptions 'label:disable' is not implemented in berth yet/.test(e.message),
    );
    const fargate = await registerTaskDefinition(deps, {
      family: 'f',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '0.5 vCPU',
      memory: '1GB',
      containerDefinitions: [container()],
    });
    assert.deepEqual(
      [fargate.cpuUnits, fargate.memoryMiB, fargate.compatibilities.includes('FARGATE')],
      [512, 1024, true],
    );
  });
});

describe('running tasks', () => {
  const setup = async () => {
    const deps = testControlPlaneDeps();
    await createCluster(deps, { clusterName: 'prod' });
    const instances = [];
    for (const az of ['a', 'b'])
      instances.push(
        await registerContainerInstance(deps, {
          cluster: 'prod',
          cpu: 1024,
          memory: 1024,
          agentConnected: true,
          attributes: [{ name: 'ecs.availability-zone', value: `az-${az}` }],
        }),
      );
    await registerTaskDefinition(deps, {
      family: 'web',
      containerDefinitions: [
        container({ memory: 300, cpu: 100, portMappings: [{ containerPort: 80, hostPort: 8080 }] }),
      ],
    });
    return { deps, instances };
  };

  it('places, reserves, reports failures with reasons, and frees resources when stopped', async () => {
    const { deps, instances } = await setup();
    const r = await runTask(deps, { cluster: 'prod', taskDefinition: 'web', count: 3 });
    assert.equal(r.tasks.length, 2, 'one fixed host port per instance');
    assert.deepEqual(
      r.failures.map((f) => f.reason),
      ['RESOURCE:PORTS', 'RESOURCE:PORTS'],
    );
    const inst = getInstance(deps, 'prod', instances[0]?.id as string);
    assert.equal(remainingResources(inst).memory, 1024 - 300);
    assert.equal(clusterCounts(deps, 'prod').pendingTasksCount, 2);
    const t = r.tasks[0]!;
    await applyTaskState(deps, 'prod', t.host?.id as string, {
      taskId: t.id,
      lastStatus: 'RUNNING',
      startedAt: 5,
      containers: [{ name: 'app', lastStatus: 'RUNNING', runtimeId: 'c1' }],
    });
    assert.equal(clusterCounts(deps, 'prod').runningTasksCount, 1);
    const stopping = await stopTask(deps, 'prod', t.arn, 'enough');
    assert.deepEqual(
      [stopping.desiredStatus, stopping.stopCode, stopping.stoppedReason],
      ['STOPPED', 'UserInitiated', 'enough'],
    );
    await applyTaskState(deps, 'prod', t.host?.id as string, {
      taskId: t.id,
      lastStatus: 'STOPPED',
      containers: [{ name: 'app', lastStatus: 'STOPPED', exitCode: 137 }],
    });
    const late = await applyTaskState(deps, 'prod', t.host?.id as string, {
      taskId: t.id,
      lastStatus: 'RUNNING',
      containers: [],
    });
    assert.equal(late?.lastStatus, 'STOPPED', 'status never moves backwards');
    assert.equal(remainingResources(getInstance(deps, 'prod', t.host?.id as string)).memory, 1024);
    assert.equal(listTasks(deps, 'prod', { desiredStatus: 'STOPPED' }).length, 1);
  });

  it('answers AGENT for disconnected instances and refuses an empty cluster', async () => {
    const deps = testControlPlaneDeps();
    await createCluster(deps, { clusterName: 'c' });
    await registerTaskDefinition(deps, { family: 'web', containerDefinitions: [container()] });
    await assert.rejects(
      async () => runTask(deps, { cluster: 'c', taskDefinition: 'web' }),
      /No Container Instances were found/,
    );
    await registerContainerInstance(deps, { cluster: 'c', cpu: 1024, memory: 1024 });
    assert.deepEqual(
      (await runTask(deps, { cluster: 'c', taskDefinition: 'web' })).failures.map((f) => f.reason),
      ['AGENT'],
    );
  });

  it('never overcommits under a storm of racing RunTask calls', async () => {
    const { deps } = await setup();
    await registerTaskDefinition(deps, { family: 'big', containerDefinitions: [container({ memory: 200 })] });
    const results = [];
    for (let i = 0; i < 40; i++)
      results.push(await runTask(deps, { cluster: 'prod', taskDefinition: 'big', count: 2 }));
    const placed = results.reduce((n, r) => n + r.tasks.length, 0);
    assert.equal(placed, 10, '1024 MiB per instance holds five 200 MiB tasks, twice');
  });

  it('places a task only where the capabilities its definition requires are advertised', async () => {
    const deps = testControlPlaneDeps();
    await createCluster(deps, { clusterName: 'c' });
    await registerContainerInstance(deps, { cluster: 'c', cpu: 1024, memory: 1024, agentConnected: true });
    const capable = await registerContainerInstance(deps, {
      cluster: 'c',
      cpu: 1024,
      memory: 1024,
      agentConnected: true,
      attributes: [{ name: 'ecs.capability.container-health-check' }],
    });
    await registerTaskDefinition(deps, {
      family: 'hc',
      containerDefinitions: [container({ healthCheck: { command: ['CMD', 'true'] } })],
    });
    const r = await runTask(deps, { cluster: 'c', taskDefinition: 'hc', count: 2 });
    assert.deepEqual(
      r.tasks.map((t) => t.host?.id),
      [capable.id, capable.id],
    );
  });

  it('refuses to delete a cluster with instances or live tasks', async () => {
    const { deps } = await setup();
    await assert.rejects(async () => deleteCluster(deps, 'prod'), code('has-instances'));
  });
});
