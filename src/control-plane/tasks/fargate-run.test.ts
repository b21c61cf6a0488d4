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

function world() {
  const deps = testControlPlaneDeps();
  createCluster(deps, { clusterName: 'c', capacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
  const instance = registerContainerInstance(deps, { cluster: 'c', cpu: 4096, memory: 8192, agentConnected: true });
  const host = registerFleetHost(deps, {
    cpu: 8192,
    memory: 16384,
    agentConnected: true,
    attributes: [{ name: 'ecs.availability-zone', value: 'us-east-1a' }],
  });
  registerTaskDefinition(deps, fargateTaskDefinition('web', { portMappings: [{ containerPort: 80 }] }));
  registerTaskDefinition(deps, {
    family: 'ec2only',
    containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64 }],
  });
  return { deps, instance, host };
}

describe('Fargate tasks', () => {
  it('run on the fleet, not on the cluster’s instances, split by the strategy', () => {
    const { deps, instance, host } = world();
    const r = runTask(deps, {
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
    assert.equal(applyTaskState(deps, 'c', instance.id, report), undefined);
    assert.equal(applyTaskState(deps, 'c', host.id, report, true)?.lastStatus, 'RUNNING');
    // The agent reports an address; the task shows ECS's interface for it, deleted once it stops.
    const network = { ip: '172.29.0.9', mac: '02:00:00:00:00:09' };
    const up = applyTaskState(deps, 'c', host.id, { ...report, network }, true);
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
    const down = applyTaskState(deps, 'c', host.id, { ...report, lastStatus: 'STOPPED', network }, true);
    assert.equal((down?.attachments[0] as { status: string }).status, 'DELETED');
  });

  it('uses the cluster’s default strategy when the request names no launch', () => {
    const { deps } = world();
    putClusterCapacityProviders(deps, 'c', ['FARGATE_SPOT'], [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
    const r = runTask(deps, { cluster: 'c', taskDefinition: 'web', networkConfiguration: vpc });
    assert.equal(r.tasks[0]?.capacityProviderName, 'FARGATE_SPOT');
  });

  it('says capacity is unavailable when no fleet host can take the task', () => {
    const { deps } = world();
    const r = runTask(deps, {
      cluster: 'c',
      taskDefinition: 'web',
      launchType: 'FARGATE',
      networkConfiguration: vpc,
      count: 10,
    });
    assert.equal(r.tasks.length, 10);
    const more = runTask(deps, {
      cluster: 'c',
      taskDefinition: 'web',
      launchType: 'FARGATE',
      networkConfiguration: vpc,
      overrides: { cpu: '8192', memory: '16384' },
    });
    assert.deepEqual(more.failures, [{ reason: NO_CAPACITY }]);
  });

  it('refuses what ECS refuses', () => {
    const { deps } = world();
    const base = { cluster: 'c', taskDefinition: 'web', networkConfiguration: vpc };
    assert.throws(
      () =>
        runTask(deps, {
          ...base,
          launchType: 'FARGATE',
          capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
        }),
      /cannot both be given/,
    );
    assert.throws(
      () => runTask(deps, { cluster: 'c', taskDefinition: 'web', launchType: 'FARGATE' }),
      /network configuration must be provided/,
    );
    assert.throws(
      () => runTask(deps, { ...base, taskDefinition: 'ec2only', launchType: 'FARGATE' }),
      /does not support launch type FARGATE/,
    );
    assert.throws(
      () => runTask(deps, { ...base, launchType: 'FARGATE', platformVersion: '1.2.0' }),
      /Platform version/,
    );
    assert.throws(
      () => runTask(deps, { ...base, launchType: 'FARGATE', placementStrategy: [{ type: 'random' }] }),
      /not supported on Fargate/,
    );
    assert.throws(
      () => putClusterCapacityProviders(deps, 'c', ['FARGATE'], [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]),
      /not associated/,
    );
  });
});
