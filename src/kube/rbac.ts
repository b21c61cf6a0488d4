import type { ReadTx } from '../store/index.js';
import { kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject } from './object.js';
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE, ROLE_BINDING, type PolicyRule, type Subject } from './rbac-kinds.js';
import type { UserInfo } from './service-account-auth.js';
import type { KindDef } from './kind-def.js';

/** What a request asks to do, as the API server's authorizers see it. */
export type Attributes =
  | {
      verb: string;
      apiGroup: string;
      resource: string;
      subresource?: string;
      namespace?: string;
      name?: string;
    }
  | { verb: string; path: string };

export interface Decision {
  allowed: boolean;
  reason: string;
}

const matches = (list: readonly string[] | null | undefined, v: string) =>
  (list ?? []).some((x) => x === '*' || x === v);

function ruleAllows(r: PolicyRule, a: Attributes): boolean {
  if (!matches(r.verbs, a.verb)) return false;
  if ('path' in a)
    return (r.nonResourceURLs ?? []).some(
      (u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))),
    );
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (!matches(r.apiGroups, a.apiGroup)) return false;
  const resources = r.resources ?? [];
  const resourceOk = resources.some(
    (x) => x === '*' || x === resource || (a.subresource !== undefined && x === `*/${a.subresource}`),
  );
  if (!resourceOk) return false;
  const names = r.resourceNames ?? [];
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}

function subjectIs(s: Subject, user: UserInfo, bindingNamespace: string | undefined): boolean {
  if (s.kind === 'User') return s.name === user.username;
  if (s.kind === 'Group') return user.groups.includes(s.name);
  if (s.kind === 'ServiceAccount')
    return user.username === `system:serviceaccount:${s.namespace ?? bindingNamespace ?? ''}:${s.name}`;
  return false;
}

/**
 * The RBAC authorizer: allowed when a binding in the request's namespace, or a cluster binding,
 * gives one of the user's names a role with a rule that covers the request. `system:masters`
 * may do anything, as the API server's superuser group.
 */
export function authorize(tx: ReadTx, cluster: string, user: UserInfo, a: Attributes): Decision {
  if (user.groups.includes('system:masters')) return { allowed: true, reason: 'system:masters' };
  for (const b of userBindings(tx, cluster, user, 'namespace' in a ? a.namespace : undefined)) {
    if (!b.rules.some((r) => ruleAllows(r, a))) continue;
    const name = metaOf(b.binding).name ?? '';
    return {
      allowed: true,
      reason: b.ns
        ? `RBAC: allowed by RoleBinding "${name}" of ${b.ref.kind} "${b.ref.name}" to ${user.username} in namespace "${b.ns}"`
        : `RBAC: allowed by ClusterRoleBinding "${name}" of ClusterRole "${b.ref.name}" to ${user.username}`,
    };
  }
  return { allowed: false, reason: '' };
}

/** Every rule the user's bindings give it in a namespace (and cluster-wide): SelfSubjectRulesReview's answer. */
export function rulesFor(tx: ReadTx, cluster: string, user: UserInfo, namespace: string): PolicyRule[] {
  return [...userBindings(tx, cluster, user, namespace)].flatMap((b) => b.rules);
}

/**
 * The bindings that name the user — the cluster's, then the namespace's when there is one — each
 * with its role's rules, one at a time (a decision stops at the first that allows).
 */
function* userBindings(
  tx: ReadTx,
  cluster: string,
  user: UserInfo,
  ns: string | undefined,
): Generator<{ binding: KubeObject; ns?: string; ref: { kind: string; name: string }; rules: PolicyRule[] }> {
  const lists: [KindDef, string | undefined][] = [[CLUSTER_ROLE_BINDING, undefined]];
  if (ns) lists.push([ROLE_BINDING, ns]);
  for (const [kind, where] of lists)
    for (const e of tx.list(kubeObjects, {
      prefix: resourcePrefix({ cluster, kind, ...(where !== undefined ? { namespace: where } : {}) }),
    })) {
      const binding = e.value.object;
      if (!((binding['subjects'] ?? []) as Subject[]).some((s) => subjectIs(s, user, where))) continue;
      const ref = binding['roleRef'] as { kind: string; name: string };
      const rules = roleRules(tx, cluster, ref, where) ?? [];
      yield { binding, ...(where !== undefined ? { ns: where } : {}), ref, rules };
    }
}

/** The rules a binding's roleRef names, in the binding's namespace (none for a ClusterRoleBinding); undefined: no such role. */
export function roleRules(
  tx: ReadTx,
  cluster: string,
  ref: { kind: string; name: string },
  ns: string | undefined,
): PolicyRule[] | undefined {
  const scope = ref.kind === 'Role' ? { cluster, kind: ROLE, namespace: ns ?? '' } : { cluster, kind: CLUSTER_ROLE };
  const e = tx.get(kubeObjects, objectKey(scope, ref.name));
  return e ? ((e.value.object['rules'] ?? []) as PolicyRule[]) : undefined;
}

/** The API server's words for a request refused (`pods is forbidden: User "…" cannot list resource "pods" …`). */
export function forbiddenMessage(user: UserInfo, a: Attributes): string {
  if ('path' in a) return `forbidden: User "${user.username}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const what = a.name ? `${a.resource} "${a.name}"` : a.resource;
  const where = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
  return `${what}${a.apiGroup ? `.${a.apiGroup}` : ''} is forbidden: User "${user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}"${where}`;
}
