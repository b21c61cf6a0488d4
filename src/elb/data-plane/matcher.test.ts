import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRules, route, type RequestFacts } from './matcher.js';
import { codeMatches } from './health-checker.js';

const req = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  method: 'GET',
  path: '/',
  host: 'shop.example.com',
  headers: {},
  query: new URLSearchParams(),
  sourceIp: '10.1.2.3',
  ...over,
});
const fixed = (body: string) => [
  { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', MessageBody: body } },
];

describe('listener rules', () => {
  const rules = compileRules(
    [
      { priority: 20, conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }], actions: fixed('api') },
      {
        priority: 10,
        conditions: [
          { Field: 'path-pattern', Values: ['/api/v?/admin*'] },
          { Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.0/8'] } },
        ],
        actions: fixed('admin'),
      },
      {
        priority: 30,
        conditions: [
          { Field: 'host-header', Values: ['*.EXAMPLE.com'] },
          { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['y*'] } },
        ],
        actions: fixed('canary'),
      },
      {
        priority: 40,
        conditions: [
          { Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'v', Value: '2' }] } },
          { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['POST'] } },
        ],
        actions: fixed('v2'),
      },
    ],
    fixed('default'),
  );
  const body = (r: RequestFacts) => route(rules, r)[0]?.FixedResponseConfig?.MessageBody;

  it('takes the first match by priority, all conditions of a rule together', () => {
    assert.equal(body(req({ path: '/api/v1/admin/users' })), 'admin');
    assert.equal(body(req({ path: '/api/v1/admin/users', sourceIp: '192.168.0.1' })), 'api');
    assert.equal(body(req({ path: '/api/v10/admin' })), 'api', '`?` is one character');
    assert.equal(body(req({ path: '/API/x' })), 'default', 'paths are case-sensitive');
  });

  it('matches hosts and header values without case, queries and methods exactly', () => {
    assert.equal(body(req({ headers: { 'x-canary': 'YES' } })), 'canary');
    assert.equal(body(req({ host: 'shop.example.org', headers: { 'x-canary': 'yes' } })), 'default');
    assert.equal(body(req({ host: 'shop.example.com:8080', headers: { 'x-canary': 'yes' } })), 'canary');
    assert.equal(body(req({ method: 'POST', query: new URLSearchParams('a=1&v=2') })), 'v2');
    assert.equal(body(req({ method: 'GET', query: new URLSearchParams('v=2') })), 'default');
  });

  // Globs match left to right without backtracking: this would take ages if they did.
  it('answers a hostile pattern over a long path', () => {
    const hostile = compileRules(
      [{ priority: 1, conditions: [{ Field: 'path-pattern', Values: ['/*a*a*a*a*a*a*a*a*b'] }], actions: fixed('x') }],
      fixed('d'),
    );
    assert.equal(route(hostile, req({ path: `/${'a'.repeat(100_000)}` }))[0]?.FixedResponseConfig?.MessageBody, 'd');
  });
});

describe('health check matchers', () => {
  it('takes codes, lists and ranges', () => {
    assert.ok(codeMatches('200', 200));
    assert.ok(!codeMatches('200', 204));
    assert.ok(codeMatches('200,204', 204));
    assert.ok(codeMatches('200-299', 250));
    assert.ok(!codeMatches('200-299', 301));
  });
});
