import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileWildcard } from '../../kernel/index.js';
import type { ListenerPlan } from './engine.js';
import { forwardMap, globRegex, quoted, renderHaproxy } from './haproxy-config.js';

/**
 * The PCRE HAProxy gets, read by JavaScript: atomic groups as plain ones (for globs the first
 * place of each piece is always a right one, so both match the same strings), `\x{hh}` as `\u{hh}`.
 */
const asJs = (quotedRegex: string) =>
  new RegExp(
    quotedRegex
      .slice(1, -1)
      .replaceAll('(?>', '(?:')
      .replace(/\\x\{([0-9a-f]+)\}/g, '\\u{$1}'),
    'us',
  );

describe('HAProxy configuration', () => {
  it('turns ELB wildcards into regexes that match exactly what berth’s own matcher matches', () => {
    const patterns = ['/api/*', '*.jpg', '/a?c', '/x*y*z', '*', '/exact', '/(dot).+[x]*', "/it's*", '/*a*a*b', '/??/*'];
    const paths = [
      '/api/',
      '/api/v1',
      '/API/v1',
      'x.jpg',
      '/a.jpg',
      '/abc',
      '/ac',
      '/xyz',
      '/x1y2z3z',
      '/exact',
      '/exactly',
      '/(dot).+[x]',
      '/(dot).+[x]yy',
      "/it's",
      "/it'sok",
      '/aab',
      '/ab',
      '/aaa',
      '/ab/c',
      '/abc/d',
      '',
    ];
    for (const p of patterns) {
      const re = asJs(globRegex(p));
      const w = compileWildcard(p, { questionMark: true });
      for (const path of paths) assert.equal(re.test(path), w(path), `${p} on ${path}`);
    }
  });

  it('quotes user text so that nothing in it is read as HAProxy syntax', () => {
    assert.equal(quoted('a "b" $HOME\n#x'), '"a \\x22b\\x22 \\x24HOME\\x0a\\x23x"');
  });

  it('takes the first rule that matches, lowest priority first, then the default actions', () => {
    const tg = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef';
    const text = renderHaproxy(
      [
        {
          key: 'lb/l1',
          id: 'l1',
          address: '127.77.0.1',
          port: 80,
          protocol: 'HTTP',
          rules: [
            {
              priority: 5,
              conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }],
              actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '418' } }],
            },
            {
              priority: 9,
              conditions: [{ Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.0/8'] } }],
              actions: [{ Type: 'forward', TargetGroupArn: tg }],
            },
          ],
          defaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', MessageBody: 'none' } }],
        },
      ],
      new Map([
        [
          tg,
          {
            name: 'h_0123456789abcdef',
            leastOutstanding: true,
            slots: [{ address: '127.0.0.1', port: 8080, ready: true }, undefined],
          },
        ],
      ]),
      '/run/sock',
    );
    const lines = text.split('\n').map((l) => l.trim());
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    assert.ok(at('bind 127.77.0.1:80') > 0);
    assert.ok(
      at('http-request set-var(txn.rule) int(1) if !{ var(txn.rule) -m found } r1c1') <
        at('http-request set-var(txn.rule) int(2)'),
    );
    assert.ok(lines.includes('acl r2c1 src 10.0.0.0/8'));
    assert.ok(lines.includes('use_backend %[var(txn.fw),map_int(/dev/null)]'));
    assert.ok(lines.includes('http-request return status 418 hdr server awselb/2.0 if { var(txn.rule) -m int 1 }'));
    assert.ok(at('http-request return status 404 content-type "text/plain\\x3b charset=utf-8" string "none"') > 0);
    assert.ok(lines.includes('balance leastconn'));
    assert.ok(lines.includes('server s1 127.0.0.1:8080'));
    assert.ok(lines.includes('server s2 127.0.0.1:1 disabled'));
    haproxyAccepts(text);
  });

  it('writes stickiness (the AWSALB cookie, or the client address) and slow start into the backends', () => {
    const text = renderHaproxy(
      [
        {
          key: 'lb/l1',
          id: 'l1',
          address: '127.77.0.1',
          port: 80,
          protocol: 'HTTP',
          rules: [],
          defaultActions: [{ Type: 'forward', TargetGroupArn: 'web' }],
        },
        {
          key: 'lb/l2',
          id: 'l2',
          address: '127.77.0.2',
          port: 7000,
          protocol: 'TCP',
          rules: [],
          defaultActions: [{ Type: 'forward', TargetGroupArn: 'tcp' }],
        },
      ],
      new Map([
        [
          'web',
          {
            name: 'h_web',
            leastOutstanding: false,
            sticky: { type: 'lb_cookie' as const, durationSec: 3600 },
            slowStartSec: 30,
            slots: [{ address: '127.0.0.1', port: 8080, ready: true }, undefined],
          },
        ],
        ['tcp', { name: 't_tcp', leastOutstanding: false, sticky: { type: 'source_ip' as const }, slots: [undefined] }],
      ]),
      '/run/sock',
    );
    const lines = text.split('\n').map((l) => l.trim());
    assert.ok(lines.includes('cookie AWSALB insert indirect nocache attr "Max-Age=3600"'));
    assert.ok(lines.includes('default-server slowstart 30s'));
    assert.ok(lines.includes('server s1 127.0.0.1:8080 cookie s1'));
    assert.ok(lines.includes('server s2 127.0.0.1:1 disabled cookie s2'));
    assert.ok(lines.includes('balance source'));
    haproxyAccepts(text);
  });
});

