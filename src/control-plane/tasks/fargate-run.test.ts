import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredTasks } from '../host-tasks.js';
import { createCluster, putClusterCapacityProviders } from '../clusters.js';
import { registerContainerInstance, registerFleetHost, findInstance } from '../container-instances.js';
import { FLEET } from '../tables.js';
import { registerTaskDefinition } from '../task-definitions/task-definitions.js';
import { fargateTaskDefinition, testControlPlaneDeps } from '../test-deps.js';
import { NO_CAPACITY } from './fargate-run.js';
import { runTask } from './run-task.js';
import { applyTaskState } from './task-state.js';

const vpc = { awsvpcConfiguration: { subnets: ['subnet-0abc'] } };

async function world() {
  const deps = testControlPlaneDeps();
  await createCluster(deps, { clusterName: 'c', capacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
  const instance = await registerContainerInstance(deps, {
    cluster: 'c',
    cpu: 4096,
    memory: 8192,
    agentConnected: true,
  });
  const host = await registerFleetHost(deps, {
    cpu: 8192,
    memory: 16384,
    agentConnected: true,
    attributes: [{ name: 'ecs.availability-zone', value: 'us-east-1a' }],
  });
  await registerTaskDefinition(deps, fargateTaskDefinition('web', { portMappings: [{ containerPort: 80 }] }));
  await registerTaskDefinition(deps, {
    family: 'ec2only',
    containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64 }],
  });
  return { deps, instance, host };
}

describe('Fargate tasks', () => {
  it('run on the fleet, not on the cluster’s instances, split by the strategy', async () => {
    const { deps, instance, host } = await world();
    const r = await runTask(deps, {
      cluster: 'c',
      taskDefinition: 'web',
      count: 9,
      networkConfiguration: vpc,
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE', base: 1, weight: 1 },
        { capacityProvider: 'FARGATE_SPOT', weight: 3 },
      ],
    });
    assert.equal(r.tasks.length, 9);
    const by = (p: string) => r.tasks.filter((t) => t.capacityProviderName === p).length;
    assert.deepEqual([by('FARGATE'), by('FARGATE_SPOT')], [3, 6]);
    for (const t of r.tasks) {
      assert.equal(t.launchType, 'FARGATE');
      assert.equal(t.containerInstanceArn, undefined);
      assert.deepEqual(t.host, { pool: FLEET, id: host.id });
      assert.equal(t.platformVersion, '1.4.0');
      assert.equal(t.subnetId, 'subnet-0abc');
      assert.equal(t.availabilityZone, 'us-east-1a');
      assert.deepEqual(t.ports, [], 'its own network namespace: no host ports');
    }
    // The fleet host's agent is sent them; the cluster's instance is not.
    assert.equal(desiredTasks(deps, undefined, host.id, true).length, 9);
    assert.equal(desiredTasks(deps, 'c', instance.id, false).length, 0);
    assert.equal(desiredTasks(deps, 'c', host.id, true)[0]?.sandbox.network.subnetId, 'subnet-0abc');
    assert.equal(desiredTasks(deps, 'c', host.id, true)[0]?.sandbox.isolation?.cpuUnits, 256);
    // The fleet host's resources count them.
    assert.equal(findInstance(deps, FLEET, host.id)?.usage?.cpu, 9 * 256);
    // Only the fleet host may report on them.
    const t = r.tasks[0] as (typeof r.tasks)[0];
    const report = { taskId: t.id, lastStatus: 'RUNNING' as const, containers: [] };
    assert.equal(await applyTaskState(deps, 'c', instance.id, report), undefined);
    assert.equal((await applyTaskState(deps, 'c', host.id, report, true))?.lastStatus, 'RUNNING');
    // The agent reports an address; the task shows ECS's interface for it, deleted once it stops.
    const network = { ip: '172.29.0.9', mac: '02:00:00:00:00:09' };
    const up = await applyTaskState(deps, 'c', host.id, { ...report, network }, true);
    const eni = up?.attachments[0] as { id: string; status: string; details: { name: string; value: string }[] };
    assert.equal(eni.status, 'ATTACHED');
    assert.deepEqual(Object.fromEntries(eni.details.map((d) => [d.name, d.value])), {
      networkInterfaceId: `eni-${t.id.slice(0, 17)}`,
      macAddress: '02:00:00:00:00:09',
      privateIPv4Address: '172.29.0.9',
      subnetId: 'subnet-0abc',
      privateDnsName: 'ip-172-29-0-9.ec2.internal',
    });
    assert.deepEqual(up?.containers[0]?.networkInterfaces, [
      { attachmentId: eni.id, privateIpv4Address: '172.29.0.9' },
    ]);
    const down = await applyTaskState(deps, 'c', host.id, { ...report, lastStatus: 'STOPPED', network }, true);
    assert.equal((down?.attachments[0] as { status: string }).status, 'DELETED');
  });

  it('uses the cluster’s default strategy when the request names no launch', async () => {
    const { deps } = await world();
    await putClusterCapacityProviders(deps, 'c', ['FARGATE_SPOT'], [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
    const r = await runTask(deps, { cluster: 'c', taskDefinition: 'web', networkConfiguration: vpc });
    assert.equal(r.tasks[0]?.capacityProviderName, 'FARGATE_SPOT');
  });

  it('says capacity is unavailable when no fleet host can take the task', async () => {
    const { deps } = await world();
    const r = await runTask(deps, {
      cluster: 'c',
      taskDefinition: 'web',
      launchType: 'FARGATE',
      networkConfiguration: vpc,
      count: 10,
    });
    assert.equal(r.tasks.length, 10);
    const more = await runTask(deps, {
      cluster: 'c',
      taskDefinition: 'web',
      launchType: 'FARGATE',
      networkConfiguration: vpc,
      overrides: { cpu: '8192', memory: '16384' },
    });
    assert.deepEqual(more.failures, [{ reason: NO_CAPACITY }]);
  });

  it('refuses what ECS refuses', async () => {
    const { deps } = await world();
    const base = { cluster: 'c', taskDefinition: 'web', networkConfiguration: vpc };
    await assert.rejects(
      async () =>
        runTask(deps, {
          ...base,
          launchType: 'FARGATE',
          capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
        }),
      /cannot both be given/,
    );
    await assert.rejects(
      async () => runTask(deps, { cluster: 'c', taskDefinition: 'web', launchType: 'FARGATE' }),
      /network configuration must be provided/,
    );
    await assert.rejects(
      async () => runTask(deps, { ...base, taskDefinition: 'ec2only', launchType: 'FARGATE' }),
      /does not support launch type FARGATE/,
    );
    await assert.rejects(
      async () => runTask(deps, { ...base, launchType: 'FARGATE', platformVersion: '1.2.0' }),
      /Platform version/,
    );
    await assert.rejects(
      async () => runTask(deps, { ...base, launchType: 'FARGATE', placementStrategy: [{ type: 'random' }] }),
      /not supported on Fargate/,
    );
    await assert.rejects(
      async () =>
        putClusterCapacityProviders(deps, 'c', ['FARGATE'], [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]),
      /not associated/,
    );
  });
});
