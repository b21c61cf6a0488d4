import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { createLogger } from '../kernel/index.js';
import type { TaskSpec } from '../wire/index.js';
import { ImageUsers } from './runtime/users.js';
import { TaskRunner } from './task-runner.js';
import type { LocalTask } from './task-state.js';
import { FakeRuntime, fakeImages, fakePlatform } from './test-twins.js';

const TASK = '0123456789abcdef0123456789abcdef';
const id = (name: string) => FakeRuntime.id(TASK, name);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A runner for one task of these containers, on the twins, with a clock the test moves. */
function world(containers: Record<string, unknown>[]) {
  const dir = mkdtempSync(join(tmpdir(), 'berth-runner-'));
  dirs.push(dir);
  const runtime = new FakeRuntime();
  const platformCalls: string[] = [];
  let now = 1_000_000;
  const spec = {
    taskId: TASK,
    taskArn: `arn:aws:ecs:us-east-1:000000000000:task/c/${TASK}`,
    family: 'f',
    desiredStatus: 'RUNNING',
    networkMode: 'none',
    cpu: 256,
    memory: 512,
    containers,
    volumes: [],
  } as TaskSpec;
  const task: LocalTask = {
    spec,
    lastStatus: 'PROVISIONING',
    bindings: [],
    containers: Object.fromEntries(
      containers.map((c) => [String(c.name), { lastStatus: 'PENDING' as const, runtimeId: id(String(c.name)) }]),
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
    const w = world([
      { name: 'app', image: 'img', essential: true },
      { name: 'sidecar', image: 'img', essential: false },
    ]);
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

  it('starts a dependsOn chain in order: START, then SUCCESS, then HEALTHY', async () => {
    const w = world([
      { name: 'db', image: 'img', essential: false },
      {
        name: 'migrate',
        image: 'img',
        essential: false,
        dependsOn: [{ containerName: 'db', condition: 'START' }],
      },
      {
        name: 'app',
        image: 'img',
        dependsOn: [{ containerName: 'migrate', condition: 'SUCCESS' }],
        healthCheck: { command: ['CMD', 'probe'], interval: 5, retries: 1 },
      },
      { name: 'proxy', image: 'img', dependsOn: [{ containerName: 'app', condition: 'HEALTHY' }] },
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

  it('does not start a container whose SUCCESS dependency failed, and stops the task', async () => {
    const w = world([
      { name: 'migrate', image: 'img' },
      { name: 'app', image: 'img', dependsOn: [{ containerName: 'migrate', condition: 'SUCCESS' }] },
    ]);
    await w.tickUntil(() => w.state('migrate')?.lastStatus === 'RUNNING');
    w.runtime.exit(id('migrate'), 1);
    assert.ok(await w.tickUntil(() => w.task().lastStatus === 'STOPPED'));
    assert.ok(!w.runtime.calls.includes('start app'));
    assert.equal(w.state('app')?.lastStatus, 'STOPPED');
  });

  it('marks a container UNHEALTHY after its retries, failures in the start period not counting', async () => {
    const w = world([
      {
        name: 'app',
        image: 'img',
        healthCheck: { command: ['CMD-SHELL', 'curl -f localhost'], interval: 10, retries: 2, startPeriod: 15 },
      },
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

  it('stops in reverse dependsOn order: SIGTERM, then SIGKILL once stopTimeout has passed', async () => {
    const w = world([
      { name: 'proxy', image: 'img', stopTimeout: 5 },
      {
        name: 'app',
        image: 'img',
        stopTimeout: 10,
        dependsOn: [{ containerName: 'proxy', condition: 'START' }],
      },
    ]);
    await w.tickUntil(() => w.task().lastStatus === 'RUNNING');
    w.runtime.ignoreTerm.add(id('app'));
    w.runner.updateSpec({ ...w.task().spec, desiredStatus: 'STOPPED' });
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
    const w = world([
      { name: 'app', image: 'img' },
      { name: 'worker', image: 'img', essential: false },
    ]);
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
