import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitUntilTasksStopped } from '@aws-sdk/client-ecs';
import { startAgentFixture, waitOpts, type AgentFixture } from './agent-fixture.js';
import { startAgentProcess } from './harness.js';
import { cleanupAgentLeftovers } from './host-cleanup.js';

const mounted = (dir: string) =>
  readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[1] === dir);
const v2Offers = () => readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').trim();
const hybrid = existsSync('/sys/fs/cgroup/unified/cgroup.controllers');

describe('tasks under crun', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, () => {
  let fx: AgentFixture;
  let agent: Awaited<ReturnType<typeof startAgentProcess>> | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'berth-crun-'));
  // What the agent binds to cgroup v1 for crun is unbound again afterwards, if it was not before.
  const before0 = hybrid ? v2Offers().split(/\s+/).filter(Boolean) : [];

  before(async () => {
    fx = await startAgentFixture();
    agent = await startAgentProcess(fx.berth.endpoint, [
      '--cluster',
      'default',
      '--runtime',
      'crun',
      '--data-dir',
      dir,
      '--attribute',
      'runtime=crun',
      '--bridge',
      'berth-crun',
      '--subnet',
      '172.31.0.0/16',
    ]);
    for (let i = 0; i < 100 && !existsSync(join(dir, 'agent.json')); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(join(dir, 'agent.json')), `the crun agent joined: ${agent.output()}`);
  });
  after(async () => {
    await agent?.stop();
    await cleanupAgentLeftovers(dir, 'berth-crun');
    rmSync(dir, { recursive: true, force: true });
    await fx?.dispose();
    for (const c of before0) {
      const at = `/sys/fs/cgroup/${c}`;
      if (mounted(at)) execFileSync('umount', [at]);
      rmSync(at, { recursive: true, force: true });
    }
  });

  const onCrun = ['--placement-constraints', 'type=memberOf,expression=attribute:runtime == crun'];

  it('leaves cgroup v2 offering nothing, so crun accepts the host', () => {
    if (hybrid) assert.equal(v2Offers(), '');
    assert.match(execFileSync('crun', ['--version'], { encoding: 'utf8' }), /crun version/);
  });

  it('runs a task to its exit code, with its output and memory limit', async () => {
    await fx.register(
      'crun-echo',
      [
        {
          name: 'app',
          image: fx.imageUri,
          memory: 48,
          command: ['sh', '-c', 'echo under crun; cat /proc/self/cgroup | grep -c memory; exit 3'],
        },
      ],
      ['--network-mode', 'none'],
    );
    const arn = await fx.runTask('crun-echo', onCrun);
    await waitUntilTasksStopped(waitOpts(fx), { tasks: [arn] });
    const t = await fx.describe(arn);
    assert.equal(t.containers[0].exitCode, 3);
    assert.ok(existsSync(join(dir, 'tasks', arn.split('/').pop() as string)), 'on the crun host');
    assert.match((await fx.logs(arn, 'app')).stdout, /^under crun\n1\n$/);
  });

  it('reports an OOM kill as such', async () => {
    await fx.register(
      'crun-oom',
      [{ name: 'app', image: fx.imageUri, memory: 32, command: ['sh', '-c', 'exec tail /dev/zero'] }],
      ['--network-mode', 'none'],
    );
    const arn = await fx.runTask('crun-oom', onCrun);
    await waitUntilTasksStopped(waitOpts(fx), { tasks: [arn] });
    const t = await fx.describe(arn);
    assert.equal(t.containers[0].exitCode, 137);
    assert.equal(t.containers[0].reason, 'OutOfMemoryError: Container killed due to memory usage');
  });
});
