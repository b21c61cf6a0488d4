import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { createLogger } from '../kernel/index.js';
import type { ContainerSpec } from '../wire/index.js';
import { ImageUsers } from './runtime/users.js';
import { TaskRunner } from './task-runner.js';
import type { LocalTask } from './task-state.js';
import { containerSpec, execProbe, FakeRuntime, fakeImages, fakePlatform, workloadSpec } from './test-twins.js';

const TASK = '0123456789abcdef0123456789abcdef';
const id = (name: string) => FakeRuntime.id(TASK, name);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A runner for one task of these containers, on the twins, with a clock the test moves. */
function world(containers: ContainerSpec[]) {
  const dir = mkdtempSync(join(tmpdir(), 'berth-runner-'));
  dirs.push(dir);
  const runtime = new FakeRuntime();
  const platformCalls: string[] = [];
  let now = 1_000_000;
  const spec = workloadSpec(TASK, containers);
  const task: LocalTask = {
    spec,
    lastStatus: 'PROVISIONING',
    bindings: [],
    containers: Object.fromEntries(
      containers.map((c) => [c.name, { lastStatus: 'PENDING' as const, runtimeId: id(c.name) }]),
    ),
  };
  const reports: string[] = [];
  const runner = new TaskRunner(dir, task, {
    images: fakeImages(),
    runtime,
    platform: fakePlatform(platformCalls),
    users: new ImageUsers(),
    pullBehavior: 'default',
    volumesDir: join(dir, 'volumes'),
    logger: createLogger('silent'),
    report: (t) => void reports.push(t.lastStatus),
    drainLogs: async () => true,
    now: () => now,
  });
  return {
    runner,
    runtime,
    platformCalls,
    task: () => runner.task,
    state: (name: string) => runner.task.containers[name],
    advance: (ms: number) => (now += ms),
    /** Ticks until `done` holds (each tick one step, as the agent's loop makes them). */
    async tickUntil(done: () => boolean, max = 20) {
      for (let i = 0; i < max && !done(); i++) await runner.tick();
      return done();
    },
  };
}

