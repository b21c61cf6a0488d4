/**
 * bench/task-start: the same busybox image started three ways in one run, in turns — raw `runc
 * run -d` on a prepared bundle (the floor), berth RunTask → RUNNING with a warm image, and `docker
 * run -d` through Debian's dockerd — printing p50/p90 for each and the ratios; then starts per second with
 * 50 tasks asked for at once, and the cold start of a 100 MB image (zstd layers for berth) pulled
 * from berth's registry; last, berth's latency and burst again with crun as its runtime (CRUN=0
 * skips it). Run: npm run bench:task-start  (N=50 by default)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDockerd } from '../../test/e2e/dockerd.js';
import { buildBusyboxImage } from '../../test/e2e/images.js';
import { findBinary } from '../../src/agent/runtime/runtime.js';
import { BerthSide } from './berth-side.js';
import { SLEEP, ms, pct } from './common.js';
import { rawRunc } from './floor.js';

const N = Number(process.env.N ?? 50);
const BURST = Number(process.env.BURST ?? 50);
const BIG_MB = Number(process.env.BIG_MB ?? 100);

const work = mkdtempSync(join(tmpdir(), 'berth-bench-start-'));
const [image, big] = await Promise.all([
  buildBusyboxImage(),
  buildBusyboxImage({ randomFile: { path: '/payload.bin', size: BIG_MB * 1024 * 1024 } }),
]);
const side = await BerthSide.start();
const dockerd = await startDockerd();
let dockerdStopped: Promise<void> | undefined;
const stopDockerd = () => (dockerdStopped ??= dockerd.stop());
try {
  const floorStart = await rawRunc(image.ref, work);
  const d = async (args: string[]) => {
    const r = await dockerd.docker(args);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const small = await side.push(image.ref, 'bench/small');
  await side.register('bench', small);
  const [user, pass] = [side.creds.slice(0, 3), side.creds.slice(4)];
  await dockerd.docker(['login', '-u', user, '--password-stdin', side.host], pass);
  await d(['pull', small]);
  const runSmall = () => d(['run', '-d', '--network', 'none', small, ...SLEEP]);
  const removeDockerContainers = async () => {
    const ids = (await dockerd.docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
    if (ids.length) await dockerd.docker(['rm', '-f', ...ids]);
  };
  // Warm images on both sides, then rounds of one start each way: a slow spell of this host (a
  // shared VM's, say) falls on all three alike rather than on whichever went last.
  await side.startOne('bench');
  await runSmall();
  const floor: number[] = [];
  const berth: number[] = [];
  const docker: number[] = [];
  for (let i = 0; i < N; i++) {
    floor.push(await floorStart(i));
    berth.push(await ms(() => side.startOne('bench')));
    docker.push(await ms(runSmall));
  }
  await side.stopAll();
  await removeDockerContainers();

  const berthRate = await side.throughput('bench', BURST);
  // The same burst: five clients asking side by side, as the five RunTask(count=10) calls do.
  const burst = await ms(() =>
    Promise.all(
      Array.from({ length: 5 }, async () => {
        for (let i = 0; i < Math.ceil(BURST / 5); i++) await runSmall();
      }),
    ),
  );
  const dockerRate = (Math.ceil(BURST / 5) * 5) / (burst / 1000);
  await removeDockerContainers();

  const bigZstd = await side.push(big.ref, 'bench/big-zstd', 'zstd');
  const bigGzip = await side.push(big.ref, 'bench/big-gzip', 'gzip');
  await side.register('bench-big', bigZstd);
  const berthCold = await ms(() => side.runUntilRunning('bench-big'));
  await side.stopAll();
  const cold = async (uri: string) => ms(() => d(['run', '-d', '--network', 'none', uri, ...SLEEP]));
  let dockerCold: number;
  let dockerColdNote = 'zstd';
  try {
    dockerCold = await cold(bigZstd);
  } catch {
    dockerColdNote = 'gzip: this dockerd cannot pull zstd layers';
    dockerCold = await cold(bigGzip);
  }
  await removeDockerContainers();
  await stopDockerd();

  // The same starts with crun as the runtime (the agent readies a hybrid cgroup layout for it),
  // after the runc side has gone: both would use the one host bridge.
  let crun: { latency: number[]; rate: number } | undefined;
  if (process.env.CRUN !== '0' && findBinary('crun')) {
    await side.dispose();
    const c = await BerthSide.start(['--runtime', 'crun']);
    try {
      await c.register('bench', await c.push(image.ref, 'bench/small'));
      crun = { latency: await c.latency('bench', N), rate: await c.throughput('bench', BURST) };
    } finally {
      await c.dispose();
    }
  }

  const line = (name: string, xs: number[]) =>
    console.log(
      `${name.padEnd(34)} p50 ${pct(xs, 50).toFixed(1).padStart(7)} ms   p90 ${pct(xs, 90).toFixed(1).padStart(7)} ms`,
    );
  line(`overlay + runc run -d (floor, n=${N})`, floor);
  line(`berth RunTask -> RUNNING (n=${N})`, berth);
  if (crun) line(`berth with crun (n=${N})`, crun.latency);
  line(`docker run -d (n=${N})`, docker);
  console.log(
    `ratios at p50: berth/runc ${(pct(berth, 50) / pct(floor, 50)).toFixed(2)}   berth/docker ${(pct(berth, 50) / pct(docker, 50)).toFixed(2)}` +
      (crun ? `   berth with crun/docker ${(pct(crun.latency, 50) / pct(docker, 50)).toFixed(2)}` : ''),
  );
  console.log(
    `burst of ${BURST}: berth ${berthRate.toFixed(1)} starts/s, docker ${dockerRate.toFixed(1)} starts/s (ratio ${(berthRate / dockerRate).toFixed(2)})` +
      (crun ? `, berth with crun ${crun.rate.toFixed(1)} starts/s` : ''),
  );
  console.log(
    `cold start, ${BIG_MB} MB image from berth's registry: berth ${(berthCold / 1000).toFixed(2)} s (zstd), docker ${(dockerCold / 1000).toFixed(2)} s (${dockerColdNote}) (ratio ${(berthCold / dockerCold).toFixed(2)})`,
  );
  console.log(
    'targets: berth p50 within 2x of the runc floor and under a quarter of docker run; >= 25 starts/s; cold start < 3 s',
  );
} finally {
  await stopDockerd();
  await side.dispose();
  image.dispose();
  big.dispose();
  rmSync(work, { recursive: true, force: true });
}
