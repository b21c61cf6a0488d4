import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuthConfig } from './auth.js';
import { EKS_TOKEN_PREFIX, verifyEksToken } from './eks-token.js';
import { parseAuth } from './sigv4/parse.js';
import { signature } from './sigv4/verify.js';

const config: AuthConfig = { mode: 'strict', keys: new Map([['AKIDROOT', 'root-secret']]) };
const now = new Date(Date.UTC(2026, 11, 5, 7, 0, 0));

/** A token as `aws eks get-token` makes one: a presigned GetCallerIdentity for the cluster. */
function token(o: { cluster?: string; host?: string; signedHeaders?: string; at?: Date; secret?: string } = {}) {
  const at = (o.at ?? now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const host = o.host ?? 'sts.us-east-1.amazonaws.com';
  const signed = o.signedHeaders ?? 'host;x-k8s-aws-id';
  const query = [
    'Action=GetCallerIdentity',
    'Version=2011-06-15',
    'X-Amz-Algorithm=AWS4-HMAC-SHA256',
    `X-Amz-Credential=AKIDROOT%2F${at.slice(0, 8)}%2Fus-east-1%2Fsts%2Faws4_request`,
    `X-Amz-Date=${at}`,
    'X-Amz-Expires=60',
    `X-Amz-SignedHeaders=${encodeURIComponent(signed)}`,
  ].join('&');
  const req = {
    method: 'GET',
    path: '/',
    rawQuery: query,
    headers: { host, 'x-k8s-aws-id': o.cluster ?? 'default' },
    body: Buffer.alloc(0),
  };
  const parsed = parseAuth({ ...req, rawQuery: `${query}&X-Amz-Signature=${'0'.repeat(64)}` });
  assert.equal(parsed.kind, 'sigv4');
  const sig = signature(req, (parsed as { claims: Parameters<typeof signature>[1] }).claims, o.secret ?? 'root-secret');
  return EKS_TOKEN_PREFIX + Buffer.from(`https://${host}/?${query}&X-Amz-Signature=${sig}`).toString('base64url');
}

test('an EKS token is taken when STS would take its presigned call, for this cluster, within 15 minutes', () => {
  assert.deepEqual(verifyEksToken(token(), 'default', config, now), { accessKeyId: 'AKIDROOT' });
  // X-Amz-Expires says 60 s; EKS takes a token for 15 minutes, as kubectl keeps one 14.
  assert.ok(!('error' in (verifyEksToken(token(), 'default', config, new Date(now.getTime() + 10 * 60_000)) ?? {})));
  const late = verifyEksToken(token(), 'default', config, new Date(now.getTime() + 16 * 60_000));
  assert.match((late as { error: string }).error, /expired/);
  assert.match(
    (verifyEksToken(token({ cluster: 'other' }), 'default', config, now) as { error: string }).error,
    /signature/i,
  );
  assert.match(
    (verifyEksToken(token({ secret: 'wrong' }), 'default', config, now) as { error: string }).error,
    /signature/i,
  );
  assert.match(
    (verifyEksToken(token({ signedHeaders: 'host' }), 'default', config, now) as { error: string }).error,
    /x-k8s-aws-id/,
  );
  assert.match(
    (verifyEksToken(token({ host: 'evil.example.com' }), 'default', config, now) as { error: string }).error,
    /unexpected host/,
  );
  assert.equal(verifyEksToken('eyJhbGciOi.x.y', 'default', config, now), undefined, 'not an EKS token');
  assert.match(
    (verifyEksToken(`${EKS_TOKEN_PREFIX}${'A'.repeat(5000)}`, 'default', config, now) as { error: string }).error,
    /too long/,
  );
  assert.match(
    (verifyEksToken(`${EKS_TOKEN_PREFIX}%%%`, 'default', config, now) as { error: string }).error,
    /not a URL/,
  );
});
