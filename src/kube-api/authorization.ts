import { BerthError, own } from '../kernel/index.js';
import {
  authorize,
  forbiddenMessage,
  rulesFor,
  SELF_SUBJECT_ACCESS_REVIEW,
  type PolicyRule,
  type Attributes,
  type KindDef,
  type KubeDeps,
  type UserInfo,
} from '../kube/index.js';
import { jsonBody, type KubeAnswer, type KubeRequest } from './handlers.js';
import { failure, type Status } from './status.js';
import type { Target } from './paths.js';
import { queryFlag } from './query.js';

/** The Status of a request RBAC refused, as the API server gives it (details: the resource, its group, the name). */
export function forbiddenStatus(caller: UserInfo, a: Attributes): Status {
  const details = {
    ...('resource' in a ? { kind: a.resource, ...(a.apiGroup ? { group: a.apiGroup } : {}) } : {}),
    ...('name' in a && a.name ? { name: a.name } : {}),
  };
  return failure(403, 'Forbidden', forbiddenMessage(caller, a), Object.keys(details).length ? details : undefined);
}

/** What a request asks to do, from its path and method, as the API server's request info has it. */
export function attributesOf(t: Target, method: string, query: URLSearchParams, path: string): Attributes {
  const m = method.toUpperCase();
  if (t.type === 'collection' || t.type === 'item' || t.type === 'subresource') {
    const watch = queryFlag(query, 'watch');
    const verb =
      t.type === 'collection'
        ? m === 'GET'
          ? watch
            ? 'watch'
            : 'list'
          : m === 'POST'
            ? 'create'
            : m === 'DELETE'
              ? 'deletecollection'
              : m.toLowerCase()
        : m === 'GET'
          ? watch
            ? 'watch'
            : 'get'
          : m === 'PUT'
            ? 'update'
            : m === 'PATCH'
              ? 'patch'
              : m === 'DELETE'
                ? 'delete'
                : m === 'POST'
                  ? 'create'
                  : m.toLowerCase();
    return {
      verb,
      apiGroup: t.kind.group,
      resource: t.kind.plural,
      ...(t.type === 'subresource' ? { subresource: t.sub } : {}),
      ...(t.namespace !== undefined ? { namespace: t.namespace } : {}),
      ...(t.type !== 'collection' ? { name: t.name } : {}),
    };
  }
  return { verb: m === 'HEAD' ? 'get' : m.toLowerCase(), path };
}

const objectOf = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const str = (o: Record<string, unknown>, k: string) => {
  const v = own(o, k);
  return typeof v === 'string' ? v : undefined;
};

/**
 * A SelfSubjectAccessReview (`kubectl auth can-i`) or SubjectAccessReview: whether the caller, or
 * the user and groups named, may do what its spec says. With --auth open every request is
 * allowed, and a caller's own review says so; RBAC decides a review of a user named, a review
 * made as another user (`kubectl auth can-i --as`), and every review with --auth strict
 * (`rbac`).
 */
export function accessReview(
  deps: KubeDeps,
  cluster: string,
  kind: KindDef,
  r: KubeRequest,
  caller: UserInfo,
  rbac: boolean,
  /** A LocalSubjectAccessReview's namespace (its path's): the review's must be it or none. */
  local?: string,
): KubeAnswer {
  const body = objectOf(jsonBody(r));
  const spec = objectOf(own(body, 'spec'));
  const res = objectOf(own(spec, 'resourceAttributes'));
  const nonRes = objectOf(own(spec, 'nonResourceAttributes'));
  const self = kind === SELF_SUBJECT_ACCESS_REVIEW;
  const groups = own(spec, 'groups');
  const user: UserInfo = self
    ? caller
    : {
        username: str(spec, 'user') ?? '',
        groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [],
      };
  if (local !== undefined) {
    const asked = str(res, 'namespace');
    if (asked && asked !== local)
      throw new BerthError(
        'InvalidParameter',
        `LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "${asked}": must match metadata.namespace`,
      );
    if (Object.keys(nonRes).length)
      throw new BerthError(
        'InvalidParameter',
        'LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: disallowed on this kind of request',
      );
    res['namespace'] = local;
  }
  const a: Attributes = Object.keys(nonRes).length
    ? { verb: str(nonRes, 'verb') ?? '', path: str(nonRes, 'path') ?? '' }
    : {
        verb: str(res, 'verb') ?? '',
        apiGroup: str(res, 'group') ?? '',
        resource: str(res, 'resource') ?? '',
        ...(str(res, 'subresource') ? { subresource: str(res, 'subresource') as string } : {}),
        ...(str(res, 'namespace') ? { namespace: str(res, 'namespace') as string } : {}),
        ...(str(res, 'name') ? { name: str(res, 'name') as string } : {}),
      };
  const decision =
    self && !rbac
      ? { allowed: true, reason: 'berth runs with --auth open: every request is allowed' }
      : deps.store.read((tx) => authorize(tx, cluster, user, a));
  return {
    code: 201,
    body: {
      kind: kind.kind,
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null, ...(local !== undefined ? { namespace: local } : {}) },
      spec,
      status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) },
    },
  };
}

/** A SelfSubjectRulesReview (`kubectl auth can-i --list`): the caller's rules in a namespace (with --auth open, every rule). */
export function rulesReview(
  deps: KubeDeps,
  cluster: string,
  r: KubeRequest,
  caller: UserInfo,
  rbac: boolean,
): KubeAnswer {
  const spec = objectOf(own(objectOf(jsonBody(r)), 'spec'));
  const rules: PolicyRule[] = rbac
    ? deps.store.read((tx) => rulesFor(tx, cluster, caller, str(spec, 'namespace') ?? 'default'))
    : [
        { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
        { verbs: ['*'], nonResourceURLs: ['*'] },
      ];
  return {
    code: 201,
    body: {
      kind: 'SelfSubjectRulesReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec,
      status: {
        resourceRules: rules
          .filter((x) => !(x.nonResourceURLs ?? []).length)
          .map((x) => ({
            verbs: x.verbs,
            ...(x.apiGroups ? { apiGroups: x.apiGroups } : {}),
            ...(x.resources ? { resources: x.resources } : {}),
            ...(x.resourceNames ? { resourceNames: x.resourceNames } : {}),
          })),
        nonResourceRules: rules
          .filter((x) => (x.nonResourceURLs ?? []).length)
          .map((x) => ({ verbs: x.verbs, nonResourceURLs: x.nonResourceURLs })),
        incomplete: false,
      },
    },
  };
}
