import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { waitUntilTasksRunning, waitUntilTasksStopped } from '@aws-sdk/client-ecs';
import { startAgentFixture, waitOpts, type AgentFixture } from './agent-fixture.js';
import { awsCli, testCredentials } from './harness.js';

const LINES = 20_000;

describe('the awslogs driver into CloudWatch Logs', () => {
  let fx: AgentFixture;
  const logs = () =>
    new CloudWatchLogsClient({
      endpoint: fx.berth.endpoint,
      region: 'us-east-1',
      credentials: testCredentials,
      maxAttempts: 1,
    });
  before(async () => {
    fx = await startAgentFixture();
  });
  after(() => fx.dispose());

  it('ships every line once, in order, under the ECS stream name, across a kill -9 of berth', async () => {
    // Ten bursts of 2,000 lines, a little apart, so the kill lands mid-stream.
    const script = `i=0; while [ $i -lt ${LINES} ]; do echo "line $i"; i=$((i+1)); if [ $((i % 2000)) -eq 0 ]; then sleep 0.4; fi; done`;
    await fx.register(
      'chatty',
      [
        {
          name: 'app',
          image: fx.imageUri,
          memory: 32,
          command: ['sh', '-c', script],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/ecs/chatty',
              'awslogs-region': 'us-east-1',
              'awslogs-stream-prefix': 'web',
              'awslogs-create-group': 'true',
            },
          },
        },
      ],
      ['--network-mode', 'none'],
    );
    const arn = await fx.runTask('chatty');
    const taskId = arn.split('/').pop() as string;
    await waitUntilTasksRunning(waitOpts(fx), { tasks: [arn] });
    await new Promise((r) => setTimeout(r, 1500));
    await fx.crashAndRestart();
    await waitUntilTasksStopped(waitOpts(fx, 120), { tasks: [arn] });

    const client = logs();
    const streams = await client.send(new DescribeLogStreamsCommand({ logGroupName: '/ecs/chatty' }));
    assert.deepEqual(
      streams.logStreams?.map((s) => s.logStreamName),
      [`web/app/${taskId}`],
    );
    // Read it all from the head; the forward token repeats at the end.
    const seen: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 100; page++) {
      const r = await client.send(
        new GetLogEventsCommand({
          logGroupName: '/ecs/chatty',
          logStreamName: `web/app/${taskId}`,
          startFromHead: true,
          ...(token ? { nextToken: token } : {}),
        }),
      );
      seen.push(...(r.events ?? []).map((e) => e.message as string));
      if (r.nextForwardToken === token) break;
      token = r.nextForwardToken;
    }
    assert.equal(seen.length, LINES, 'every line, none twice');
    assert.ok(
      seen.every((m, i) => m === `line ${i}`),
      'in order',
    );
    // The AWS CLI reads the same stream: the newest events by default.
    const cli = await awsCli(fx.berth.endpoint, [
      'logs',
      'get-log-events',
      '--log-group-name',
      '/ecs/chatty',
      '--log-stream-name',
      `web/app/${taskId}`,
      '--limit',
      '3',
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(
      (JSON.parse(cli.stdout) as { events: { message: string }[] }).events.map((e) => e.message),
      [`line ${LINES - 3}`, `line ${LINES - 2}`, `line ${LINES - 1}`],
    );
    const hits = await client.send(
      new FilterLogEventsCommand({ logGroupName: '/ecs/chatty', filterPattern: '"line 1999"' }),
    );
    assert.deepEqual(
      hits.events?.map((e) => e.message).sort(),
      [
        'line 1999',
        'line 19990',
        'line 19991',
        'line 19992',
        'line 19993',
        'line 19994',
        'line 19995',
        'line 19996',
        'line 19997',
        'line 19998',
        'line 19999',
      ].sort(),
    );
  });

  it('delivers all of a million lines from one task', async () => {
    const N = 1_000_000;
    await fx.register(
      'million',
      [
        {
          name: 'app',
          image: fx.imageUri,
          memory: 64,
          command: ['sh', '-c', `seq 1 ${N}`],
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/ecs/million', 'awslogs-stream-prefix': 'm', 'awslogs-create-group': 'true' },
          },
        },
      ],
      ['--network-mode', 'none'],
    );
    const arn = await fx.runTask('million');
    const taskId = arn.split('/').pop() as string;
    await waitUntilTasksStopped({ client: fx.ecs, maxWaitTime: 300, minDelay: 1, maxDelay: 2 }, { tasks: [arn] });
    const client = logs();
    let count = 0;
    let expected = 1;
    let ordered = true;
    let token: string | undefined;
    for (let page = 0; page < 200; page++) {
      const r = await client.send(
        new GetLogEventsCommand({
          logGroupName: '/ecs/million',
          logStreamName: `m/app/${taskId}`,
          startFromHead: true,
          ...(token ? { nextToken: token } : {}),
        }),
      );
      for (const e of r.events ?? []) {
        if (e.message !== String(expected++)) ordered = false;
        count++;
      }
      if (r.nextForwardToken === token) break;
      token = r.nextForwardToken;
    }
    assert.equal(count, N);
    assert.ok(ordered, 'in order, none twice');
  });
  it('refuses log options Docker would refuse, before the container starts', async () => {
    await fx.register(
      'badlogs',
      [
        {
          name: 'app',
          image: fx.imageUri,
          memory: 16,
          command: ['sh', '-c', 'echo never'],
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/ecs/bad', 'max-buffer-size': '4m' },
          },
        },
      ],
      ['--network-mode', 'none'],
    );
    const arn = await fx.runTask('badlogs');
    await waitUntilTasksStopped(waitOpts(fx), { tasks: [arn] });
    const t = await fx.describe(arn);
    assert.equal(t.stopCode, 'TaskFailedToStart');
    assert.equal(
      t.stoppedReason,
      "CannotCreateContainerError: logger: max-buffer-size option is only supported with 'mode=non-blocking'",
    );
    assert.equal(t.containers[0].exitCode, undefined, 'the container never ran');
  });
});
