import { z } from 'zod';
import { VERBS, type KindDef } from './kind-def.js';
import type { KubeObject } from './meta.js';
import { invalidValue, type Cause } from './names.js';
import { typeMeta } from './schemas.js';
import { labelSelectorSchema } from './apps-schema.js';

/**
 * rbac.authorization.k8s.io/v1: who may do what. Roles and ClusterRoles hold rules (verbs on
 * resources of API groups, maybe of named objects; a ClusterRole's on non-resource URLs too);
 * bindings give a role to users, groups and service accounts, in a namespace or everywhere.
 * rbac.ts decides with them.
 */
const strings = z.array(z.string()).nullable().optional();
const rule = z.strictObject({
  verbs: z.array(z.string()),
  apiGroups: strings,
  resources: strings,
  resourceNames: strings,
  nonResourceURLs: strings,
});
const subject = z.strictObject({
  kind: z.string(),
  apiGroup: z.string().optional(),
  name: z.string(),
  namespace: z.string().optional(),
});
const roleRef = z.strictObject({ apiGroup: z.string(), kind: z.string(), name: z.string() });

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[] | null;
  resources?: string[] | null;
  resourceNames?: string[] | null;
  nonResourceURLs?: string[] | null;
}
export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

function ruleCauses(o: KubeObject, clusterScoped: boolean): Cause[] {
  const causes: Cause[] = [];
  ((o['rules'] ?? []) as PolicyRule[]).forEach((r, i) => {
    const f = `rules[${i}]`;
    if (!r.verbs.length)
      causes.push({ field: `${f}.verbs`, message: 'Required value: verbs must contain at least one value' });
    const urls = r.nonResourceURLs ?? [];
    if (urls.length) {
      if (!clusterScoped)
        causes.push(invalidValue(`${f}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
      else if ((r.apiGroups ?? []).length || (r.resources ?? []).length)
        causes.push(
          invalidValue(
            `${f}.nonResourceURLs`,
            urls,
            'rules cannot apply to both regular resources and non-resource URLs',
          ),
        );
    } else {
      if (!(r.apiGroups ?? []).length)
        causes.push({
          field: `${f}.apiGroups`,
          message: 'Required value: resource rules must supply at least one api group',
        });
      if (!(r.resources ?? []).length)
        causes.push({
          field: `${f}.resources`,
          message: 'Required value: resource rules must supply at least one resource',
        });
    }
  });
  return causes;
}

function bindingCauses(o: KubeObject, clusterScoped: boolean): Cause[] {
  const causes: Cause[] = [];
  const ref = o['roleRef'] as { apiGroup: string; kind: string; name: string } | undefined;
  if (!ref) return [{ field: 'roleRef', message: 'Required value' }];
  if (ref.apiGroup !== 'rbac.authorization.k8s.io')
    causes.push({
      field: 'roleRef.apiGroup',
      message: `Unsupported value: "${ref.apiGroup}": supported values: "rbac.authorization.k8s.io"`,
    });
  const kinds = clusterScoped ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (!kinds.includes(ref.kind))
    causes.push({
      field: 'roleRef.kind',
      message: `Unsupported value: "${ref.kind}": supported values: ${kinds.map((k) => `"${k}"`).join(', ')}`,
    });
  if (!ref.name) causes.push({ field: 'roleRef.name', message: 'Required value' });
  ((o['subjects'] ?? []) as Subject[]).forEach((s, i) => {
    const f = `subjects[${i}]`;
    if (!['User', 'Group', 'ServiceAccount'].includes(s.kind))
      causes.push({
        field: `${f}.kind`,
        message: `Unsupported value: "${s.kind}": supported values: "ServiceAccount", "User", "Group"`,
      });
    if (!s.name) causes.push({ field: `${f}.name`, message: 'Required value' });
    if (s.kind === 'ServiceAccount' && clusterScoped && !s.namespace)
      causes.push({ field: `${f}.namespace`, message: 'Required value' });
  });
  return causes;
}

const refImmutable = (next: KubeObject, prev: KubeObject): Cause[] =>
  JSON.stringify(next['roleRef']) === JSON.stringify(prev['roleRef'])
    ? []
    : [invalidValue('roleRef', next['roleRef'], 'cannot change roleRef')];

const rbacKind = (kind: string, plural: string, namespaced: boolean, body: Record<string, z.ZodType>): KindDef => ({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced,
  shortNames: [],
  verbs: VERBS,
  schema: z.strictObject({ ...typeMeta, ...body }),
  // A path segment, not a DNS name (`system:masters`, `cluster-admin`).
  nameProblem: (name) =>
    name === '.' || name === '..'
      ? `may not be '${name}'`
      : name.includes('/') || name.includes('%')
        ? "may not contain '/' or '%'"
        : undefined,
});

export const ROLE: KindDef = {
  ...rbacKind('Role', 'roles', true, { rules: z.array(rule).nullable().optional() }),
  validate: (o) => ruleCauses(o, false),
};
export const CLUSTER_ROLE: KindDef = {
  ...rbacKind('ClusterRole', 'clusterroles', false, {
    rules: z.array(rule).nullable().optional(),
    aggregationRule: z
      .strictObject({ clusterRoleSelectors: z.array(labelSelectorSchema).optional() })
      .nullable()
      .optional(),
  }),
  validate: (o) => ruleCauses(o, true),
};
export const ROLE_BINDING: KindDef = {
  ...rbacKind('RoleBinding', 'rolebindings', true, { roleRef, subjects: z.array(subject).nullable().optional() }),
  validate: (o) => bindingCauses(o, false),
  validateUpdate: refImmutable,
};
export const CLUSTER_ROLE_BINDING: KindDef = {
  ...rbacKind('ClusterRoleBinding', 'clusterrolebindings', false, {
    roleRef,
    subjects: z.array(subject).nullable().optional(),
  }),
  validate: (o) => bindingCauses(o, true),
  validateUpdate: refImmutable,
};
