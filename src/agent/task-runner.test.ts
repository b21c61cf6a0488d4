import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { createLogger } from '../kernel/index.js';
import type { ContainerSpec, Probe, WorkloadSpec } from '../wire/index.js';
import { ImageUsers } from './runtime/users.js';
import { TaskRunner } from './task-runner.js';
import type { LocalTask } from './task-state.js';
import {
  containerSpec,
  execProbe,
  FAKE_WORKLOAD_IP,
  FakeNet,
  FakeRuntime,
  fakeImages,
  fakePlatform,
  workloadSpec,
} from './test-twins.js';

const TASK = '0123456789abcdef0123456789abcdef';
const id = (name: string) => FakeRuntime.id(TASK, name);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A runner for one task of these containers, on the twins, with a clock the test moves. */
function world(
  containers: ContainerSpec[],
  network: WorkloadSpec['sandbox']['network'] = { mode: 'none' },
  cannotPull?: string,
) {
  const dir = mkdtempSync(join(tmpdir(), 'berth-runner-'));
  dirs.push(dir);
  const runtime = new FakeRuntime();
  const platformCalls: string[] = [];
  let now = 1_000_000;
  const base = workloadSpec(TASK, containers);
  const spec = { ...base, sandbox: { ...base.sandbox, network }, ...(cannotPull ? { cannotPull } : {}) };
  // Every pull the runner asks for, with the Authorization it passes.
  const pulls: [string, string | undefined][] = [];
  const images = fakeImages();
  const net = new FakeNet();
  const task: LocalTask = {
    spec,
    phase: 'preparing',
    bindings: [],
    containers: Object.fromEntries(
      containers.map((c) => [c.name, { state: 'waiting' as const, runtimeId: id(c.name) }]),
    ),
  };
  const reports: string[] = [];
  const runner = new TaskRunner(dir, task, {
    images: {
      ...images,
      pull: (image, behavior, auth) => (pulls.push([image, auth]), images.pull(image, behavior, auth)),
    },
    runtime,
    platform: fakePlatform(platformCalls),
    users: new ImageUsers(),
    pullBehavior: 'default',
    volumesDir: join(dir, 'volumes'),
    logger: createLogger('silent'),
    report: (t) => void reports.push(t.phase),
    drainLogs: async () => true,
    now: () => now,
    net,
  });
  return {
    runner,
    runtime,
    net,
    pulls,
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
    assert.ok(await w.tickUntil(() => w.task().phase === 'running'));
    assert.deepEqual(w.platformCalls, ['prepare sandbox']);
    w.runtime.exit(id('app'), 3);
    assert.ok(await w.tickUntil(() => w.task().phase === 'stopped'));
    assert.deepEqual(w.task().ended, { cause: 'essential-exited' });
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
    await w.tickUntil(() => w.state('migrate')?.state === 'running');
    const starts = () => w.runtime.calls.filter((c) => c.startsWith('start '));
    assert.deepEqual(starts(), ['start db', 'start migrate']);
    await w.runner.tick();
    assert.deepEqual(starts(), ['start db', 'start migrate'], 'app waits for migrate to succeed');
    w.runtime.exit(id('migrate'), 0);
    await w.tickUntil(() => w.state('app')?.state === 'running');
    assert.deepEqual(starts(), ['start db', 'start migrate', 'start app']);
    assert.equal(w.task().phase, 'starting', 'an essential container (proxy) has not started');
    w.advance(5000); // the first probe, one interval after app started
    await w.tickUntil(() => w.state('proxy')?.state === 'running');
    assert.equal(w.state('app')?.health, 'healthy');
    assert.deepEqual(starts(), ['start db', 'start migrate', 'start app', 'start proxy']);
    assert.ok(await w.tickUntil(() => w.task().phase === 'running'));
  });

  it('does not start a container whose succeeded condition failed, and stops the task', async () => {
    const w = world([
      containerSpec({ name: 'migrate' }),
      containerSpec({ name: 'app', startAfter: [{ container: 'migrate', condition: 'succeeded' }] }),
    ]);
    await w.tickUntil(() => w.state('migrate')?.state === 'running');
    w.runtime.exit(id('migrate'), 1);
    assert.ok(await w.tickUntil(() => w.task().phase === 'stopped'));
    assert.ok(!w.runtime.calls.includes('start app'));
    assert.equal(w.state('app')?.state, 'exited');
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
    await w.tickUntil(() => w.task().phase === 'running');
    w.runtime.probeAnswers.set(id('app'), 1);
    w.advance(10_000); // in the start period
    await w.runner.tick();
    assert.equal(w.state('app')?.health, 'unknown');
    assert.ok(w.runtime.calls.includes('exec app /bin/sh -c curl -f localhost'));
    w.advance(10_000);
    await w.runner.tick();
    assert.equal(w.state('app')?.health, 'unknown', 'one failure of two');
    w.advance(10_000);
    await w.runner.tick();
    assert.equal(w.state('app')?.health, 'unhealthy');
    w.runtime.probeAnswers.set(id('app'), 0);
    w.advance(10_000);
    await w.runner.tick();
    assert.equal(w.state('app')?.health, 'healthy', 'one success makes it healthy again');
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
    await w.tickUntil(() => w.task().phase === 'running');
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
    assert.ok(await w.tickUntil(() => w.task().phase === 'stopped'));
    assert.deepEqual(kills(), ['kill app TERM', 'kill app KILL', 'kill proxy TERM']);
    assert.equal(w.state('app')?.exitCode, 137);
    assert.equal(w.state('proxy')?.exitCode, 143);
  });

  it('picks a task up after an agent restart: a running container is adopted, an exit it missed is reported', async () => {
    const w = world([containerSpec({ name: 'app' }), containerSpec({ name: 'worker', essential: false })]);
    await w.tickUntil(() => w.task().phase === 'running');
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
    assert.equal(again.task.containers['worker']?.state, 'exited');
    assert.equal(again.task.containers['worker']?.exitCode, 0);
    assert.equal(again.task.containers['app']?.state, 'running', 'adopted, not started again');
    assert.equal(w.runtime.calls.filter((c) => c === 'start app').length, 1);
    assert.equal(again.task.phase, 'running');
  });

  it('restarts a failed container with Kubernetes back-off (10 s, 20 s, …), not one that succeeded under on-failure', async () => {
    const w = world([
      containerSpec({ name: 'app', restart: { policy: 'on-failure', ignoredExitCodes: [], backoff: true } }),
    ]);
    await w.tickUntil(() => w.task().phase === 'running');
    const starts = () => w.runtime.calls.filter((c) => c === 'start app').length;
    w.runtime.exit(id('app'), 1);
    await w.runner.tick();
    assert.equal(w.state('app')?.state, 'waiting', 'waiting to start again');
    // The report carries the count, how it ended, and when it starts again.
    const reported = w.runner.report().containers.find((c) => c.name === 'app');
    assert.equal(reported?.restartCount, 1);
    assert.equal(reported?.lastExit?.code, 1);
    assert.equal(reported?.lastExit?.oomKilled, false);
    assert.equal((reported?.restartAt ?? 0) - (reported?.lastExit?.finishedAt ?? 0), 10_000);
    assert.equal(w.task().phase, 'running', 'an essential container that restarts does not stop the task');
    w.advance(9_999);
    await w.runner.tick();
    assert.equal(starts(), 1, 'not before its back-off');
    w.advance(1);
    await w.runner.tick();
    assert.equal(starts(), 2);
    assert.equal(w.state('app')?.restartCount, 1);
    w.runtime.exit(id('app'), 2);
    await w.runner.tick();
    w.advance(19_999);
    await w.runner.tick();
    assert.equal(starts(), 2, 'the second back-off is 20 s');
    w.advance(1);
    await w.runner.tick();
    assert.equal(starts(), 3);
    w.runtime.exit(id('app'), 0);
    assert.ok(await w.tickUntil(() => w.task().phase === 'stopped'), 'exit 0 is not a failure: the task ends');
    assert.deepEqual(w.task().ended, { cause: 'essential-exited' });
  });

  it('runs init containers to completion first, one after the other', async () => {
    const w = world([
      containerSpec({ name: 'init-1', essential: false }),
      containerSpec({
        name: 'init-2',
        essential: false,
        startAfter: [{ container: 'init-1', condition: 'succeeded' }],
      }),
      containerSpec({ name: 'app', startAfter: [{ container: 'init-2', condition: 'succeeded' }] }),
    ]);
    const starts = () => w.runtime.calls.filter((c) => c.startsWith('start '));
    await w.tickUntil(() => w.state('init-1')?.state === 'running');
    assert.deepEqual(starts(), ['start init-1']);
    w.runtime.exit(id('init-1'), 0);
    await w.tickUntil(() => w.state('init-2')?.state === 'running');
    assert.deepEqual(starts(), ['start init-1', 'start init-2']);
    w.runtime.exit(id('init-2'), 0);
    assert.ok(await w.tickUntil(() => w.task().phase === 'running'));
    assert.deepEqual(starts(), ['start init-1', 'start init-2', 'start app']);
  });

  it('restarts a container that fails its liveness probe: SIGTERM, then started again', async () => {
    const w = world([
      containerSpec({
        name: 'app',
        restart: { policy: 'always', ignoredExitCodes: [], backoff: true },
        probes: { liveness: execProbe(10, 2) },
      }),
    ]);
    await w.tickUntil(() => w.task().phase === 'running');
    w.runtime.probeAnswers.set(id('app'), 1);
    w.advance(10_000);
    await w.runner.tick();
    assert.ok(!w.runtime.calls.includes('kill app TERM'), 'one failure of two');
    w.advance(10_000);
    await w.runner.tick();
    assert.ok(w.runtime.calls.includes('kill app TERM'));
    await w.runner.tick(); // the exit (143) is seen: the container waits its back-off
    assert.equal(w.state('app')?.state, 'waiting');
    w.runtime.probeAnswers.set(id('app'), 0);
    w.advance(10_000);
    await w.runner.tick();
    assert.equal(w.state('app')?.state, 'running');
    assert.equal(w.runtime.calls.filter((c) => c === 'start app').length, 2);
    assert.equal(w.task().phase, 'running');
  });

  it('toggles readiness both ways with its probe', async () => {
    const w = world([containerSpec({ name: 'app', probes: { readiness: execProbe(5, 1) } })]);
    await w.tickUntil(() => w.task().phase === 'running');
    assert.equal(w.state('app')?.ready, false, 'not ready before its first probe');
    w.advance(5000);
    await w.runner.tick();
    assert.equal(w.state('app')?.ready, true);
    w.runtime.probeAnswers.set(id('app'), 1);
    w.advance(5000);
    await w.runner.tick();
    assert.equal(w.state('app')?.ready, false);
    w.runtime.probeAnswers.set(id('app'), 0);
    w.advance(5000);
    await w.runner.tick();
    assert.equal(w.state('app')?.ready, true);
  });

  it("follows ECS's restart policy: at once, not for an ignored exit code, not after too short a run", async () => {
    const ecs = { policy: 'always' as const, ignoredExitCodes: [0], minRunMs: 60_000, backoff: false };
    const w = world([containerSpec({ name: 'app', restart: ecs })]);
    await w.tickUntil(() => w.task().phase === 'running');
    w.advance(60_000);
    w.runtime.exit(id('app'), 1);
    await w.runner.tick();
    assert.equal(w.state('app')?.state, 'running', 'started again at once');
    assert.equal(w.runtime.calls.filter((c) => c === 'start app').length, 2);
    w.advance(10_000);
    w.runtime.exit(id('app'), 1);
    assert.ok(await w.tickUntil(() => w.task().phase === 'stopped'), 'it ran 10 s of the 60 it must: no restart');
    const v = world([containerSpec({ name: 'app', restart: ecs })]);
    await v.tickUntil(() => v.task().phase === 'running');
    v.advance(60_000);
    v.runtime.exit(id('app'), 0);
    assert.ok(await v.tickUntil(() => v.task().phase === 'stopped'), 'exit code 0 is ignored: no restart');
  });

  it('probes over the network: HTTP GET to the workload address, TCP to the host loopback, none without a network', async () => {
    const probe = (action: Probe['action']): Probe => ({ ...execProbe(10, 1), action });
    const http = probe({ type: 'http', port: 8080, path: '/healthz' });
    const w = world(
      [
        containerSpec({
          name: 'app',
          restart: { policy: 'always', ignoredExitCodes: [], backoff: false },
          probes: { liveness: http },
        }),
      ],
      { mode: 'own' },
    );
    await w.tickUntil(() => w.task().phase === 'running');
    const target = `http ${FAKE_WORKLOAD_IP}:8080/healthz`;
    w.net.answers.set(target, false);
    w.advance(10_000);
    await w.runner.tick();
    assert.deepEqual(w.net.calls, [target]);
    assert.ok(w.runtime.calls.includes('kill app TERM'), 'a failed HTTP liveness probe stops the container');
    await w.runner.tick();
    assert.equal(w.runtime.calls.filter((c) => c === 'start app').length, 2, 'and it is started again');

    const h = world([containerSpec({ name: 'db', probes: { readiness: probe({ type: 'tcp', port: 5432 }) } })], {
      mode: 'host',
    });
    await h.tickUntil(() => h.task().phase === 'running');
    h.advance(10_000);
    await h.runner.tick();
    assert.deepEqual(h.net.calls, ['tcp 127.0.0.1:5432']);
    assert.equal(h.state('db')?.ready, true);

    const n = world([containerSpec({ name: 'x', probes: { readiness: probe({ type: 'tcp', port: 1 }) } })]);
    await n.tickUntil(() => n.task().phase === 'running');
    n.advance(10_000);
    await n.runner.tick();
    assert.deepEqual(n.net.calls, [], 'no network: nothing to connect to');
    assert.equal(n.state('x')?.ready, false, 'and the probe fails');
  });

  it('saves a task without its secrets’ values, and after an agent restart starts no container until they are sent again', async () => {
    const secretEnv = [{ name: 'DB_PASSWORD', from: '/db/password', value: 'hunter2' }];
    const w = world([
      containerSpec({
        name: 'app',
        secretEnv,
        restart: { policy: 'always', ignoredExitCodes: [], backoff: false },
      }),
    ]);
    await w.tickUntil(() => w.task().phase === 'running');
    const saved = readFileSync(join(w.runner.dir, 'state.json'), 'utf8');
    assert.match(saved, /"from":"\/db\/password"/);
    assert.doesNotMatch(saved, /hunter2/, 'the value is never written');
    // As a restarted agent holds the task: what was saved, the values gone.
    w.runner.task = JSON.parse(saved) as LocalTask;
    w.runtime.exit(id('app'), 1);
    await w.runner.tick();
    await w.runner.tick();
    assert.equal(w.state('app')?.state, 'waiting', 'waits for its secrets');
    assert.equal(w.runtime.calls.filter((c) => c === 'start app').length, 1);
    w.runner.updateSpec({ ...w.task().spec, containers: [containerSpec({ name: 'app', secretEnv })] });
    await w.runner.tick();
    assert.equal(w.state('app')?.state, 'running');
    assert.equal(w.runtime.calls.filter((c) => c === 'start app').length, 2);
    assert.deepEqual(w.task().spec.containers[0]?.secretEnv, secretEnv);
  });

  it('pulls with the workload’s registry credentials as Basic, and saves the task without them', async () => {
    const imageAuth = { from: 'registry/login', username: 'puller', password: 'pa55' };
    const w = world([containerSpec({ name: 'app', image: '127.0.0.1:5000/app:1', imageAuth })]);
    await w.tickUntil(() => w.task().phase === 'running');
    assert.deepEqual(w.pulls, [['127.0.0.1:5000/app:1', `Basic ${Buffer.from('puller:pa55').toString('base64')}`]]);
    const saved = readFileSync(join(w.runner.dir, 'state.json'), 'utf8');
    assert.match(saved, /"imageAuth":\{"from":"registry\/login"\}/);
    assert.doesNotMatch(saved, /pa55/, 'the password is never written');
  });

  it('pulls nothing for a workload whose secrets or registry credentials could not be had', async () => {
    const why = 'ResourceInitializationError: unable to pull secrets or registry auth: …';
    const w = world([containerSpec({ name: 'app', imageAuth: { from: 'registry/nothere' } })], { mode: 'none' }, why);
    await w.tickUntil(() => w.task().phase === 'stopped');
    assert.deepEqual(w.pulls, []);
    assert.deepEqual(w.task().ended, { cause: 'refused', message: why });
  });
});
