import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DescribeServicesCommand, DescribeTasksCommand, type Service } from '@aws-sdk/client-ecs';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { awsCli, startAgentProcess } from './harness.js';
import { cleanupAgentLeftovers } from './host-cleanup.js';

const LOOP = ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 0.2; done"];

describe('services across several agents', () => {
  let fx: AgentFixture;
  const agents: { dir: string; proc: Awaited<ReturnType<typeof startAgentProcess>> }[] = [];
  const cli = async (args: string[]) => {
    const r = await awsCli(fx.berth.endpoint, ['ecs', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout ? JSON.parse(r.stdout) : {};
  };
  const describeService = async (name: string): Promise<Service> =>
    (await fx.ecs.send(new DescribeServicesCommand({ cluster: 'fleet', services: [name] }))).services?.[0] as Service;
  const waitStable = async (name: string) => {
    const r = await awsCli(fx.berth.endpoint, [
      'ecs',
      'wait',
      'services-stable',
      '--cluster',
      'fleet',
      '--services',
      name,
    ]);
    assert.equal(r.code, 0, `services-stable: ${r.stderr}`);
  };
  const join_ = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-fleet-'));
    const proc = await startAgentProcess(fx.berth.endpoint, ['--cluster', 'fleet', '--data-dir', dir]);
    agents.push({ dir, proc });
    return { dir, proc };
  };
  const instances = async () =>
    (await cli(['list-container-instances', '--cluster', 'fleet'])).containerInstanceArns as string[];
  const placements = async (name: string) => {
    const arns = (await cli(['list-tasks', '--cluster', 'fleet', '--service-name', name])).taskArns as string[];
    if (arns.length === 0) return [];
    const ts = (await fx.ecs.send(new DescribeTasksCommand({ cluster: 'fleet', tasks: arns }))).tasks ?? [];
    return ts.map((t) => t.containerInstanceArn as string);
  };

  before(async () => {
    fx = await startAgentFixture({}, { args: ['--agent-lost-grace', '3'] });
    await cli(['create-cluster', '--cluster-name', 'fleet']);
    for (let i = 0; i < 3; i++) await join_();
    for (let i = 0; i < 100 && (await instances()).length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    await fx.register(
      'daemon',
      [{ name: 'main', image: fx.imageUri, memory: 16, stopTimeout: 2, command: LOOP }],
      ['--network-mode', 'none'],
    );
  });
  after(async () => {
    for (const a of agents) await a.proc.stop().catch(() => undefined);
    await fx.dispose();
    for (const a of agents) {
      await cleanupAgentLeftovers(a.dir);
      rmSync(a.dir, { recursive: true, force: true });
    }
  });

  it('runs one DAEMON task per instance and follows instances as they join', async () => {
    await cli([
      'create-service',
      '--cluster',
      'fleet',
      '--service-name',
      'everywhere',
      '--task-definition',
      'daemon',
      '--scheduling-strategy',
      'DAEMON',
    ]);
    await waitStable('everywhere');
    let where = await placements('everywhere');
    assert.equal(where.length, 3);
    assert.equal(new Set(where).size, 3, 'one task on each instance');
    assert.equal((await describeService('everywhere')).desiredCount, 3);
    await join_();
    for (let i = 0; i < 100 && (await placements('everywhere')).length < 4; i++)
      await new Promise((r) => setTimeout(r, 200));
    await waitStable('everywhere');
    where = await placements('everywhere');
    assert.equal(new Set(where).size, 4, 'the fourth instance got its task');
    assert.equal((await describeService('everywhere')).desiredCount, 4);
    await cli(['delete-service', '--cluster', 'fleet', '--service', 'everywhere', '--force']);
  });

  it('replaces the tasks of an agent that is killed on the instances that remain', async () => {
    await cli([
      'create-service',
      '--cluster',
      'fleet',
      '--service-name',
      'survivors',
      '--task-definition',
      'daemon',
      '--desired-count',
      '3',
      '--placement-constraints',
      'type=distinctInstance',
    ]);
    await waitStable('survivors');
    const before = await placements('survivors');
    assert.equal(new Set(before).size, 3);
    // Kill the agent of an instance that runs one of the tasks: it goes silent for good.
    const idOf = (dir: string) =>
      (JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8')) as { containerInstanceId: string })
        .containerInstanceId;
    const victim = agents.find((a) => before.some((arn) => arn.endsWith(idOf(a.dir)))) as (typeof agents)[number];
    const silent = before.find((arn) => arn.endsWith(idOf(victim.dir))) as string;
    const lostTask = (
      (await cli(['list-tasks', '--cluster', 'fleet', '--container-instance', silent])).taskArns as string[]
    )[0];
    victim.proc.child.kill('SIGKILL');
    await victim.proc.stop();
    for (let i = 0; i < 150; i++) {
      const now = await placements('survivors');
      if (now.length === 3 && !now.includes(silent)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await waitStable('survivors');
    const after = await placements('survivors');
    assert.equal(new Set(after).size, 3);
    assert.ok(!after.includes(silent), 'the task moved off the silent instance');
    assert.equal((await describeService('survivors')).runningCount, 3);
    const lost = (await fx.ecs.send(new DescribeTasksCommand({ cluster: 'fleet', tasks: [lostTask as string] })))
      .tasks?.[0];
    assert.equal(lost?.lastStatus, 'STOPPED');
    assert.match(lost?.stoppedReason ?? '', /agent on its container instance stopped responding/);
  });
});
