import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { awsCli, strictDataDir } from './harness.js';

const ACCOUNT = '000000000000';
const execFileP = promisify(execFile);

describe('task IAM roles: credentials at 169.254.170.2 for the task alone, authorized in --auth strict', () => {
  let fx: AgentFixture;
  const dataDir = strictDataDir('berth-task-roles-');
  before(async () => {
    // Listening on every address: the AWS CLI inside a task reaches berth at the bridge's gateway.
    fx = await startAgentFixture({}, { dataDir, args: ['--auth', 'strict', '--host', '0.0.0.0'] });
  });
  after(async () => {
    await fx.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const aws = async (args: string[], env: Record<string, string> = {}) => {
    const r = await awsCli(fx.berth.endpoint, args, env);
    const text = r.stdout.trim();
    return { ...r, json: r.code === 0 && /^[{[]/.test(text) ? JSON.parse(text) : undefined };
  };
  const trustTasks = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  const allow = (Action: string) =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource: '*' }] });
  /** A role tasks may assume, allowed one action. */
  async function taskRole(name: string, action: string): Promise<void> {
    const role = await aws(['iam', 'create-role', '--role-name', name, '--assume-role-policy-document', trustTasks]);
    assert.equal(role.code, 0, role.stderr);
    const policy = ['--policy-name', 'p', '--policy-document', allow(action)];
    assert.equal((await aws(['iam', 'put-role-policy', '--role-name', name, ...policy])).code, 0);
  }

  // The containers' output goes to CloudWatch Logs (the /_berth log reader is open mode's only).
  const logConfiguration = {
    logDriver: 'awslogs',
    options: {
      'awslogs-group': 'task-roles',
      'awslogs-region': 'us-east-1',
      'awslogs-stream-prefix': 'e2e',
      'awslogs-create-group': 'true',
    },
  };

  /** Polls a container's output in CloudWatch Logs until `done` holds (the container prints, then sleeps). */
  async function outputOf(arn: string, container: string, done: (s: string) => boolean): Promise<string> {
    let out = '';
    const stream = `e2e/${container}/${arn.split('/').pop() as string}`;
    for (let i = 0; i < 100; i++) {
      const r = await aws(['logs', 'get-log-events', '--log-group-name', 'task-roles', '--log-stream-name', stream]);
      out = ((r.json?.events ?? []) as { message: string }[]).map((e) => e.message).join('\n');
      if (done(out)) return out;
      await new Promise((res) => setTimeout(res, 300));
    }
    throw new Error(`container ${container} never printed what was awaited; it printed:\n${out}`);
  }

  it('serves each task its own role’s credentials, which the account’s policies then govern', async () => {
    await taskRole('lister', 'ecs:ListClusters');
    await taskRole('describer', 'ecs:DescribeClusters');
    const fetchCreds = 'busybox wget -q -O - "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"';
    await fx.register(
      'with-role',
      [
        {
          name: 'app',
          image: fx.imageUri,
          memory: 32,
          logConfiguration,
          command: [
            'sh',
            '-c',
            `echo "URI=$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"; echo "CREDS=$(${fetchCreds})"; ` +
              `echo "META=$(busybox wget -q -O - "$ECS_CONTAINER_METADATA_URI_V4/task")"; ` +
              // Some CPU time to count, then the container's stats and the task's, one after the other.
              'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; ' +
              `echo "STATS=$(busybox wget -q -O - "$ECS_CONTAINER_METADATA_URI_V4/stats")"; ` +
              `echo "TSTATS=$(busybox wget -q -O - "$ECS_CONTAINER_METADATA_URI_V4/task/stats")"; echo END; sleep 60`,
          ],
        },
      ],
      ['--network-mode', 'bridge', '--task-role-arn', `arn:aws:iam::${ACCOUNT}:role/lister`],
    );
    const a = await fx.runTask('with-role');
    const outA = await outputOf(a, 'app', (s) => s.includes('END'));
    const uriA = /URI=(\/v2\/credentials\/[0-9a-f-]{36})/.exec(outA)?.[1];
    assert.ok(uriA, outA);
    const credsA = JSON.parse(/^CREDS=(.*)$/m.exec(outA)?.[1] || 'null') as Record<string, string>;
    assert.ok(credsA, outA);
    assert.equal(credsA['RoleArn'], `arn:aws:iam::${ACCOUNT}:role/lister`);
    assert.match(credsA['AccessKeyId'] ?? '', /^ASIA/);
    assert.match(credsA['Expiration'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // The task metadata endpoint names the task and its containers.
    const meta = JSON.parse(/^META=(.*)$/m.exec(outA)?.[1] ?? 'null') as {
      TaskARN: string;
      Family: string;
      Revision: number;
      LaunchType: string;
      KnownStatus: string;
      Containers: { Name: string; KnownStatus: string; Networks: { NetworkMode: string; IPv4Addresses: string[] }[] }[];
    };
    assert.equal(meta.TaskARN, a);
    assert.equal(meta.Family, 'with-role');
    assert.equal(meta.LaunchType, 'EC2');
    assert.deepEqual(
      meta.Containers.map((c) => [c.Name, c.KnownStatus, c.Networks[0]?.NetworkMode]),
      [['app', 'RUNNING', 'bridge']],
    );
    assert.match(meta.Containers[0]?.Networks[0]?.IPv4Addresses[0] ?? '', /^\d+\.\d+\.\d+\.\d+$/);

    // Its stats, in Docker's format as ECS serves them: read from the container's cgroup.
    interface Stats {
      id: string;
      read: string;
      preread: string;
      cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus: number };
      precpu_stats: { cpu_usage: { total_usage: number } };
      memory_stats: { usage: number; limit: number; stats: Record<string, number> };
      networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
    }
    const runtimeId = `${a.split('/').pop()}-app`;
    const stats = JSON.parse(/^STATS=(.*)$/m.exec(outA)?.[1] || 'null') as Stats;
    assert.ok(stats, outA);
    assert.equal(stats.id, runtimeId);
    assert.ok(stats.cpu_stats.cpu_usage.total_usage > 0, JSON.stringify(stats.cpu_stats));
    assert.ok(stats.cpu_stats.system_cpu_usage > stats.cpu_stats.cpu_usage.total_usage);
    assert.ok(stats.cpu_stats.online_cpus >= 1);
    assert.ok(stats.memory_stats.usage > 0);
    assert.equal(stats.memory_stats.limit, 32 * 1024 * 1024, 'the container definition’s memory');
    assert.ok(Object.keys(stats.memory_stats.stats).length > 0);
    assert.ok((stats.networks?.['eth0']?.rx_bytes ?? 0) > 0, JSON.stringify(stats.networks));
    const taskStats = JSON.parse(/^TSTATS=(.*)$/m.exec(outA)?.[1] || 'null') as Record<string, Stats>;
    assert.deepEqual(Object.keys(taskStats), [runtimeId]);
    const again = taskStats[runtimeId] as Stats;
    // The reading before is the first answer's: CPU percent comes from one answer, as with docker stats.
    assert.equal(again.preread, stats.read);
    assert.equal(again.precpu_stats.cpu_usage.total_usage, stats.cpu_stats.cpu_usage.total_usage);
    assert.ok(again.cpu_stats.cpu_usage.total_usage >= stats.cpu_stats.cpu_usage.total_usage);

    // The credentials work against berth as the role's session, and only as far as its policy goes.
    const asA = {
      AWS_ACCESS_KEY_ID: credsA['AccessKeyId'] as string,
      AWS_SECRET_ACCESS_KEY: credsA['SecretAccessKey'] as string,
      AWS_SESSION_TOKEN: credsA['Token'] as string,
    };
    const taskIdA = a.split('/').pop() as string;
    const me = await aws(['sts', 'get-caller-identity'], asA);
    assert.equal(me.json.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/lister/${taskIdA}`);
    assert.ok((await aws(['ecs', 'list-clusters'], asA)).json.clusterArns.length > 0);
    const denied = await aws(['ecs', 'run-task', '--task-definition', 'with-role'], asA);
    assert.match(
      denied.stderr,
      new RegExp(
        `AccessDeniedException.*User: arn:aws:sts::${ACCOUNT}:assumed-role/lister/${taskIdA} is not authorized to perform: ecs:RunTask`,
      ),
    );

    // A second task with another role gets its own credentials, and nothing from the first's URI.
    await fx.register(
      'other-role',
      [
        {
          name: 'app',
          image: fx.imageUri,
          memory: 32,
          logConfiguration,
          command: [
            'sh',
            '-c',
            `echo "CREDS=$(${fetchCreds})"; busybox wget -q -O - "http://169.254.170.2$OTHER" || echo REFUSED; echo END; sleep 60`,
          ],
        },
      ],
      ['--network-mode', 'bridge', '--task-role-arn', `arn:aws:iam::${ACCOUNT}:role/describer`],
    );
    const b = await fx.runTask('other-role', [
      '--overrides',
      JSON.stringify({ containerOverrides: [{ name: 'app', environment: [{ name: 'OTHER', value: uriA }] }] }),
    ]);
    const outB = await outputOf(b, 'app', (s) => s.includes('END'));
    const credsB = JSON.parse(/^CREDS=(.*)$/m.exec(outB)?.[1] ?? 'null') as Record<string, string>;
    assert.equal(credsB['RoleArn'], `arn:aws:iam::${ACCOUNT}:role/describer`);
    assert.notEqual(credsB['AccessKeyId'], credsA['AccessKeyId']);
    assert.match(outB, /REFUSED/, 'the first task’s URI answers nothing to the second task');
    assert.doesNotMatch(outB, new RegExp(credsA['AccessKeyId'] as string));

    for (const arn of [a, b]) await aws(['ecs', 'stop-task', '--task', arn]);
  });

  it('serves a task on the host’s network its own credentials and metadata, and nothing to another process', async () => {
    for (const name of ['host-a', 'host-b']) await taskRole(name, 'ecs:ListClusters');
    const get = (url: string) => `busybox wget -q -O - "${url}"`;
    const register = (family: string, role: string, script: string, environment: object[] = []) =>
      fx.register(
        family,
        [{ name: 'app', image: fx.imageUri, memory: 32, logConfiguration, environment, command: ['sh', '-c', script] }],
        ['--network-mode', 'host', '--task-role-arn', `arn:aws:iam::${ACCOUNT}:role/${role}`],
      );
    await register(
      'host-role-a',
      'host-a',
      `echo "URI=$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"; ` +
        `echo "CREDS=$(${get('http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI')})"; ` +
        `echo "META=$(${get('$ECS_CONTAINER_METADATA_URI_V4/task')})"; echo END; sleep 60`,
    );
    const a = await fx.runTask('host-role-a');
    const outA = await outputOf(a, 'app', (s) => s.includes('END'));
    const uriA = /URI=(\/v2\/credentials\/[0-9a-f-]{36})/.exec(outA)?.[1];
    assert.ok(uriA, outA);
    const credsA = JSON.parse(/^CREDS=(.*)$/m.exec(outA)?.[1] || 'null') as Record<string, string> | null;
    assert.equal(credsA?.['RoleArn'], `arn:aws:iam::${ACCOUNT}:role/host-a`, outA);
    assert.match(credsA?.['AccessKeyId'] ?? '', /^ASIA/);
    const meta = JSON.parse(/^META=(.*)$/m.exec(outA)?.[1] || 'null') as {
      TaskARN: string;
      Containers: { Name: string; Networks: { NetworkMode: string }[] }[];
    } | null;
    assert.equal(meta?.TaskARN, a, outA);
    assert.deepEqual(
      meta?.Containers.map((c) => [c.Name, c.Networks[0]?.NetworkMode]),
      [['app', 'host']],
    );

    // Another host-network task, told the first one's URI: its own credentials, none of the first's.
    await register(
      'host-role-b',
      'host-b',
      `echo "CREDS=$(${get('http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI')})"; ` +
        `${get('http://169.254.170.2$OTHER')} || echo REFUSED; echo END; sleep 60`,
      [{ name: 'OTHER', value: uriA }],
    );
    const b = await fx.runTask('host-role-b');
    const outB = await outputOf(b, 'app', (s) => s.includes('END'));
    const credsB = JSON.parse(/^CREDS=(.*)$/m.exec(outB)?.[1] || 'null') as Record<string, string> | null;
    assert.equal(credsB?.['RoleArn'], `arn:aws:iam::${ACCOUNT}:role/host-b`, outB);
    assert.match(outB, /REFUSED/, 'the first task’s URI answers nothing to the second task');
    assert.doesNotMatch(outB, new RegExp(credsA?.['AccessKeyId'] as string));

    // A host process outside any task asking with the first task's URI gets nothing either.
    const fromHost = await fetch(`http://169.254.170.2${uriA}`);
    assert.equal(fromHost.status, 400);
    assert.deepEqual(await fromHost.json(), {
      code: 'InvalidIdentifier',
      message: 'CredentialsV2Request: Credentials not found',
    });
    for (const arn of [a, b]) await aws(['ecs', 'stop-task', '--task', arn]);
  });

  it('the AWS CLI inside a container acts as the task role, with no credentials of its own', async () => {
    // The host's Python and AWS CLI, bound into the busybox image at the paths they have here.
    const py = await execFileP('python3', ['-c', 'import sys, awscli; print(sys.executable); print(sys.prefix)']);
    const [python, prefix] = py.stdout.trim().split('\n') as [string, string];
    const binds: [string, string][] = [
      ['/usr', '/usr'],
      ['/usr/lib', '/lib'],
      ...(existsSync('/usr/lib64') ? [['/usr/lib64', '/lib64'] as [string, string]] : []),
      ...(prefix.startsWith('/usr/') || prefix === '/usr' ? [] : [[prefix, prefix] as [string, string]]),
    ];
    const gateway = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(
      (await execFileP('ip', ['-4', '-o', 'addr', 'show', 'berth0'])).stdout,
    )?.[1];
    assert.ok(gateway, 'the task bridge has an address (a bridge task ran before)');
    const endpoint = `http://${gateway}:${new URL(fx.berth.endpoint).port}`;
    const cli = `${python} -m awscli --endpoint-url ${endpoint} --output text`;
    await fx.register(
      'cli-in-task',
      [
        {
          name: 'cli',
          image: fx.imageUri,
          memory: 256,
          logConfiguration,
          mountPoints: binds.map((_, i) => ({ sourceVolume: `v${i}`, containerPath: binds[i]?.[1], readOnly: true })),
          command: [
            'sh',
            '-c',
            `${cli} sts get-caller-identity --query Arn; ${cli} ecs list-clusters; ` +
              `${cli} ecs run-task --task-definition cli-in-task 2>&1; echo END; sleep 60`,
          ],
        },
      ],
      [
        '--network-mode',
        'bridge',
        '--task-role-arn',
        `arn:aws:iam::${ACCOUNT}:role/lister`,
        '--volumes',
        JSON.stringify(binds.map(([host], i) => ({ name: `v${i}`, host: { sourcePath: host } }))),
      ],
    );
    const arn = await fx.runTask('cli-in-task');
    const out = await outputOf(arn, 'cli', (s) => s.includes('END'));
    const taskId = arn.split('/').pop() as string;
    assert.match(out, new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/lister/${taskId}$`, 'm'), out);
    assert.match(out, /CLUSTERARNS\s+arn:aws:ecs:us-east-1:000000000000:cluster\/default/, out);
    assert.match(
      out,
      new RegExp(
        `AccessDeniedException.*User: arn:aws:sts::${ACCOUNT}:assumed-role/lister/${taskId} is not authorized to perform: ecs:RunTask`,
      ),
      out,
    );
    await aws(['ecs', 'stop-task', '--task', arn]);
  });

  it('pulls the image and retrieves the secrets as the execution role, and stops the task when the role may not', async () => {
    await aws(['ssm', 'put-parameter', '--name', '/e2e/token', '--value', 'tok-123', '--type', 'SecureString']);
    await aws(['ssm', 'put-parameter', '--name', '/private/token', '--value', 'nope', '--type', 'SecureString']);
    await aws(['iam', 'create-role', '--role-name', 'exec', '--assume-role-policy-document', trustTasks]);
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'ssm:GetParameters', Resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/e2e/*` },
      ],
    });
    await aws(['iam', 'put-role-policy', '--role-name', 'exec', '--policy-name', 'p', '--policy-document', policy]);
    const run = async (family: string, from: string) => {
      await fx.register(
        family,
        [
          {
            name: 'app',
            image: fx.imageUri,
            memory: 32,
            logConfiguration,
            secrets: [{ name: 'TOKEN', valueFrom: from }],
            command: ['sh', '-c', 'echo "TOKEN=$TOKEN"; echo END'],
          },
        ],
        ['--network-mode', 'bridge', '--execution-role-arn', `arn:aws:iam::${ACCOUNT}:role/exec`],
      );
      const arn = await fx.runTask(family);
      assert.equal((await aws(['ecs', 'wait', 'tasks-stopped', '--tasks', arn])).code, 0);
      return arn;
    };
    // Without ECR permissions the role cannot pull the image from berth's registry, as from ECR.
    const noPull = await run('exec-no-ecr', '/e2e/token');
    const np = (await aws(['ecs', 'describe-tasks', '--tasks', noPull])).json.tasks[0];
    assert.equal(np.stopCode, 'TaskFailedToStart');
    assert.match(
      np.stoppedReason,
      new RegExp(
        `^ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/exec/[0-9a-f]{32} is not authorized to perform: ecr:GetAuthorizationToken on resource: \\* because no identity-based policy allows the ecr:GetAuthorizationToken action$`,
      ),
    );
    const managed = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';
    assert.equal((await aws(['iam', 'attach-role-policy', '--role-name', 'exec', '--policy-arn', managed])).code, 0);
    const ok = await run('exec-ok', '/e2e/token');
    assert.match(await outputOf(ok, 'app', (s) => s.includes('END')), /^TOKEN=tok-123$/m);
    const denied = await run('exec-denied', '/private/token');
    const t = (await aws(['ecs', 'describe-tasks', '--tasks', denied])).json.tasks[0];
    assert.equal(t.stopCode, 'TaskFailedToStart');
    assert.match(
      t.stoppedReason,
      new RegExp(
        `^ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/exec/[0-9a-f]{32} is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/private/token`,
      ),
    );
  });

  it('refuses a task role ECS may not assume, in ECS’s words', async () => {
    const trustUser = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }],
    });
    await aws(['iam', 'create-role', '--role-name', 'not-for-tasks', '--assume-role-policy-document', trustUser]);
    await fx.register(
      'untrusted',
      [{ name: 'app', image: fx.imageUri, memory: 32 }],
      ['--network-mode', 'bridge', '--task-role-arn', `arn:aws:iam::${ACCOUNT}:role/not-for-tasks`],
    );
    const r = await aws(['ecs', 'run-task', '--task-definition', 'untrusted']);
    assert.match(
      r.stderr,
      /ECS was unable to assume the role 'arn:aws:iam::000000000000:role\/not-for-tasks' that was provided for this task/,
    );
  });
});
