import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createLogger } from '../kernel/index.js';
import { EXEC_CHUNK, type ExecExit, type ExecOutput } from '../wire/index.js';
import { ExecSessions } from './exec-sessions.js';
import type { LocalTask } from './task-state.js';
import { FakeExecProcess, FakeRuntime } from './test-twins.js';

const ID = 'a'.repeat(32);
const SESSION = '00000000-0000-4000-8000-000000000001';

describe('exec sessions on the agent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-exec-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = join(dir, ID, 'containers', 'main', 'bundle');
  mkdirSync(bundle, { recursive: true });
  writeFileSync(
    join(bundle, 'config.json'),
    JSON.stringify({
      process: { args: ['server'], env: ['A=1'], cwd: '/srv', user: { uid: 7, gid: 7 }, terminal: false },
    }),
  );
  const task = {
    phase: 'running',
    network: { ip: '172.29.0.9', bindings: [] },
    containers: {
      main: { state: 'running', runtimeId: `${ID}-main` },
      side: { state: 'exited', runtimeId: `${ID}-side` },
    },
  } as unknown as LocalTask;
  const setup = () => {
    const runtime = new FakeRuntime();
    const sent: (ExecOutput | ExecExit)[] = [];
    const connects: string[] = [];
    const sessions = new ExecSessions({
      runtime,
      connect: async (host, port) => {
        connects.push(`${host}:${port}`);
        if (port === 1) throw new Error('connect ECONNREFUSED');
        const p = new FakeExecProcess({}, '');
        runtime.streams.push(p);
        return p;
      },
      tasksDir: dir,
      task: (id) => (id === ID ? task : undefined),
      send: (m) => (sent.push(m), true),
      logger: createLogger('silent'),
    });
    return { runtime, sent, sessions, connects };
  };

  it("runs the command as the container's own process, streams both ways and reports the exit", async () => {
    const { runtime, sent, sessions } = setup();
    await sessions.start({
      type: 'exec-start',
      sessionId: SESSION,
      taskId: ID,
      container: 'main',
      command: ['sh', '-c', 'cat'],
      tty: true,
      size: { width: 120, height: 40 },
      stdin: true,
    });
    const p = runtime.streams[0];
    assert.ok(p);
    assert.deepEqual(p.process, {
      args: ['sh', '-c', 'cat'],
      env: ['A=1'],
      cwd: '/srv',
      user: { uid: 7, gid: 7 },
      terminal: true,
      consoleSize: { width: 120, height: 40 },
    });
    assert.equal(p.processFile, join(dir, ID, 'containers', 'main', `exec-${SESSION}.json`));
    assert.deepEqual(runtime.calls, ['exec-stream main tty']);
    sessions.input({ type: 'exec-input', sessionId: SESSION, data: Buffer.from('hi').toString('base64') });
    sessions.input({ type: 'exec-input', sessionId: SESSION, resize: { width: 80, height: 24 } });
    sessions.input({ type: 'exec-input', sessionId: SESSION, eof: true });
    assert.deepEqual(p.input.map(String), ['hi']);
    assert.deepEqual(p.sizes, [{ width: 80, height: 24 }]);
    assert.equal(p.ended, true);
    p.print('stdout', Buffer.alloc(EXEC_CHUNK + 10, 'x'));
    p.exit(3);
    assert.deepEqual(
      sent.map((m) => (m.type === 'exec-output' ? [m.stream, Buffer.from(m.data, 'base64').length] : [m.code])),
      [['stdout', EXEC_CHUNK], ['stdout', 10], [3]],
    );
    sessions.input({ type: 'exec-input', sessionId: SESSION, data: 'aGk=' });
    assert.equal(p.input.length, 1, 'a session that ended takes no more input');
  });

  it('refuses a container that is not running or not there, and hangs up on every session when the control plane goes', async () => {
    const { runtime, sent, sessions } = setup();
    const start = (container: string, taskId = ID) =>
      sessions.start({
        type: 'exec-start',
        sessionId: SESSION,
        taskId,
        container,
        command: ['ls'],
        tty: false,
        stdin: false,
      });
    await start('side');
    await start('nope');
    await start('main', 'b'.repeat(32));
    await start('__proto__');
    assert.deepEqual(
      sent.map((m) => (m.type === 'exec-exit' ? m.error : m.type)),
      [
        'container side is not running',
        'container not found ("nope")',
        'container not found ("main")',
        'container not found ("__proto__")',
      ],
    );
    assert.equal(runtime.streams.length, 0);
    await start('main');
    const p = runtime.streams[0];
    assert.equal(p?.ended, true, 'no input: stdin closed at once');
    sessions.hangUpAll();
    assert.equal(p?.hungUp, true);
  });

  it('attaches to the container’s own process: no command, its stdin left as it is without input', async () => {
    const { runtime, sent, sessions } = setup();
    const attach = (container: string) =>
      sessions.start({
        type: 'exec-start',
        sessionId: SESSION,
        taskId: ID,
        container,
        command: [],
        tty: true,
        stdin: false,
        attach: true,
      });
    await attach('side');
    assert.deepEqual(
      sent.map((m) => (m.type === 'exec-exit' ? m.error : m.type)),
      ['container side is not running'],
    );
    await attach('main');
    assert.deepEqual(runtime.calls.slice(-1), [`attach main tty`]);
    const p = runtime.streams[0];
    assert.equal(p?.ended, false, 'an attached process’s stdin is not closed for the client');
    sessions.input({ type: 'exec-input', sessionId: SESSION, resize: { width: 80, height: 25 } });
    assert.deepEqual(p?.sizes, [{ width: 80, height: 25 }]);
  });

  it("connects to a port in the workload's network for port-forward, and says why it cannot", async () => {
    const { runtime, sent, sessions, connects } = setup();
    const forward = (port: number, taskId = ID) =>
      sessions.start({
        type: 'exec-start',
        sessionId: SESSION,
        taskId,
        container: '',
        command: [],
        tty: false,
        stdin: true,
        port,
      });
    await forward(1);
    await forward(80, 'b'.repeat(32));
    await forward(80);
    assert.deepEqual(connects, ['172.29.0.9:1', '172.29.0.9:80']);
    const p = runtime.streams[0];
    sessions.input({ type: 'exec-input', sessionId: SESSION, data: Buffer.from('GET /').toString('base64') });
    p?.print('stdout', 'HTTP/1.1 200 OK');
    p?.exit(0);
    assert.deepEqual(p?.input.map(String), ['GET /']);
    assert.deepEqual(
      sent.map((m) => (m.type === 'exec-exit' ? (m.error ?? m.code) : Buffer.from(m.data, 'base64').toString())),
      [
        "failed to connect to 172.29.0.9:1 in the pod's network: connect ECONNREFUSED",
        'the pod is not running here',
        'HTTP/1.1 200 OK',
        0,
      ],
    );
  });

  it('keeps input that comes while the command is still starting, and gives it in order', async () => {
    const { runtime, sessions } = setup();
    const started = sessions.start({
      type: 'exec-start',
      sessionId: SESSION,
      taskId: ID,
      container: 'main',
      command: ['cat'],
      tty: false,
      stdin: true,
    });
    sessions.input({ type: 'exec-input', sessionId: SESSION, data: Buffer.from('early').toString('base64') });
    sessions.input({ type: 'exec-input', sessionId: SESSION, eof: true });
    assert.equal(runtime.streams.length, 0, 'not started yet');
    await started;
    const p = runtime.streams[0];
    assert.deepEqual(p?.input.map(String), ['early']);
    assert.equal(p?.ended, true);
  });
});
