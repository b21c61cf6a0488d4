import type { KubeDeps } from './deps.js';
import type { KindDef } from './kind-def.js';
import { kubeObjects, metaOf, objectKey } from './object.js';
import { createUnlessExists, updateObject } from './objects.js';
import { settleAggregation } from './rbac-aggregation.js';
import { uncovered } from './rbac-escalation.js';
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, type PolicyRule } from './rbac-kinds.js';

/** The roles and bindings every cluster starts with, as the API server's bootstrap policy makes them. */

const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const ALL = ['*'];
/** The API groups of what a namespace holds (for admin, edit and view). */
const WORKLOAD_GROUPS = [
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'coordination.k8s.io',
  'events.k8s.io',
  'discovery.k8s.io',
];
const NAMESPACED = [
  'pods',
  'pods/log',
  'pods/status',
  'configmaps',
  'endpoints',
  'endpointslices',
  'persistentvolumeclaims',
  'replicationcontrollers',
  'replicationcontrollers/scale',
  'services',
  'serviceaccounts',
  'events',
  'deployments',
  'deployments/scale',
  'replicasets',
  'replicasets/scale',
  'statefulsets',
  'statefulsets/scale',
  'daemonsets',
  'controllerrevisions',
  'jobs',
  'cronjobs',
  'horizontalpodautoscalers',
  'poddisruptionbudgets',
  'leases',
];

const AGGREGATE = 'rbac.authorization.k8s.io/aggregate-to-';
const aggregates = (to: string) => ({ clusterRoleSelectors: [{ matchLabels: { [`${AGGREGATE}${to}`]: 'true' } }] });

interface BootstrapRole {
  rules?: PolicyRule[];
  /** admin, edit and view are the union of the cluster roles labelled for them (their rules are the aggregation's). */
  aggregationRule?: ReturnType<typeof aggregates>;
  labels?: Record<string, string>;
}

/**
 * The default cluster roles the API server makes at its start (a subset, same names). As there,
 * `view` is aggregated into `edit` and `edit` into `admin`, and a cluster role labelled
 * `rbac.authorization.k8s.io/aggregate-to-view: "true"` (an operator's, for its custom resources)
 * adds to them.
 */
const BOOTSTRAP_ROLES: Record<string, BootstrapRole> = {
  'cluster-admin': {
    rules: [
      { apiGroups: ['*'], resources: ['*'], verbs: ALL },
      { nonResourceURLs: ['*'], verbs: ALL },
    ],
  },
  admin: { aggregationRule: aggregates('admin') },
  edit: { aggregationRule: aggregates('edit'), labels: { [`${AGGREGATE}admin`]: 'true' } },
  view: { aggregationRule: aggregates('view'), labels: { [`${AGGREGATE}edit`]: 'true' } },
  'system:aggregate-to-admin': {
    labels: { [`${AGGREGATE}admin`]: 'true' },
    rules: [
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: [...READ, ...WRITE] },
      { apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'], verbs: ['create'] },
    ],
  },
  'system:aggregate-to-edit': {
    labels: { [`${AGGREGATE}edit`]: 'true' },
    rules: [
      { apiGroups: WORKLOAD_GROUPS, resources: [...NAMESPACED, 'secrets'], verbs: WRITE },
      { apiGroups: [''], resources: ['secrets'], verbs: READ },
      {
        apiGroups: [''],
        resources: ['pods/exec', 'pods/attach', 'pods/portforward', 'pods/eviction'],
        verbs: ['create', 'get'],
      },
      { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
    ],
  },
  'system:aggregate-to-view': {
    labels: { [`${AGGREGATE}view`]: 'true' },
    rules: [
      { apiGroups: WORKLOAD_GROUPS, resources: NAMESPACED, verbs: READ },
      // A namespace's bounds are its admin's to read, not to change (the cluster's admins set them).
      { apiGroups: [''], resources: ['resourcequotas', 'resourcequotas/status', 'limitranges'], verbs: READ },
    ],
  },
  'system:basic-user': {
    rules: [
      {
        apiGroups: ['authorization.k8s.io'],
        resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
        verbs: ['create'],
      },
      { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ],
  },
  'system:discovery': {
    rules: [
      {
        nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*', '/version', '/version/'],
        verbs: ['get'],
      },
    ],
  },
  'system:public-info-viewer': {
    rules: [{ nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] }],
  },
  'system:service-account-issuer-discovery': {
    rules: [{ nonResourceURLs: ['/.well-known/openid-configuration', '/openid/v1/jwks'], verbs: ['get'] }],
  },
};

const BOOTSTRAP_BINDINGS: Record<string, { role: string; groups: string[] }> = {
  'cluster-admin': { role: 'cluster-admin', groups: ['system:masters'] },
  'system:basic-user': { role: 'system:basic-user', groups: ['system:authenticated'] },
  'system:discovery': { role: 'system:discovery', groups: ['system:authenticated'] },
  'system:public-info-viewer': {
    role: 'system:public-info-viewer',
    groups: ['system:authenticated', 'system:unauthenticated'],
  },
  'system:service-account-issuer-discovery': {
    role: 'system:service-account-issuer-discovery',
    groups: ['system:serviceaccounts'],
  },
};

/**
 * Makes the default roles and bindings that are missing (a deleted one comes back at the next
 * start), and brings those still marked `autoupdate` up to date as the API server reconciles them:
 * their labels and aggregation rule set, missing rules added (what a user added stays). Then the
 * aggregated roles' rules are gathered, so that they hold from the first request.
 */
export async function ensureBootstrapRbac(deps: KubeDeps, cluster: string): Promise<void> {
  const annotations = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };
  const get = (kind: KindDef, name: string) =>
    deps.store.read((tx) => tx.get(kubeObjects, objectKey({ cluster, kind }, name)))?.value.object;
  const scope = { cluster, kind: CLUSTER_ROLE };
  for (const [name, r] of Object.entries(BOOTSTRAP_ROLES)) {
    const labels = { ...BOOTSTRAP_LABELS, ...r.labels };
    const have = get(CLUSTER_ROLE, name);
    if (!have) {
      await createUnlessExists(deps, scope, {
        metadata: { name, labels, annotations },
        ...(r.aggregationRule ? { aggregationRule: r.aggregationRule } : {}),
        rules: r.rules ?? [],
      });
      continue;
    }
    if (metaOf(have).annotations?.['rbac.authorization.kubernetes.io/autoupdate'] !== 'true') continue;
    await updateObject(deps, scope, name, (o) => {
      const meta = metaOf(o);
      const rules = (o['rules'] ?? []) as PolicyRule[];
      return {
        ...o,
        metadata: { ...meta, labels: { ...meta.labels, ...labels } },
        ...(r.aggregationRule ? { aggregationRule: r.aggregationRule } : {}),
        rules: r.aggregationRule ? rules : [...rules, ...uncovered(rules, r.rules ?? [])],
      };
    });
  }
  for (const [name, b] of Object.entries(BOOTSTRAP_BINDINGS))
    if (!get(CLUSTER_ROLE_BINDING, name))
      await createUnlessExists(
        deps,
        { cluster, kind: CLUSTER_ROLE_BINDING },
        {
          metadata: { name, labels: BOOTSTRAP_LABELS, annotations },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: b.role },
          subjects: b.groups.map((g) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: g })),
        },
      );
  await settleAggregation(deps, cluster);
}
