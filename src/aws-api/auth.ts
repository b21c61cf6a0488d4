import type { Principal } from '../iam/index.js';
import { AwsError, protocolErrors } from './errors.js';
import { header, queryPairs, type RawRequest } from './raw.js';
import { parseAuth, type SigV4Claims } from './sigv4/parse.js';
import { checkSigningTime, verifySignature } from './sigv4/verify.js';

export type AuthMode = 'open' | 'strict';

/** What a signing key stands for. */
export interface KeyInfo {
  secret: string;
  /** Undefined for the account's root keys (the credentials file). */
  principal?: Principal;
  /** For temporary credentials: the token that must come with the key, and when it stops working. */
  sessionToken?: string;
  expired?: boolean;
}

export interface AuthConfig {
  mode: AuthMode;
  /** The account's root keys, accessKeyId → secretAccessKey (the credentials file). */
  keys: ReadonlyMap<string, string>;
  /** Keys berth issued (IAM users' access keys, STS sessions), looked up at each call. */
  issued?: (accessKeyId: string) => KeyInfo | undefined;
}

/** The key a request is signed with, as berth knows it; undefined for a key it does not know. */
export function keyInfo(config: AuthConfig, accessKeyId: string): KeyInfo | undefined {
  const root = config.keys.get(accessKeyId);
  return root !== undefined ? { secret: root } : config.issued?.(accessKeyId);
}

const expiredToken = (query: boolean) =>
  new AwsError(
    query ? 'ExpiredToken' : 'ExpiredTokenException',
    'The security token included in the request is expired',
    query ? 403 : 400,
  );

/** The session token a request carries: the X-Amz-Security-Token header, or a presigned URL's parameter. */
function sessionTokenOf(req: RawRequest): string | undefined {
  const h = header(req, 'x-amz-security-token');
  if (h !== undefined) return h;
  return queryPairs(req.rawQuery).find(([k]) => k === 'X-Amz-Security-Token')?.[1];
}

/**
 * What can be checked before the body is read: that the request carries a SigV4 structure and,
 * in strict mode, that its key is known and its date (or a presigned URL's lifetime) holds. A
 * request that fails here is answered without its body ever being buffered.
 */
export function preAuthenticate(req: RawRequest, config: AuthConfig, query: boolean, now: Date): Signed {
  // Checked once already, before the body was read (body.ts): the same headers, the same answer.
  const done = preChecked.get(req.headers);
  if (done) return done;
  const parsed = parseAuth(req);
  if (parsed.kind === 'none') throw protocolErrors.missingAuth(query);
  if (parsed.kind === 'malformed') throw protocolErrors.incompleteSignature(query, parsed.message);
  const claims = parsed.claims;
  // Looked up once per request: in open mode too, so that a key berth issued names its principal.
  const key = keyInfo(config, claims.accessKeyId);
  if (config.mode === 'strict') {
    if (!key) throw protocolErrors.unknownKey(query);
    // Temporary credentials are good only with their own token, and only until they expire.
    if (key.sessionToken !== undefined && sessionTokenOf(req) !== key.sessionToken)
      throw protocolErrors.unknownKey(query);
    if (key.expired) throw expiredToken(query);
    const time = checkSigningTime(claims, now);
    if (!time.ok) throw protocolErrors.invalidSignature(query, time.message);
    // The operation is chosen by X-Amz-Target where it is sent: a signature that does not cover it
    // could be re-aimed at any operation (a presigned URL plus a target header of one's choosing).
    if (header(req, 'x-amz-target') !== undefined && !claims.signedHeaders.includes('x-amz-target')) {
      throw protocolErrors.invalidSignature(query, "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.");
    }
  }
  const signed: Signed = key ? { claims, key } : { claims };
  preChecked.set(req.headers, signed);
  return signed;
}

/** A request's signature claims, and the key it names when berth knows it. */
export interface Signed {
  claims: SigV4Claims;
  key?: KeyInfo;
}

/** Requests whose headers passed preAuthenticate, by their headers object (one per request). */
const preChecked = new WeakMap<object, Signed>();

/**
 * Every AWS call must carry a SigV4 structure. In open mode any access key is accepted, as in
 * the local tools users come from; in strict mode the signature is verified against known keys,
 * and its credential scope must name the service that runs the call.
 */
export function authenticate(
  req: RawRequest,
  config: AuthConfig,
  query: boolean,
  now: Date,
  signingName?: string,
): Signed {
  const signed = preAuthenticate(req, config, query, now);
  const claims = signed.claims;
  if (config.mode === 'strict') {
    if (signingName !== undefined && claims.service !== signingName) {
      throw protocolErrors.invalidSignature(query, `Credential should be scoped to correct service: '${signingName}'.`);
    }
    // preAuthenticate checked the signing time in strict mode.
    const outcome = verifySignature(req, claims, (signed.key as KeyInfo).secret, now, true);
    if (!outcome.ok) {
      throw outcome.reason === 'unsigned-host'
        ? protocolErrors.incompleteSignature(query, outcome.message)
        : protocolErrors.invalidSignature(query, outcome.message);
    }
  }
  return signed;
}
