import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DescribeContainerInstancesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListContainerInstancesCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  waitUntilTasksRunning,
  waitUntilTasksStopped,
} from '@aws-sdk/client-ecs';
import { awsCli, startAgentProcess, startBerth, testCredentials, type BerthProcess } from './harness.js';
import { cleanupAgentLeftovers } from './host-cleanup.js';
import { buildBusyboxImage, skopeo, type OciImage } from './images.js';

describe('placement across three agents', () => {
  let berth: BerthProcess;
  let image: OciImage;
  let ecs: ECSClient;
  const agents: Awaited<ReturnType<typeof startAgentProcess>>[] = [];
  const agentDirs = ['a', 'b', 'c'].map((az) => ({
    az: `test-1${az}`,
    dir: mkdtempSync(join(tmpdir(), `berth-agent-${az}-`)),
  }));
  let instanceAz = new Map<string, string>();
  let instanceMemory = 0;
  const started: string[] = [];

  before(async () => {
    [berth, image] = await Promise.all([startBerth({ args: ['--no-agent'] }), buildBusyboxImage()]);
    ecs = new ECSClient({
      endpoint: berth.endpoint,
      region: 'us-east-1',
      credentials: testCredentials,
      maxAttempts: 1,
    });
    assert.equal((await awsCli(berth.endpoint, ['ecs', 'create-cluster', '--cluster-name', 'spread'])).code, 0);
    assert.equal((await awsCli(berth.endpoint, ['ecr', 'create-repository', '--repository-name', 'sched'])).code, 0);
    const creds = `AWS:${(await awsCli(berth.endpoint, ['ecr', 'get-login-password'])).stdout.trim()}`;
    const host = new URL(berth.endpoint).host;
    assert.equal(
      (await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', creds, image.ref, `docker://${host}/sched:v1`]))
        .code,
      0,
    );
    for (const a of agentDirs) {
      agents.push(
        await startAgentProcess(berth.endpoint, [
          '--cluster',
          'spread',
          '--data-dir',
          a.dir,
          '--availability-zone',
          a.az,
          '--attribute',
          `zone-letter=${a.az.slice(-1)}`,
        ]),
      );
    }
    let arns: string[] = [];
    for (let i = 0; i < 100 && arns.length < 3; i++) {
      arns = (await ecs.send(new ListContainerInstancesCommand({ cluster: 'spread' }))).containerInstanceArns ?? [];
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(arns.length, 3, agents.map((a) => a.output()).join('\n'));
    const described = await ecs.send(
      new DescribeContainerInstancesCommand({ cluster: 'spread', containerInstances: arns }),
    );
    instanceAz = new Map(
      described.containerInstances?.map((c) => [
        c.containerInstanceArn as string,
        c.attributes?.find((x) => x.name === 'ecs.availability-zone')?.value as string,
      ]),
    );
    instanceMemory =
      described.containerInstances?.[0]?.registeredResources?.find((r) => r.name === 'MEMORY')?.integerValue ?? 0;
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'sleeper',
        networkMode: 'none',
        containerDefinitions: [
          { name: 'main', image: `${host}/sched:v1`, memory: 16, command: ['sh', '-c', 'sleep 600'] },
        ],
      }),
    );
  });

  after(async () => {
    await Promise.allSettled(started.map((t) => ecs.send(new StopTaskCommand({ cluster: 'spread', task: t }))));
    if (started.length)
      await waitUntilTasksStopped(
        { client: ecs, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
        { cluster: 'spread', tasks: started },
      ).catch(() => undefined);
    for (const a of agents)
      if (process.env.BERTH_E2E_DEBUG) process.stderr.write(`agent output: ${a.output()} exit=${a.child.exitCode}\n`);
    await Promise.allSettled(agents.map((a) => a.stop()));
    await berth.dispose();
    for (const a of agentDirs) {
      await cleanupAgentLeftovers(a.dir);
      rmSync(a.dir, { recursive: true, force: true });
    }
    image.dispose();
  });

  const run = async (input: Omit<ConstructorParameters<typeof RunTaskCommand>[0], 'taskDefinition'>) => {
    const r = await ecs.send(new RunTaskCommand({ cluster: 'spread', taskDefinition: 'sleeper', ...input }));
    started.push(...(r.tasks ?? []).map((t) => t.taskArn as string));
    return r;
  };

  it('spreads across zones, then binpacks within them, and the tasks really run', async () => {
    const r = await run({
      count: 6,
      placementStrategy: [
        { type: 'spread', field: 'attribute:ecs.availability-zone' },
        { type: 'binpack', field: 'memory' },
      ],
    });
    assert.deepEqual(r.failures, []);
    const perAz = new Map<string, number>();
    for (const t of r.tasks ?? [])
      perAz.set(
        instanceAz.get(t.containerInstanceArn as string) as string,
        (perAz.get(instanceAz.get(t.containerInstanceArn as string) as string) ?? 0) + 1,
      );
    assert.deepEqual([...perAz.values()], [2, 2, 2]);
    const arns = (r.tasks ?? []).map((t) => t.taskArn as string);
    await waitUntilTasksRunning(
      { client: ecs, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
      { cluster: 'spread', tasks: arns },
    );
  });

  it('keeps memberOf tasks where the expression says, in the AWS CLI too', async () => {
    const r = await awsCli(berth.endpoint, [
      'ecs',
      'run-task',
      '--cluster',
      'spread',
      '--task-definition',
      'sleeper',
      '--count',
      '3',
      '--placement-constraints',
      'type=memberOf,expression=attribute:zone-letter == b',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const tasks = JSON.parse(r.stdout).tasks as { taskArn: string; containerInstanceArn: string }[];
    started.push(...tasks.map((t) => t.taskArn));
    assert.equal(tasks.length, 3);
    assert.ok(tasks.every((t) => instanceAz.get(t.containerInstanceArn) === 'test-1b'));
  });

  it('fails an oversize task with RESOURCE:MEMORY on every instance', async () => {
    const r = await run({ overrides: { memory: String(instanceMemory + 1) } });
    assert.deepEqual(r.tasks, []);
    assert.deepEqual(
      r.failures?.map((f) => f.reason),
      ['RESOURCE:MEMORY', 'RESOURCE:MEMORY', 'RESOURCE:MEMORY'],
    );
  });

  it('never overcommits under a storm of concurrent RunTask calls', async () => {
    // Each task takes just over a third of an instance's memory: two fit per instance, six in all.
    const big = String(Math.floor(instanceMemory / 3) + 1);
    const results = await Promise.all(Array.from({ length: 12 }, () => run({ count: 2, overrides: { memory: big } })));
    const placed = results.flatMap((r) => r.tasks ?? []);
    const fresh = placed.map((t) => t.taskArn as string);
    const described = await ecs.send(new DescribeTasksCommand({ cluster: 'spread', tasks: fresh.slice(0, 100) }));
    const perInstance = new Map<string, number>();
    for (const t of described.tasks ?? [])
      perInstance.set(t.containerInstanceArn as string, (perInstance.get(t.containerInstanceArn as string) ?? 0) + 1);
    assert.ok(
      [...perInstance.values()].every((n) => n <= 2),
      JSON.stringify([...perInstance]),
    );
    assert.ok(placed.length <= 6);
    assert.ok(results.some((r) => r.failures?.some((f) => f.reason === 'RESOURCE:MEMORY')));
  });
});
