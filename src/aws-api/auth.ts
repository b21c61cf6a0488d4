import { protocolErrors } from './errors.js';
import { header, type RawRequest } from './raw.js';
import { parseAuth, type SigV4Claims } from './sigv4/parse.js';
import { checkSigningTime, verifySignature } from './sigv4/verify.js';

export type AuthMode = 'open' | 'strict';

export interface AuthConfig {
  mode: AuthMode;
  /** accessKeyId → secretAccessKey, for strict mode. */
  keys: ReadonlyMap<string, string>;
}

/**
 * What can be checked before the body is read: that the request carries a SigV4 structure and,
 * in strict mode, that its key is known and its date (or a presigned URL's lifetime) holds. A
 * request that fails here is answered without its body ever being buffered.
 */
export function preAuthenticate(req: RawRequest, config: AuthConfig, query: boolean, now: Date): SigV4Claims {
  const parsed = parseAuth(req);
  if (parsed.kind === 'none') throw protocolErrors.missingAuth(query);
  if (parsed.kind === 'malformed') throw protocolErrors.incompleteSignature(query, parsed.message);
  const claims = parsed.claims;
  if (config.mode === 'strict') {
    if (!config.keys.has(claims.accessKeyId)) throw protocolErrors.unknownKey(query);
    const time = checkSigningTime(claims, now);
    if (!time.ok) throw protocolErrors.invalidSignature(query, time.message);
    // The operation is chosen by X-Amz-Target where it is sent: a signature that does not cover it
    // could be re-aimed at any operation (a presigned URL plus a target header of one's choosing).
    if (header(req, 'x-amz-target') !== undefined && !claims.signedHeaders.includes('x-amz-target')) {
      throw protocolErrors.invalidSignature(query, "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.");
    }
  }
  return claims;
}

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
): SigV4Claims {
  const claims = preAuthenticate(req, config, query, now);
  if (config.mode === 'strict') {
    if (signingName !== undefined && claims.service !== signingName) {
      throw protocolErrors.invalidSignature(query, `Credential should be scoped to correct service: '${signingName}'.`);
    }
    const outcome = verifySignature(req, claims, config.keys.get(claims.accessKeyId) as string, now);
    if (!outcome.ok) {
      throw outcome.reason === 'unsigned-host'
        ? protocolErrors.incompleteSignature(query, outcome.message)
        : protocolErrors.invalidSignature(query, outcome.message);
    }
  }
  return claims;
}
