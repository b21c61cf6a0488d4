import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { awsCli, berthBin } from './harness.js';

const execFileP = promisify(execFile);

// AWS/ECS metrics from real containers: the agent reads each task's cgroups every second here
// (--usage-interval 1; 20 s by default) and berth publishes CPUUtilization and MemoryUtilization
// per cluster and service, which the AWS CLI reads back over CBOR; with the cluster's
// containerInsights setting on, ECS/ContainerInsights too (every 2 s here, a minute by default).
describe('AWS/ECS CPUUtilization and MemoryUtilization from the tasks’ cgroups', () => {
  let fx: AgentFixture | undefined;
  after(async () => fx?.dispose());

  it('shows a CPU-bound service near its reservation and an idle one near zero', async (t) => {
    fx = await startAgentFixture({}, { args: ['--usage-interval', '1', '--container-insights-interval', '2'] });
    const f = fx;
    const aws = async (args: string[]) => {
      const r = await awsCli(f.berth.endpoint, args);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout || '{}');
    };
    // 256 CPU units (a quarter of a core) with no limit on the container's CPU: a busy loop uses a
    // whole core, four times its reservation, as ECS counts it.
    await f.register(
      'burn',
      [{ name: 'main', image: f.imageUri, memory: 64, command: ['sh', '-c', 'while :; do :; done'] }],
      ['--cpu', '256', '--memory', '64'],
    );
    await f.register(
      'idle',
      [{ name: 'main', image: f.imageUri, memory: 64, command: ['sh', '-c', 'sleep 3600'] }],
      ['--cpu', '256', '--memory', '64'],
    );
    await aws([
      'ecs',
      'update-cluster-settings',
      '--cluster',
      'default',
      '--settings',
      'name=containerInsights,value=enabled',
    ]);
    for (const name of ['burn', 'idle'])
      await aws(['ecs', 'create-service', '--service-name', name, '--task-definition', name, '--desired-count', '1']);
    for (let i = 0; i < 60; i++) {
      const d = await aws(['ecs', 'describe-services', '--services', 'burn', 'idle']);
      if ((d.services as { runningCount: number }[]).every((s) => s.runningCount === 1)) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const stat = async (service: string, metric: string, namespace = 'AWS/ECS') => {
      const r = await aws([
        'cloudwatch',
        'get-metric-statistics',
        '--namespace',
        namespace,
        '--metric-name',
        metric,
        '--dimensions',
        'Name=ClusterName,Value=default',
        `Name=ServiceName,Value=${service}`,
        '--start-time',
        new Date(Date.now() - 10 * 60_000).toISOString(),
        '--end-time',
        new Date(Date.now() + 60_000).toISOString(),
        '--period',
        '3600',
        '--statistics',
        'Maximum',
        'SampleCount',
      ]);
      return (r.Datapoints as { Maximum: number; SampleCount: number; Unit: string }[])[0];
    };
    let burn;
    for (let i = 0; i < 30; i++) {
      burn = await stat('burn', 'CPUUtilization');
      if ((burn?.SampleCount ?? 0) >= 3) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.ok(burn && burn.SampleCount >= 3, JSON.stringify(burn));
    assert.equal(burn.Unit, 'Percent');
    assert.ok(burn.Maximum > 100, `a busy loop is over its quarter core: ${burn.Maximum}%`);
    const idle = await stat('idle', 'CPUUtilization');
    assert.ok(idle && idle.Maximum < 10, JSON.stringify(idle));
    const memory = await stat('idle', 'MemoryUtilization');
    assert.ok(memory && memory.Maximum > 0 && memory.Maximum < 100, JSON.stringify(memory));
    const listed = await aws([
      'cloudwatch',
      'list-metrics',
      '--namespace',
      'AWS/ECS',
      '--dimensions',
      'Name=ServiceName,Value=burn',
    ]);
    assert.deepEqual((listed.Metrics as { MetricName: string }[]).map((m) => m.MetricName).sort(), [
      'CPUUtilization',
      'MemoryUtilization',
    ]);

    // GetMetricData's CPU for the service against its task's own cgroup over the same 30 s: the
    // CPU time the kernel counted (cpuacct.usage, or cpu.stat's usage_usec on cgroup v2) as a
    // percent of the task's 256 units, within 5 %.
    const listed0 = await aws(['ecs', 'list-tasks', '--service-name', 'burn']);
    const taskId = String((listed0.taskArns as string[])[0])
      .split('/')
      .pop();
    const cpuNs = () => {
      const v1 = `/sys/fs/cgroup/cpuacct/berth/${taskId}-main/cpuacct.usage`;
      if (existsSync(v1)) return Number(readFileSync(v1, 'utf8'));
      const stat = readFileSync(`/sys/fs/cgroup/berth/${taskId}-main/cpu.stat`, 'utf8');
      return Number(/usage_usec (\d+)/.exec(stat)?.[1]) * 1000;
    };
    const until = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));
    const from = Math.ceil(Date.now() / 10_000) * 10_000 + 10_000;
    const to = from + 30_000;
    await until(from);
    const [n0, t0] = [cpuNs(), Date.now()];
    await until(to);
    const [n1, t1] = [cpuNs(), Date.now()];
    const kernelPercent = ((n1 - n0) / ((t1 - t0) * 1e6) / (256 / 1024)) * 100;
    await new Promise((r) => setTimeout(r, 3000)); // the window's last readings arrive
    const measured = await aws([
      'cloudwatch',
      'get-metric-data',
      '--start-time',
      new Date(from).toISOString(),
      '--end-time',
      new Date(to).toISOString(),
      '--metric-data-queries',
      JSON.stringify([
        {
          Id: 'cpu',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ECS',
              MetricName: 'CPUUtilization',
              Dimensions: [
                { Name: 'ClusterName', Value: 'default' },
                { Name: 'ServiceName', Value: 'burn' },
              ],
            },
            Period: 30,
            Stat: 'Average',
          },
        },
      ]),
    ]);
    const reported = (measured.MetricDataResults as { Values: number[] }[])[0]?.Values;
    assert.equal(reported?.length, 1, JSON.stringify(measured));
    const ratio = (reported?.[0] as number) / kernelPercent;
    t.diagnostic(
      `CPU over 30 s: GetMetricData ${reported?.[0]}%, cgroup ${kernelPercent.toFixed(2)}%, ratio ${ratio.toFixed(4)}`,
    );
    assert.ok(
      Math.abs(ratio - 1) < 0.05,
      `GetMetricData says ${reported?.[0]}%, the cgroup ${kernelPercent.toFixed(2)}% (ratio ${ratio.toFixed(3)})`,
    );

    // Container Insights: the service's CPU units used (a busy loop: about a core, 1,024 units,
    // against 256 reserved), its memory in MiB, its tasks counted, its network namespace's traffic.
    const insight = (service: string, metric: string) => stat(service, metric, 'ECS/ContainerInsights');
    let used;
    for (let i = 0; i < 30; i++) {
      used = await insight('burn', 'CpuUtilized');
      if ((used?.SampleCount ?? 0) >= 2) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.ok(used && used.Maximum > 256, `CpuUtilized ${JSON.stringify(used)}`);
    assert.equal(used.Unit, 'None');
    assert.equal((await insight('burn', 'CpuReserved'))?.Maximum, 256);
    assert.equal((await insight('burn', 'RunningTaskCount'))?.Maximum, 1);
    assert.equal((await insight('burn', 'DesiredTaskCount'))?.Maximum, 1);
    const mem = await insight('idle', 'MemoryUtilized');
    assert.ok(mem && mem.Maximum > 0 && mem.Maximum < 64 && mem.Unit === 'Megabytes', JSON.stringify(mem));
    const insights = await aws([
      'cloudwatch',
      'list-metrics',
      '--namespace',
      'ECS/ContainerInsights',
      '--dimensions',
      'Name=ServiceName,Value=burn',
    ]);
    assert.deepEqual((insights.Metrics as { MetricName: string }[]).map((m) => m.MetricName).sort(), [
      'CpuReserved',
      'CpuUtilized',
      'DeploymentCount',
      'DesiredTaskCount',
      'MemoryReserved',
      'MemoryUtilized',
      'NetworkRxBytes',
      'NetworkTxBytes',
      'PendingTaskCount',
      'RunningTaskCount',
      'StorageReadBytes',
      'StorageWriteBytes',
    ]);
    // berth top: each running task's last reading, the busy loop first, as docker stats would show it.
    const top = (...args: string[]) =>
      execFileP(process.execPath, [berthBin, 'top', ...args, '--endpoint', f.berth.endpoint]).then((r) => r.stdout);
    const rows = (JSON.parse(await top('--json')) as { tasks: { service?: string; cpuPercent?: number }[] }).tasks;
    assert.deepEqual(
      rows.map((r) => r.service),
      ['burn', 'idle'],
    );
    assert.ok((rows[0]?.cpuPercent ?? 0) > 50, `a busy loop takes most of a core: ${JSON.stringify(rows[0])}`);
    const table = (await top('--no-stream')).split('\n');
    assert.match(table[0] ?? '', /^TASK +CLUSTER +SERVICE \/ FAMILY +CPU %/);
    assert.match(table[1] ?? '', /^[0-9a-f]{32} default +service:burn +\d+\.\d\d% +\d+ \/ 256 +[\d.]+MiB \/ 64MiB/);
    for (const name of ['burn', 'idle']) await aws(['ecs', 'delete-service', '--service', name, '--force']);
  });
});
