import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCluster, updateCluster } from './clusters.js';
import { registerContainerInstance } from './container-instances.js';
import { publishContainerInsights } from './container-insights.js';
import { taskTop } from './task-top.js';
import type { MetricDatumOut } from './deps.js';
import { createService } from './services/services.js';
import { tasks } from './tables.js';
import { registerTaskDefinition } from './task-definitions/task-definitions.js';
import { recordUsage } from './task-usage.js';
import { runTask } from './tasks/run-task.js';
import { testControlPlaneDeps } from './test-deps.js';

describe('Container Insights', () => {
  it('sums the running tasks’ use by cluster, service and family, and counts tasks, services and instances', async () => {
    const published: [string, MetricDatumOut[]][] = [];
    const base = testControlPlaneDeps();
    const deps = { ...base, publishMetrics: async (ns: string, d: MetricDatumOut[]) => void published.push([ns, d]) };
    const now = deps.clock.now().getTime();
    await createCluster(deps, { clusterName: 'c' });
    await createCluster(deps, { clusterName: 'quiet' });
    const inst = await registerContainerInstance(deps, { cluster: 'c', cpu: 4096, memory: 4096, agentConnected: true });
    await registerTaskDefinition(deps, {
      family: 'app',
      cpu: '512',
      memory: '256',
      networkMode: 'bridge',
      containerDefinitions: [{ name: 'app', image: 'busybox' }],
    });
    await createService(deps, { cluster: 'c', serviceName: 'web', taskDefinition: 'app', desiredCount: 3 });
    const [solo] = (await runTask(deps, { cluster: 'c', taskDefinition: 'app' })).tasks;
    const [svc] = (await runTask(deps, { cluster: 'c', taskDefinition: 'app', group: 'service:web' })).tasks;
    const [waiting] = (await runTask(deps, { cluster: 'c', taskDefinition: 'app', group: 'service:web' })).tasks;
    assert.ok(solo && svc && waiting);
    await deps.store.transact((tx) => {
      for (const t of [solo, svc]) tx.put(tasks, { ...t, lastStatus: 'RUNNING' });
    });
    // Turned off (the default), nothing is published.
    assert.equal(await publishContainerInsights(deps, now), 0);
    await updateCluster(deps, 'c', (c) => ({ ...c, settings: [{ name: 'containerInsights', value: 'enabled' }] }));

    const host = { cluster: 'c', id: inst.id, fleet: false };
    const mib = 1024 * 1024;
    const report = (at: number, cpuNs: number, bytes: number) =>
      recordUsage(deps, host, {
        type: 'usage',
        at,
        workloads: [solo, svc].map((t) => ({
          taskId: t.id,
          cpuNs,
          memoryBytes: 100 * mib,
          readBytes: bytes,
          writeBytes: 2 * bytes,
          rxBytes: bytes,
          txBytes: 3 * bytes,
        })),
      });
    await report(now - 20_000, 0, 0);
    // 10 s: 5 s of CPU (half a core, 512 units) and 10,000 bytes each.
    await report(now - 10_000, 5e9, 10_000);
    published.length = 0;
    assert.ok((await publishContainerInsights(deps, now)) > 0);
    const got = new Map(
      published.flatMap(([ns, d]) =>
        d.map((x) => [`${ns} ${x.MetricName} ${x.Dimensions.map((y) => `${y.Name}=${y.Value}`).join(',')}`, x.Value]),
      ),
    );
    const at = (dims: string) => (name: string) => got.get(`ECS/ContainerInsights ${name} ${dims}`);
    const cluster = at('ClusterName=c');
    const service = at('ClusterName=c,ServiceName=web');
    const family = at('ClusterName=c,TaskDefinitionFamily=app');
    assert.deepEqual(
      ['CpuUtilized', 'CpuReserved', 'MemoryUtilized', 'MemoryReserved', 'NetworkRxBytes', 'NetworkTxBytes'].map(
        cluster,
      ),
      [1024, 1024, 200, 512, 2000, 6000],
    );
    assert.deepEqual(['StorageReadBytes', 'StorageWriteBytes', 'TaskCount'].map(cluster), [20_000, 40_000, 2]);
    assert.deepEqual(['ServiceCount', 'ContainerInstanceCount'].map(cluster), [1, 1]);
    assert.deepEqual(['CpuUtilized', 'MemoryUtilized'].map(service), [512, 100]);
    assert.deepEqual(
      ['DesiredTaskCount', 'RunningTaskCount', 'PendingTaskCount', 'DeploymentCount'].map(service),
      [3, 1, 1, 1],
    );
    assert.deepEqual(['CpuReserved', 'RunningTaskCount'].map(family), [1024, 2]);
    assert.equal(
      [...got.keys()].some((k) => k.includes('ClusterName=quiet')),
      false,
      'a cluster without Container Insights publishes nothing',
    );
    assert.ok(
      published.every(([, d]) => d.every((x) => x.Timestamp?.getTime() === Math.floor(now / 60_000) * 60_000)),
      'a datapoint a minute',
    );
    // berth top: each running task's last reading, with its counters since it started (equally busy: by ARN).
    assert.deepEqual(
      taskTop(deps, 'c')
        .map((r) => [r.service ?? r.family, r.cpuPercent, r.memoryMiB, r.netTxBytes, r.blockWriteBytes])
        .sort(),
      [
        ['app', 50, 100, 30_000, 20_000],
        ['web', 50, 100, 30_000, 20_000],
      ],
    );
    assert.deepEqual(taskTop(deps, 'quiet'), []);
    // Readings older than two minutes no longer count as use; reservations still do.
    published.length = 0;
    await publishContainerInsights(deps, now + 3 * 60_000);
    const later = published.flatMap(([, d]) => d).filter((x) => x.Dimensions.length === 1);
    assert.deepEqual(
      later.filter((x) => ['CpuUtilized', 'CpuReserved'].includes(x.MetricName)).map((x) => [x.MetricName, x.Value]),
      [['CpuReserved', 1024]],
    );
  });
});
