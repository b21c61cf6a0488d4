import { daemonSetSchema, deploymentSchema, jobSchema, replicaSetSchema, statefulSetSchema } from './apps-schema.js';
import { defaultWorkload, workloadCauses, type WorkloadKind } from './apps-rules.js';
import { defaultJob, jobCauses, jobUpdateCauses } from './job-rules.js';
import { VERBS, type KindDef } from './kind-def.js';
import type { KubeObject } from './meta.js';
import { invalidValue, labelProblem, subdomainProblem, type Cause } from './names.js';
import { POD_MERGE_KEYS } from './pod-sources.js';

/** The workload kinds: ReplicaSet, Deployment, DaemonSet, StatefulSet (apps/v1) and Job (batch/v1). */

const TEMPLATE_MERGE_KEYS = Object.fromEntries(
  Object.entries(POD_MERGE_KEYS).map(([k, v]) => [k.replace(/^spec\./, 'spec.template.spec.'), v]),
);

const APPS_SCHEMAS = {
  Deployment: deploymentSchema,
  DaemonSet: daemonSetSchema,
  ReplicaSet: replicaSetSchema,
  StatefulSet: statefulSetSchema,
};

/** A StatefulSet's spec changes only in these (the API server's rule). */
const STATEFUL_MUTABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

function appsUpdateCauses(kind: WorkloadKind, next: KubeObject, prev: KubeObject): Cause[] {
  const a = (next['spec'] ?? {}) as Record<string, unknown>;
  const b = (prev['spec'] ?? {}) as Record<string, unknown>;
  if (kind === 'StatefulSet') {
    const fixed = (o: Record<string, unknown>) =>
      JSON.stringify(
        Object.keys(o)
          .filter((k) => !STATEFUL_MUTABLE.includes(k))
          .sort()
          .map((k) => [k, o[k]]),
      );
    if (fixed(a) !== fixed(b))
      return [
        {
          field: 'spec',
          message:
            "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        },
      ];
  }
  return JSON.stringify(a['selector']) !== JSON.stringify(b['selector'])
    ? [invalidValue('spec.selector', a['selector'], 'field is immutable')]
    : [];
}

function appsKind(kind: WorkloadKind, plural: string, shortNames: string[]): KindDef {
  return {
    group: 'apps',
    version: 'v1',
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced: true,
    shortNames,
    categories: ['all'],
    verbs: VERBS,
    schema: APPS_SCHEMAS[kind],
    nameProblem: subdomainProblem,
    keepsStatus: true,
    generation: true,
    normalize: (o) => defaultWorkload(o, kind),
    validate: (o) => workloadCauses({ ...o, kind }),
    validateUpdate: (next, prev) => appsUpdateCauses(kind, next, prev),
    mergeKeys: TEMPLATE_MERGE_KEYS,
    selectableFields: {},
  };
}

export const REPLICA_SET = appsKind('ReplicaSet', 'replicasets', ['rs']);
export const DEPLOYMENT = appsKind('Deployment', 'deployments', ['deploy']);
export const DAEMON_SET = appsKind('DaemonSet', 'daemonsets', ['ds']);
export const STATEFUL_SET = appsKind('StatefulSet', 'statefulsets', ['sts']);

export const JOB: KindDef = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  singular: 'job',
  namespaced: true,
  shortNames: [],
  categories: ['all'],
  verbs: VERBS,
  schema: jobSchema,
  nameProblem: labelProblem,
  keepsStatus: true,
  generation: true,
  normalize: defaultJob,
  validate: jobCauses,
  validateUpdate: jobUpdateCauses,
  mergeKeys: TEMPLATE_MERGE_KEYS,
  selectableFields: {
    'status.successful': (o) => String((o['status'] as { succeeded?: number } | undefined)?.succeeded ?? 0),
  },
};
