import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerthError } from '../kernel/errors.js';
import { CLIENT_TOKEN_TTL_MS, expireClientTokens, withClientToken } from './client-tokens.js';
import { testControlPlaneDeps } from './test-deps.js';

test('a token runs its call once; a retry replays; other parameters conflict; the token expires', async () => {
  const deps = testControlPlaneDeps();
  let made = 0;
  const call = (params: Record<string, unknown>, given: string | null = 'tok-1', token = given ?? undefined) =>
    withClientToken(
      deps,
      'RunTask/default',
      token,
      { ...params, clientToken: token },
      async () => ({ result: `made-${++made}`, resourceIds: [`arn-${made}`] }),
      (ids) => `replayed-${ids.join(',')}`,
    );
  assert.equal(await call({ count: 2, b: { y: 1, x: 2 } }), 'made-1');
  assert.equal(await call({ b: { x: 2, y: 1 }, count: 2 }), 'replayed-arn-1', 'key order does not matter');
  await assert.rejects(
    () => call({ count: 3 }),
    (e: BerthError) => e.kind === 'Conflict' && e.detail.reason === 'token-reused' && /arn-1/.test(e.message),
  );
  assert.equal(await call({ count: 2 }, null), 'made-2', 'no token, no idempotency');
  assert.equal(await call({ count: 2 }, 'tok-1'.toUpperCase()), 'made-3', 'tokens are case sensitive');
  deps.clock.advance(CLIENT_TOKEN_TTL_MS + 1);
  assert.equal(await expireClientTokens(deps), 2);
  assert.equal(await call({ count: 3 }), 'made-4', 'an expired token is new again');
});
