import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { own } from '../kernel/index.js';
import {
  API_AUDIENCE,
  authenticate,
  authorize,
  awsUser,
  type Attributes,
  requestToken,
  type AwsIdentity,
  SELF_SUBJECT_REVIEW,
  type KindDef,
  type KubeDeps,
  type KubeObject,
  type UserInfo,
} from '../kube/index.js';
import { jsonBody, type KubeAnswer, type KubeRequest } from './handlers.js';
import { forbiddenStatus } from './authorization.js';
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

const header = (headers: IncomingHttpHeaders, name: string): string[] => {
  const v = headers[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

/**
 * The user a request acts as when it asks to (`kubectl --as`, `--as-group`: the Impersonate-User
 * and Impersonate-Group headers), which the caller must be allowed (`impersonate` on users,
 * groups or serviceaccounts; with --auth open, everyone is). Undefined when it does not ask;
 * the Status refusing it when it may not.
 */
export function impersonation(
  deps: KubeDeps,
  cluster: string,
  caller: UserInfo,
  headers: IncomingHttpHeaders,
  strict: boolean,
): { user: UserInfo } | { refused: Status } | undefined {
  const [user, ...more] = header(headers, 'impersonate-user');
  const groups = header(headers, 'impersonate-group').flatMap((g) => g.split(',').map((x) => x.trim()));
  if (user === undefined) {
    if (!groups.length) return undefined;
    return { refused: failure(400, 'BadRequest', 'requested [Impersonate-Group] without impersonating a user') };
  }
  if (more.length) return { refused: failure(400, 'BadRequest', 'only one Impersonate-User is allowed') };
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
  const asked: Attributes[] = [
    sa
      ? {
          verb: 'impersonate',
          apiGroup: '',
          resource: 'serviceaccounts',
          namespace: sa[1] as string,
          name: sa[2] as string,
        }
      : { verb: 'impersonate', apiGroup: '', resource: 'users', name: user },
    ...groups.map((g): Attributes => ({ verb: 'impersonate', apiGroup: '', resource: 'groups', name: g })),
  ];
  if (strict)
    for (const a of asked)
      if (!deps.store.read((tx) => authorize(tx, cluster, caller, a)).allowed)
        return {
          refused: forbiddenStatus(caller, a),
        };
  const implied = sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1] as string}`] : [];
  const authenticated = user === 'system:anonymous' ? [] : ['system:authenticated'];
  return { user: { username: user, groups: [...new Set([...groups, ...implied, ...authenticated])] } };
}