describe('the task runner, on the runtime twin (no root, no runc)', () => {
  it('stops the task when an essential container exits, SIGTERM to the others', async () => {
    const w = world([containerSpec({ name: 'app' }), containerSpec({ name: 'sidecar', essential: false })]);
    assert.ok(await w.tickUntil(() => w.task().lastStatus === 'RUNNING'));
    assert.deepEqual(w.platformCalls, ['prepare sandbox']);
    w.runtime.exit(id('app'), 3);
    assert.ok(await w.tickUntil(() => w.task().lastStatus === 'STOPPED'));
    assert.equal(w.task().stopCode, 'EssentialContainerExited');
    assert.equal(w.task().stoppedReason, 'Essential container in task exited');
    assert.equal(w.state('app')?.exitCode, 3);
    assert.equal(w.state('sidecar')?.exitCode, 143);
    assert.ok(w.runtime.calls.includes('kill sidecar TERM'));
    assert.ok(!w.runtime.calls.includes('kill app TERM'), 'an exited container is not signalled');
    await w.runner.tick(); // cleans up
    assert.ok(w.task().cleanedUp);
    assert.deepEqual(w.platformCalls, ['prepare sandbox', 'remove sandbox']);
  });

  it('starts a chain in order: started, then succeeded, then healthy (ECS dependsOn)', async () => {
    const w = world([
      containerSpec({ name: 'db', essential: false }),
      containerSpec({ name: 'migrate', essential: false, startAfter: [{ container: 'db', condition: 'started' }] }),
      containerSpec({
        name: 'app',
        startAfter: [{ container: 'migrate', condition: 'succeeded' }],
        probes: { health: execProbe(5, 1) },
      }),
      containerSpec({ name: 'proxy', startAfter: [{ container: 'app', condition: 'healthy' }] }),
    ]);
    await w.tickUntil(() => w.state('migrate')?.lastStatus === 'RUNNING');
    const starts = () => w.runtime.calls.filter((c) => c.startsWith('start '));
    assert.deepEqual(starts(), ['start db', 'start migrate']);
    await w.runner.tick();
    assert.deepEqual(starts(), ['start db', 'start migrate'], 'app waits for migrate to succeed');
    w.runtime.exit(id('migrate'), 0);
    await w.tickUntil(() => w.state('app')?.lastStatus === 'RUNNING');
    assert.deepEqual(starts(), ['start db', 'start migrate', 'start app']);
    assert.equal(w.task().lastStatus, 'ACTIVATING', 'an essential container (proxy) has not started');
    w.advance(5000); // the first probe, one interval after app started
    await w.tickUntil(() => w.state('proxy')?.lastStatus === 'RUNNING');
    assert.equal(w.state('app')?.healthStatus, 'HEALTHY');
    assert.deepEqual(starts(), ['start db', 'start migrate', 'start app', 'start proxy']);
    assert.ok(await w.tickUntil(() => w.task().lastStatus === 'RUNNING'));
  });

  it('does not start a container whose succeeded condition failed, and stops the task', async () => {
    const w = world([
      containerSpec({ name: 'migrate' }),
      containerSpec({ name: 'app', startAfter: [{ container: 'migrate', condition: 'succeeded' }] }),
    ]);
    await w.tickUntil(() => w.state('migrate')?.lastStatus === 'RUNNING');
    w.runtime.exit(id('migrate'), 1);
    assert.ok(await w.tickUntil(() => w.task().lastStatus === 'STOPPED'));
    assert.ok(!w.runtime.calls.includes('start app'));
    assert.equal(w.state('app')?.lastStatus, 'STOPPED');
  });

  it('marks a container UNHEALTHY after its retries, failures in the start period not counting', async () => {
    const w = world([
      containerSpec({
        name: 'app',
        probes: {
          health: {
            ...execProbe(10, 2, 15),
            action: { type: 'exec', command: ['/bin/sh', '-c', 'curl -f localhost'] },
          },
        },
      }),
    ]);
    await w.tickUntil(() => w.task().lastStatus === 'RUNNING');
    w.runtime.probeAnswers.set(id('app'), 1);
    w.advance(10_000); // in the start period
    await w.runner.tick();
    assert.equal(w.state('app')?.healthStatus, 'UNKNOWN');
    assert.ok(w.runtime.calls.includes('exec app /bin/sh -c curl -f localhost'));
    w.advance(10_000);
    await w.runner.tick();
    assert.equal(w.state('app')?.healthStatus, 'UNKNOWN', 'one failure of two');
    w.advance(10_000);
    await w.runner.tick();
    assert.equal(w.state('app')?.healthStatus, 'UNHEALTHY');
    w.runtime.probeAnswers.set(id('app'), 0);
    w.advance(10_000);
    await w.runner.tick();
    assert.equal(w.state('app')?.healthStatus, 'HEALTHY', 'one success makes it healthy again');
  });

  it('stops in reverse start order: SIGTERM, then SIGKILL once its stop timeout has passed', async () => {
    const w = world([
      containerSpec({ name: 'proxy', stop: { timeoutMs: 5000, signal: 'TERM' } }),
      containerSpec({
        name: 'app',
        stop: { timeoutMs: 10_000, signal: 'TERM' },
        startAfter: [{ container: 'proxy', condition: 'started' }],
      }),
    ]);
    await w.tickUntil(() => w.task().lastStatus === 'RUNNING');
    w.runtime.ignoreTerm.add(id('app'));
    w.runner.updateSpec({ ...w.task().spec, desired: 'stopped' });
    await w.runner.tick();
    const kills = () => w.runtime.calls.filter((c) => c.startsWith('kill '));
    assert.deepEqual(kills(), ['kill app TERM'], 'the proxy outlives the app that needs it');
    w.advance(9_000);
    await w.runner.tick();
    assert.deepEqual(kills(), ['kill app TERM'], 'not before its stopTimeout');
    w.advance(1_000);
    await w.runner.tick();
    assert.deepEqual(kills(), ['kill app TERM', 'kill app KILL']);
    assert.ok(await w.tickUntil(() => w.task().lastStatus === 'STOPPED'));
    assert.deepEqual(kills(), ['kill app TERM', 'kill app KILL', 'kill proxy TERM']);
    assert.equal(w.state('app')?.exitCode, 137);
    assert.equal(w.state('proxy')?.exitCode, 143);
  });

  it('picks a task up after an agent restart: a running container is adopted, an exit it missed is reported', async () => {
    const w = world([containerSpec({ name: 'app' }), containerSpec({ name: 'worker', essential: false })]);
    await w.tickUntil(() => w.task().lastStatus === 'RUNNING');
    // The agent goes away; meanwhile the worker exits. A new runner takes the saved task.
    w.runtime.exit(id('worker'), 0);
    const again = new TaskRunner(w.runner.dir, structuredClone(w.task()), {
      images: fakeImages(),
      runtime: w.runtime,
      platform: fakePlatform(),
      users: new ImageUsers(),
      pullBehavior: 'default',
      volumesDir: join(w.runner.dir, 'volumes'),
      logger: createLogger('silent'),
      report: () => undefined,
      drainLogs: async () => true,
      now: () => 2_000_000,
    });
    await again.recover();
    await again.tick();
    assert.equal(again.task.containers['worker']?.lastStatus, 'STOPPED');
    assert.equal(again.task.containers['worker']?.exitCode, 0);
    assert.equal(again.task.containers['app']?.lastStatus, 'RUNNING', 'adopted, not started again');
    assert.equal(w.runtime.calls.filter((c) => c === 'start app').length, 1);
    assert.equal(again.task.lastStatus, 'RUNNING');
  });
});
