import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DescribeServicesCommand, type Service } from '@aws-sdk/client-ecs';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { startDockerd, type Dockerd } from './dockerd.js';
import { awsCli } from './harness.js';

/**
 * The AWS Fargate tutorial as a new user walks it: an image from `docker build` (no WORKDIR, a
 * health check on localhost), `docker push` with the ECR token, the tutorial's task definition
 * and service from JSON, the page reached on the task's address; then a revision that crashes
 * on boot trips the circuit breaker and rolls back, and a service that can never start is held
 * to a few attempts a minute.
 */
const PAGE = '<html><body><h1>Amazon ECS Sample App</h1></body></html>';

describe('the Fargate tutorial, from docker build to the launch throttle', () => {
  let fx: AgentFixture;
  let dockerd: Dockerd;
  let context: string;
  let image: string;
  const aws = async (args: string[]) => {
    const r = await awsCli(fx.berth.endpoint, args);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout ? JSON.parse(r.stdout) : {};
  };
  const describeService = async (name: string): Promise<Service> =>
    (await fx.ecs.send(new DescribeServicesCommand({ cluster: 'fargate-cluster', services: [name] })))
      .services?.[0] as Service;
  const taskDefinition = (command: string[], healthCheck?: object) =>
    JSON.stringify({
      family: 'sample-fargate',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'fargate-app',
          image,
          portMappings: [{ containerPort: 80, hostPort: 80, protocol: 'tcp' }],
          essential: true,
          entryPoint: ['sh', '-c'],
          command,
          ...(healthCheck ? { healthCheck } : {}),
        },
      ],
    });
  const network = 'awsvpcConfiguration={subnets=[subnet-abcd1234],securityGroups=[sg-abcd1234],assignPublicIp=ENABLED}';
  // The tutorial's create-service, with its network configuration.
  const createService = (name: string, taskDefinition: string, extra: string[] = []) =>
    aws([
      'ecs',
      'create-service',
      '--cluster',
      'fargate-cluster',
      '--service-name',
      name,
      '--task-definition',
      taskDefinition,
      '--desired-count',
      '1',
      '--launch-type',
      'FARGATE',
      '--network-configuration',
      network,
      ...extra,
    ]);
  const waitStable = async (service: string) => {
    const r = await awsCli(fx.berth.endpoint, [
      'ecs',
      'wait',
      'services-stable',
      '--cluster',
      'fargate-cluster',
      '--services',
      service,
    ]);
    assert.equal(r.code, 0, r.stderr);
  };

  before(async () => {
    [fx, dockerd] = await Promise.all([startAgentFixture(), startDockerd()]);
    // A build context as a user's: busybox's httpd, an entry script, no WORKDIR, no USER.
    context = mkdtempSync(join(tmpdir(), 'berth-tutorial-'));
    const rootfs = join(context, 'rootfs');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    mkdirSync(join(rootfs, 'usr', 'local', 'bin'), { recursive: true });
    mkdirSync(join(rootfs, 'usr', 'local', 'apache2', 'htdocs'), { recursive: true });
    copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
    for (const applet of ['sh', 'httpd', 'wget', 'sleep']) symlinkSync('busybox', join(rootfs, 'bin', applet));
    const foreground = join(rootfs, 'usr', 'local', 'bin', 'httpd-foreground');
    writeFileSync(foreground, '#!/bin/sh\nexec httpd -f -p 80 -h /usr/local/apache2/htdocs\n');
    chmodSync(foreground, 0o755);
    writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\nCOPY rootfs/ /\nEXPOSE 80\nCMD ["httpd-foreground"]\n');
    const host = new URL(fx.berth.endpoint).host;
    image = `${host}/tutorial/httpd:latest`;
    const build = await dockerd.docker(['build', '--network', 'none', '-t', image, context]);
    assert.equal(build.code, 0, build.stderr);
  });
  after(async () => {
    await Promise.allSettled([fx?.dispose(), dockerd?.stop()]);
    if (context) rmSync(context, { recursive: true, force: true });
  });

  it('pushes with docker, runs the tutorial service and serves its page, healthy on localhost', async () => {
    await aws(['ecr', 'create-repository', '--repository-name', 'tutorial/httpd']);
    const password = (await awsCli(fx.berth.endpoint, ['ecr', 'get-login-password'])).stdout;
    const host = new URL(fx.berth.endpoint).host;
    const login = await dockerd.docker(['login', '--username', 'AWS', '--password-stdin', host], password);
    assert.equal(login.code, 0, login.stderr);
    const push = await dockerd.docker(['push', image]);
    assert.equal(push.code, 0, push.stderr);

    await aws(['ecs', 'create-cluster', '--cluster-name', 'fargate-cluster']);
    const td = await aws([
      'ecs',
      'register-task-definition',
      '--cli-input-json',
      taskDefinition([`/bin/sh -c "echo '${PAGE}' > /usr/local/apache2/htdocs/index.html && httpd-foreground"`], {
        command: ['CMD-SHELL', 'wget -q -O /dev/null http://localhost/ || exit 1'],
        interval: 5,
        timeout: 3,
        retries: 2,
      }),
    ]);
    assert.equal(td.taskDefinition.revision, 1);
    await createService('fargate-service', 'sample-fargate:1', [
      '--deployment-configuration',
      'deploymentCircuitBreaker={enable=true,rollback=true}',
    ]);
    await waitStable('fargate-service');
    const arns = (await aws(['ecs', 'list-tasks', '--cluster', 'fargate-cluster', '--service-name', 'fargate-service']))
      .taskArns as string[];
    assert.equal(arns.length, 1);
    let task = (await aws(['ecs', 'describe-tasks', '--cluster', 'fargate-cluster', '--tasks', ...arns])).tasks[0];
    for (let i = 0; i < 100 && task.healthStatus !== 'HEALTHY'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      task = (await aws(['ecs', 'describe-tasks', '--cluster', 'fargate-cluster', '--tasks', ...arns])).tasks[0];
    }
    assert.equal(task.healthStatus, 'HEALTHY', JSON.stringify(task.containers));
    const ip = task.containers[0].networkInterfaces[0].privateIpv4Address as string;
    const page = await fetch(`http://${ip}/`, { signal: AbortSignal.timeout(5000) });
    assert.equal((await page.text()).trim(), PAGE);
  });

  it('rolls back a revision that crashes on boot, tripped by the circuit breaker', async () => {
    let s = await describeService('fargate-service');
    for (let i = 0; i < 150 && s.deployments?.[0]?.rolloutState !== 'COMPLETED'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      s = await describeService('fargate-service');
    }
    const good = s.deployments?.[0]?.id as string;
    await aws(['ecs', 'register-task-definition', '--cli-input-json', taskDefinition(['sleep 1; exit 1'])]);
    const updated = await aws([
      'ecs',
      'update-service',
      '--cluster',
      'fargate-cluster',
      '--service',
      'fargate-service',
      '--task-definition',
      'sample-fargate:2',
    ]);
    const bad = (updated.service as Service).deployments?.find((d) => d.status === 'PRIMARY')?.id as string;
    for (let i = 0; i < 900 && !s.events?.some((e) => e.message?.includes('rolling back')); i++) {
      await new Promise((r) => setTimeout(r, 200));
      s = await describeService('fargate-service');
    }
    const msgs = s.events?.map((e) => e.message) ?? [];
    assert.ok(
      msgs.includes(`(service fargate-service) (deployment ${bad}) deployment failed: tasks failed to start.`),
      msgs.join('\n'),
    );
    assert.ok(msgs.includes(`(service fargate-service) rolling back to deployment ${good}.`), msgs.join('\n'));
    await waitStable('fargate-service');
    s = await describeService('fargate-service');
    assert.ok(s.taskDefinition?.endsWith('sample-fargate:1'), s.taskDefinition);
  });

  it('holds a service that can never start to a few launches a minute, and says so', async () => {
    await aws(['ecs', 'register-task-definition', '--cli-input-json', taskDefinition(['exit 1'])]);
    const started = Date.now();
    await createService('broken', 'sample-fargate:3');
    const unable = '(service broken) is unable to consistently start tasks successfully.';
    let s = await describeService('broken');
    while (Date.now() - started < 45_000) {
      await new Promise((r) => setTimeout(r, 1000));
      s = await describeService('broken');
    }
    const launched = [
      ...(await aws(['ecs', 'list-tasks', '--cluster', 'fargate-cluster', '--service-name', 'broken'])).taskArns,
      ...(
        await aws([
          'ecs',
          'list-tasks',
          '--cluster',
          'fargate-cluster',
          '--service-name',
          'broken',
          '--desired-status',
          'STOPPED',
        ])
      ).taskArns,
    ];
    const msgs = s.events?.map((e) => e.message) ?? [];
    assert.ok(msgs.includes(unable), msgs.join('\n'));
    // Unthrottled, a task that exits at once is replaced about twice a second (some 90 in 45 s).
    assert.ok(launched.length >= 3 && launched.length <= 8, `${launched.length} launches in 45 s`);
    await aws(['ecs', 'delete-service', '--cluster', 'fargate-cluster', '--service', 'broken', '--force']);
  });
});
