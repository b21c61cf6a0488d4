import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Logger } from '../../kernel/index.js';
import { HaproxyEngine } from './haproxy-engine.js';

describe('the HAProxy engine', () => {
  it('never puts a configuration HAProxy refuses in place, and checks one only once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-haproxy-engine-'));
    try {
      // A stand-in HAProxy that refuses every configuration it is asked to check, and counts the checks.
      const fake = join(dir, 'haproxy');
      writeFileSync(
        fake,
        `#!/bin/sh\necho check >> ${join(dir, 'calls')}\n[ "$1" = -c ] && { echo "[ALERT] config : parse error" >&2; exit 1; }\nexit 3\n`,
      );
      chmodSync(fake, 0o755);
      const errors: string[] = [];
      const logger: Logger = {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: (o, msg) => errors.push(`${msg ?? ''} ${JSON.stringify(o)}`),
        child: () => logger,
      };
      const engine = new HaproxyEngine(join(dir, 'elb'), logger, fake);
      const listener = {
        key: 'lb/l1',
        id: 'l1',
        address: '127.77.9.1',
        port: 80,
        protocol: 'HTTP',
        rules: [],
        defaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }],
      };
      await engine.apply([listener], new Map());
      await engine.apply([listener], new Map());
      assert.equal(readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n').length, 1, 'checked once');
      assert.equal(errors.length, 1);
      assert.match(errors[0] ?? '', /HAProxy refused the configuration; the last one stays.*parse error/);
      assert.equal(existsSync(join(dir, 'elb', 'haproxy.cfg')), false, 'nothing was put in place');
      await engine.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
