/**
 * bench/fargate-start: RunTask → RUNNING with a warm image for a Fargate task and for the same
 * container on the EC2 launch type, on the same host in one run (both awsvpc, so both get a network
 * namespace of their own), p50/p90 over N runs each and the ratio. AWS Fargate's own start is tens
 * of seconds; the goal here is a p50 under half a second.
 * Run: npm run bench:fargate-start  (N=50 by default)
 */
import { PutClusterCapacityProvidersCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { buildBusyboxImage } from '../../test/e2e/images.js';
import { BerthSide } from '../task-start/berth-side.js';
import { SLEEP, pct } from '../task-start/common.js';

const N = Number(process.env.N ?? 50);
const network = { awsvpcConfiguration: { subnets: ['subnet-bench'] } };

const image = await buildBusyboxImage();
const side = await BerthSide.start();
try {
  const uri = await side.push(image.ref, 'bench/fargate');
  await side.ecs.send(
    new PutClusterCapacityProvidersCommand({
      cluster: 'default',
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [],
    }),
  );
  const container = { name: 'c', image: uri, stopTimeout: 2, command: SLEEP };
  await side.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'on-fargate',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      containerDefinitions: [container],
    }),
  );
  await side.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'on-ec2',
      networkMode: 'awsvpc',
      containerDefinitions: [{ ...container, memory: 64 }],
    }),
  );
  // Interleaved rounds of 10, so that neither launch type gets the quieter moments of the host.
  const fargate: number[] = [];
  const ec2: number[] = [];
  for (let done = 0; done < N; done += 10) {
    const k = Math.min(10, N - done);
    fargate.push(...(await side.latency('on-fargate', k, { launchType: 'FARGATE', networkConfiguration: network })));
    ec2.push(...(await side.latency('on-ec2', k, { launchType: 'EC2', networkConfiguration: network })));
  }
  const line = (name: string, xs: number[]) =>
    `${name.padEnd(34)} p50 ${pct(xs, 50).toFixed(1).padStart(7)} ms   p90 ${pct(xs, 90).toFixed(1).padStart(7)} ms`;
  process.stdout.write(
    [
      `RunTask → RUNNING, warm image, N=${N} each`,
      line('berth, launchType FARGATE', fargate),
      line('berth, launchType EC2 (awsvpc)', ec2),
      `Fargate/EC2 p50 ratio: ${(pct(fargate, 50) / pct(ec2, 50)).toFixed(2)}`,
      `Fargate p50 ${pct(fargate, 50) < 500 ? 'meets' : 'misses'} the 500 ms goal`,
    ].join('\n') + '\n',
  );
} finally {
  await side.dispose();
  image.dispose();
}
