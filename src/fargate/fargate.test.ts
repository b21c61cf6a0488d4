import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCluster } from '../control-plane/clusters.js';
import { registerFleetHost } from '../control-plane/container-instances.js';
import { tasks } from '../control-plane/tables.js';
import { registerTaskDefinition } from '../control-plane/task-definitions/task-definitions.js';
import { runTask } from '../control-plane/tasks/run-task.js';
import { applyTaskState } from '../control-plane/tasks/task-state.js';
import { purgeStoppedTasks } from '../control-plane/tasks/retention.js';
import { testControlPlaneDeps } from '../control-plane/test-deps.js';
import { interruptSpot, SPOT_REASON, startSpotChaos } from './interrupt.js';
import { recordStopped, usageReport } from './meter.js';
import { DEFAULT_PRICES, parsePrices } from './prices.js';

async function world() {
  const deps = testControlPlaneDeps();
  await createCluster(deps, { clusterName: 'c', capacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
  const host = await registerFleetHost(deps, { cpu: 16384, memory: 32768, agentConnected: true });
  await registerTaskDefinition(deps, {
    family: 'web',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '1024',
    memory: '2048',
    containerDefinitions: [{ name: 'app', image: 'busybox' }],
  });
  const at = () => deps.clock.now().getTime();
  const run = async (provider: string, count = 1) =>
    (
      await runTask(deps, {
        cluster: 'c',
        taskDefinition: 'web',
        count,
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
        capacityProviderStrategy: [{ capacityProvider: provider, weight: 1 }],
      })
    ).tasks;
  const report = (id: string, lastStatus: 'PENDING' | 'RUNNING' | 'STOPPED', extra: object = {}) =>
    applyTaskState(deps, 'c', host.id, { taskId: id, lastStatus, containers: [], ...extra }, true);
  return { deps, host, at, run, report };
}

describe('the Fargate billing meter', () => {
  it('bills from the image pull to the stop, at least a minute, Spot at its own price', async () => {
    const { deps, at, run, report } = await world();
    const [onDemand] = await run('FARGATE');
    const [spot] = await run('FARGATE_SPOT');
    const [never] = await run('FARGATE');
    for (const t of [onDemand, spot]) await report(t?.id as string, 'PENDING', { pullStartedAt: at() });
    deps.clock.advance(30_000);
    await report(spot?.id as string, 'STOPPED', { stoppedAt: at() }); // 30 s: billed as 60
    deps.clock.advance(90_000);
    await report(onDemand?.id as string, 'STOPPED', { stoppedAt: at() }); // 120 s
    const u = usageReport(deps, DEFAULT_PRICES);
    const byArn = new Map(u.tasks.map((t) => [t.taskArn, t]));
    assert.equal(byArn.get(onDemand?.arn as string)?.billedSeconds, 120);
    assert.equal(byArn.get(spot?.arn as string)?.billedSeconds, 60);
    assert.equal(byArn.has(never?.arn as string), false, 'a task that never began pulling costs nothing');
    assert.equal(u.totals.vcpuSeconds, 180);
    assert.equal(u.totals.gbSeconds, 360);
    const expected =
      (120 * DEFAULT_PRICES.vcpuHour + 240 * DEFAULT_PRICES.gbHour) / 3600 +
      (60 * DEFAULT_PRICES.spotVcpuHour + 120 * DEFAULT_PRICES.spotGbHour) / 3600;
    assert.ok(Math.abs(u.totals.costUsd - expected) < 1e-12, `${u.totals.costUsd} vs ${expected}`);
    assert.equal(u.totals.byCapacityProvider.FARGATE_SPOT?.tasks, 1);
    assert.deepEqual(
      u.clusters.map((c) => [c.cluster, c.tasks]),
      [['c', 2]],
    );
  });

  it('keeps a stopped task’s usage after the task itself is forgotten', async () => {
    const { deps, at, run, report } = await world();
    const [t] = await run('FARGATE');
    await report(t?.id as string, 'RUNNING', { pullStartedAt: at(), startedAt: at() });
    deps.clock.advance(600_000);
    const live = usageReport(deps, DEFAULT_PRICES).tasks[0];
    assert.equal(live?.running, true);
    assert.equal(live?.billedSeconds, 600, 'a running task is metered up to now');
    await report(t?.id as string, 'STOPPED', { stoppedAt: at() });
    assert.equal(await recordStopped(deps), 1);
    assert.equal(await recordStopped(deps), 0, 'recorded once');
    deps.clock.advance(2 * 3_600_000);
    assert.equal(await purgeStoppedTasks(deps), 1);
    assert.equal(deps.store.read((tx) => tx.list(tasks)).length, 0);
    const after = usageReport(deps, DEFAULT_PRICES);
    assert.equal(after.tasks[0]?.billedSeconds, 600);
    assert.equal(after.tasks[0]?.running, false);
  });

  it('takes prices as key=value pairs and refuses unknown ones', () => {
    assert.equal(parsePrices('vcpu=1,spot-gb=0.5').vcpuHour, 1);
    assert.equal(parsePrices('vcpu=1,spot-gb=0.5').spotGbHour, 0.5);
    assert.throws(() => parsePrices('cpu=1'), /unknown price 'cpu'/);
    assert.throws(() => parsePrices('vcpu=-1'), /non-negative/);
  });
});

describe('Spot interruptions', () => {
  it('stop Spot tasks with ECS’s stop code and reason and the warning as their grace', async () => {
    const { deps, run } = await world();
    const spot = await run('FARGATE_SPOT', 4);
    const [onDemand] = await run('FARGATE');
    const [one] = await interruptSpot(deps, { cluster: 'c', task: spot[0]?.arn as string, warningMs: 5000 });
    assert.equal(one?.desiredStatus, 'STOPPED');
    assert.equal(one?.stopCode, 'SpotInterruption');
    assert.equal(one?.stoppedReason, SPOT_REASON);
    assert.equal(one?.stopGraceMs, 5000);
    await assert.rejects(
      async () => interruptSpot(deps, { cluster: 'c', task: onDemand?.id as string }),
      /not a running FARGATE_SPOT/,
    );
    const half = await interruptSpot(deps, { fraction: 0.5 });
    assert.equal(half.length, 2, 'half of the three still running, rounded up');
    assert.ok(half.every((t) => t.capacityProviderName === 'FARGATE_SPOT'));
    await assert.rejects(async () => interruptSpot(deps, { fraction: 0 }), /fraction/);
  });
});

describe('Spot chaos', () => {
  it('interrupts running Spot tasks at random at the rate asked, and only those', async () => {
    const { deps, run } = await world();
    const spot = await run('FARGATE_SPOT', 3);
    const [onDemand] = await run('FARGATE');
    const logged: unknown[] = [];
    const logger = { info: (o: unknown) => logged.push(o), error: () => undefined } as never;
    // A rate so high that every Spot task is hit on the first tick.
    const stop = startSpotChaos(deps, 3_600_000, 1000, logger, 5);
    await new Promise((r) => setTimeout(r, 30));
    stop();
    const now = deps.store.read((tx) => tx.list(tasks)).map((e) => e.value);
    for (const t of spot) assert.equal(now.find((x) => x.id === t.id)?.stopCode, 'SpotInterruption');
    assert.equal(now.find((x) => x.id === onDemand?.id)?.desiredStatus, 'RUNNING');
    assert.equal(logged.length, 3);
  });
});
