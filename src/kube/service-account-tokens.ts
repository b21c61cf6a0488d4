import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { own } from '../kernel/index.js';

/**
 * Service account tokens as the API server issues them: JWTs signed RS256 with the cluster's
 * token key, their claims those of bound tokens (`kubernetes.io`: namespace, service account,
 * and the pod and node a pod's token is bound to). A token is checked here for what it carries
 * (signature, issuer, audience, time); service-account-auth.ts checks what it names still exists.
 */
export const TOKEN_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The API server's own audience (its --api-audiences default to the issuer). */
export const API_AUDIENCE = TOKEN_ISSUER;
/** What a pod's kube-api-access token asks for; its token is then made to last a year (the API server's extension). */
export const KUBE_API_ACCESS_SECONDS = 3607;

/**
 * Whether a pod's projected token is the one the API server makes last a year: asked for exactly
 * KUBE_API_ACCESS_SECONDS, for the API server's own audience (the kube-api-access volume's).
 */
export const extendedToken = (request: { audience?: string; expirationSeconds?: number }): boolean =>
  request.expirationSeconds === KUBE_API_ACCESS_SECONDS && !request.audience;
/** A token longer than this is refused before it is decoded. */
export const MAX_TOKEN_BYTES = 8192;
/** Seconds a token's times may be off by (the API server's leeway). */
const LEEWAY = 60;

export interface Bound {
  name: string;
  uid: string;
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: Bound;
    pod?: Bound;
    node?: Bound;
    secret?: Bound;
    /** Past this the token is still taken but its holder was meant to have refreshed it. */
    warnafter?: number;
  };
}

const B64URL = /^[A-Za-z0-9_-]+$/;

const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function decodeObject(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const isBound = (v: unknown): v is Bound =>
  typeof v === 'object' &&
  v !== null &&
  typeof own(v as Record<string, unknown>, 'name') === 'string' &&
  typeof own(v as Record<string, unknown>, 'uid') === 'string';

/** The claims of a decoded payload when they have the shape of ours, else undefined. */
function claimsOf(p: Record<string, unknown>): TokenClaims | undefined {
  const k = own(p, 'kubernetes.io');
  const aud = own(p, 'aud');
  const nums = ['exp', 'iat', 'nbf'].map((n) => own(p, n));
  if (typeof own(p, 'iss') !== 'string' || typeof own(p, 'sub') !== 'string') return undefined;
  if (!nums.every((n) => typeof n === 'number' && Number.isFinite(n))) return undefined;
  if (typeof k !== 'object' || k === null || Array.isArray(k)) return undefined;
  const kube = k as Record<string, unknown>;
  if (typeof own(kube, 'namespace') !== 'string' || !isBound(own(kube, 'serviceaccount'))) return undefined;
  for (const b of ['pod', 'node', 'secret']) if (own(kube, b) !== undefined && !isBound(own(kube, b))) return undefined;
  const audiences = typeof aud === 'string' ? [aud] : aud;
  if (!Array.isArray(audiences) || !audiences.every((a) => typeof a === 'string')) return undefined;
  return { ...(p as unknown as TokenClaims), aud: audiences as string[] };
}

export type Checked = { claims: TokenClaims } | { error: string };

/** Signs and checks a cluster's tokens; a token already signed for the same claims is given again. */
export class TokenSigner {
  readonly kid: string;
  /** The public key it was made from (a signer is made again when the cluster's key changes). */
  readonly publicKeyPem: string;
  private readonly key: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly minted = new Map<string, string>();

  constructor(keys: { tokenKey: string; tokenPublicKey: string }) {
    this.publicKeyPem = keys.tokenPublicKey;
    this.key = createPrivateKey(keys.tokenKey);
    this.publicKey = createPublicKey(keys.tokenPublicKey);
    // The key's id: a digest of its public half, as the API server names its keys.
    this.kid = createHash('sha256')
      .update(this.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64url');
  }

  /** The public key as a JSON Web Key (the OIDC discovery's key set). */
  jwk(): Record<string, unknown> {
    return { use: 'sig', ...this.publicKey.export({ format: 'jwk' }), kid: this.kid, alg: 'RS256' };
  }

  /** The JWT of the claims. RS256 signs deterministically, so the same claims give the same token. */
  mint(claims: TokenClaims): string {
    const body = `${encode({ alg: 'RS256', kid: this.kid })}.${encode(claims)}`;
    const cached = this.minted.get(body);
    if (cached) return cached;
    const token = `${body}.${sign('sha256', Buffer.from(body), this.key).toString('base64url')}`;
    // Pods' tokens are minted each time their node is sent its pods: kept, within a bound.
    if (this.minted.size >= 10_000) this.minted.clear();
    this.minted.set(body, token);
    return token;
  }

  /**
   * Whether the text is one of this cluster's tokens: undefined when it is not a token of this
   * issuer at all (another kind of bearer token), else its claims or why it is refused.
   */
  check(token: string, nowSeconds: number, audiences: readonly string[] = [API_AUDIENCE]): Checked | undefined {
    if (token.length > MAX_TOKEN_BYTES) return undefined;
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) return undefined;
    const [h, p, s] = parts as [string, string, string];
    const payload = decodeObject(p);
    if (!payload || own(payload, 'iss') !== TOKEN_ISSUER) return undefined;
    const header = decodeObject(h);
    if (!header || own(header, 'alg') !== 'RS256')
      return { error: 'invalid bearer token, unexpected signing algorithm' };
    if (!verify('sha256', Buffer.from(`${h}.${p}`), this.publicKey, Buffer.from(s, 'base64url')))
      return { error: 'invalid bearer token, square/go-jose: error in cryptographic primitive' };
    const claims = claimsOf(payload);
    if (!claims) return { error: 'invalid bearer token, malformed claims' };
    if (claims.exp + LEEWAY < nowSeconds) return { error: 'invalid bearer token, service account token has expired' };
    if (claims.nbf - LEEWAY > nowSeconds)
      return { error: 'invalid bearer token, service account token is not valid yet' };
    if (!claims.aud.some((a) => audiences.includes(a)))
      return { error: 'invalid bearer token, token audiences is invalid' };
    return { claims };
  }
}

/** A token's id, from what it is for: a token minted again for the same claims keeps it. */
export function tokenId(...parts: (string | number)[]): string {
  const h = createHash('sha256').update(parts.join('\n')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The claims of a token for a service account, bound to an object or not. */
export function serviceAccountClaims(o: {
  namespace: string;
  serviceAccount: Bound;
  audiences: string[];
  issuedAt: number;
  expiresAt: number;
  warnAfter?: number;
  pod?: Bound;
  node?: Bound;
  secret?: Bound;
  jti: string;
}): TokenClaims {
  return {
    aud: o.audiences,
    exp: o.expiresAt,
    iat: o.issuedAt,
    iss: TOKEN_ISSUER,
    jti: o.jti,
    'kubernetes.io': {
      namespace: o.namespace,
      ...(o.node ? { node: o.node } : {}),
      ...(o.pod ? { pod: o.pod } : {}),
      ...(o.secret ? { secret: o.secret } : {}),
      serviceaccount: o.serviceAccount,
      ...(o.warnAfter !== undefined ? { warnafter: o.warnAfter } : {}),
    },
    nbf: o.issuedAt,
    sub: `system:serviceaccount:${o.namespace}:${o.serviceAccount.name}`,
  };
}
