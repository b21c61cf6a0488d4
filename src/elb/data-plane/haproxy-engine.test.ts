import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Logger } from '../../kernel/index.js';
import { HaproxyEngine } from './haproxy-engine.js';
import { countsOf } from './haproxy-runtime.js';

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

  it('reads request counts per listener and target group from show stat', () => {
    const csv = [
      '# pxname,svname,qcur,stot,status,req_tot,',
      'l_1,FRONTEND,,40,OPEN,38,',
      'h_web,s1,,9,UP,,',
      'h_web,BACKEND,,12,UP,30,',
      't_tcp,BACKEND,,7,UP,,',
      'none,BACKEND,,0,UP,0,',
      '',
    ].join('\n');
    const counts = countsOf(
      csv,
      new Map([
        ['l_1', { listener: 'lb/l1' }],
        ['h_web', { group: 'arn:web' }],
        ['t_tcp', { group: 'arn:tcp' }],
      ]),
    );
    assert.deepEqual([...counts.listeners], [['lb/l1', 38]]);
    assert.deepEqual(
      [...counts.groups],
      [
        ['arn:web', 30],
        ['arn:tcp', 7],
      ],
    );
  });
});
