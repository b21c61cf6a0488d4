import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { DescribeServicesCommand, type Service } from '@aws-sdk/client-ecs';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { awsCli } from './harness.js';

const LOOP = ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 0.2; done"];

describe('ECS services on real containers', () => {
  let fx: AgentFixture;
  const cli = async (args: string[]) => {
    const r = await awsCli(fx.berth.endpoint, ['ecs', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout ? JSON.parse(r.stdout) : {};
  };
  const describeService = async (name: string): Promise<Service> =>
    (await fx.ecs.send(new DescribeServicesCommand({ services: [name] }))).services?.[0] as Service;
  // services-stable returns once running equals desired with one deployment; as on ECS, that
  // deployment completes only once its tasks have held, so the tests then wait for that too.
  const waitStable = async (name: string) => {
    const r = await awsCli(fx.berth.endpoint, ['ecs', 'wait', 'services-stable', '--services', name]);
    assert.equal(r.code, 0, `services-stable: ${r.stderr}`);
    let s = await describeService(name);
    for (let i = 0; i < 150 && s.deployments?.[0]?.rolloutState !== 'COMPLETED'; i++) {
      await new Promise((res) => setTimeout(res, 200));
      s = await describeService(name);
    }
  };
  const serviceTasks = async (name: string) => (await cli(['list-tasks', '--service-name', name])).taskArns as string[];

  before(async () => {
    fx = await startAgentFixture();
    for (const [family, image] of [
      ['web', fx.imageUri],
      ['web', fx.imageUri],
    ] as const) {
      await fx.register(
        family,
        [{ name: 'main', image, memory: 16, stopTimeout: 2, command: LOOP }],
        ['--network-mode', 'none'],
      );
    }
    await fx.register(
      'web',
      [{ name: 'main', image: `${new URL(fx.berth.endpoint).host}/e2e/nothing:here`, memory: 16, command: LOOP }],
      ['--network-mode', 'none'],
    );
  });
  after(() => fx.dispose());

  it('keeps the desired count running and replaces tasks that stop or die', async () => {
    await cli(['create-service', '--service-name', 'keeper', '--task-definition', 'web:1', '--desired-count', '3']);
    await waitStable('keeper');
    let s = await describeService('keeper');
    assert.equal(s.runningCount, 3);
    assert.equal(s.deployments?.length, 1);
    assert.equal(s.deployments?.[0]?.rolloutState, 'COMPLETED');
    assert.ok(s.events?.some((e) => e.message === '(service keeper) has reached a steady state.'));
    assert.ok(
      s.events?.some((e) =>
        /^\(service keeper\) has started 3 tasks: (\(task [0-9a-f]{32}\) ?){3}\.$/.test(e.message ?? ''),
      ),
    );
    const [first, second] = await serviceTasks('keeper');
    const t = await fx.describe(first as string);
    assert.equal(t.group, 'service:keeper');
    assert.equal(t.startedBy, s.deployments?.[0]?.id);

    await cli(['stop-task', '--task', first as string]);
    // A container process killed behind berth's back is noticed and replaced too.
    const id = (second as string).split('/').pop() as string;
    execFileSync('runc', ['--root', join(fx.berth.dataDir, 'agent', 'runc'), 'kill', `${id}-main`, 'KILL']);
    for (let i = 0; i < 100; i++) {
      const now = await serviceTasks('keeper');
      if (now.length === 3 && !now.includes(first as string) && !now.includes(second as string)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await waitStable('keeper');
    const now = await serviceTasks('keeper');
    assert.equal(now.length, 3);
    assert.ok(!now.includes(first as string) && !now.includes(second as string), 'both were replaced');
    s = await describeService('keeper');
    assert.equal(s.runningCount, 3);
  });

  for (const [min, max] of [
    [50, 200],
    [100, 150],
  ] as const) {
    it(`rolls out a new revision within min ${min}% / max ${max}%`, async () => {
      const name = `roll-${min}-${max}`;
      await cli([
        'create-service',
        '--service-name',
        name,
        '--task-definition',
        'web:1',
        '--desired-count',
        '3',
        '--deployment-configuration',
        `minimumHealthyPercent=${min},maximumPercent=${max}`,
      ]);
      await waitStable(name);
      await cli(['update-service', '--service', name, '--task-definition', 'web:2']);
      const floor = Math.ceil((3 * min) / 100);
      const cap = Math.floor((3 * max) / 100);
      const seen: number[] = [];
      for (let i = 0; i < 600; i++) {
        const s = await describeService(name);
        const live = (s.deployments ?? []).reduce((n, d) => n + (d.runningCount ?? 0) + (d.pendingCount ?? 0), 0);
        seen.push(s.runningCount ?? 0);
        assert.ok(live <= cap, `over maximumPercent: ${live} > ${cap}`);
        assert.ok((s.runningCount ?? 0) >= floor, `under minimumHealthyPercent: ${s.runningCount} < ${floor}`);
        if (s.deployments?.length === 1 && s.deployments[0]?.rolloutState === 'COMPLETED' && s.runningCount === 3)
          break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await waitStable(name);
      const s = await describeService(name);
      assert.equal(s.taskDefinition?.endsWith(':2'), true);
      assert.deepEqual(
        (await Promise.all((await serviceTasks(name)).map((a) => fx.describe(a)))).map((t) =>
          t.taskDefinitionArn.split(':').pop(),
        ),
        ['2', '2', '2'],
      );
      assert.ok(seen.length > 1, 'the rollout was observed');
      await cli(['delete-service', '--service', name, '--force']);
    });
  }

  it('finishes a rollout after the server is killed in the middle of it', async () => {
    await cli([
      'create-service',
      '--service-name',
      'phoenix',
      '--task-definition',
      'web:1',
      '--desired-count',
      '3',
      '--deployment-configuration',
      'minimumHealthyPercent=100,maximumPercent=134',
    ]);
    await waitStable('phoenix');
    await cli(['update-service', '--service', 'phoenix', '--task-definition', 'web:2']);
    // Wait until the rollout is under way: one new task up, old ones still there.
    for (let i = 0; i < 100; i++) {
      const s = await describeService('phoenix');
      const fresh = s.deployments?.find((d) => d.status === 'PRIMARY');
      if ((fresh?.runningCount ?? 0) >= 1 && (s.deployments?.length ?? 0) > 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await fx.crashAndRestart();
    await waitStable('phoenix');
    const s = await describeService('phoenix');
    assert.equal(s.deployments?.length, 1);
    assert.ok(s.taskDefinition?.endsWith(':2'));
    assert.equal(s.runningCount, 3);
    const revisions = (await Promise.all((await serviceTasks('phoenix')).map((a) => fx.describe(a)))).map((t) =>
      t.taskDefinitionArn.split(':').pop(),
    );
    assert.deepEqual(revisions, ['2', '2', '2']);
  });

  it('trips the circuit breaker on a revision that cannot start and rolls back', async () => {
    await cli([
      'create-service',
      '--service-name',
      'breaker',
      '--task-definition',
      'web:1',
      '--desired-count',
      '2',
      '--deployment-configuration',
      'deploymentCircuitBreaker={enable=true,rollback=true},minimumHealthyPercent=100,maximumPercent=200',
    ]);
    await waitStable('breaker');
    const good = (await describeService('breaker')).deployments?.[0]?.id as string;
    // The new deployment's id from update-service's own answer: its tasks fail at once, so by the
    // next describe the breaker may already have rolled back and put another deployment first.
    const updated = (await cli(['update-service', '--service', 'breaker', '--task-definition', 'web:3'])) as {
      service: Service;
    };
    const bad = updated.service.deployments?.find((d) => d.status === 'PRIMARY')?.id as string;
    assert.ok(bad && bad !== good, JSON.stringify(updated.service.deployments));
    let s = await describeService('breaker');
    const reasons = new Set<string>();
    for (let i = 0; i < 300 && !s.events?.some((e) => e.message?.includes('rolling back')); i++) {
      await new Promise((r) => setTimeout(r, 200));
      s = await describeService('breaker');
      for (const d of s.deployments ?? []) reasons.add(d.rolloutStateReason ?? '');
    }
    const msgs = s.events?.map((e) => e.message) ?? [];
    assert.ok(
      msgs.includes(`(service breaker) (deployment ${bad}) deployment failed: tasks failed to start.`),
      msgs.join('\n'),
    );
    assert.ok(msgs.includes(`(service breaker) rolling back to deployment ${good}.`));
    const failed = s.deployments?.find((d) => d.id === bad);
    assert.equal(failed?.rolloutState, 'FAILED');
    assert.ok((failed?.failedTasks ?? 0) >= 3);
    await waitStable('breaker');
    s = await describeService('breaker');
    assert.ok(s.taskDefinition?.endsWith(':1'), 'rolled back to the last completed revision');
    assert.equal(s.runningCount, 2);
    assert.ok(
      reasons.has(`ECS deployment circuit breaker: rolling back to deploymentId ${good}.`),
      [...reasons].join('\n'),
    );
    assert.equal(s.deployments?.[0]?.rolloutState, 'COMPLETED');
  });

  it('trips the breaker on a revision that crashes right after it starts, and never calls it completed', async () => {
    await fx.register(
      'crashy',
      [{ name: 'main', image: fx.imageUri, memory: 16, command: ['sh', '-c', 'sleep 1; exit 3'] }],
      ['--network-mode', 'none'],
    );
    await fx.register(
      'crashy',
      [{ name: 'main', image: fx.imageUri, memory: 16, stopTimeout: 2, command: LOOP }],
      ['--network-mode', 'none'],
    );
    await cli([
      'create-service',
      '--service-name',
      'crashy',
      '--task-definition',
      'crashy:2',
      '--desired-count',
      '2',
      '--deployment-configuration',
      'deploymentCircuitBreaker={enable=true,rollback=true},minimumHealthyPercent=100,maximumPercent=200',
    ]);
    await waitStable('crashy');
    const good = (await describeService('crashy')).deployments?.[0]?.id as string;
    const updated = (await cli(['update-service', '--service', 'crashy', '--task-definition', 'crashy:1'])) as {
      service: Service;
    };
    const bad = updated.service.deployments?.find((d) => d.status === 'PRIMARY')?.id as string;
    let s = await describeService('crashy');
    for (let i = 0; i < 600 && !s.events?.some((e) => e.message?.includes('rolling back')); i++) {
      await new Promise((r) => setTimeout(r, 200));
      s = await describeService('crashy');
    }
    const msgs = s.events?.map((e) => e.message) ?? [];
    assert.ok(!msgs.includes(`(service crashy) (deployment ${bad}) deployment completed.`), msgs.join('\n'));
    assert.ok(
      msgs.includes(`(service crashy) (deployment ${bad}) deployment failed: tasks failed to start.`),
      msgs.join('\n'),
    );
    assert.ok(msgs.includes(`(service crashy) rolling back to deployment ${good}.`));
    await waitStable('crashy');
    s = await describeService('crashy');
    assert.ok(s.taskDefinition?.endsWith(':2'), 'rolled back to the revision that held');
    assert.equal(s.runningCount, 2);
  });
});
