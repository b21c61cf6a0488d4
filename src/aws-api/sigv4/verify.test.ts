import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RawRequest } from '../raw.js';
import { parseAuth } from './parse.js';
import { verifySignature } from './verify.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const signedAt = new Date('2024-03-01T12:00:00Z');

async function sdkSigned(
  opts: { path?: string; query?: Record<string, string>; body?: string; service?: string } = {},
): Promise<RawRequest> {
  const signer = new SignatureV4({
    credentials,
    region: 'eu-west-1',
    service: opts.service ?? 'ecs',
    sha256: Hash.bind(null, 'sha256'),
  });
  const body = opts.body ?? '{"cluster":"default"}';
  const req = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: 'localhost',
    port: 4566,
    path: opts.path ?? '/',
    query: opts.query ?? {},
    headers: {
      host: 'localhost:4566',
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters',
    },
    body,
  });
  const signed = await signer.sign(req, { signingDate: signedAt });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
  const rawQuery = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return { method: 'POST', path: signed.path, rawQuery, headers, body: Buffer.from(body) };
}

function verify(req: RawRequest, secret = credentials.secretAccessKey, now = signedAt) {
  const parsed = parseAuth(req);
  assert.equal(parsed.kind, 'sigv4');
  if (parsed.kind !== 'sigv4') throw new Error('unreachable');
  return verifySignature(req, parsed.claims, secret, now);
}

describe('SigV4 verification against @smithy/signature-v4', () => {
  it('reads the credential scope', async () => {
    const parsed = parseAuth(await sdkSigned());
    assert.equal(parsed.kind, 'sigv4');
    if (parsed.kind === 'sigv4') {
      assert.equal(parsed.claims.accessKeyId, 'AKIDEXAMPLE');
      assert.equal(parsed.claims.region, 'eu-west-1');
      assert.equal(parsed.claims.service, 'ecs');
    }
  });

  it('accepts what the SDK signed, with paths and query strings too', async () => {
    assert.deepEqual(verify(await sdkSigned()), { ok: true });
    assert.deepEqual(
      verify(
        await sdkSigned({
          path: '/clusters/my cluster/node-groups',
          query: { maxResults: '5', 'a b': 'c*d' },
          service: 'eks',
        }),
      ),
      { ok: true },
    );
  });

  it('refuses a tampered body, header, path or secret', async () => {
    const body = await sdkSigned();
    body.body = Buffer.from('{"cluster":"other"}');
    assert.equal(verify(body).ok, false);
    const hdr = await sdkSigned();
    hdr.headers['x-amz-target'] = 'AmazonEC2ContainerServiceV20141113.DeleteCluster';
    assert.equal(verify(hdr).ok, false);
    const path = await sdkSigned({ path: '/a' });
    path.path = '/b';
    assert.equal(verify(path).ok, false);
    const res = verify(await sdkSigned(), 'not-the-secret');
    assert.equal(res.ok, false);
    if (!res.ok) assert.equal(res.reason, 'signature');
  });

  it('refuses a signature older than 15 minutes', async () => {
    const res = verify(await sdkSigned(), credentials.secretAccessKey, new Date(signedAt.getTime() + 16 * 60_000));
    assert.equal(res.ok, false);
    if (!res.ok) assert.equal(res.reason, 'expired');
  });
});

describe('SigV4 structure', () => {
  const base: RawRequest = { method: 'POST', path: '/', rawQuery: '', headers: {}, body: Buffer.alloc(0) };
  it('tells an unsigned request from a malformed one', () => {
    assert.equal(parseAuth(base).kind, 'none');
    assert.equal(parseAuth({ ...base, headers: { authorization: 'Bearer abc' } }).kind, 'malformed');
    const noDate = parseAuth({
      ...base,
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=ab',
      },
    });
    assert.equal(noDate.kind, 'malformed');
    const badScope = parseAuth({
      ...base,
      headers: {
        'x-amz-date': '20240101T000000Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1, SignedHeaders=host, Signature=ab',
      },
    });
    assert.equal(badScope.kind, 'malformed');
  });
});
