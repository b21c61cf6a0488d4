/**
 * bench/logs: one task prints N lines (1,000,000 by default) through the awslogs driver into
 * berth's CloudWatch Logs. Prints ingest throughput (RunTask until every line is stored, which is
 * when the task is reported STOPPED) beside the ceiling of `cat > /dev/null` over the container's
 * log file, then GetLogEvents and FilterLogEvents latencies over the stored group (N=10000000
 * for the 10-million-event group; the ingest then takes minutes).
 * Run: npm run bench:logs   (N=… for another size)
 */
import { execFileSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTasksCommand, ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { awsCli, startBerth, testCredentials } from '../../test/e2e/harness.js';
import { cleanupAgentLeftovers } from '../../test/e2e/host-cleanup.js';
import { buildBusyboxImage, skopeo } from '../../test/e2e/images.js';

const N = Number(process.env.N ?? 1_000_000);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] as number;

const image = await buildBusyboxImage();
const berth = await startBerth({ keepDataDir: true });
try {
  const cfg = { endpoint: berth.endpoint, region: 'us-east-1', credentials: testCredentials };
  const ecs = new ECSClient(cfg);
  const logs = new CloudWatchLogsClient(cfg);
  const host = new URL(berth.endpoint).host;
  await awsCli(berth.endpoint, ['ecr', 'create-repository', '--repository-name', 'bench/logs']);
  const creds = `AWS:${(await awsCli(berth.endpoint, ['ecr', 'get-login-password'])).stdout.trim()}`;
  await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', creds, image.ref, `docker://${host}/bench/logs:v1`]);
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'printer',
      networkMode: 'none',
      containerDefinitions: [
        {
          name: 'app',
          image: `${host}/bench/logs:v1`,
          memory: 64,
          command: ['sh', '-c', `seq 1 ${N} | sed 's/^/event number /'`],
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/bench/logs', 'awslogs-stream-prefix': 'b', 'awslogs-create-group': 'true' },
          },
        },
      ],
    }),
  );
  for (let i = 0; i < 50; i++) {
    const r = JSON.parse((await awsCli(berth.endpoint, ['ecs', 'list-container-instances'])).stdout) as {
      containerInstanceArns: string[];
    };
    if (r.containerInstanceArns.length) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const t0 = performance.now();
  const run = await ecs.send(new RunTaskCommand({ taskDefinition: 'printer' }));
  const arn = run.tasks?.[0]?.taskArn as string;
  const id = arn.split('/').pop() as string;
  for (;;) {
    const t = (await ecs.send(new DescribeTasksCommand({ tasks: [arn] }))).tasks?.[0];
    if (t?.lastStatus === 'STOPPED') break;
    await new Promise((res) => setTimeout(res, 200));
  }
  const ingest = (performance.now() - t0) / 1000;
  const file = join(berth.dataDir, 'agent', 'tasks', id, 'containers', 'app', 'container.log');
  const bytes = statSync(file).size;
  const c0 = performance.now();
  execFileSync('sh', ['-c', `cat '${file}' > /dev/null`]);
  const cat = (performance.now() - c0) / 1000;
  const stream = `b/app/${id}`;
  // Count what arrived, paging forward from the head.
  let count = 0;
  let token: string | undefined;
  const pages: number[] = [];
  for (;;) {
    const p0 = performance.now();
    const r = await logs.send(
      new GetLogEventsCommand({
        logGroupName: '/bench/logs',
        logStreamName: stream,
        startFromHead: true,
        ...(token ? { nextToken: token } : {}),
      }),
    );
    pages.push(performance.now() - p0);
    count += r.events?.length ?? 0;
    if (r.nextForwardToken === token) break;
    token = r.nextForwardToken;
  }
  // FilterLogEvents answers after at most 1,000,000 events with a token to go on, as CloudWatch
  // Logs answers partial searches: time each call, and the whole search over the group.
  const calls: number[] = [];
  let matched = 0;
  let ftoken: string | undefined;
  const s0 = performance.now();
  do {
    const f0 = performance.now();
    const r = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: '/bench/logs',
        filterPattern: '"number 77777"',
        limit: 100,
        ...(ftoken ? { nextToken: ftoken } : {}),
      }),
    );
    calls.push(performance.now() - f0);
    matched += r.events?.length ?? 0;
    ftoken = r.nextToken;
  } while (ftoken);
  const search = performance.now() - s0;
  console.log(`lines printed ${N}, events stored ${count}${count === N ? '' : '  (MISSING EVENTS)'}`);
  console.log(
    `ingest: ${(N / ingest).toFixed(0)} events/s (${ingest.toFixed(2)} s from RunTask to every line stored); ceiling: cat > /dev/null of the ${(bytes / 1e6).toFixed(1)} MB log in ${(cat * 1000).toFixed(0)} ms = ${(N / cat).toFixed(0)} lines/s (ratio ${(cat / ingest).toFixed(4)})`,
  );
  console.log(
    `GetLogEvents (10,000 per page): p50 ${pct(pages, 50).toFixed(1)} ms, p90 ${pct(pages, 90).toFixed(1)} ms over ${pages.length} pages`,
  );
  console.log(
    `FilterLogEvents over ${count} events ("number 77777", ${matched} matches): ${calls.length} calls, p50 ${pct(calls, 50).toFixed(0)} ms a call, ${(search / 1000).toFixed(1)} s for the whole search`,
  );
} finally {
  await berth.dispose();
  await cleanupAgentLeftovers(join(berth.dataDir, 'agent'));
  rmSync(berth.dataDir, { recursive: true, force: true });
  image.dispose();
}
