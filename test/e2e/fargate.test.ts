import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  waitUntilServicesStable,
  waitUntilTasksRunning,
  waitUntilTasksStopped,
  type Task,
} from '@aws-sdk/client-ecs';
import { startAgentFixture, waitOpts, type AgentFixture } from './agent-fixture.js';
import { awsCli, berthBin, startAgentProcess } from './harness.js';
import { cleanupAgentLeftovers } from './host-cleanup.js';

const execFileP = promisify(execFile);
const VPC = ['--network-configuration', 'awsvpcConfiguration={subnets=[subnet-0e2e],assignPublicIp=DISABLED}'];
const FARGATE_TD = ['--network-mode', 'awsvpc', '--requires-compatibilities', 'FARGATE'];

describe('Fargate', { skip: process.getuid?.() !== 0 ? 'needs root for runc' : false }, () => {
  let fx: AgentFixture;
  const aws = async (args: string[]) => {
    const r = await awsCli(fx.berth.endpoint, args);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout ? JSON.parse(r.stdout) : {};
  };
  const berth = async (args: string[]) =>
    execFileP(process.execPath, [berthBin, ...args, '--endpoint', fx.berth.endpoint]);
  const describeTasks = async (arns: string[]) =>
    (await fx.ecs.send(new DescribeTasksCommand({ tasks: arns }))).tasks ?? [];

  before(async () => {
    fx = await startAgentFixture({}, { args: ['--spot-warning', '2'] });
    await aws([
      'ecs',
      'put-cluster-capacity-providers',
      '--cluster',
      'default',
      '--capacity-providers',
      'FARGATE',
      'FARGATE_SPOT',
      '--default-capacity-provider-strategy',
      'capacityProvider=FARGATE,weight=1',
    ]);
    await fx.register(
      'web',
      [
        {
          name: 'web',
          image: fx.imageUri,
          portMappings: [{ containerPort: 8080 }],
          stopTimeout: 30,
          command: ['sh', '-c', 'mkdir -p /www && echo fargate > /www/index.html && exec httpd -f -p 8080 -h /www'],
        },
      ],
      [...FARGATE_TD, '--cpu', '256', '--memory', '512'],
    );
  });
  after(async () => fx?.dispose());

  it('runs a task in its own sandbox, reachable on its private IP, on no instance of the cluster', async () => {
    const run = await aws(['ecs', 'run-task', '--launch-type', 'FARGATE', '--task-definition', 'web', ...VPC]);
    const arn = run.tasks[0].taskArn as string;
    assert.equal(run.tasks[0].launchType, 'FARGATE');
    await waitUntilTasksRunning(waitOpts(fx, 90), { tasks: [arn] });
    const t = await fx.describe(arn);
    assert.equal(t.containerInstanceArn, undefined);
    assert.equal(t.platformVersion, '1.4.0');
    assert.deepEqual(t.ephemeralStorage, { sizeInGiB: 20 });
    const att = t.attachments[0];
    const details = Object.fromEntries(att.details.map((d: { name: string; value: string }) => [d.name, d.value]));
    assert.equal(att.type, 'ElasticNetworkInterface');
    assert.equal(att.status, 'ATTACHED');
    assert.equal(att.id, run.tasks[0].attachments[0].id, 'the attachment keeps its id from PRECREATED on');
    assert.match(att.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(t.containers[0].networkInterfaces[0].attachmentId, att.id);
    assert.equal(details.subnetId, 'subnet-0e2e');
    assert.match(details.macAddress, /^[0-9a-f:]{17}$/);
    assert.equal(t.containers[0].networkInterfaces[0].privateIpv4Address, details.privateIPv4Address);
    const res = await fetch(`http://${details.privateIPv4Address}:8080/`, { signal: AbortSignal.timeout(5000) });
    assert.equal(await res.text(), 'fargate\n');
    // The fleet's host is nobody's container instance.
    const instances = await aws(['ecs', 'list-container-instances']);
    assert.equal(instances.containerInstanceArns.length, 1, 'only the EC2 instance of the local agent');
    // Held to exactly the task's CPU and memory.
    const id = arn.split('/').pop() as string;
    const cg = `/sys/fs/cgroup/memory/berth/${id}/memory.limit_in_bytes`;
    if (existsSync('/sys/fs/cgroup/memory/berth')) {
      const { readFileSync } = await import('node:fs');
      assert.equal(readFileSync(cg, 'utf8').trim(), String(512 * 1024 * 1024));
      assert.equal(readFileSync(`/sys/fs/cgroup/cpu/berth/${id}/cpu.cfs_quota_us`, 'utf8').trim(), '25000');
    }
    await aws(['ecs', 'stop-task', '--task', arn]);
    await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: [arn] });
    // Its sandbox is gone with it.
    for (let i = 0; i < 20 && existsSync(`/sys/fs/cgroup/memory/berth/${id}`); i++)
      await new Promise((r) => setTimeout(r, 250));
    assert.equal(existsSync(`/sys/fs/cgroup/memory/berth/${id}`), false, 'task cgroup removed');
  });

  it('spreads tasks over the fleet’s hosts, one added with berth agent --fargate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-fleet-'));
    // Its own bridge and subnet: two agents on one host must not hand out the same addresses.
    const agent = await startAgentProcess(fx.berth.endpoint, [
      '--fargate',
      '--data-dir',
      dir,
      '--bridge',
      'berth-fg1',
      '--subnet',
      '172.30.0.0/16',
    ]);
    try {
      for (let i = 0; i < 100 && !existsSync(join(dir, 'agent.json')); i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.ok(existsSync(join(dir, 'agent.json')), `the agent joined the fleet: ${agent.output()}`);
      assert.match(agent.output(), /joining the Fargate fleet/);
      const run = await aws([
        'ecs',
        'run-task',
        '--launch-type',
        'FARGATE',
        '--task-definition',
        'web',
        '--count',
        '4',
        '--started-by',
        'spread-test',
        ...VPC,
      ]);
      const arns = run.tasks.map((t: { taskArn: string }) => t.taskArn) as string[];
      await waitUntilTasksRunning(waitOpts(fx, 90), { tasks: arns });
      const onNewHost = arns.filter((a) => existsSync(join(dir, 'tasks', a.split('/').pop() as string)));
      assert.equal(onNewHost.length, 2, 'two of the four on each host');
      for (const t of await describeTasks(arns)) {
        const ip = t.attachments?.[0]?.details?.find((d) => d.name === 'privateIPv4Address')?.value as string;
        const mine = onNewHost.includes(t.taskArn as string);
        assert.match(ip, mine ? /^172\.30\./ : /^172\.29\./);
        const res = await fetch(`http://${ip}:8080/`, { signal: AbortSignal.timeout(5000) });
        assert.equal(await res.text(), 'fargate\n');
      }
      assert.equal((await aws(['ecs', 'list-container-instances'])).containerInstanceArns.length, 1);
      for (const a of arns) await aws(['ecs', 'stop-task', '--task', a]);
      await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: arns });
    } finally {
      await agent.stop();
      await cleanupAgentLeftovers(dir, 'berth-fg1');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses invalid cpu/memory pairs, bridge mode, and a run without a network configuration', async () => {
    const bad = async (args: string[], message: RegExp) => {
      const r = await awsCli(fx.berth.endpoint, args);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, message);
    };
    const register = (extra: string[]) => [
      'ecs',
      'register-task-definition',
      '--family',
      'bad',
      '--container-definitions',
      JSON.stringify([{ name: 'x', image: fx.imageUri }]),
      ...extra,
    ];
    await bad(
      register([...FARGATE_TD, '--cpu', '256', '--memory', '4096']),
      /ClientException.*No Fargate configuration exists for given values: 256 CPU, 4096 memory/,
    );
    await bad(
      register([
        '--network-mode',
        'bridge',
        '--requires-compatibilities',
        'FARGATE',
        '--cpu',
        '256',
        '--memory',
        '512',
      ]),
      /Fargate only supports network mode 'awsvpc'/,
    );
    await bad(
      ['ecs', 'run-task', '--launch-type', 'FARGATE', '--task-definition', 'web'],
      /InvalidParameterException.*network configuration must be provided/,
    );
    await bad(
      [
        'ecs',
        'run-task',
        '--launch-type',
        'FARGATE',
        '--capacity-provider-strategy',
        'capacityProvider=FARGATE,weight=1',
        '--task-definition',
        'web',
        ...VPC,
      ],
      /launch type and a capacity provider strategy cannot both be given/,
    );
  });

  it('holds its writes to its ephemeral storage, a filesystem of exactly that size', async () => {
    await fx.register(
      'disk',
      [{ name: 'disk', image: fx.imageUri, command: ['sh', '-c', 'df -k / | tail -1'] }],
      [...FARGATE_TD, '--cpu', '256', '--memory', '512', '--ephemeral-storage', 'sizeInGiB=21'],
    );
    const arn = await fx.runTask('disk', ['--launch-type', 'FARGATE', ...VPC]);
    await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: [arn] });
    const t = await fx.describe(arn);
    assert.deepEqual(t.ephemeralStorage, { sizeInGiB: 21 });
    assert.equal(t.containers[0].exitCode, 0);
    // df's total for the container's root: its writable layer's filesystem, 21 GiB less ext4's metadata.
    const total = Number((await fx.logs(arn, 'disk')).stdout.trim().split(/\s+/)[1]);
    assert.ok(total > 20.5 * 1024 * 1024 && total <= 21 * 1024 * 1024, `df total ${total} KiB`);
    const id = arn.split('/').pop() as string;
    const img = `${fx.berth.dataDir}/agent/tasks/${id}/ephemeral.img`;
    for (let i = 0; i < 20 && existsSync(img); i++) await new Promise((r) => setTimeout(r, 250));
    assert.equal(existsSync(img), false, 'the storage goes with the task');
  });

  it('OOM-kills a task that allocates past its memory and says so', async () => {
    await fx.register(
      'hog',
      [
        {
          name: 'hog',
          image: fx.imageUri,
          // tail keeps a line that never ends: it grows until the task's 512 MiB stop it.
          command: ['sh', '-c', 'echo filling; exec tail /dev/zero'],
        },
      ],
      [...FARGATE_TD, '--cpu', '256', '--memory', '512'],
    );
    const arn = await fx.runTask('hog', ['--launch-type', 'FARGATE', ...VPC]);
    await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: [arn] });
    const t = await fx.describe(arn);
    assert.equal(t.stopCode, 'EssentialContainerExited');
    assert.equal(t.containers[0].exitCode, 137);
    assert.equal(t.containers[0].reason, 'OutOfMemoryError: Container killed due to memory usage');
  });

  it('splits a service by its strategy, replaces an interrupted Spot task, and meters it all', async () => {
    const created = await aws([
      'ecs',
      'create-service',
      '--service-name',
      'mix',
      '--task-definition',
      'web',
      '--desired-count',
      '9',
      '--capacity-provider-strategy',
      'capacityProvider=FARGATE,base=1,weight=1',
      'capacityProvider=FARGATE_SPOT,weight=3',
      ...VPC,
    ]);
    assert.equal(created.service.launchType, undefined);
    assert.equal(created.service.capacityProviderStrategy.length, 2);
    await waitUntilServicesStable({ ...waitOpts(fx, 90), maxWaitTime: 180 }, { services: ['mix'] });
    const serviceTasks = async (): Promise<Task[]> => {
      const arns = (await fx.ecs.send(new ListTasksCommand({ serviceName: 'mix' }))).taskArns ?? [];
      return describeTasks(arns);
    };
    const count = (ts: Task[], p: string) => ts.filter((t) => t.capacityProviderName === p).length;
    const before = await serviceTasks();
    assert.equal(count(before, 'FARGATE'), 3, '1 base + 2 of the 8 by weight');
    assert.equal(count(before, 'FARGATE_SPOT'), 6);
    assert.ok(before.every((t) => t.launchType === 'FARGATE' && !t.containerInstanceArn));

    const victim = before.find((t) => t.capacityProviderName === 'FARGATE_SPOT') as Task;
    const out = await berth(['fargate', 'interrupt', '--task', victim.taskArn as string]);
    assert.equal(out.stdout.trim(), victim.taskArn);
    await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: [victim.taskArn as string] });
    const [gone] = await describeTasks([victim.taskArn as string]);
    assert.equal(gone?.stopCode, 'SpotInterruption');
    assert.equal(gone?.stoppedReason, 'Your Spot Task was interrupted.');
    // httpd runs as the container's PID 1, which the kernel shields from SIGTERM's default action:
    // the SIGKILL at the end of the 2 s warning given here stops it.
    assert.ok((gone?.stoppedAt?.getTime() ?? 0) - (gone?.stoppingAt?.getTime() ?? 0) < 10_000);
    // The service replaces it under its strategy: back to 3 + 6.
    let now: Task[] = [];
    for (let i = 0; i < 60; i++) {
      now = (await serviceTasks()).filter((t) => t.lastStatus === 'RUNNING');
      if (now.length === 9 && count(now, 'FARGATE_SPOT') === 6) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(count(now, 'FARGATE'), 3);
    assert.equal(count(now, 'FARGATE_SPOT'), 6);
    const svc = (await fx.ecs.send(new DescribeServicesCommand({ services: ['mix'] }))).services?.[0];
    assert.ok(
      svc?.events?.some((e) => /has started 1 tasks: \(task [0-9a-f]{32}\)\.$/.test(e.message ?? '')),
      'the replacement is in the events',
    );

    // The meter: every stopped Fargate task billed from its pull to its stop, at least a minute.
    const usage = JSON.parse((await berth(['usage', '--json'])).stdout) as {
      tasks: { taskArn: string; billedSeconds: number; running: boolean; capacityProvider: string }[];
      services: { service: string; tasks: number }[];
      totals: { tasks: number; vcpuSeconds: number; billedSeconds: number };
    };
    const metered = new Map(usage.tasks.map((t) => [t.taskArn, t]));
    const [v] = await describeTasks([victim.taskArn as string]);
    const lifetime = ((v?.stoppedAt?.getTime() ?? 0) - (v?.pullStartedAt?.getTime() ?? 0)) / 1000;
    assert.equal(metered.get(victim.taskArn as string)?.billedSeconds, Math.max(60, Math.ceil(lifetime)));
    assert.equal(metered.get(victim.taskArn as string)?.capacityProvider, 'FARGATE_SPOT');
    for (const t of now) assert.equal(metered.get(t.taskArn as string)?.running, true);
    assert.equal(usage.services.find((s) => s.service === 'mix')?.tasks, 10);
    assert.equal(usage.totals.vcpuSeconds, usage.totals.billedSeconds / 4, '0.25 vCPU per task');
    const table = (await berth(['usage'])).stdout;
    assert.match(table, /service default\/mix\s+10 /);
    assert.match(table, /capacity provider FARGATE_SPOT\s+7 /);

    await aws(['ecs', 'delete-service', '--service', 'mix', '--force']);
  });
});
