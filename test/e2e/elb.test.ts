import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { cleanHosts, cliOf, serveTaskArn, webContainer } from './elb-helpers.js';
import { selfSigned } from './self-signed.js';

const execFileP = promisify(execFile);

// Each engine that can serve listeners: HAProxy driven by berth (the default) and berth's own proxy.
for (const engine of ['haproxy', 'node'] as const)
  describe(`ECS services behind load balancers (--elb-engine ${engine}), through the AWS CLI and curl`, () => {
    let fx: AgentFixture | undefined;
    after(async () => {
      const dir = fx?.berth.dataDir;
      await fx?.dispose();
      if (dir) cleanHosts(dir);
    });

    it('spreads requests over the service’s tasks, routes /api/* by rule, and replaces a task that fails its health checks', async () => {
      fx = await startAgentFixture({}, { args: ['--elb-hosts-file', '/etc/hosts', '--elb-engine', engine] });
      const f = fx;
      const { aws, refused, listener, targetGroup, healthy } = cliOf(f);
      const lb = (await aws(['elbv2', 'create-load-balancer', '--name', 'shop'])).LoadBalancers[0];
      assert.match(
        lb.LoadBalancerArn,
        /^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer\/app\/shop\/[0-9a-f]{16}$/,
      );
      await aws(['elbv2', 'wait', 'load-balancer-available', '--load-balancer-arns', lb.LoadBalancerArn]);
      const [webTg, apiTg] = [await targetGroup('shop-web'), await targetGroup('shop-api')];
      const webListener = await listener(lb.LoadBalancerArn, 'HTTP', 80, `Type=forward,TargetGroupArn=${webTg}`);
      await aws([
        'elbv2',
        'create-rule',
        '--listener-arn',
        webListener,
        '--priority',
        '10',
        '--conditions',
        'Field=path-pattern,Values=/api/*',
        '--actions',
        `Type=forward,TargetGroupArn=${apiTg}`,
      ]);
      // Bad input is refused with ELB's codes.
      assert.match(
        await refused([
          'elbv2',
          'create-rule',
          '--listener-arn',
          webListener,
          '--priority',
          '10',
          '--conditions',
          'Field=path-pattern,Values=/x/*',
          '--actions',
          `Type=forward,TargetGroupArn=${apiTg}`,
        ]),
        /\(PriorityInUse\)/,
      );
      assert.match(
        await refused([
          'elbv2',
          'create-listener',
          '--load-balancer-arn',
          lb.LoadBalancerArn,
          '--protocol',
          'HTTP',
          '--port',
          '80',
          '--default-actions',
          `Type=forward,TargetGroupArn=${webTg}`,
        ]),
        /\(DuplicateListener\)/,
      );
      assert.match(
        await refused([
          'elbv2',
          'register-targets',
          '--target-group-arn',
          webTg,
          '--targets',
          'Id=i-0123456789abcdef0',
        ]),
        /\(InvalidTarget\)/,
      );

      for (const [name, prefix] of [
        ['web', ''],
        ['api', 'api:'],
      ] as const)
        await f.register(name, [webContainer(f, prefix)]);
      const service = (name: string, tg: string, count: number) =>
        aws([
          'ecs',
          'create-service',
          '--service-name',
          name,
          '--task-definition',
          name,
          '--desired-count',
          String(count),
          '--load-balancers',
          `targetGroupArn=${tg},containerName=main,containerPort=8080`,
          '--health-check-grace-period-seconds',
          '20',
        ]);
      await service('web', webTg, 3);
      await service('api', apiTg, 1);
      await healthy(webTg, 3);
      await healthy(apiTg, 1);
      await aws(['elbv2', 'wait', 'target-in-service', '--target-group-arn', webTg]);
      const registeredEvents = (await aws(['ecs', 'describe-services', '--services', 'web'])).services[0].events as {
        message: string;
      }[];
      assert.ok(
        registeredEvents.some(
          (e) =>
            e.message.startsWith('(service web) registered ') &&
            e.message.endsWith(`targets in (target-group ${webTg})`),
        ),
        JSON.stringify(registeredEvents.slice(0, 5)),
      );

      // The DNS name resolves on the host to the load balancer's own address.
      const resolved = (await execFileP('getent', ['hosts', lb.DNSName])).stdout.split(/\s+/)[0];
      assert.match(resolved ?? '', /^127\.77\.\d+\.\d+$/);
      const get = async (path: string) =>
        (await execFileP('curl', ['-sf', `http://${lb.DNSName}${path}`])).stdout.trim();
      const webTasks = async () =>
        ((await aws(['ecs', 'list-tasks', '--service-name', 'web'])).taskArns as string[]).sort();
      const seen = new Set<string>();
      for (let i = 0; i < 30; i++) seen.add(await get('/'));
      assert.deepEqual([...seen].sort(), await webTasks(), 'all three tasks answer');

      // Stickiness (lb_cookie): a client that keeps ELB's AWSALB cookie stays with one task.
      const stickiness = (on: boolean) =>
        aws([
          'elbv2',
          'modify-target-group-attributes',
          '--target-group-arn',
          webTg,
          '--attributes',
          `Key=stickiness.enabled,Value=${on}`,
          'Key=stickiness.lb_cookie.duration_seconds,Value=600',
        ]);
      await stickiness(true);
      const jar = join(mkdtempSync(join(tmpdir(), 'berth-e2e-jar-')), 'cookies');
      const withJar = async () =>
        (await execFileP('curl', ['-sf', '-c', jar, '-b', jar, '-D', '-', `http://${lb.DNSName}/`])).stdout;
      let headers = '';
      for (let i = 0; i < 50 && !/^set-cookie: AWSALB=/im.test(headers); i++) {
        headers = await withJar();
        if (!/^set-cookie: AWSALB=/im.test(headers)) await new Promise((r) => setTimeout(r, 200));
      }
      assert.match(headers, /^set-cookie: AWSALB=/im);
      const stuck = new Set<string>();
      for (let i = 0; i < 12; i++) stuck.add((await withJar()).trim().split('\n').pop() ?? '');
      assert.equal(stuck.size, 1, `one task for the client with the cookie: ${[...stuck].join(', ')}`);
      rmSync(dirname(jar), { recursive: true, force: true });
      await stickiness(false);
      const [apiTask] = (await aws(['ecs', 'list-tasks', '--service-name', 'api'])).taskArns as string[];
      assert.equal(await get('/api/'), `api:${apiTask}`);

      // HTTPS with a certificate imported into ACM (PEM files, as `aws acm import-certificate` takes them).
      const pki = mkdtempSync(join(tmpdir(), 'berth-e2e-pki-'));
      try {
        await selfSigned('shop.test', join(pki, 'cert.pem'), join(pki, 'key.pem'));
        writeFileSync(
          join(pki, 'bad.pem'),
          '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
        );
        assert.match(
          await refused([
            'acm',
            'import-certificate',
            '--certificate',
            `fileb://${join(pki, 'bad.pem')}`,
            '--private-key',
            `fileb://${join(pki, 'key.pem')}`,
          ]),
          /\(ValidationException\)/,
        );
        const cert = (
          await aws([
            'acm',
            'import-certificate',
            '--certificate',
            `fileb://${join(pki, 'cert.pem')}`,
            '--private-key',
            `fileb://${join(pki, 'key.pem')}`,
          ])
        ).CertificateArn as string;
        const secureListener = await listener(
          lb.LoadBalancerArn,
          'HTTPS',
          443,
          `Type=forward,TargetGroupArn=${webTg}`,
          ['--certificates', `CertificateArn=${cert}`],
        );
        let secure = '';
        for (let i = 0; i < 50 && !secure; i++) {
          secure = await execFileP('curl', [
            '-sf',
            '--cacert',
            join(pki, 'cert.pem'),
            '--resolve',
            `shop.test:443:${resolved}`,
            'https://shop.test/',
          ])
            .then((r) => r.stdout.trim())
            .catch(() => '');
          if (!secure) await new Promise((r) => setTimeout(r, 200));
        }
        assert.ok(
          (await webTasks()).includes(secure),
          `a task answers over HTTPS, its certificate verified: '${secure}'`,
        );
        // A second certificate in the listener's list, served to clients that ask for its name (SNI).
        await selfSigned('*.api.test', join(pki, 'api-cert.pem'), join(pki, 'api-key.pem'));
        const apiCert = (
          await aws([
            'acm',
            'import-certificate',
            '--certificate',
            `fileb://${join(pki, 'api-cert.pem')}`,
            '--private-key',
            `fileb://${join(pki, 'api-key.pem')}`,
          ])
        ).CertificateArn as string;
        await aws([
          'elbv2',
          'add-listener-certificates',
          '--listener-arn',
          secureListener,
          '--certificates',
          `CertificateArn=${apiCert}`,
        ]);
        assert.deepEqual(
          (await aws(['elbv2', 'describe-listener-certificates', '--listener-arn', secureListener])).Certificates,
          [
            { CertificateArn: cert, IsDefault: true },
            { CertificateArn: apiCert, IsDefault: false },
          ],
        );
        assert.match(
          await refused([
            'elbv2',
            'remove-listener-certificates',
            '--listener-arn',
            secureListener,
            '--certificates',
            `CertificateArn=${cert}`,
          ]),
          /\(OperationNotPermitted\)/,
        );
        const sni = async (ca: string) => {
          for (let i = 0; i < 50; i++) {
            const got = await execFileP('curl', [
              '-sf',
              '--cacert',
              join(pki, ca),
              '--resolve',
              `v1.api.test:443:${resolved}`,
              'https://v1.api.test/',
            ])
              .then((r) => r.stdout.trim())
              .catch(() => '');
            if (got) return got;
            await new Promise((r) => setTimeout(r, 200));
          }
          return '';
        };
        assert.ok((await webTasks()).includes(await sni('api-cert.pem')), 'v1.api.test is served its own certificate');
        await aws([
          'elbv2',
          'remove-listener-certificates',
          '--listener-arn',
          secureListener,
          '--certificates',
          `CertificateArn=${apiCert}`,
        ]);
        // Out of the list: that name gets the default certificate, which its client does not trust.
        let refusedNow = false;
        for (let i = 0; i < 50 && !refusedNow; i++) {
          refusedNow = await execFileP('curl', [
            '-sf',
            '--cacert',
            join(pki, 'api-cert.pem'),
            '--resolve',
            `v1.api.test:443:${resolved}`,
            'https://v1.api.test/',
          ]).then(
            () => false,
            () => true,
          );
          if (!refusedNow) await new Promise((r) => setTimeout(r, 200));
        }
        assert.ok(refusedNow, 'the removed certificate is no longer served');
        await aws(['acm', 'delete-certificate', '--certificate-arn', apiCert]);
      } finally {
        rmSync(pki, { recursive: true, force: true });
      }

      // A task frozen in place fails its health checks: out of rotation, then stopped and replaced.
      const victim = (await webTasks())[0] as string;
      await execFileP('runc', [
        '--root',
        join(f.berth.dataDir, 'agent', 'runc'),
        'kill',
        '--all',
        `${victim.split('/').pop()}-main`,
        'STOP',
      ]);
      let stopped;
      for (let i = 0; i < 60 && !stopped; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        const t = (await aws(['ecs', 'describe-tasks', '--tasks', victim])).tasks[0];
        if (t.desiredStatus === 'STOPPED') stopped = t;
      }
      assert.ok(
        stopped,
        `the frozen task is stopped: ${JSON.stringify(await aws(['elbv2', 'describe-target-health', '--target-group-arn', webTg]))}`,
      );
      assert.equal(stopped.stoppedReason, `Task failed ELB health checks in (target-group ${webTg})`);
      assert.equal(stopped.stopCode, 'ServiceSchedulerInitiated');
      const events = (await aws(['ecs', 'describe-services', '--services', 'web'])).services[0].events as {
        message: string;
      }[];
      assert.ok(
        events.some((e) =>
          /^\(service web\) \(instance \S+\) \(port \d+\) is unhealthy in \(target-group .+\) due to \(reason /.test(
            e.message,
          ),
        ),
        JSON.stringify(events.slice(0, 5)),
      );
      for (let i = 0; i < 30; i++) assert.notEqual(await get('/'), victim, 'the frozen task is out of rotation');
      await healthy(webTg, 3);
      const after = new Set<string>();
      for (let i = 0; i < 30; i++) after.add(await get('/'));
      assert.equal(after.size, 3);
      assert.ok(!after.has(victim));

      // A rolling update under a steady 20 requests/s: old tasks drain (DEACTIVATING) before they
      // stop, new ones take traffic once healthy; no request fails.
      await aws([
        'elbv2',
        'modify-target-group-attributes',
        '--target-group-arn',
        webTg,
        '--attributes',
        'Key=deregistration_delay.timeout_seconds,Value=3',
      ]);
      await f.register('web', [webContainer(f, 'v2:')]);
      const old = new Set(await webTasks());
      await aws(['ecs', 'update-service', '--service', 'web', '--task-definition', 'web:2']);
      const answers: string[] = [];
      const errors: string[] = [];
      let deactivating = false;
      let done = false;
      const watch = (async () => {
        for (let i = 0; i < 120 && !done; i++) {
          await new Promise((r) => setTimeout(r, 1000));
          const svc = (await aws(['ecs', 'describe-services', '--services', 'web'])).services[0];
          const ts = await aws(['ecs', 'describe-tasks', '--tasks', ...old]);
          if ((ts.tasks as { lastStatus: string }[]).some((t) => t.lastStatus === 'DEACTIVATING')) deactivating = true;
          done =
            svc.deployments.length === 1 && svc.deployments[0].rolloutState === 'COMPLETED' && svc.runningCount === 3;
        }
      })();
      while (!done) {
        const t0 = Date.now();
        try {
          const r = await fetch(`http://${lb.DNSName}/`, { signal: AbortSignal.timeout(5000) });
          const text = (await r.text()).trim();
          if (r.status === 200) answers.push(text);
          else errors.push(`${r.status} ${text}`);
        } catch (e) {
          errors.push(String(e));
        }
        await new Promise((r) => setTimeout(r, Math.max(0, 50 - (Date.now() - t0))));
      }
      await watch;
      assert.ok(done, 'the rollout completes');
      assert.deepEqual(errors, [], `no request failed (of ${answers.length + errors.length})`);
      assert.ok(answers.length > 100, `a steady loop ran: ${answers.length}`);
      assert.ok(deactivating, 'old tasks were seen DEACTIVATING while they drained');
      const v2 = new Set<string>();
      for (let i = 0; i < 30; i++) v2.add(await get('/'));
      assert.equal(v2.size, 3);
      for (const a of v2) assert.match(a, /^v2:arn:aws:ecs:/);
      const stoppedOld = (await aws(['ecs', 'describe-tasks', '--tasks', ...old])).tasks as {
        lastStatus: string;
        stoppedReason: string;
      }[];
      for (const t of stoppedOld)
        assert.match(t.stoppedReason, /^Scaling activity initiated by \(deployment ecs-svc\/\d+\)$/);

      const [v2Deployment] = (await aws(['ecs', 'list-service-deployments', '--service', 'web']))
        .serviceDeployments as {
        status: string;
        targetServiceRevisionArn: string;
      }[];
      assert.equal(v2Deployment?.status, 'SUCCESSFUL');

      // A third revision rolled back on request (StopServiceDeployment) under the same loop: every
      // request answered, and afterwards only the second revision answers.
      await f.register('web', [webContainer(f, 'v3:')]);
      await aws(['ecs', 'update-service', '--service', 'web', '--task-definition', 'web:3']);
      const v3 = (await aws(['ecs', 'list-service-deployments', '--service', 'web', '--status', 'IN_PROGRESS']))
        .serviceDeployments[0].serviceDeploymentArn as string;
      await aws(['ecs', 'stop-service-deployment', '--service-deployment-arn', v3, '--stop-type', 'ROLLBACK']);
      const rollbackErrors: string[] = [];
      let rolledBack: { status: string; rollback?: { serviceRevisionArn: string } } | undefined;
      for (let i = 0; i < 1200 && rolledBack?.status !== 'ROLLBACK_SUCCESSFUL'; i++) {
        const t0 = Date.now();
        try {
          const r = await fetch(`http://${lb.DNSName}/`, { signal: AbortSignal.timeout(5000) });
          const text = (await r.text()).trim();
          if (r.status !== 200) rollbackErrors.push(`${r.status} ${text}`);
        } catch (e) {
          rollbackErrors.push(String(e));
        }
        if (i % 20 === 0)
          rolledBack = (await aws(['ecs', 'describe-service-deployments', '--service-deployment-arns', v3]))
            .serviceDeployments[0];
        await new Promise((r) => setTimeout(r, Math.max(0, 50 - (Date.now() - t0))));
      }
      assert.equal(rolledBack?.status, 'ROLLBACK_SUCCESSFUL');
      assert.equal(rolledBack?.rollback?.serviceRevisionArn, v2Deployment?.targetServiceRevisionArn);
      assert.deepEqual(rollbackErrors, []);
      for (let i = 0; i < 30; i++) assert.match(await get('/'), /^v2:arn:aws:ecs:/);

      for (const name of ['web', 'api']) await aws(['ecs', 'delete-service', '--service', name, '--force']);
      await aws(['elbv2', 'delete-load-balancer', '--load-balancer-arn', lb.LoadBalancerArn]);
    });

    it('forwards TCP through a network load balancer to an awsvpc service by task IP', async () => {
      const f = fx as AgentFixture;
      const { aws, listener } = cliOf(f);
      const nlb = (await aws(['elbv2', 'create-load-balancer', '--name', 'tcp', '--type', 'network'])).LoadBalancers[0];
      const address = nlb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress as string;
      const tg = (
        await aws([
          'elbv2',
          'create-target-group',
          '--name',
          'tcp',
          '--protocol',
          'TCP',
          '--port',
          '8080',
          '--target-type',
          'ip',
          '--health-check-interval-seconds',
          '5',
          '--health-check-timeout-seconds',
          '2',
        ])
      ).TargetGroups[0].TargetGroupArn as string;
      await listener(nlb.LoadBalancerArn, 'TCP', 7000, `Type=forward,TargetGroupArn=${tg}`);
      await f.register(
        'vpcweb',
        [
          {
            name: 'main',
            image: f.imageUri,
            memory: 32,
            stopTimeout: 2,
            portMappings: [{ containerPort: 8080 }],
            command: ['sh', '-c', serveTaskArn('tcp:')],
          },
        ],
        ['--network-mode', 'awsvpc'],
      );
      await aws([
        'ecs',
        'create-service',
        '--service-name',
        'vpcweb',
        '--task-definition',
        'vpcweb',
        '--desired-count',
        '2',
        '--network-configuration',
        'awsvpcConfiguration={subnets=[subnet-e2e]}',
        '--load-balancers',
        `targetGroupArn=${tg},containerName=main,containerPort=8080`,
      ]);
      let targets: { Target: { Id: string; Port: number }; TargetHealth: { State: string } }[] = [];
      for (let i = 0; i < 60; i++) {
        targets = (await aws(['elbv2', 'describe-target-health', '--target-group-arn', tg])).TargetHealthDescriptions;
        if (targets.filter((t) => t.TargetHealth.State === 'healthy').length === 2) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      assert.equal(targets.filter((t) => t.TargetHealth.State === 'healthy').length, 2, JSON.stringify(targets));
      const tasks = (
        await aws([
          'ecs',
          'describe-tasks',
          '--tasks',
          ...(await aws(['ecs', 'list-tasks', '--service-name', 'vpcweb'])).taskArns,
        ])
      ).tasks as {
        taskArn: string;
        containers: { networkInterfaces: { privateIpv4Address: string }[] }[];
      }[];
      assert.deepEqual(
        targets.map((t) => `${t.Target.Id}:${t.Target.Port}`).sort(),
        tasks.map((t) => `${t.containers[0]?.networkInterfaces[0]?.privateIpv4Address}:8080`).sort(),
        'the targets are the tasks’ own addresses',
      );
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++)
        seen.add((await execFileP('curl', ['-sf', `http://${address}:7000/`])).stdout.trim());
      assert.deepEqual([...seen].sort(), tasks.map((t) => `tcp:${t.taskArn}`).sort());
      await aws(['ecs', 'delete-service', '--service', 'vpcweb', '--force']);
    });
  });
