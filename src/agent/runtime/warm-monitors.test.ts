import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { gateScript } from './warm-monitors.js';

describe('a warm monitor’s runtime gate', () => {
  let dir: string;
  let out: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "berth-gate-it's-"));
    out = join(dir, 'args');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The gate over a stand-in runtime that writes down its arguments, one per line. */
  function start(runtimeName = 'runtime') {
    const runtime = join(dir, runtimeName);
    writeFileSync(runtime, `#!/bin/sh\nprintf '%s\\n' "$@" > '${out.replaceAll("'", `'\\''`)}'\n`, { mode: 0o755 });
    const script = join(dir, 'runtime-gate');
    writeFileSync(script, gateScript(runtime), { mode: 0o755 });
    // As conmon calls its runtime: the runtime arguments, then create with placeholders; the gate on fd 4.
    const args = ['--root=/r', 'create', '--bundle', '/slot/bundle', '--pid-file', '/slot/pid', 'warm-1'];
    const p = spawn(script, args, { stdio: ['ignore', 'ignore', 'ignore', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => p.on('exit', resolve));
    return { gate: p.stdio[4] as Socket, exited };
  }

  it('creates the container it is given, by its id and in its bundle', async () => {
    const { gate, exited } = start("run'time");
    gate.end('01ab-web\n/tasks/01ab/containers/web/bundle\n');
    assert.equal(await exited, 0);
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
    const { gate, exited } = start();
    gate.end();
    assert.equal(await exited, 1);
    assert.equal(existsSync(out), false);
  });

  it('refuses an empty id', async () => {
    const { gate, exited } = start();
    gate.end('\n/b\n');
    assert.equal(await exited, 1);
    assert.equal(existsSync(out), false);
  });
});
