import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeCommand } from '../../src/elb/data-plane/haproxy-runtime.js';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { cleanHosts, cliOf, fetchOnce, webContainer } from './elb-helpers.js';
import { sleep } from './harness.js';

/** GETs at 20 requests/s until stopped, each answer (or error) kept with its time. */
function requestLoop(url: string) {
  const answers: { at: number; text: string }[] = [];
  const errors: { at: number; error: string }[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const t0 = Date.now();
      const r = await fetchOnce(url);
      if (r.ok) answers.push({ at: t0, text: r.text });
      else errors.push({ at: t0, error: r.error });
      await sleep(Math.max(0, 50 - (Date.now() - t0)));
    }
  })();
  return {
    answers,
    errors,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

const version = (text: string) => text.slice(0, text.indexOf(':'));

for (const engine of ['haproxy', 'node'] as const)
  describe(`ECS blue/green deployments behind a load balancer (--elb-engine ${engine}), through the AWS CLI`, () => {
    let fx: AgentFixture | undefined;
    after(async () => {
      const dir = fx?.berth.dataDir;
      await fx?.dispose();
      if (dir) cleanHosts(dir);
    });

    it('tests green on the test listener, cuts production over at once, rolls back at once, and deploys again with no failed request', async () => {
      fx = await startAgentFixture({}, { args: ['--elb-hosts-file', '/etc/hosts', '--elb-engine', engine] });
      const f = fx;
      const { aws, listener, targetGroup, healthy } = cliOf(f);
      const lb = (await aws(['elbv2', 'create-load-balancer', '--name', 'bg'])).LoadBalancers[0];
      const [blue, green] = [await targetGroup('bg-blue'), await targetGroup('bg-green')];
      for (const tg of [blue, green])
        await aws([
          'elbv2',
          'modify-target-group-attributes',
          '--target-group-arn',
          tg,
          '--attributes',
          'Key=deregistration_delay.timeout_seconds,Value=3',
        ]);
      // Production on port 80, test traffic on port 8080: each a rule that forwards to blue.
      const rule = async (port: number) => {
        const listenerArn = await listener(
          lb.LoadBalancerArn,
          'HTTP',
          port,
          'Type=fixed-response,FixedResponseConfig={StatusCode=404}',
        );
        return (
          await aws([
            'elbv2',
            'create-rule',
            '--listener-arn',
            listenerArn,
            '--priority',
            '1',
            '--conditions',
            'Field=path-pattern,Values=/*',
            '--actions',
            `Type=forward,TargetGroupArn=${blue}`,
          ])
        ).Rules[0].RuleArn as string;
      };
      const [productionRule, testRule] = [await rule(80), await rule(8080)];
      await f.register('bg', [webContainer(f, 'v1:')]);
      await aws([
        'ecs',
        'create-service',
        '--service-name',
        'bg',
        '--task-definition',
        'bg',
        '--desired-count',
        '2',
        '--load-balancers',
        JSON.stringify([
          {
            targetGroupArn: blue,
            containerName: 'main',
            containerPort: 8080,
            advancedConfiguration: {
              alternateTargetGroupArn: green,
              productionListenerRule: productionRule,
              testListenerRule: testRule,
              roleArn: 'arn:aws:iam::000000000000:role/ecsInfrastructureRole',
            },
          },
        ]),
        '--deployment-configuration',
        JSON.stringify({
          strategy: 'BLUE_GREEN',
          bakeTimeInMinutes: 0,
          lifecycleHooks: [
            { targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT'] },
          ],
        }),
      ]);
      await healthy(blue, 2);
      await aws(['ecs', 'wait', 'services-stable', '--services', 'bg']);
      const production = `http://${lb.DNSName}/`;
      const test = `http://${lb.DNSName}:8080/`;
      const versions = async (url: string, n = 10) => {
        const seen = new Set<string>();
        for (let i = 0; i < n; i++) {
          const r = await fetchOnce(url);
          seen.add(r.ok ? version(r.text) : r.error);
        }
        return [...seen].sort();
      };
      assert.deepEqual(await versions(production), ['v1'], f.berth.output().slice(-3000));

      /** The service's newest deployment once it reaches `stage` (paused there at a hook, if `paused`). */
      const reach = async (stage: string, paused: boolean) => {
        for (let i = 0; i < 120; i++) {
          const [latest] = (await aws(['ecs', 'list-service-deployments', '--service', 'bg'])).serviceDeployments;
          const d = (
            await aws(['ecs', 'describe-service-deployments', '--service-deployment-arns', latest.serviceDeploymentArn])
          ).serviceDeployments[0];
          const hook = (d.lifecycleHookDetails ?? []).find(
            (h: { status: string }) => h.status === 'AWAITING_ACTION',
          ) as { hookId: string } | undefined;
          if (d.lifecycleStage === stage && (!paused || hook)) return { arn: d.serviceDeploymentArn as string, hook };
          await sleep(1000);
        }
        assert.fail(`the deployment reaches ${stage}`);
      };
      /** Waits until every one of 10 answers in a row comes from `v`. */
      const answersFrom = async (url: string, v: string) => {
        for (let i = 0; i < 100; i++) {
          if ((await versions(url)).join() === v) return;
          await sleep(200);
        }
        assert.fail(`${url} answers from ${v} alone: ${(await versions(url)).join()}`);
      };

      // Green comes up beside blue; test traffic reaches it first, production stays on blue.
      await f.register('bg', [webContainer(f, 'v2:')]);
      const loop = requestLoop(production);
      await aws(['ecs', 'update-service', '--service', 'bg', '--task-definition', 'bg:2']);
      const atTest = await reach('POST_TEST_TRAFFIC_SHIFT', true);
      const testShiftAt = Date.now();
      await answersFrom(test, 'v2');
      assert.deepEqual(await versions(production), ['v1'], 'production is still on blue');
      assert.equal((await aws(['ecs', 'list-tasks', '--service-name', 'bg'])).taskArns.length, 4);
      await aws([
        'ecs',
        'continue-service-deployment',
        '--service-deployment-arn',
        atTest.arn,
        '--hook-id',
        atTest.hook?.hookId ?? '',
      ]);

      // Production cuts over; the deployment waits at its hook with blue still running.
      const productionShiftAt = Date.now();
      const atProduction = await reach('POST_PRODUCTION_TRAFFIC_SHIFT', true);
      await answersFrom(production, 'v2');
      const greenTasks = (await aws(['ecs', 'list-tasks', '--service-name', 'bg'])).taskArns as string[];
      assert.equal(greenTasks.length, 4, 'blue is still there to roll back to');

      // A rollback puts production back on blue at once: while green's tasks still run. With HAProxy
      // it is a runtime change, not a reload (whose old worker would answer kept connections from green).
      const worker = async () => {
        if (engine !== 'haproxy') return 'none';
        const dir = join(f.berth.dataDir, 'elb');
        const socket = join(dir, readdirSync(dir)[0] ?? '', 'runtime.sock');
        return /^Pid: (\d+)$/m.exec(await runtimeCommand(socket, 'show info'))?.[1];
      };
      const workerBefore = await worker();
      assert.ok(workerBefore, 'HAProxy answers on its runtime socket');
      await aws([
        'ecs',
        'continue-service-deployment',
        '--service-deployment-arn',
        atProduction.arn,
        '--hook-id',
        atProduction.hook?.hookId ?? '',
        '--action',
        'ROLLBACK',
      ]);
      const rolledBackAt = Date.now();
      await answersFrom(production, 'v1');
      assert.equal(await worker(), workerBefore, 'the same HAProxy worker serves after the rollback');
      const v2Running = (await aws(['ecs', 'describe-tasks', '--tasks', ...greenTasks])).tasks.filter(
        (t: { lastStatus: string; taskDefinitionArn: string }) =>
          t.taskDefinitionArn.endsWith(':2') && t.lastStatus !== 'STOPPED',
      );
      assert.equal(v2Running.length, 2, 'traffic was back on blue before green stopped');
      let status = '';
      for (let i = 0; i < 60 && status !== 'ROLLBACK_SUCCESSFUL'; i++) {
        status = (await aws(['ecs', 'describe-service-deployments', '--service-deployment-arns', atProduction.arn]))
          .serviceDeployments[0].status;
        if (status !== 'ROLLBACK_SUCCESSFUL') await sleep(1000);
      }
      const svc = async () => {
        const s = (await aws(['ecs', 'describe-services', '--services', 'bg'])).services[0];
        const ts = (await aws(['ecs', 'list-tasks', '--service-name', 'bg'])).taskArns as string[];
        const tasks = ts.length ? (await aws(['ecs', 'describe-tasks', '--tasks', ...ts])).tasks : [];
        return JSON.stringify({
          deployments: s.deployments,
          events: s.events.slice(0, 8).map((e: { message: string }) => e.message),
          tasks: tasks.map((t: Record<string, string>) => [
            t.taskDefinitionArn,
            t.lastStatus,
            t.desiredStatus,
            t.startedBy,
          ]),
        });
      };
      assert.equal(status, 'ROLLBACK_SUCCESSFUL', await svc());
      assert.match((await aws(['ecs', 'describe-services', '--services', 'bg'])).services[0].taskDefinition, /:1$/);

      // A third revision with no hooks goes all the way; once it answers, nothing else does.
      await f.register('bg', [webContainer(f, 'v3:')]);
      const v3At = Date.now();
      await aws([
        'ecs',
        'update-service',
        '--service',
        'bg',
        '--task-definition',
        'bg:3',
        '--deployment-configuration',
        JSON.stringify({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0, lifecycleHooks: [] }),
      ]);
      await aws(['ecs', 'wait', 'services-stable', '--services', 'bg']);
      for (let i = 0; i < 30; i++) {
        const svc = (await aws(['ecs', 'describe-services', '--services', 'bg'])).services[0];
        if (svc.deployments.length === 1 && svc.runningCount === 2) break;
        await sleep(1000);
      }
      await answersFrom(production, 'v3');
      await sleep(1000);
      await loop.stop();

      const phases = { testShiftAt, productionShiftAt, rolledBackAt, v3At };
      assert.deepEqual(
        loop.errors,
        [],
        `no request failed (of ${loop.answers.length + loop.errors.length}; ${JSON.stringify(phases)}; ${f.berth.output().slice(-3000)})`,
      );
      const between = (from: number, to = Infinity) =>
        loop.answers.filter((a) => a.at >= from && a.at < to).map((a) => version(a.text));
      const afterFirst = (list: string[], v: string) => list.slice(list.indexOf(v));
      const rollbackPhase = between(rolledBackAt, v3At);
      assert.deepEqual(
        [...new Set(afterFirst(rollbackPhase, 'v1'))],
        ['v1'],
        'once blue answered again, green did not',
      );
      const v3Phase = between(v3At);
      assert.ok(v3Phase.includes('v3'));
      assert.deepEqual([...new Set(afterFirst(v3Phase, 'v3'))], ['v3'], 'after the cut-over only v3 answered');
      const [latest] = (await aws(['ecs', 'list-service-deployments', '--service', 'bg'])).serviceDeployments;
      assert.equal(latest.status, 'SUCCESSFUL');
      await aws(['ecs', 'delete-service', '--service', 'bg', '--force']);
      await aws(['elbv2', 'delete-load-balancer', '--load-balancer-arn', lb.LoadBalancerArn]);
    });
  });
