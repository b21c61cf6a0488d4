import { createHmac, timingSafeEqual } from 'node:crypto';
import { now, type RegistryDeps } from './deps.js';
import { registryMeta } from './tables.js';

/** ECR tokens are valid for 12 hours. */
export const TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000;

/**
 * The key tokens and presigned layer paths are signed with: the region's own, which every server
 * of a store derives alike (a registry whose store still holds the random secret it once wrote
 * keeps that one, so that tokens handed out before stay valid).
 */
function secret(deps: RegistryDeps): Buffer {
  const stored = deps.store.read((tx) => tx.get(registryMeta, 'token-secret'));
  return stored ? Buffer.from(stored.value.value, 'hex') : deps.tokenKey;
}

const sign = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest('base64url');

export interface AuthorizationData {
  authorizationToken: string;
  expiresAt: Date;
  proxyEndpoint: string;
}

/**
 * What `ecr:GetAuthorizationToken` returns: base64 of `AWS:<password>`, valid 12 hours. The
 * password names the access key that asked for it (`accessKeyId`), so that in strict mode every
 * pull and push is authorized as that key's principal, as ECR does.
 */
export function mintToken(deps: RegistryDeps, accessKeyId?: string): AuthorizationData {
  const expiresAt = now(deps) + TOKEN_LIFETIME_MS;
  const claims = { a: deps.accountId, r: deps.region, e: expiresAt, ...(accessKeyId ? { k: accessKeyId } : {}) };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const password = `${payload}.${sign(secret(deps), payload)}`;
  return {
    authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
    expiresAt: new Date(expiresAt),
    proxyEndpoint: `http://${deps.registryHost}`,
  };
}

/**
 * The region a registry password was issued for (as ECR's tokens are), read before it is checked:
 * each region signs with a secret of its own, so a password is only good in the region it names.
 */
export function passwordRegion(password: string): string | undefined {
  return passwordClaim(password, 'r');
}

/** The access key a password was issued to; trust it only once checkPassword says `ok`. */
export function passwordKey(password: string): string | undefined {
  return passwordClaim(password, 'k');
}

function passwordClaim(password: string, name: string): string | undefined {
  const payload = password.slice(0, Math.max(0, password.indexOf('.')));
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const v =
      claims !== null && typeof claims === 'object' && Object.hasOwn(claims, name)
        ? (claims as Record<string, unknown>)[name]
        : undefined;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

export type TokenCheck = 'ok' | 'expired' | 'invalid';

export function checkPassword(deps: RegistryDeps, password: string): TokenCheck {
  const dot = password.indexOf('.');
  if (dot < 0) return 'invalid';
  const payload = password.slice(0, dot);
  const given = Buffer.from(password.slice(dot + 1));
  const expected = Buffer.from(sign(secret(deps), payload));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { a: string; e: number };
    if (claims.a !== deps.accountId) return 'invalid';
    return claims.e > now(deps) ? 'ok' : 'expired';
  } catch {
    return 'invalid';
  }
}

/** A URL that serves one layer without credentials until `expiresAt`, like ECR's presigned links. */
export function signedLayerPath(deps: RegistryDeps, repo: string, digest: string, expiresAt: number): string {
  const path = `/_berth/registry/layers/${repo}/${digest}`;
  const signature = sign(secret(deps), `${path}\n${expiresAt}`);
  return `${path}?region=${deps.region}&expires=${expiresAt}&signature=${signature}`;
}

export function checkLayerSignature(deps: RegistryDeps, path: string, expires: string, signature: string): boolean {
  const expected = Buffer.from(sign(secret(deps), `${path}\n${expires}`));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) && Number(expires) > now(deps);
}
