import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { cleanHosts, cliOf, fetchOnce, webContainer } from './elb-helpers.js';
import { sleep } from './harness.js';

// The load balancers' AWS/ApplicationELB metrics, read back with the AWS CLI, and a service that
// scales on ALBRequestCountPerTarget (target-tracking alarms of 10-second periods).
for (const engine of ['haproxy', 'node'] as const)
  describe(`AWS/ApplicationELB metrics (--elb-engine ${engine})`, () => {
    let fx: AgentFixture | undefined;
    after(async () => {
      const dir = fx?.berth.dataDir;
      await fx?.dispose();
      if (dir) cleanHosts(dir);
    });

    it('counts every request through the load balancer, and (haproxy) scales a service out on requests per target', async () => {
      fx = await startAgentFixture(
        {},
        {
          args: ['--elb-hosts-file', '/etc/hosts', '--elb-engine', engine, '--target-tracking-alarm-period', '10'],
        },
      );
      const f = fx;
      const { aws, listener, targetGroup, healthy } = cliOf(f);
      const lb = (await aws(['elbv2', 'create-load-balancer', '--name', 'busy'])).LoadBalancers[0];
      const tg = await targetGroup('busy');
      await listener(lb.LoadBalancerArn, 'HTTP', 80, `Type=forward,TargetGroupArn=${tg}`);
      await f.register('busy', [webContainer(f, '')]);
      await aws([
        'ecs',
        'create-service',
        '--service-name',
        'busy',
        '--task-definition',
        'busy',
        '--desired-count',
        '1',
        '--load-balancers',
        `targetGroupArn=${tg},containerName=main,containerPort=8080`,
      ]);
      await healthy(tg, 1);
      const lbDim = (lb.LoadBalancerArn as string).slice((lb.LoadBalancerArn as string).indexOf(':loadbalancer/') + 14);
      const tgDim = tg.slice(tg.lastIndexOf(':') + 1);
      const url = `http://${lb.DNSName}/`;

      // Quiet, then exactly 40 requests: the published RequestCount grows by 40.
      /** A statistic of an AWS/ApplicationELB metric over the last hour, in one period. */
      const stat = async (metric: string, dims: [string, string][], statistic: string) =>
        (
          await aws([
            'cloudwatch',
            'get-metric-statistics',
            '--namespace',
            'AWS/ApplicationELB',
            '--metric-name',
            metric,
            '--dimensions',
            ...dims.map(([n, v]) => `Name=${n},Value=${v}`),
            '--statistics',
            statistic,
            '--period',
            '3600',
            '--start-time',
            new Date(Date.now() - 3_600_000).toISOString(),
            '--end-time',
            new Date(Date.now() + 60_000).toISOString(),
          ])
        ).Datapoints as Record<string, number>[];
      const total = async () =>
        (await stat('RequestCount', [['LoadBalancer', lbDim]], 'Sum')).reduce((n, d) => n + (d.Sum ?? 0), 0);
      await sleep(12_000); // two publishing intervals: everything before is counted
      const before = await total();
      for (let i = 0; i < 40; i++) assert.equal((await fetchOnce(url)).ok, true);
      await sleep(12_000);
      assert.equal((await total()) - before, 40);

      // 20 requests/s to one task against a target of 20 per target per 10 s: out to MaxCapacity
      // (the metrics are the same whichever engine counted them: scaling is checked once).
      if (engine === 'node') return;
      const target = ['--service-namespace', 'ecs', '--scalable-dimension', 'ecs:service:DesiredCount'];
      await aws([
        'application-autoscaling',
        'register-scalable-target',
        ...target,
        '--resource-id',
        'service/default/busy',
        '--min-capacity',
        '1',
        '--max-capacity',
        '3',
      ]);
      await aws([
        'application-autoscaling',
        'put-scaling-policy',
        ...target,
        '--resource-id',
        'service/default/busy',
        '--policy-name',
        'rps',
        '--policy-type',
        'TargetTrackingScaling',
        '--target-tracking-scaling-policy-configuration',
        JSON.stringify({
          TargetValue: 20,
          PredefinedMetricSpecification: {
            PredefinedMetricType: 'ALBRequestCountPerTarget',
            ResourceLabel: `${lbDim}/${tgDim}`,
          },
        }),
      ]);
      // The load runs on its own, apart from the polling: an AWS CLI call takes seconds on a
      // loaded machine, and a load that paused for it could settle at two tasks. Even at a
      // quarter of the asked rate one target sees 50 requests a period, 2.5 times the target.
      let desired = 1;
      let loading = true;
      const load = (async () => {
        while (loading) {
          const t0 = Date.now();
          await fetchOnce(url);
          await sleep(Math.max(0, 50 - (Date.now() - t0)));
        }
      })();
      try {
        for (const deadline = Date.now() + 240_000; desired < 3 && Date.now() < deadline; await sleep(2_000))
          desired = (await aws(['ecs', 'describe-services', '--services', 'busy'])).services[0].desiredCount;
      } finally {
        loading = false;
        await load;
      }
      assert.equal(desired, 3);
      const [activity] = (await aws(['application-autoscaling', 'describe-scaling-activities', ...target.slice(0, 2)]))
        .ScalingActivities;
      assert.match(
        activity.Cause,
        /^monitor alarm TargetTracking-service\/default\/busy-AlarmHigh-[0-9a-f-]{36} in state ALARM triggered policy rps$/,
      );
      const hosts = await stat(
        'HealthyHostCount',
        [
          ['TargetGroup', tgDim],
          ['LoadBalancer', lbDim],
        ],
        'Maximum',
      );
      // The hour may be split in two periods (they start at the query's start time): the highest counts.
      assert.ok(Math.max(0, ...hosts.map((d) => d.Maximum ?? 0)) >= 1, JSON.stringify(hosts));
      await aws(['ecs', 'delete-service', '--service', 'busy', '--force']);
      await aws(['elbv2', 'delete-load-balancer', '--load-balancer-arn', lb.LoadBalancerArn]);
    });
  });
