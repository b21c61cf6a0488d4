/**
 * bench/task-start: one busybox image started N times three ways in one run — raw `runc run -d`
 * on a prepared bundle (the floor), berth RunTask → RUNNING with a warm image, and `docker run -d`
 * through Debian's dockerd — printing p50/p90 for each and the ratios. Run: npm run bench:task-start
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ECSClient,
  DescribeTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { awsCli, startBerth, testCredentials } from '../../test/e2e/harness.js';
import { startDockerd } from '../../test/e2e/dockerd.js';
import { cleanupAgentLeftovers } from '../../test/e2e/host-cleanup.js';
import { buildBusyboxImage, skopeo } from '../../test/e2e/images.js';

const run = promisify(execFile);
const N = Number(process.env.N ?? 50);
const SLEEP = ['sh', '-c', "trap 'exit 0' TERM; sleep 600 & wait"];

function detached(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: 'ignore' });
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] as number;
const ms = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

async function rawRunc(imageRef: string, work: string): Promise<number[]> {
  const bundle = join(work, 'bundle');
  await run('umoci', ['unpack', '--image', imageRef.replace(/^oci:/, ''), bundle]);
  await run('runc', ['spec'], { cwd: work }); // the default spec, as `runc spec` writes it
  const config = JSON.parse(await (await import('node:fs/promises')).readFile(join(work, 'config.json'), 'utf8'));
  config.process.args = SLEEP;
  config.process.terminal = false;
  config.process.rlimits = [];
  config.root = { path: join(bundle, 'rootfs'), readonly: false };
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  const root = join(work, 'runc-root');
  mkdirSync(root);
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const id = `bench-${i}`;
    // The container inherits runc's stdio; give it none, or the pipes stay open as long as it runs.
    times.push(await ms(() => detached('runc', ['--root', root, 'run', '-d', '--bundle', bundle, id])));
    await run('runc', ['--root', root, 'kill', id, 'KILL']);
    await new Promise((r) => setTimeout(r, 20));
    await run('runc', ['--root', root, 'delete', '--force', id]);
  }
  return times;
}

async function berthRunTask(imageRef: string): Promise<number[]> {
  const berth = await startBerth({ keepDataDir: true });
  const ecs = new ECSClient({ endpoint: berth.endpoint, region: 'us-east-1', credentials: testCredentials });
  const host = new URL(berth.endpoint).host;
  const started: string[] = [];
  try {
    await awsCli(berth.endpoint, ['ecr', 'create-repository', '--repository-name', 'bench']);
    const creds = `AWS:${(await awsCli(berth.endpoint, ['ecr', 'get-login-password'])).stdout.trim()}`;
    await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', creds, imageRef, `docker://${host}/bench:v1`]);
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'bench',
        networkMode: 'none',
        containerDefinitions: [{ name: 'c', image: `${host}/bench:v1`, memory: 16, stopTimeout: 2, command: SLEEP }],
      }),
    );
    const once = async () => {
      const r = await ecs.send(new RunTaskCommand({ taskDefinition: 'bench' }));
      const arn = r.tasks?.[0]?.taskArn as string;
      started.push(arn);
      for (;;) {
        const t = (await ecs.send(new DescribeTasksCommand({ tasks: [arn] }))).tasks?.[0];
        if (t?.lastStatus === 'RUNNING') return;
        if (t?.lastStatus === 'STOPPED') throw new Error(`task stopped: ${t.stoppedReason}`);
        await new Promise((res) => setTimeout(res, 2));
      }
    };
    await once(); // warm the image
    const times: number[] = [];
    for (let i = 0; i < N; i++) times.push(await ms(once));
    return times;
  } finally {
    await Promise.allSettled(started.map((t) => ecs.send(new StopTaskCommand({ task: t }))));
    await new Promise((r) => setTimeout(r, 4000));
    await berth.dispose();
    await cleanupAgentLeftovers(join(berth.dataDir, 'agent'));
    rmSync(berth.dataDir, { recursive: true, force: true });
  }
}

async function dockerRun(imageRef: string): Promise<number[]> {
  const dockerd = await startDockerd();
  try {
    await skopeo([
      'copy',
      imageRef,
      'docker-daemon:bench/busybox:v1',
      '--dest-daemon-host',
      `unix://${dockerd.socket}`,
    ]);
    const times: number[] = [];
    await dockerd.docker(['run', '-d', '--network', 'none', 'bench/busybox:v1', ...SLEEP]);
    for (let i = 0; i < N; i++)
      times.push(await ms(() => dockerd.docker(['run', '-d', '--network', 'none', 'bench/busybox:v1', ...SLEEP])));
    const ids = (await dockerd.docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
    if (ids.length) await dockerd.docker(['rm', '-f', ...ids]);
    return times;
  } finally {
    await dockerd.stop();
  }
}

const work = mkdtempSync(join(tmpdir(), 'berth-bench-start-'));
const image = await buildBusyboxImage();
try {
  const floor = await rawRunc(image.ref, work);
  const berth = await berthRunTask(image.ref);
  const docker = await dockerRun(image.ref);
  const line = (name: string, xs: number[]) =>
    console.log(
      `${name.padEnd(34)} p50 ${pct(xs, 50).toFixed(1).padStart(7)} ms   p90 ${pct(xs, 90).toFixed(1).padStart(7)} ms`,
    );
  line(`raw runc run -d (floor, n=${N})`, floor);
  line(`berth RunTask -> RUNNING (n=${N})`, berth);
  line(`docker run -d (n=${N})`, docker);
  console.log(
    `ratios at p50: berth/runc ${(pct(berth, 50) / pct(floor, 50)).toFixed(2)}   berth/docker ${(pct(berth, 50) / pct(docker, 50)).toFixed(2)}`,
  );
  console.log('targets: berth p50 within 2x of the runc floor and under a quarter of docker run');
} finally {
  image.dispose();
  rmSync(work, { recursive: true, force: true });
}
