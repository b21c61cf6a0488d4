import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../kernel/clock.js';
import { createLogger } from '../kernel/logger.js';
import { testRegistryDeps } from '../registry/test-deps.js';
import { buildApp } from './app.js';
import { defaults } from './config.js';

const signed = {
  'x-amz-date': '20240101T000000Z',
  authorization:
    'AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab',
};

describe('the edge app', () => {
  let app: FastifyInstance;
  const registry = testRegistryDeps();
  before(async () => {
    app = await buildApp({
      config: defaults,
      keys: new Map(),
      clock: new ManualClock(),
      logger: createLogger('silent'),
      registry,
      controlPlane: { store: registry.store, clock: registry.clock, accountId: '000000000000', region: 'us-east-1' },
    });
  });
  after(async () => {
    await app.close();
    registry.dispose();
  });

  it('serves health', async () => {
    const r = await app.inject({ method: 'GET', url: '/_berth/health' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().status, 'ok');
    assert.match(String(r.headers['x-amzn-requestid']), /^[0-9a-f-]{36}$/);
  });

  it('serves the query protocol on POST /', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signed },
      payload: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /<Account>000000000000<\/Account>/);
  });

  it('answers an oversized body with an AWS error, not a crash', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'X.Y', ...signed },
      payload: Buffer.alloc(64 * 1024 * 1024 + 1, 0x20),
    });
    assert.equal(r.statusCode, 413);
    assert.equal(r.headers['x-amzn-errortype'], 'RequestEntityTooLargeException');
    assert.ok(r.headers['x-amzn-requestid']);
  });

  it('hands unclaimed paths to the rest protocols, which refuse unsigned calls', async () => {
    const r = await app.inject({ method: 'GET', url: '/clusters/x' });
    assert.equal(r.statusCode, 403);
    assert.equal(r.json().__type, 'MissingAuthenticationTokenException');
  });
});
