import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../../src/kernel/clock.js';
import { testApp, type TestApp } from '../../src/server/test-app.js';

/** --auth strict: what a signature binds, and what nobody may do without one. */
const KEY = { accessKeyId: 'AKIDSTRICT', secretAccessKey: 'secret/strict/key' };
const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

function signer(service: string) {
  return new SignatureV4({ service, region: 'us-east-1', credentials: KEY, sha256: Hash.bind(null, 'sha256') });
}

type Req = {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers: Record<string, string>;
  body?: string;
};

function toInject(r: Req) {
  const qs = new URLSearchParams(r.query ?? {}).toString();
  return {
    method: r.method as 'GET' | 'POST',
    url: r.path + (qs ? `?${qs}` : ''),
    headers: r.headers,
    payload: r.body ?? '',
  };
}

async function presign(service: string, req: Req, expiresIn: number, at = T0): Promise<Req> {
  const signed = await signer(service).presign(
    new HttpRequest({
      protocol: 'http:',
      hostname: 'localhost',
      port: 4566,
      ...req,
      headers: { host: 'localhost:4566', ...req.headers },
    }),
    { expiresIn, signingDate: new Date(at) },
  );
  return {
    method: signed.method,
    path: signed.path,
    query: signed.query as Record<string, string>,
    headers: signed.headers,
    ...(req.body !== undefined ? { body: req.body } : {}),
  };
}

async function sign(service: string, req: Req, at = T0): Promise<Req> {
  const signed = await signer(service).sign(
    new HttpRequest({
      protocol: 'http:',
      hostname: 'localhost',
      port: 4566,
      ...req,
      headers: { host: 'localhost:4566', ...req.headers },
    }),
    { signingDate: new Date(at) },
  );
  return {
    method: signed.method,
    path: signed.path,
    headers: signed.headers,
    ...(req.body !== undefined ? { body: req.body } : {}),
  };
}

const getCallerIdentity: Req = {
  method: 'GET',
  path: '/',
  query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
  headers: {},
};

describe('strict authentication binds a signature to the call it runs', () => {
  let app: FastifyInstance;
  const clock = new ManualClock(T0);
  let t: TestApp;
  before(async () => {
    t = await testApp({ config: { auth: 'strict' }, keys: new Map([[KEY.accessKeyId, KEY.secretAccessKey]]), clock });
    app = t.app;
  });
  after(() => t.dispose());

  it('accepts a presigned GetCallerIdentity URL as the SDKs make it', async () => {
    const r = await app.inject(toInject(await presign('sts', getCallerIdentity, 900)));
    assert.equal(r.statusCode, 200, r.body);
    assert.match(r.body, /<Account>000000000000<\/Account>/);
  });

  it('refuses the same URL re-aimed at another service with an unsigned X-Amz-Target', async () => {
    const p = await presign('sts', getCallerIdentity, 900);
    for (const target of [
      'AmazonEC2ContainerServiceV20141113.ListClusters',
      'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken',
    ]) {
      const r = await app.inject(
        toInject({
          ...p,
          method: 'POST',
          headers: { ...p.headers, 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' },
          body: '{}',
        }),
      );
      assert.equal(r.statusCode, 403, r.body);
      assert.match(r.body, /X-Amz-Target|scoped to correct service|signature/i);
    }
  });

  it('refuses a presigned URL once X-Amz-Expires has run out, and before it was signed', async () => {
    const p = await presign('sts', getCallerIdentity, 60);
    clock.advance(61_000);
    const late = await app.inject(toInject(p));
    assert.equal(late.statusCode, 403);
    assert.match(late.body, /expired/);
    clock.advance(-61_000);
    const early = await app.inject(toInject(await presign('sts', getCallerIdentity, 60, T0 + 3_600_000)));
    assert.equal(early.statusCode, 403);
  });

  it('refuses a signature whose scope names another service than the one that would run', async () => {
    const ecsCall: Req = {
      method: 'POST',
      path: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters',
      },
      body: '{}',
    };
    const good = await app.inject(toInject(await sign('ecs', ecsCall)));
    assert.equal(good.statusCode, 200, good.body);
    const r = await app.inject(toInject(await sign('sts', ecsCall)));
    assert.equal(r.statusCode, 403);
    assert.match(r.body, /scoped to correct service: 'ecs'/);
  });

  it('refuses an unsigned body before reading it', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.CreateCluster',
      },
      payload: Buffer.alloc(900 * 1024, 0x20),
    });
    assert.equal(r.statusCode, 403);
    assert.equal(r.json().__type, 'MissingAuthenticationTokenException');
  });

  it('refuses every /_berth action without credentials; health stays open', async () => {
    for (const [method, url] of [
      ['POST', '/_berth/registry/gc'],
      ['POST', '/_berth/registry/lifecycle'],
      ['GET', '/_berth/usage'],
      ['POST', '/_berth/v1/fargate/interrupt'],
    ] as const) {
      const r = await app.inject({ method, url });
      assert.equal(r.statusCode, 403, url);
    }
    assert.equal((await app.inject({ method: 'GET', url: '/_berth/health' })).statusCode, 200);
  });
});
