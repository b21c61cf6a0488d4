/**
 * bench/kube: Kubernetes pods on berth beside its ECS tasks and the raw runc floor, in one run.
 * 1. Start latency, in turns: overlay + `runc run -d` (the floor), ECS RunTask → RUNNING (awsvpc,
 *    so a network of its own, as a pod has) and a pod created → Running, warm image, N each.
 * 2. A burst: BURST pods created at once → all Running, pods per second, beside as many ECS tasks.
 * 3. Lists: LIST pods (Pending: they name a node that does not exist, so nothing runs) read as
 *    JSON and as kubectl's Table, and `kubectl get pods` end to end.
 * Run: npm run bench:kube  (N=30, BURST=100, LIST=1000 by default)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { berthBin } from '../../test/e2e/harness.js';
import { buildBusyboxImage } from '../../test/e2e/images.js';
import { BerthSide } from '../task-start/berth-side.js';
import { SLEEP, ms, pct } from '../task-start/common.js';
import { rawRunc } from '../task-start/floor.js';
import { KubeApi } from './kube-api.js';

const run = promisify(execFile);
const N = Number(process.env.N ?? 30);
const BURST = Number(process.env.BURST ?? 100);
const LIST = Number(process.env.LIST ?? 1000);
const network = { awsvpcConfiguration: { subnets: ['subnet-bench'] } };

const work = mkdtempSync(join(tmpdir(), 'berth-bench-kube-'));
const image = await buildBusyboxImage();
const side = await BerthSide.start();
const kube = KubeApi.of(side.berth.endpoint);
try {
  const floorStart = await rawRunc(image.ref, work);
  const uri = await side.push(image.ref, 'bench/small');
  await side.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'bench',
      networkMode: 'awsvpc',
      containerDefinitions: [{ name: 'c', image: uri, memory: 16, stopTimeout: 2, command: SLEEP }],
    }),
  );
  await kube.call('POST', '/api/v1/namespaces', { metadata: { name: 'bench' } });
  // Warm the image on the node, and the node's first pod network.
  await side.startOne('bench', { networkConfiguration: network });
  await kube.create('bench', kube.pod('warm', uri, SLEEP));
  await kube.untilRunning('bench', ['warm'], 20);

  const floor: number[] = [];
  const ecs: number[] = [];
  const pods: number[] = [];
  for (let i = 0; i < N; i++) {
    floor.push(await floorStart(i));
    ecs.push(await ms(() => side.startOne('bench', { networkConfiguration: network })));
    pods.push(
      await ms(async () => {
        await kube.create('bench', kube.pod(`p-${i}`, uri, SLEEP));
        await kube.untilRunning('bench', [`p-${i}`], 2);
      }),
    );
  }
  await side.stopAll();
  await kube.deleteAll('bench');

  // The burst: pods created by five clients side by side, polled every 100 ms.
  const names = Array.from({ length: BURST }, (_, i) => `b-${i}`);
  const podBurst = await ms(async () => {
    await Promise.all(
      Array.from({ length: 5 }, async (_, c) => {
        for (const n of names.filter((_, i) => i % 5 === c)) await kube.create('bench', kube.pod(n, uri, SLEEP));
      }),
    );
    await kube.untilRunning('bench', names, 100, 0);
  });
  const podRate = BURST / (podBurst / 1000);
  await kube.deleteAll('bench');
  const ecsRate = await side.throughput('bench', BURST, { networkConfiguration: network });

  // Lists of LIST pods that never run.
  await kube.call('POST', '/api/v1/namespaces', { metadata: { name: 'listed' } });
  for (let i = 0; i < LIST; i += 50)
    await Promise.all(
      Array.from({ length: Math.min(50, LIST - i) }, (_, j) =>
        kube.create('listed', kube.pod(`l-${i + j}`, uri, SLEEP, { nodeName: 'nowhere' })),
      ),
    );
  const table = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
  const json: number[] = [];
  const tables: number[] = [];
  for (let i = 0; i < 20; i++) {
    json.push(await ms(() => kube.call('GET', '/api/v1/namespaces/listed/pods')));
    tables.push(await ms(() => kube.call('GET', '/api/v1/namespaces/listed/pods', undefined, table)));
  }
  const kubeconfig = join(work, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    (await run(process.execPath, [berthBin, 'kubeconfig', '--endpoint', side.berth.endpoint])).stdout,
  );
  const kubectl: number[] = [];
  const noop: number[] = [];
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  for (let i = 0; i < 10; i++) {
    kubectl.push(await ms(() => run('kubectl', ['get', 'pods', '-n', 'listed'], { env, maxBuffer: 64 << 20 })));
    // kubectl's own cost, the server asked next to nothing: a namespace read.
    noop.push(await ms(() => run('kubectl', ['get', 'namespace', 'listed'], { env })));
  }

  const line = (name: string, xs: number[]) =>
    console.log(
      `${name.padEnd(44)} p50 ${pct(xs, 50).toFixed(1).padStart(7)} ms   p90 ${pct(xs, 90).toFixed(1).padStart(7)} ms`,
    );
  line(`overlay + runc run -d (floor, n=${N})`, floor);
  line(`ECS RunTask -> RUNNING, awsvpc (n=${N})`, ecs);
  line(`pod created -> Running (n=${N})`, pods);
  console.log(
    `ratios at p50: pod/ECS task ${(pct(pods, 50) / pct(ecs, 50)).toFixed(2)}   pod/runc ${(pct(pods, 50) / pct(floor, 50)).toFixed(2)}`,
  );
  console.log(
    `burst of ${BURST}: pods ${podRate.toFixed(1)} Running/s, ECS tasks ${ecsRate.toFixed(1)} RUNNING/s (ratio ${(podRate / ecsRate).toFixed(2)})`,
  );
  line(`LIST ${LIST} pods, JSON`, json);
  line(`LIST ${LIST} pods, as a Table`, tables);
  line(`kubectl get pods (${LIST})`, kubectl);
  line('kubectl get namespace (its own cost)', noop);
  console.log('targets: pod start p50 within 1.5x an ECS task; a 1,000-pod list under 100 ms');
} finally {
  await kube.deleteAll('bench').catch(() => undefined);
  await side.dispose();
  image.dispose();
  rmSync(work, { recursive: true, force: true });
}
