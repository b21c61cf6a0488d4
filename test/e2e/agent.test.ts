import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ECSClient,
  DescribeTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  waitUntilTasksRunning,
  waitUntilTasksStopped,
} from '@aws-sdk/client-ecs';
import { startAgentFixture, waitOpts, type AgentFixture } from './agent-fixture.js';
import { awsCli, startBerth, strictDataDir, type BerthProcess } from './harness.js';
import { buildBusyboxImage, pushWith } from './images.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

describe('tasks on real containers under runc', () => {
  let fx: AgentFixture;
  let berth: BerthProcess;
  let ecs: ECSClient;
  let imageUri: string;
  before(async () => {
    fx = await startAgentFixture({
      '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nappuser:x:1234:4321::/home/app:/bin/sh\n',
      '/etc/group': 'root:x:0:\napp:x:4321:\n',
    });
    ({ berth, ecs, imageUri } = fx);
  });
  after(() => fx.dispose());

  const register = (family: string, containers: object[], extra: string[] = []) =>
    fx.register(family, containers, extra);
  /** What a container printed on stdout, read through the control plane with `berth logs`. */
  const logOf = async (taskArn: string, container: string) => (await fx.logs(taskArn, container)).stdout;

  it('runs a task to completion and reports its exit code, user and environment', async () => {
    await register(
      'exits',
      [
        {
          name: 'main',
          image: imageUri,
          memory: 32,
          user: 'appuser:app',
          environment: [{ name: 'GREETING', value: 'hi from berth' }],
          command: ['sh', '-c', 'echo "$GREETING"; id -u; id -g; exit 3'],
        },
      ],
      ['--network-mode', 'none'],
    );
    const run = JSON.parse((await awsCli(berth.endpoint, ['ecs', 'run-task', '--task-definition', 'exits'])).stdout);
    const arn = run.tasks[0].taskArn as string;
    const wait = await awsCli(berth.endpoint, ['ecs', 'wait', 'tasks-stopped', '--tasks', arn]);
    assert.equal(wait.code, 0, wait.stderr);
    const t = JSON.parse((await awsCli(berth.endpoint, ['ecs', 'describe-tasks', '--tasks', arn])).stdout).tasks[0];
    assert.equal(t.lastStatus, 'STOPPED');
    assert.equal(t.stopCode, 'EssentialContainerExited');
    assert.equal(t.stoppedReason, 'Essential container in task exited');
    assert.equal(t.containers[0].exitCode, 3);
    assert.match(t.containers[0].runtimeId, /^[0-9a-f]{32}-main$/);
    assert.ok(t.pullStartedAt && t.pullStoppedAt && t.stoppedAt, 'timestamps are reported');
    assert.equal(await logOf(arn, 'main'), 'hi from berth\n1234\n4321\n');
  });

  it("mounts a container's root on the host only until the image's user is known", async () => {
    await register(
      'whoami',
      [
        {
          name: 'main',
          image: imageUri,
          memory: 32,
          user: '1234',
          command: ['sh', '-c', 'id -u; id -g; grep -c " / / .* - overlay " /proc/self/mountinfo; sleep 60'],
        },
      ],
      ['--network-mode', 'none'],
    );
    const onHost: boolean[] = [];
    for (let i = 0; i < 2; i++) {
      const arn = (await ecs.send(new RunTaskCommand({ taskDefinition: 'whoami' }))).tasks?.[0]?.taskArn as string;
      await waitUntilTasksRunning(waitOpts(fx), { tasks: [arn] });
      const id = arn.split('/').pop() as string;
      const rootfs = join(berth.dataDir, 'agent', 'tasks', id, 'containers', 'main', 'bundle', 'rootfs');
      onHost.push(
        readFileSync('/proc/self/mounts', 'utf8')
          .split('\n')
          .some((l) => l.split(' ')[1] === rootfs),
      );
      let out = '';
      for (let n = 0; n < 50 && out.split('\n').length < 4; n++) {
        out = await logOf(arn, 'main');
        if (out.split('\n').length < 4) await new Promise((r) => setTimeout(r, 100));
      }
      // The uid's group comes from the image's /etc/passwd, and the root is the image's overlay.
      assert.equal(out, '1234\n4321\n1\n', `run ${i + 1}`);
      await ecs.send(new StopTaskCommand({ task: arn }));
      await waitUntilTasksStopped(waitOpts(fx), { tasks: [arn] });
    }
    // The first run reads the image's passwd through a host mount; the second knows the answer,
    // and runc mounts the root inside the container.
    assert.deepEqual(onHost, [true, false]);
  });

  it('runs a tag pushed again at its new image, though the host has the old one', async () => {
    const repo = `e2e/moving-${Math.random().toString(36).slice(2, 8)}`;
    const outputs: string[] = [];
    for (const marker of ['one', 'two']) {
      const img = await buildBusyboxImage({ files: { '/marker': `${marker}\n` } });
      try {
        const uri = await fx.push(img.ref, repo);
        if (marker === 'one')
          await register(
            'moving',
            [{ name: 'main', image: uri, memory: 32, command: ['sh', '-c', 'cat /marker'] }],
            ['--network-mode', 'none'],
          );
        const arn = await fx.runTask('moving');
        await waitUntilTasksStopped(waitOpts(fx), { tasks: [arn] });
        const t = await fx.describe(arn);
        assert.equal(t.containers[0].exitCode, 0, JSON.stringify(t));
        outputs.push(await logOf(arn, 'main'));
      } finally {
        img.dispose();
      }
    }
    // The second task's container was made from the image the host had, then made again once the
    // registry said the tag had moved; it never ran the old image.
    assert.deepEqual(outputs, ['one\n', 'two\n']);
  });

  it('serves HTTP on a mapped host port in bridge mode, and stops on StopTask', async () => {
    const port = await freePort();
    await register('http', [
      {
        name: 'web',
        image: imageUri,
        memory: 32,
        portMappings: [{ containerPort: 8080, hostPort: port }],
        command: [
          'sh',
          '-c',
          "mkdir -p /www && echo served-by-berth > /www/index.html && trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait",
        ],
      },
    ]);
    const run = await ecs.send(new RunTaskCommand({ taskDefinition: 'http' }));
    const arn = run.tasks?.[0]?.taskArn as string;
    await waitUntilTasksRunning(waitOpts(fx), { tasks: [arn] });
    const described = await ecs.send(new DescribeTasksCommand({ tasks: [arn] }));
    assert.deepEqual(
      described.tasks?.[0]?.containers?.[0]?.networkBindings?.map((b) => [b.containerPort, b.hostPort, b.protocol]),
      [[8080, port, 'tcp']],
    );
    const res = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(await res.text(), 'served-by-berth\n');
    const stop = await awsCli(berth.endpoint, ['ecs', 'stop-task', '--task', arn, '--reason', 'e2e done']);
    assert.equal(stop.code, 0, stop.stderr);
    await waitUntilTasksStopped(waitOpts(fx), { tasks: [arn] });
    const stopped = (await ecs.send(new DescribeTasksCommand({ tasks: [arn] }))).tasks?.[0];
    assert.equal(stopped?.stopCode, 'UserInitiated');
    assert.equal(stopped?.stoppedReason, 'e2e done');
    assert.equal(stopped?.containers?.[0]?.exitCode, 0, 'SIGTERM reached the container');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) }));
  });

  it('orders containers by dependsOn HEALTHY and reports health checks', async () => {
    await register(
      'ordered',
      [
        {
          name: 'db',
          image: imageUri,
          memory: 16,
          essential: false,
          stopTimeout: 2,
          command: ['sh', '-c', 'sleep 2; touch /ready; sleep 600'],
          healthCheck: {
            command: ['CMD-SHELL', 'test -f /ready'],
            interval: 5,
            timeout: 2,
            retries: 3,
            startPeriod: 30,
          },
        },
        {
          name: 'app',
          image: imageUri,
          memory: 16,
          stopTimeout: 2,
          dependsOn: [{ containerName: 'db', condition: 'HEALTHY' }],
          command: ['sh', '-c', 'echo app started; sleep 600'],
        },
      ],
      ['--network-mode', 'none'],
    );
    const run = await ecs.send(new RunTaskCommand({ taskDefinition: 'ordered' }));
    const arn = run.tasks?.[0]?.taskArn as string;
    await waitUntilTasksRunning(waitOpts(fx, 90), { tasks: [arn] });
    const t = (await ecs.send(new DescribeTasksCommand({ tasks: [arn] }))).tasks?.[0];
    const db = t?.containers?.find((c) => c.name === 'db');
    const app = t?.containers?.find((c) => c.name === 'app');
    assert.equal(db?.healthStatus, 'HEALTHY', 'app starts only once db is healthy');
    assert.equal(app?.lastStatus, 'RUNNING');
    assert.equal(await logOf(arn, 'app'), 'app started\n');
    await ecs.send(new (await import('@aws-sdk/client-ecs')).StopTaskCommand({ task: arn }));
    await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: [arn] });
  });

  it('gives an awsvpc task its own address, reachable from the host', async () => {
    await register(
      'vpc',
      [
        {
          name: 'web',
          image: imageUri,
          memory: 16,
          stopTimeout: 2,
          portMappings: [{ containerPort: 8080 }],
          command: ['sh', '-c', 'mkdir -p /www && echo own-address > /www/index.html && exec httpd -f -p 8080 -h /www'],
        },
      ],
      ['--network-mode', 'awsvpc'],
    );
    await assert.rejects(
      ecs.send(new RunTaskCommand({ taskDefinition: 'vpc' })),
      /network configuration must be provided when the network mode is 'awsvpc'/,
    );
    const run = await ecs.send(
      new RunTaskCommand({
        taskDefinition: 'vpc',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-e2e'] } },
      }),
    );
    const arn = run.tasks?.[0]?.taskArn as string;
    await waitUntilTasksRunning(waitOpts(fx), { tasks: [arn] });
    const t = (await ecs.send(new DescribeTasksCommand({ tasks: [arn] }))).tasks?.[0];
    const details = Object.fromEntries((t?.attachments?.[0]?.details ?? []).map((d) => [d.name, d.value]));
    assert.equal(t?.attachments?.[0]?.type, 'ElasticNetworkInterface');
    assert.match(details.privateIPv4Address ?? '', /^\d+\.\d+\.\d+\.\d+$/);
    assert.match(details.macAddress ?? '', /^[0-9a-f:]{17}$/);
    assert.equal(details.subnetId, 'subnet-e2e');
    assert.equal(t?.containers?.[0]?.networkInterfaces?.[0]?.privateIpv4Address, details.privateIPv4Address);
    const res = await fetch(`http://${details.privateIPv4Address}:8080/`, { signal: AbortSignal.timeout(5000) });
    assert.equal(await res.text(), 'own-address\n');
    await ecs.send(new (await import('@aws-sdk/client-ecs')).StopTaskCommand({ task: arn }));
    await waitUntilTasksStopped(waitOpts(fx), { tasks: [arn] });
  });

  it('refuses an image that cannot be pulled with CannotPullContainerError', async () => {
    await register(
      'missing',
      [{ name: 'x', image: `${new URL(berth.endpoint).host}/e2e/agent:nope`, memory: 16 }],
      ['--network-mode', 'none'],
    );
    const run = await ecs.send(new RunTaskCommand({ taskDefinition: 'missing' }));
    const arn = run.tasks?.[0]?.taskArn as string;
    await waitUntilTasksStopped(waitOpts(fx), { tasks: [arn] });
    const t = (await ecs.send(new DescribeTasksCommand({ tasks: [arn] }))).tasks?.[0];
    assert.equal(t?.stopCode, 'TaskFailedToStart');
    assert.match(t?.stoppedReason ?? '', /^CannotPullContainerError: /);
  });

  it('hands a task a Secrets Manager secret whole and by JSON key, and stops one whose key is missing', async () => {
    const sm = async (args: string[]) =>
      JSON.parse((await awsCli(berth.endpoint, ['secretsmanager', ...args])).stdout) as Record<string, string>;
    const { ARN: arn } = await sm([
      'create-secret',
      '--name',
      'e2e/db',
      '--secret-string',
      '{"user":"app","password":"p@ss word"}',
    ]);
    const secrets = [
      { name: 'DB_JSON', valueFrom: arn },
      { name: 'DB_PASSWORD', valueFrom: `${arn}:password:AWSCURRENT:` },
    ];
    await register(
      'asm-secrets',
      [{ name: 'main', image: imageUri, memory: 32, secrets, command: ['sh', '-c', 'echo "$DB_PASSWORD|$DB_JSON"'] }],
      ['--network-mode', 'none'],
    );
    const run = JSON.parse(
      (await awsCli(berth.endpoint, ['ecs', 'run-task', '--task-definition', 'asm-secrets'])).stdout,
    );
    const taskArn = run.tasks[0].taskArn as string;
    assert.equal((await awsCli(berth.endpoint, ['ecs', 'wait', 'tasks-stopped', '--tasks', taskArn])).code, 0);
    assert.equal(await logOf(taskArn, 'main'), 'p@ss word|{"user":"app","password":"p@ss word"}\n');

    await register(
      'asm-missing',
      [{ name: 'main', image: imageUri, memory: 32, secrets: [{ name: 'K', valueFrom: `${arn}:token::` }] }],
      ['--network-mode', 'none'],
    );
    const bad = JSON.parse(
      (await awsCli(berth.endpoint, ['ecs', 'run-task', '--task-definition', 'asm-missing'])).stdout,
    );
    const badArn = bad.tasks[0].taskArn as string;
    assert.equal((await awsCli(berth.endpoint, ['ecs', 'wait', 'tasks-stopped', '--tasks', badArn])).code, 0);
    const b = JSON.parse((await awsCli(berth.endpoint, ['ecs', 'describe-tasks', '--tasks', badArn])).stdout).tasks[0];
    assert.equal(b.stopCode, 'TaskFailedToStart');
    assert.equal(
      b.stoppedReason,
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: retrieved secret from Secrets Manager did not contain json key token',
    );
  });

  it('pulls from a private registry with repositoryCredentials from Secrets Manager, and not without them', async () => {
    // The private registry: a second berth in strict mode, whose /v2 answers only valid Basic credentials.
    const priv = await startBerth({
      dataDir: strictDataDir('berth-e2e-private-'),
      args: ['--no-agent', '--auth', 'strict'],
    });
    const image = await buildBusyboxImage({ files: { '/private.txt': 'from the private registry\n' } });
    try {
      const host = new URL(priv.endpoint).host;
      assert.equal(
        (await awsCli(priv.endpoint, ['ecr', 'create-repository', '--repository-name', 'private/app'])).code,
        0,
      );
      const password = (await awsCli(priv.endpoint, ['ecr', 'get-login-password'])).stdout.trim();
      const uri = `${host}/private/app:v1`;
      const push = await pushWith(`AWS:${password}`, image.ref, uri);
      assert.equal(push.code, 0, push.stderr);
      const ran = async (family: string, container: object) => {
        await register(
          family,
          [{ name: 'main', image: uri, memory: 32, command: ['sh', '-c', 'cat /private.txt'], ...container }],
          ['--network-mode', 'none'],
        );
        const run = JSON.parse((await awsCli(berth.endpoint, ['ecs', 'run-task', '--task-definition', family])).stdout);
        const arn = run.tasks[0].taskArn as string;
        assert.equal((await awsCli(berth.endpoint, ['ecs', 'wait', 'tasks-stopped', '--tasks', arn])).code, 0);
        const t = JSON.parse((await awsCli(berth.endpoint, ['ecs', 'describe-tasks', '--tasks', arn])).stdout).tasks[0];
        return { arn, t };
      };

      // Without credentials the registry refuses the pull (nothing is cached yet to fall back on).
      const anon = await ran('private-anon', {});
      assert.equal(anon.t.stopCode, 'TaskFailedToStart');
      assert.match(anon.t.stoppedReason, /^CannotPullContainerError: .*401/);

      // Credentials whose secret does not exist: the task fails before any pull, as ECS words it.
      const gone = await ran('private-gone', { repositoryCredentials: { credentialsParameter: 'e2e/registry-gone' } });
      assert.equal(gone.t.stopCode, 'TaskFailedToStart');
      assert.match(
        gone.t.stoppedReason,
        /^ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: failed to fetch secret arn:aws:secretsmanager:us-east-1:000000000000:secret:e2e\/registry-gone from secrets manager: ResourceNotFoundException/,
      );

      // The secret holds the registry's username and password, as ECS documents it.
      const secret = JSON.parse(
        (
          await awsCli(berth.endpoint, [
            'secretsmanager',
            'create-secret',
            '--name',
            'e2e/registry',
            '--secret-string',
            JSON.stringify({ username: 'AWS', password }),
          ])
        ).stdout,
      ) as { ARN: string };
      const ok = await ran('private-creds', { repositoryCredentials: { credentialsParameter: secret.ARN } });
      assert.equal(ok.t.containers[0].exitCode, 0, JSON.stringify(ok.t));
      assert.equal(await logOf(ok.arn, 'main'), 'from the private registry\n');
    } finally {
      image.dispose();
      await priv.dispose();
    }
  });

  it('hands a task its SSM parameters as secrets, and stops one whose parameter is missing', async () => {
    const ssm = (args: string[]) => awsCli(berth.endpoint, ['ssm', ...args]);
    await ssm(['put-parameter', '--name', '/e2e/db/password', '--value', 'hunter2 and more', '--type', 'SecureString']);
    await ssm(['put-parameter', '--name', '/e2e/db/host', '--value', 'db.internal', '--type', 'String']);
    const secrets = [
      { name: 'DB_PASSWORD', valueFrom: '/e2e/db/password' },
      { name: 'DB_HOST', valueFrom: 'arn:aws:ssm:us-east-1:000000000000:parameter/e2e/db/host' },
    ];
    await register(
      'secrets',
      [{ name: 'main', image: imageUri, memory: 32, secrets, command: ['sh', '-c', 'echo "$DB_PASSWORD|$DB_HOST"'] }],
      ['--network-mode', 'none'],
    );
    const run = JSON.parse((await awsCli(berth.endpoint, ['ecs', 'run-task', '--task-definition', 'secrets'])).stdout);
    const arn = run.tasks[0].taskArn as string;
    assert.equal((await awsCli(berth.endpoint, ['ecs', 'wait', 'tasks-stopped', '--tasks', arn])).code, 0);
    const t = JSON.parse((await awsCli(berth.endpoint, ['ecs', 'describe-tasks', '--tasks', arn])).stdout).tasks[0];
    assert.equal(t.containers[0].exitCode, 0);
    assert.equal(await logOf(arn, 'main'), 'hunter2 and more|db.internal\n');

    await register(
      'secret-missing',
      [{ name: 'main', image: imageUri, memory: 32, secrets: [{ name: 'K', valueFrom: '/e2e/nope' }] }],
      ['--network-mode', 'none'],
    );
    const bad = JSON.parse(
      (await awsCli(berth.endpoint, ['ecs', 'run-task', '--task-definition', 'secret-missing'])).stdout,
    );
    const badArn = bad.tasks[0].taskArn as string;
    assert.equal((await awsCli(berth.endpoint, ['ecs', 'wait', 'tasks-stopped', '--tasks', badArn])).code, 0);
    const b = JSON.parse((await awsCli(berth.endpoint, ['ecs', 'describe-tasks', '--tasks', badArn])).stdout).tasks[0];
    assert.equal(b.stopCode, 'TaskFailedToStart');
    assert.match(
      b.stoppedReason,
      /^ResourceInitializationError: unable to pull secrets or registry auth: .*\/e2e\/nope$/,
    );
  });
});
