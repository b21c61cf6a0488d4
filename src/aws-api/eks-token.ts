import type { Principal } from '../iam/index.js';
import { keyInfo, type AuthConfig } from './auth.js';
import { queryPairs, type RawRequest } from './raw.js';
import { parseAuth } from './sigv4/parse.js';
import { checkSigningTime, verifySignature } from './sigv4/verify.js';

/** An EKS bearer token is this prefix and a presigned STS GetCallerIdentity URL, base64url. */
export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
const MAX_TOKEN = 4096;
/** How long after it was signed a token is taken (EKS's, whatever X-Amz-Expires says). */
const TOKEN_SECONDS = 15 * 60;

/**
 * Who an EKS token (`aws eks get-token`) says its caller is: its presigned GetCallerIdentity,
 * signed for the cluster's name in `x-k8s-aws-id`, checked as STS would check it, with one of
 * berth's keys (the account's own: `principal` undefined; or one berth issued). Undefined when
 * the text is not an EKS token at all.
 */
export function verifyEksToken(
  token: string,
  cluster: string,
  config: AuthConfig,
  now: Date,
): { accessKeyId: string; principal?: Principal } | { error: string } | undefined {
  if (!token.startsWith(EKS_TOKEN_PREFIX)) return undefined;
  if (token.length > MAX_TOKEN) return { error: 'token too long' };
  let url: URL;
  try {
    url = new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return { error: 'the token is not a URL' };
  }
  if (url.protocol !== 'https:' || !/^sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/.test(url.hostname))
    return { error: `unexpected host in the token: ${url.hostname}` };
  const q = new Map(queryPairs(url.search.slice(1)));
  if (q.get('Action') !== 'GetCallerIdentity' || q.get('Version') !== '2011-06-15')
    return { error: 'the token is not a GetCallerIdentity call' };
  const req: RawRequest = {
    method: 'GET',
    path: url.pathname || '/',
    rawQuery: url.search.slice(1),
    headers: { host: url.host, 'x-k8s-aws-id': cluster },
    body: Buffer.alloc(0),
  };
  const parsed = parseAuth(req);
  if (parsed.kind !== 'sigv4' || !parsed.claims.presigned) return { error: 'the token is not a presigned URL' };
  const claims = parsed.claims;
  if (claims.service !== 'sts') return { error: 'the token is not signed for STS' };
  if (!claims.signedHeaders.includes('x-k8s-aws-id')) return { error: "the token does not sign 'x-k8s-aws-id'" };
  const key = keyInfo(config, claims.accessKeyId);
  if (!key) return { error: 'the token is signed with a key berth does not know' };
  if (key.sessionToken !== undefined && q.get('X-Amz-Security-Token') !== key.sessionToken)
    return { error: 'the token is signed with a key berth does not know' };
  if (key.expired) return { error: 'the token is signed with an expired key' };
  const time = checkSigningTime({ ...claims, expires: TOKEN_SECONDS }, now);
  if (!time.ok) return { error: time.message };
  const outcome = verifySignature(req, claims, key.secret, now, true);
  if (!outcome.ok) return { error: outcome.message };
  return { accessKeyId: claims.accessKeyId, ...(key.principal ? { principal: key.principal } : {}) };
}
