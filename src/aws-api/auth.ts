import { protocolErrors } from './errors.js';
import type { RawRequest } from './raw.js';
import { parseAuth, type SigV4Claims } from './sigv4/parse.js';
import { verifySignature } from './sigv4/verify.js';

export type AuthMode = 'open' | 'strict';

export interface AuthConfig {
  mode: AuthMode;
  /** accessKeyId → secretAccessKey, for strict mode. */
  keys: ReadonlyMap<string, string>;
}

/**
 * Every AWS call must carry a SigV4 structure. In open mode any access key is accepted, as in
 * the local tools users come from; in strict mode the signature is verified against known keys.
 */
export function authenticate(req: RawRequest, config: AuthConfig, query: boolean, now: Date): SigV4Claims {
  const parsed = parseAuth(req);
  if (parsed.kind === 'none') throw protocolErrors.missingAuth(query);
  if (parsed.kind === 'malformed') throw protocolErrors.incompleteSignature(query, parsed.message);
  const claims = parsed.claims;
  if (config.mode === 'strict') {
    const secret = config.keys.get(claims.accessKeyId);
    if (secret === undefined) throw protocolErrors.unknownKey(query);
    const outcome = verifySignature(req, claims, secret, now);
    if (!outcome.ok) {
      throw outcome.reason === 'unsigned-host'
        ? protocolErrors.incompleteSignature(query, outcome.message)
        : protocolErrors.invalidSignature(query, outcome.message);
    }
  }
  return claims;
}