describe('HAProxy forward maps', () => {
  const listener = (rules: ListenerPlan['rules'], defaultActions: ListenerPlan['defaultActions']): ListenerPlan => ({
    key: 'lb/l1',
    id: 'l1',
    address: '127.77.0.1',
    port: 80,
    protocol: 'HTTP',
    rules,
    defaultActions,
  });
  const backendOf = (arn: string) => `h_${arn}`;

  it('splits each forwarding rule’s keys among its target groups by weight', () => {
    const map = forwardMap(
      listener(
        [
          { priority: 1, conditions: [], actions: [{ Type: 'fixed-response' }] },
          {
            priority: 2,
            conditions: [],
            actions: [
              {
                Type: 'forward',
                ForwardConfig: {
                  TargetGroups: [
                    { TargetGroupArn: 'blue', Weight: 1 },
                    { TargetGroupArn: 'gone', Weight: 0 },
                    { TargetGroupArn: 'green', Weight: 3 },
                  ],
                },
              },
            ],
          },
        ],
        [{ Type: 'forward', TargetGroupArn: 'web' }],
      ),
      backendOf,
    );
    assert.equal(map, '0:9999 h_web\n20000:22499 h_blue\n22500:29999 h_green\n');
  });

  it('gives the smallest weight beside the largest sum a range of its own, and no weight none', () => {
    const groups = [1, 999, 999, 999, 999].map((Weight, i) => ({ TargetGroupArn: `g${i}`, Weight }));
    const lines = forwardMap(listener([], [{ Type: 'forward', ForwardConfig: { TargetGroups: groups } }]), backendOf)
      .trim()
      .split('\n');
    assert.equal(lines[0], '0:1 h_g0');
    assert.equal(lines.at(-1), '7500:9999 h_g4');
    const zero = [{ TargetGroupArn: 'a', Weight: 0 }];
    assert.equal(forwardMap(listener([], [{ Type: 'forward', ForwardConfig: { TargetGroups: zero } }]), backendOf), '');
  });
});

/** HAProxy itself accepts a configuration, every line of it, where it is installed (CI installs it). */
function haproxyAccepts(text: string): void {
  if (spawnSync('haproxy', ['-v']).status !== 0) return;
  const dir = mkdtempSync(join(tmpdir(), 'berth-haproxy-'));
  try {
    writeFileSync(join(dir, 'h.cfg'), text);
    const check = spawnSync('haproxy', ['-c', '-f', join(dir, 'h.cfg')], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr + check.stdout);
    // Warned of and ignored: a line that does nothing (an HTTP option in a TCP frontend, say).
    assert.doesNotMatch(check.stderr + check.stdout, /ignored/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
