import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createLogger, recordingLogger } from '../../kernel/index.js';
import { HaproxyEngine } from './haproxy-engine.js';
import type { ListenerPlan } from './engine.js';
import { countsOf, runtimeCommand } from './haproxy-runtime.js';

const quiet = createLogger('silent');

/** An HTTP server on loopback that answers every request with its name. */
async function namedServer(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_, res) => res.end(name));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A free loopback port (briefly bound, then let go). */
async function freePort(): Promise<number> {
  const { server, port } = await namedServer('');
  await new Promise((resolve) => server.close(resolve));
  return port;
}

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
      const logger = recordingLogger();
      const errors = logger.errors;
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

  it('shifts weights between target groups on the running HAProxy, without a reload', async (t) => {
    if (spawnSync('haproxy', ['-v']).status !== 0) return t.skip('HAProxy is not installed');
    const dir = mkdtempSync(join(tmpdir(), 'berth-haproxy-engine-'));
    const [blue, green] = [await namedServer('blue'), await namedServer('green')];
    const engine = new HaproxyEngine(join(dir, 'elb'), quiet);
    try {
      const port = await freePort();
      const group = (name: string, target: number) => ({
        arn: name,
        id: name,
        protocol: 'HTTP',
        leastOutstanding: false,
        targets: [{ key: name, address: '127.0.0.1', port: target, state: 'healthy' as const }],
      });
      const groups = new Map([
        ['blue', group('blue', blue.port)],
        ['green', group('green', green.port)],
      ]);
      const plan = (blueWeight: number, greenWeight: number): ListenerPlan => ({
        key: 'lb/l1',
        id: 'l1',
        address: '127.0.0.1',
        port,
        protocol: 'HTTP',
        rules: [],
        defaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: 'blue', Weight: blueWeight },
                { TargetGroupArn: 'green', Weight: greenWeight },
              ],
            },
          },
        ],
      });
      const worker = async () =>
        /^Pid: (\d+)$/m.exec(await runtimeCommand(join(dir, 'elb', 'runtime.sock'), 'show info'))?.[1];
      const answers = async (n: number) => {
        const seen = { blue: 0, green: 0 };
        for (let i = 0; i < n; i++) {
          const text = await (await fetch(`http://127.0.0.1:${port}/`)).text();
          if (text === 'blue') seen.blue += 1;
          else seen.green += 1;
        }
        return seen;
      };
      await engine.apply([plan(1, 0)], groups);
      const first = await worker();
      assert.ok(first);
      assert.deepEqual(await answers(20), { blue: 20, green: 0 });
      await engine.apply([plan(1, 1)], groups);
      const half = await answers(200);
      assert.ok(half.blue > 50 && half.green > 50, `an even split: ${JSON.stringify(half)}`);
      // Green takes every request while blue's target leaves in the same pass: requests sent
      // meanwhile never find a group without targets (a 503).
      let applying = true;
      const during: number[] = [];
      const meanwhile = (async () => {
        while (applying) during.push((await fetch(`http://127.0.0.1:${port}/`)).status);
      })();
      await engine.apply([plan(0, 1)], new Map([...groups, ['blue', { ...group('blue', blue.port), targets: [] }]]));
      applying = false;
      await meanwhile;
      assert.deepEqual([...new Set(during)], [200], `${during.length} requests during the change`);
      assert.deepEqual(await answers(20), { blue: 0, green: 20 }, 'every request goes to green at once');
      assert.equal(await worker(), first, 'the same worker: no reload');
      assert.equal(readFileSync(join(dir, 'elb', 'fwd-l1.map'), 'utf8'), '0:9999 h_green\n', 'the map on disk');
    } finally {
      await engine.stop();
      for (const s of [blue, green]) s.server.close();
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
