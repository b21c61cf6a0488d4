import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCluster } from './clusters.js';
import { registerContainerInstance } from './container-instances.js';
import type { MetricDatumOut } from './deps.js';
import { registerTaskDefinition } from './task-definitions/task-definitions.js';
import { recordUsage } from './task-usage.js';
import { runTask } from './tasks/run-task.js';
import { testControlPlaneDeps } from './test-deps.js';

describe('a host’s usage report as AWS/ECS metrics', () => {
  it('gives each task CPU as a percent of its reserved units over the interval, and memory of its reservation', async () => {
    const published: [string, MetricDatumOut[]][] = [];
    const deps = {
      ...testControlPlaneDeps(),
      publishMetrics: async (ns: string, d: MetricDatumOut[]) => void published.push([ns, d]),
    };
    await createCluster(deps, { clusterName: 'c' });
    const inst = await registerContainerInstance(deps, { cluster: 'c', cpu: 4096, memory: 4096, agentConnected: true });
    await registerTaskDefinition(deps, {
      family: 'app',
      cpu: '512',
      memory: '256',
      networkMode: 'none',
      containerDefinitions: [{ name: 'app', image: 'busybox' }],
    });
    const [solo] = (await runTask(deps, { cluster: 'c', taskDefinition: 'app' })).tasks;
    // A task of service web, as its controller starts them: in the service's group.
    const [svc] = (await runTask(deps, { cluster: 'c', taskDefinition: 'app', group: 'service:web' })).tasks;
    assert.ok(solo && svc);
    const host = { cluster: 'c', id: inst.id, fleet: false };
    const mib = 1024 * 1024;
    await recordUsage(deps, host, {
      type: 'usage',
      at: 1_000,
      workloads: [{ taskId: solo.id, cpuNs: 5e9, memoryBytes: 64 * mib }],
    });
    // The first reading only starts the interval: memory, no CPU yet.
    assert.deepEqual(
      published.flatMap(([, d]) => d.map((x) => [x.MetricName, x.Value, x.Dimensions.map((y) => y.Name).join('+')])),
      [['MemoryUtilization', 25, 'ClusterName']],
    );
    published.length = 0;
    // 10 s later, 2.5 s of CPU time more: a quarter of a core, half the task's 512 units.
    await recordUsage(deps, host, {
      type: 'usage',
      at: 11_000,
      workloads: [{ taskId: solo.id, cpuNs: 7.5e9, memoryBytes: 128 * mib }],
    });
    assert.deepEqual(
      published.flatMap(([ns, d]) => d.map((x) => [ns, x.MetricName, x.Value, x.Unit])),
      [
        ['AWS/ECS', 'CPUUtilization', 50, 'Percent'],
        ['AWS/ECS', 'MemoryUtilization', 50, 'Percent'],
      ],
    );
    published.length = 0;
    // A repeated report (same time) or a counter that went back (a restarted container) gives no CPU.
    await recordUsage(deps, host, {
      type: 'usage',
      at: 11_000,
      workloads: [{ taskId: solo.id, cpuNs: 7.5e9, memoryBytes: 0 }],
    });
    await recordUsage(deps, host, {
      type: 'usage',
      at: 12_000,
      workloads: [{ taskId: solo.id, cpuNs: 1e9, memoryBytes: 0 }],
    });
    assert.deepEqual(
      published.flatMap(([, d]) => d.map((x) => x.MetricName)),
      ['MemoryUtilization', 'MemoryUtilization'],
    );
    // A service's task is counted per cluster and per cluster and service; a task not on this host is not.
    const svcId = svc.id;
    published.length = 0;
    const other = { cluster: 'c', id: 'f'.repeat(32), fleet: false };
    await recordUsage(deps, other, {
      type: 'usage',
      at: 13_000,
      workloads: [{ taskId: svcId, cpuNs: 0, memoryBytes: mib }],
    });
    assert.equal(published.length, 0, 'a task not on the reporting host gives nothing');
    await recordUsage(deps, host, {
      type: 'usage',
      at: 13_000,
      workloads: [{ taskId: svcId, cpuNs: 0, memoryBytes: 128 * mib }],
    });
    assert.deepEqual(
      published.flatMap(([, d]) => d.map((x) => x.Dimensions.map((y) => `${y.Name}=${y.Value}`).join('+'))),
      ['ClusterName=c', 'ClusterName=c+ServiceName=web'],
    );
  });
});
