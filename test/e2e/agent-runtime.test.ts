import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitUntilTasksRunning, waitUntilTasksStopped } from '@aws-sdk/client-ecs';
import { startAgentFixture, waitOpts, type AgentFixture } from './agent-fixture.js';
import { makeTar } from '../../src/agent/images/test-tar.js';
import { awsCli } from './harness.js';
import { buildLayoutImage } from './images.js';

describe('the agent runtime: limits, logs, volumes, stop order, cleanup', () => {
  let fx: AgentFixture;
  let hostDir: string;
  before(async () => {
    fx = await startAgentFixture();
    hostDir = mkdtempSync(join(tmpdir(), 'berth-hostvol-'));
  });
  after(async () => {
    await fx.dispose();
    rmSync(hostDir, { recursive: true, force: true });
  });

  it('reports a container killed at its memory limit as OutOfMemoryError', async () => {
    await fx.register(
      'oom',
      [
        {
          name: 'hog',
          image: fx.imageUri,
          memory: 16,
          // A shell variable of 64 MB: far past the 16 MiB hard limit.
          command: ['sh', '-c', 'echo filling; x=$(head -c 64000000 /dev/zero | tr "\\0" a); echo survived'],
        },
      ],
      ['--network-mode', 'none'],
    );
    const arn = await fx.runTask('oom');
    await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: [arn] });
    const t = await fx.describe(arn);
    assert.equal(t.stopCode, 'EssentialContainerExited');
    assert.equal(t.containers[0].exitCode, 137);
    assert.equal(t.containers[0].reason, 'OutOfMemoryError: Container killed due to memory usage');
    assert.equal((await fx.logs(arn, 'hog')).stdout, 'filling\n');
  });

  it('runs tini as PID 1 with initProcessEnabled, and keeps a read-only root read-only', async () => {
    await fx.register(
      'init-ro',
      [
        {
          name: 'main',
          image: fx.imageUri,
          memory: 32,
          readonlyRootFilesystem: true,
          linuxParameters: { initProcessEnabled: true, tmpfs: [{ containerPath: '/scratch', size: 8 }] },
          command: [
            'sh',
            '-c',
            'cat /proc/1/cmdline | tr "\\0" " "; echo; touch /x 2>/dev/null || echo root-ro; echo w > /scratch/f && echo tmpfs-rw',
          ],
        },
      ],
      ['--network-mode', 'none'],
    );
    const arn = await fx.runTask('init-ro');
    await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: [arn] });
    const t = await fx.describe(arn);
    assert.equal(t.containers[0].exitCode, 0, JSON.stringify(t.containers[0]));
    const [init, ...rest] = (await fx.logs(arn, 'main')).stdout.trim().split('\n');
    assert.match(init ?? '', /^\/dev\/init -- sh -c /, 'PID 1 is the init, with the command under it');
    assert.deepEqual(rest, ['root-ro', 'tmpfs-rw']);
  });

  it('keeps stdout and stderr with timestamps, readable with berth logs', async () => {
    await fx.register(
      'talker',
      [{ name: 'talk', image: fx.imageUri, memory: 16, command: ['sh', '-c', 'echo one; echo two >&2; echo three'] }],
      ['--network-mode', 'none'],
    );
    const startedBefore = Date.now();
    const arn = await fx.runTask('talker');
    await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: [arn] });
    const plain = await fx.logs(arn, 'talk');
    assert.equal(plain.stdout, 'one\nthree\n');
    assert.equal(plain.stderr, 'two\n');
    const stamped = (await fx.logs(arn, 'talk', ['--timestamps'])).stdout.trim().split('\n');
    assert.equal(stamped.length, 3);
    for (const [i, line] of stamped.entries()) {
      const [time, stream, text] = line.split(' ');
      assert.ok(Date.parse(time as string) >= startedBefore - 1000, `a real time on line ${i}: ${line}`);
      assert.equal(stream, text === 'two' ? 'stderr' : 'stdout');
    }
    const tail = (await fx.logs(arn, 'talk', ['--timestamps', '--tail', '2'])).stdout.trim().split('\n');
    assert.deepEqual(tail, stamped.slice(1));
    await assert.rejects(fx.logs(arn, 'nope'), /no container named nope/);
  });

  it('creates a container under a monitor started ahead of it, which records its exit and its log', async () => {
    await fx.register(
      'warm',
      [
        {
          name: 'w',
          image: fx.imageUri,
          memory: 16,
          command: ['sh', '-c', "echo up; trap 'echo bye; exit 7' TERM; sleep 600 & wait"],
        },
      ],
      ['--network-mode', 'none'],
    );
    const arn = await fx.runTask('warm');
    await waitUntilTasksRunning(waitOpts(fx, 90), { tasks: [arn] });
    const id = arn.split('/').at(-1) as string;
    const dir = join(fx.berth.dataDir, 'agent', 'tasks', id, 'containers', 'w');
    // A warm monitor taken for the container: its directory is now a link to the container's.
    const monitors = join(fx.berth.dataDir, 'agent', 'monitors');
    const links = readdirSync(monitors).filter((n) => {
      try {
        return readlinkSync(join(monitors, n)) === dir;
      } catch {
        return false;
      }
    });
    assert.equal(links.length, 1, `one monitor link to ${dir} in ${readdirSync(monitors).join(' ')}`);
    assert.ok(existsSync(join(dir, 'conmon.pid')), 'the monitor’s pid file moved into the container’s directory');
    assert.equal((await awsCli(fx.berth.endpoint, ['ecs', 'stop-task', '--task', arn])).code, 0);
    await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: [arn] });
    const t = await fx.describe(arn);
    assert.equal(t.containers[0].exitCode, 7, 'the exit code conmon wrote through the link');
    assert.equal((await fx.logs(arn, 'w')).stdout, 'up\nbye\n');
  });

  it('follows a running task with berth logs --follow until it stops', async () => {
    await fx.register(
      'ticker',
      [
        {
          name: 'tick',
          image: fx.imageUri,
          memory: 16,
          command: ['sh', '-c', 'for i in 1 2 3 4 5 6; do echo "tick $i"; sleep 0.4; done'],
        },
      ],
      ['--network-mode', 'none'],
    );
    const arn = await fx.runTask('ticker');
    await waitUntilTasksRunning(waitOpts(fx, 90), { tasks: [arn] });
    // Started while the task runs; returns by itself once the task has stopped.
    const followed = await fx.logs(arn, 'tick', ['--follow']);
    assert.equal(followed.stdout, 'tick 1\ntick 2\ntick 3\ntick 4\ntick 5\ntick 6\n');
    assert.equal((await fx.describe(arn)).lastStatus, 'STOPPED');
  });

  it('mounts host and task volumes, shares them through volumesFrom, and stops in reverse dependsOn order', async () => {
    const containers = [
      {
        name: 'proxy',
        image: fx.imageUri,
        memory: 16,
        stopTimeout: 10,
        mountPoints: [
          { sourceVolume: 'host', containerPath: '/host' },
          { sourceVolume: 'scratch', containerPath: '/scratch' },
        ],
        command: [
          'sh',
          '-c',
          "echo from-proxy > /scratch/note; trap 'echo proxy >> /host/order; exit 0' TERM; while true; do sleep 0.1; done",
        ],
      },
      {
        name: 'app',
        image: fx.imageUri,
        memory: 16,
        stopTimeout: 10,
        dependsOn: [{ containerName: 'proxy', condition: 'START' }],
        volumesFrom: [{ sourceContainer: 'proxy', readOnly: true }],
        mountPoints: [{ sourceVolume: 'host', containerPath: '/out' }],
        command: [
          'sh',
          '-c',
          // Takes a second to stop: were proxy told at the same time, it would write first.
          "sleep 0.5; cat /scratch/note; touch /scratch/x 2>/dev/null || echo read-only; trap 'sleep 1; echo app >> /out/order; exit 0' TERM; while true; do sleep 0.1; done",
        ],
      },
    ];
    await fx.register('volumes', containers, [
      '--network-mode',
      'none',
      '--volumes',
      JSON.stringify([{ name: 'host', host: { sourcePath: hostDir } }, { name: 'scratch' }]),
    ]);
    const arn = await fx.runTask('volumes');
    await waitUntilTasksRunning(waitOpts(fx, 90), { tasks: [arn] });
    for (let i = 0; i < 50 && !(await fx.logs(arn, 'app')).stdout.includes('read-only'); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await fx.logs(arn, 'app')).stdout, 'from-proxy\nread-only\n');
    assert.equal((await awsCli(fx.berth.endpoint, ['ecs', 'stop-task', '--task', arn])).code, 0);
    await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: [arn] });
    assert.equal(readFileSync(join(hostDir, 'order'), 'utf8'), 'app\nproxy\n');
    const taskDir = join(fx.berth.dataDir, 'agent', 'tasks', arn.split('/').pop() as string);
    assert.ok(!existsSync(join(taskDir, 'volumes')), 'the task volume went with the task');
  });

  it('kills a container that ignores SIGTERM once its stopTimeout has passed', async () => {
    await fx.register(
      'stubborn',
      [
        {
          name: 'main',
          image: fx.imageUri,
          memory: 16,
          stopTimeout: 2,
          command: ['sh', '-c', "trap '' TERM; while true; do sleep 0.1; done"],
        },
      ],
      ['--network-mode', 'none'],
    );
    const arn = await fx.runTask('stubborn');
    await waitUntilTasksRunning(waitOpts(fx, 90), { tasks: [arn] });
    assert.equal((await awsCli(fx.berth.endpoint, ['ecs', 'stop-task', '--task', arn])).code, 0);
    await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: [arn] });
    const t = await fx.describe(arn);
    assert.equal(t.containers[0].exitCode, 137);
    // The CLI prints the wire's epoch seconds.
    const held = (Number(t.stoppedAt) - Number(t.stoppingAt)) * 1000;
    assert.ok(held >= 2000, `SIGKILL came only after stopTimeout (held ${held} ms)`);
  });

  it('refuses a hostile image at pull time and writes nothing outside its snapshot', async () => {
    const marker = `berth-escape-${Math.random().toString(36).slice(2, 8)}`;
    const hostile = buildLayoutImage([
      makeTar([
        { name: 'bin', type: 'dir' },
        { name: 'ok.txt', data: 'fine' },
        { name: `../../../../../../tmp/${marker}`, data: 'escaped' },
      ]),
    ]);
    try {
      const uri = await fx.push(hostile.ref, 'e2e/hostile');
      await fx.register('hostile', [{ name: 'x', image: uri, memory: 16 }], ['--network-mode', 'none']);
      const arn = await fx.runTask('hostile');
      await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: [arn] });
      const t = await fx.describe(arn);
      assert.equal(t.stopCode, 'TaskFailedToStart');
      assert.match(t.stoppedReason, /^CannotPullContainerError: .*\.\./);
      assert.ok(!existsSync(join('/tmp', marker)), 'nothing landed outside the snapshot');
      const snapshots = join(fx.berth.dataDir, 'agent', 'images', 'snapshots');
      assert.deepEqual(
        readdirSync(snapshots).filter((d) => d.includes('.tmp-')),
        [],
        'no half-unpacked snapshot is left',
      );
    } finally {
      hostile.dispose();
    }
  });

  it('leaves no mounts, namespaces, cgroups, runtime state or bundles behind', async () => {
    await fx.register('brief', [
      { name: 'main', image: fx.imageUri, memory: 8, portMappings: [{ containerPort: 80 }], command: ['true'] },
    ]);
    const arns: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = JSON.parse(
        (await awsCli(fx.berth.endpoint, ['ecs', 'run-task', '--task-definition', 'brief', '--count', '10'])).stdout,
      ) as { tasks: { taskArn: string }[] };
      arns.push(...r.tasks.map((t) => t.taskArn));
    }
    assert.equal(arns.length, 30);
    await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: arns.slice(0, 100) });
    const agentDir = join(fx.berth.dataDir, 'agent');
    const ids = arns.map((a) => a.split('/').pop() as string);
    // The agent cleans up right after it reports STOPPED; give it a moment.
    const leftovers = () => {
      const mounts = readFileSync('/proc/self/mounts', 'utf8')
        .split('\n')
        .filter((l) => ids.some((id) => l.includes(id)));
      const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => ids.some((id) => l.includes(id.slice(0, 24))));
      const runtime = execFileSync('runc', ['--root', join(agentDir, 'runc'), 'list', '-q'], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
      const cgroups = existsSync('/sys/fs/cgroup/memory/berth')
        ? readdirSync('/sys/fs/cgroup/memory/berth').filter((d) => ids.some((id) => d.startsWith(id)))
        : [];
      const bundles = ids.filter((id) => existsSync(join(agentDir, 'tasks', id, 'containers', 'main', 'bundle')));
      return { mounts, netns, runtime, cgroups, bundles };
    };
    const clean = { mounts: [], netns: [], runtime: [], cgroups: [], bundles: [] };
    for (let i = 0; i < 50 && JSON.stringify(leftovers()) !== JSON.stringify(clean); i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(leftovers(), clean);
  });
});
