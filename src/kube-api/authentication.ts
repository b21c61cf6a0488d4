import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { own } from '../kernel/index.js';
import {
  API_AUDIENCE,
  authenticate,
  awsUser,
  requestToken,
  type AwsIdentity,
  SELF_SUBJECT_REVIEW,
  type KindDef,
  type KubeDeps,
  type KubeObject,
  type UserInfo,
} from '../kube/index.js';
import { jsonBody, type KubeAnswer, type KubeRequest } from './handlers.js';
import { failure, type Status } from './status.js';

/** Checks an EKS token (`aws eks get-token`): its AWS identity, why not, or undefined for another kind of token. */
export type AwsIdentitySource = (token: string, cluster: string) => AwsIdentity | { error: string } | undefined;

/** A caller who sent no token of the cluster's (with --auth open, allowed everything). */
export const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

/** The bearer token of a request's Authorization header, if any. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const h = headers.authorization;
  if (!h || h.length < 8 || h.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  return h.slice(7).trim() || undefined;
}

export const unauthorized = (): Status => failure(401, 'Unauthorized', 'Unauthorized');

/**
 * The user of a client certificate the TLS handshake verified against the cluster CA, as the API
 * server reads one: its common name the user name, its organizations the groups.
 */
export function certificateUser(socket: Socket | undefined): UserInfo | undefined {
  const tls = socket as TLSSocket | undefined;
  if (!tls?.encrypted || !tls.authorized) return undefined;
  const subject = tls.getPeerCertificate().subject as unknown as Record<string, string | string[]> | undefined;
  const cn = subject && own(subject, 'CN');
  if (typeof cn !== 'string' || !cn) return undefined;
  const o = subject && own(subject, 'O');
  const orgs = Array.isArray(o) ? o : typeof o === 'string' ? [o] : [];
  return { username: cn, groups: [...orgs, 'system:authenticated'] };
}

/**
 * Who a request comes from: a service account when it carries one of the cluster's tokens, an
 * AWS caller with an EKS token (when `aws` checks them), the user of a client certificate; one
 * that carries a forged, expired or orphaned token is refused (401, as the API server answers);
 * any other credential, or none, is the anonymous caller.
 */
export function callerOf(
  deps: KubeDeps,
  cluster: string,
  headers: IncomingHttpHeaders,
  socket?: Socket,
  aws?: AwsIdentitySource,
): UserInfo | undefined {
  const token = bearerToken(headers);
  if (!token) return certificateUser(socket) ?? ANONYMOUS;
  const id = aws?.(token, cluster);
  if (id) return 'error' in id ? undefined : awsUser(deps, cluster, id);
  const r = authenticate(deps, cluster, token);
  if (!r) return ANONYMOUS;
  return 'user' in r ? r.user : undefined;
}

const objectOf = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** POST of a TokenReview or SelfSubjectReview: answered, never stored. */
export function review(deps: KubeDeps, cluster: string, kind: KindDef, r: KubeRequest, caller: UserInfo): KubeAnswer {
  const body = objectOf(jsonBody(r));
  const apiVersion = 'authentication.k8s.io/v1';
  if (kind === SELF_SUBJECT_REVIEW)
    return {
      code: 201,
      body: { kind: kind.kind, apiVersion, metadata: { creationTimestamp: null }, status: { userInfo: caller } },
    };
  const spec = objectOf(own(body, 'spec'));
  const token = own(spec, 'token');
  const asked = own(spec, 'audiences');
  const audiences = Array.isArray(asked) && asked.every((a) => typeof a === 'string') ? asked : undefined;
  const base = { kind: kind.kind, apiVersion, metadata: { creationTimestamp: null }, spec };
  if (typeof token !== 'string' || !token)
    return {
      code: 422,
      body: failure(422, 'Invalid', 'TokenReview.authentication.k8s.io "" is invalid: spec.token: Required value', {
        group: 'authentication.k8s.io',
        kind: 'TokenReview',
        causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.token' }],
      }),
    };
  const r2 = authenticate(deps, cluster, token, audiences?.length ? audiences : undefined);
  if (!r2 || 'error' in r2)
    return { code: 201, body: { ...base, status: { user: {}, error: r2?.error ?? 'invalid bearer token' } } };
  const aud = audiences?.length ? audiences : [API_AUDIENCE];
  return { code: 201, body: { ...base, status: { authenticated: true, user: r2.user, audiences: aud } } };
}

/** POST serviceaccounts/<name>/token (`kubectl create token`). */
export function tokenRequest(
  deps: KubeDeps,
  cluster: string,
  namespace: string,
  name: string,
  r: KubeRequest,
): KubeAnswer {
  return { code: 201, body: requestToken(deps, cluster, namespace, name, objectOf(jsonBody(r)) as KubeObject) };
}
