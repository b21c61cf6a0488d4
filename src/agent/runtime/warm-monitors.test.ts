import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { gateScript } from './warm-monitors.js';

describe('a warm monitor’s runtime gate', () => {
  let dir: string;
  let gate: string;
  let out: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "berth-gate-it's-"));
    gate = join(dir, 'gate');
    out = join(dir, 'args');
    execFileSync('mkfifo', [gate]);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The gate over a stand-in runtime that writes down its arguments, one per line. */
  function start(runtimeName = 'runtime') {
    const runtime = join(dir, runtimeName);
    writeFileSync(runtime, `#!/bin/sh\nprintf '%s\\n' "$@" > '${out.replaceAll("'", `'\\''`)}'\n`, { mode: 0o755 });
    const script = join(dir, 'runtime-gate');
    writeFileSync(script, gateScript(runtime), { mode: 0o755 });
    const fd = openSync(gate, constants.O_RDWR);
    // As conmon calls its runtime: the runtime arguments, then create with placeholders.
    const args = [
      `--berth-gate=${gate}`,
      '--root=/r',
      'create',
      '--bundle',
      '/slot/bundle',
      '--pid-file',
      '/slot/pid',
      'warm-1',
    ];
    const p = spawn(script, args, { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => p.on('exit', resolve));
    return { fd, exited };
  }

  it('creates the container it is given, by its id and in its bundle', async () => {
    const { fd, exited } = start("run'time");
    // The agent writes both lines at once, and keeps its end open until the monitor answers.
    const line = Buffer.from('01ab-web\n/tasks/01ab/containers/web/bundle\n');
    assert.equal(writeSync(fd, line), line.length);
    assert.equal(await exited, 0);
    closeSync(fd);
    assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n'), [
      '--root=/r',
      'create',
      '--bundle',
      '/tasks/01ab/containers/web/bundle',
      '--pid-file',
      '/slot/pid',
      '01ab-web',
    ]);
  });

  it('exits without running the runtime when its gate closes unwritten (the agent went away)', async () => {
    const { fd, exited } = start();
    // Until the runtime has the gate open, closing it here would leave its open waiting.
    await new Promise((r) => setTimeout(r, 200));
    closeSync(fd);
    assert.equal(await exited, 1);
    assert.equal(existsSync(out), false);
  });

  it('refuses an empty id', async () => {
    const { fd, exited } = start();
    writeSync(fd, Buffer.from('\n/b\n'));
    assert.equal(await exited, 1);
    closeSync(fd);
    assert.equal(existsSync(out), false);
  });
});
