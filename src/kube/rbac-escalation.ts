import { BerthError, notFound } from '../kernel/index.js';
import type { ReadTx } from '../store/index.js';
import { metaOf, type KubeObject } from './object.js';
import { authorize, roleRules, rulesFor } from './rbac.js';
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE, ROLE_BINDING, type PolicyRule } from './rbac-kinds.js';
import type { UserInfo } from './service-account-auth.js';
import type { KindDef } from './kind-def.js';

/**
 * RBAC's escalation prevention, as the API server's RBAC storage applies it: a user may write a
 * role only with rules it holds itself (or with the `escalate` verb on it), and bind a role only
 * when it holds the role's rules (or has `bind` on it) — else a user allowed to write roles or
 * bindings could give itself anything.
 */

const GROUP = 'rbac.authorization.k8s.io';

const has = (list: readonly string[] | null | undefined, v: string) => (list ?? []).includes(v);
const hasOrStar = (list: readonly string[] | null | undefined, v: string) => has(list, '*') || has(list, v);

/** One verb on one resource (or URL) of one group, maybe of one name: the unit `covers` checks. */
type Atom = { verb: string; group: string; resource: string; name?: string } | { verb: string; url: string };

function* atomsOf(r: PolicyRule): Generator<Atom> {
  for (const verb of r.verbs) {
    for (const url of r.nonResourceURLs ?? []) yield { verb, url };
    for (const group of r.apiGroups ?? [])
      for (const resource of r.resources ?? []) {
        const names = r.resourceNames ?? [];
        if (!names.length) yield { verb, group, resource };
        for (const name of names) yield { verb, group, resource, name };
      }
  }
}

/** Whether an owner's rule covers an atom: a star covers anything, a literal only itself (a `*` asked for needs a `*`). */
function ruleCovers(owner: PolicyRule, a: Atom): boolean {
  if (!hasOrStar(owner.verbs, a.verb)) return false;
  if ('url' in a)
    return (owner.nonResourceURLs ?? []).some(
      (u) => u === '*' || u === a.url || (u.endsWith('*') && a.url.startsWith(u.slice(0, -1))),
    );
  if (!hasOrStar(owner.apiGroups, a.group)) return false;
  const slash = a.resource.indexOf('/');
  const resourceOk =
    hasOrStar(owner.resources, a.resource) || (slash > 0 && has(owner.resources, `*${a.resource.slice(slash)}`));
  if (!resourceOk) return false;
  const names = owner.resourceNames ?? [];
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}

/** The parts of `wanted` that none of `held` covers (empty: all covered). */
export function uncovered(held: readonly PolicyRule[], wanted: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const r of wanted)
    for (const a of atomsOf(r)) {
      if (held.some((h) => ruleCovers(h, a))) continue;
      out.push(
        'url' in a
          ? { nonResourceURLs: [a.url], verbs: [a.verb] }
          : {
              apiGroups: [a.group],
              resources: [a.resource],
              ...(a.name !== undefined ? { resourceNames: [a.name] } : {}),
              verbs: [a.verb],
            },
      );
    }
  return out;
}

const quoted = (l: readonly string[]) => `[${l.map((s) => JSON.stringify(s)).join(' ')}]`;

/** A rule as the API server prints what is missing (`{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}`). */
function compact(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${quoted(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${quoted(r.resources)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${quoted(r.resourceNames)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${quoted(r.nonResourceURLs)}`);
  parts.push(`Verbs:${quoted(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

const forbidden = (kind: KindDef, name: string, why: string) =>
  new BerthError('AccessDenied', `${kind.plural}.${GROUP} "${name}" is forbidden: ${why}`, {
    resource: kind.plural,
    group: GROUP,
    name,
  });

const roleContent = (o: KubeObject | undefined) => JSON.stringify([o?.['rules'], o?.['aggregationRule']]);
const bindingContent = (o: KubeObject | undefined) => JSON.stringify([o?.['roleRef'], o?.['subjects']]);

/**
 * Refuses a write of a role or binding by `user` that would grant what `user` does not hold.
 * Writes of other kinds, and writes that leave the rules (or roleRef and subjects) as they were,
 * pass.
 */
export function checkEscalation(
  tx: ReadTx,
  cluster: string,
  user: UserInfo,
  kind: KindDef,
  next: KubeObject,
  prev: KubeObject | undefined,
): void {
  const isRole = kind === ROLE || kind === CLUSTER_ROLE;
  const isBinding = kind === ROLE_BINDING || kind === CLUSTER_ROLE_BINDING;
  if (!isRole && !isBinding) return;
  if (user.groups.includes('system:masters')) return;
  const meta = metaOf(next);
  const name = meta.name ?? '';
  const ns = kind.namespaced ? meta.namespace : undefined;
  const may = (verb: string, resource: string, target: string) =>
    authorize(tx, cluster, user, {
      verb,
      apiGroup: GROUP,
      resource,
      name: target,
      ...(ns !== undefined ? { namespace: ns } : {}),
    }).allowed;
  const attempting = (missing: PolicyRule[]) =>
    `user ${JSON.stringify(user.username)} (groups=${quoted(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${missing.map(compact).join('\n')}`;
  if (isRole) {
    if (prev && roleContent(prev) === roleContent(next)) return;
    if (may('escalate', kind.plural, name)) return;
    if (next['aggregationRule'] !== undefined && next['aggregationRule'] !== null)
      throw forbidden(kind, name, 'must have cluster-admin privileges to use the aggregationRule');
    const missing = uncovered(rulesFor(tx, cluster, user, ns ?? ''), (next['rules'] ?? []) as PolicyRule[]);
    if (missing.length) throw forbidden(kind, name, attempting(missing));
    return;
  }
  if (prev && bindingContent(prev) === bindingContent(next)) return;
  const ref = next['roleRef'] as { kind: string; name: string };
  const refPlural = ref.kind === 'Role' ? ROLE.plural : CLUSTER_ROLE.plural;
  if (may('bind', refPlural, ref.name)) return;
  const rules = roleRules(tx, cluster, ref, ns);
  if (!rules)
    throw notFound(`${refPlural}.${GROUP} "${ref.name}" not found`, {
      resource: refPlural,
      group: GROUP,
      name: ref.name,
    });
  const missing = uncovered(rulesFor(tx, cluster, user, ns ?? ''), rules);
  if (missing.length) throw forbidden(kind, name, attempting(missing));
}
