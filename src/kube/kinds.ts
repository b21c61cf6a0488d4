import { configMapSchema, namespaceSchema, secretSchema } from './schemas.js';
import { SERVICE_ACCOUNT } from './service-account-kind.js';
import { serviceAccountAdmission } from './service-account-admission.js';
import { invalidValue, labelProblem, subdomainProblem } from './names.js';
import { nodeSchema, podSchema } from './pod-schema.js';
import { defaultPod, podCauses, podUpdateCauses } from './pod-rules.js';
import { POD_MERGE_KEYS } from './pod-sources.js';
import { DAEMON_SET, DEPLOYMENT, JOB, REPLICA_SET, STATEFUL_SET } from './apps-kinds.js';

export { SERVICE_ACCOUNT } from './service-account-kind.js';
export { DAEMON_SET, DEPLOYMENT, JOB, REPLICA_SET, STATEFUL_SET } from './apps-kinds.js';
export { POD_TEMPLATE, REPLICATION_CONTROLLER } from './core-workload-kinds.js';
export { LIMIT_RANGE, RESOURCE_QUOTA } from './quota-kinds.js';
import type { KubeObject } from './meta.js';

export type { Cause } from './names.js';
import type { Cause } from './names.js';
import { VERBS, type KindDef } from './kind-def.js';
import { CRD } from './crd-kind.js';
import { defaultTolerations, stampTaints, taintCauses } from './pod-placement.js';
import { EVENT, EVENT_V1 } from './event-kind.js';
import { LEASE } from './lease-kind.js';
import { POD_TEMPLATE, REPLICATION_CONTROLLER } from './core-workload-kinds.js';
import { LIMIT_RANGE, RESOURCE_QUOTA } from './quota-kinds.js';
import { MUTATING_WEBHOOK_CONFIGURATION, VALIDATING_WEBHOOK_CONFIGURATION } from './webhook-kinds.js';
import { podPriority, PRIORITY_CLASS } from './priority-class-kind.js';
import { CONTROLLER_REVISION } from './controller-revision-kind.js';
import { ENDPOINT_SLICE, ENDPOINTS, SERVICE } from './service-kinds.js';
import { CRON_JOB } from './cron-job-kind.js';
import { NODE_METRICS, POD_METRICS } from './metrics-kinds.js';
import {
  LOCAL_SUBJECT_ACCESS_REVIEW,
  SELF_SUBJECT_ACCESS_REVIEW,
  SELF_SUBJECT_REVIEW,
  SELF_SUBJECT_RULES_REVIEW,
  SUBJECT_ACCESS_REVIEW,
  TOKEN_REVIEW,
} from './authentication-kinds.js';
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE, ROLE_BINDING } from './rbac-kinds.js';
import { HPA, HPA_V1 } from './hpa-kind.js';
import { PERSISTENT_VOLUME, PERSISTENT_VOLUME_CLAIM, STORAGE_CLASS } from './storage-kinds.js';
import { POD_DISRUPTION_BUDGET } from './pdb-kind.js';
import { INGRESS, INGRESS_CLASS } from './ingress-kinds.js';

export type { KindDef } from './kind-def.js';

const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_DATA_BYTES = 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** ConfigMap and Secret keys: what the API server allows. */
function dataKeyCauses(field: string, map: unknown): Cause[] {
  if (!map || typeof map !== 'object') return [];
  const causes: Cause[] = [];
  for (const k of Object.keys(map)) {
    if (k.length > 253 || !DATA_KEY.test(k))
      causes.push(
        invalidValue(
          `${field}[${k}]`,
          k,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ),
      );
  }
  return causes;
}

function base64Causes(field: string, map: unknown): Cause[] {
  if (!map || typeof map !== 'object') return [];
  const causes: Cause[] = [];
  for (const [k, v] of Object.entries(map as Record<string, string>))
    if (v.length % 4 !== 0 || !BASE64.test(v))
      causes.push(invalidValue(`${field}[${k}]`, '<value omitted>', 'illegal base64 data'));
  return causes;
}

function sizeCauses(o: KubeObject, fields: string[]): Cause[] {
  let bytes = 0;
  for (const f of fields) {
    const m = o[f] as Record<string, string> | undefined | null;
    if (m)
      for (const [k, v] of Object.entries(m)) bytes += k.length + (f === 'binaryData' || f === 'data' ? v.length : 0);
  }
  return bytes > MAX_DATA_BYTES
    ? [{ field: fields[0] as string, message: `Too long: must have at most ${MAX_DATA_BYTES} bytes` }]
    : [];
}

/** An immutable object (`immutable: true`) keeps its data. */
function immutableCauses(next: KubeObject, prev: KubeObject, fields: string[]): Cause[] {
  if (prev['immutable'] !== true) return [];
  const causes: Cause[] = [];
  if (next['immutable'] !== true)
    causes.push({ field: 'immutable', message: 'Forbidden: field is immutable when `immutable` is set' });
  for (const f of fields)
    if (JSON.stringify(next[f] ?? null) !== JSON.stringify(prev[f] ?? null))
      causes.push({ field: f, message: 'Forbidden: field is immutable when `immutable` is set' });
  return causes;
}

export const NAMESPACE: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  verbs: VERBS,
  schema: namespaceSchema,
  nameProblem: labelProblem,
  keepsStatus: true,
  normalize(o) {
    const spec = (o['spec'] ?? {}) as Record<string, unknown>;
    if (!Array.isArray(spec['finalizers'])) spec['finalizers'] = ['kubernetes'];
    o['spec'] = spec;
    const status = (o['status'] ?? {}) as Record<string, unknown>;
    if (status['phase'] === undefined) status['phase'] = 'Active';
    o['status'] = status;
  },
  selectableFields: { 'status.phase': (o) => String((o['status'] as { phase?: string } | undefined)?.phase ?? '') },
};

export const CONFIG_MAP: KindDef = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  verbs: VERBS,
  schema: configMapSchema,
  nameProblem: subdomainProblem,
  validate(o) {
    const causes = [...dataKeyCauses('data', o['data']), ...dataKeyCauses('binaryData', o['binaryData'])];
    causes.push(...base64Causes('binaryData', o['binaryData']));
    const data = (o['data'] ?? {}) as Record<string, string>;
    for (const k of Object.keys((o['binaryData'] ?? {}) as object))
      if (Object.hasOwn(data, k)) causes.push(invalidValue(`binaryData[${k}]`, k, 'duplicate of key present in data'));
    return [...causes, ...sizeCauses(o, ['data', 'binaryData'])];
  },
  validateUpdate: (next, prev) => immutableCauses(next, prev, ['data', 'binaryData']),
};

export const SECRET: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
  shortNames: [],
  verbs: VERBS,
  schema: secretSchema,
  nameProblem: subdomainProblem,
  normalize(o) {
    // stringData is write-only: folded into data (base64) and never stored or returned.
    const strings = o['stringData'] as Record<string, string> | null | undefined;
    if (strings) {
      const data = { ...((o['data'] ?? {}) as Record<string, string>) };
      for (const [k, v] of Object.entries(strings)) data[k] = Buffer.from(v, 'utf8').toString('base64');
      o['data'] = data;
    }
    delete o['stringData'];
    if (o['type'] === undefined || o['type'] === '') o['type'] = 'Opaque';
  },
  validate(o) {
    return [...dataKeyCauses('data', o['data']), ...base64Causes('data', o['data']), ...sizeCauses(o, ['data'])];
  },
  validateUpdate(next, prev) {
    const causes = immutableCauses(next, prev, ['data']);
    if (next['type'] !== prev['type']) causes.push(invalidValue('type', next['type'], 'field is immutable'));
    return causes;
  },
  selectableFields: { type: (o) => String(o['type'] ?? '') },
};

export const POD: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  verbs: VERBS,
  schema: podSchema,
  nameProblem: subdomainProblem,
  keepsStatus: true,
  normalize: defaultPod,
  admit: defaultTolerations,
  allocate: (tx, scope, o) => serviceAccountAdmission(tx, scope, podPriority(tx, scope, o)),
  validate: podCauses,
  validateUpdate: podUpdateCauses,
  mergeKeys: POD_MERGE_KEYS,

  selectableFields: {
    'spec.nodeName': (o) => String((o['spec'] as { nodeName?: string } | undefined)?.nodeName ?? ''),
    'spec.restartPolicy': (o) => String((o['spec'] as { restartPolicy?: string } | undefined)?.restartPolicy ?? ''),
    'spec.schedulerName': (o) => String((o['spec'] as { schedulerName?: string } | undefined)?.schedulerName ?? ''),
    'spec.serviceAccountName': (o) =>
      String((o['spec'] as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? ''),
    'status.phase': (o) => String((o['status'] as { phase?: string } | undefined)?.phase ?? ''),
    'status.podIP': (o) => String((o['status'] as { podIP?: string } | undefined)?.podIP ?? ''),
  },
};

export const NODE: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  verbs: VERBS,
  schema: nodeSchema,
  nameProblem: subdomainProblem,
  validate: taintCauses,
  normalize: stampTaints,
  keepsStatus: true,
  selectableFields: {
    'spec.unschedulable': (o) => String((o['spec'] as { unschedulable?: boolean } | undefined)?.unschedulable ?? false),
  },
};

/** Every kind served, by group and version. */
export const KINDS: readonly KindDef[] = [
  NAMESPACE,
  CONFIG_MAP,
  SECRET,
  SERVICE_ACCOUNT,
  POD,
  NODE,
  PERSISTENT_VOLUME_CLAIM,
  PERSISTENT_VOLUME,
  STORAGE_CLASS,
  POD_DISRUPTION_BUDGET,
  SERVICE,
  ENDPOINTS,
  ENDPOINT_SLICE,
  REPLICA_SET,
  REPLICATION_CONTROLLER,
  POD_TEMPLATE,
  RESOURCE_QUOTA,
  LIMIT_RANGE,
  DEPLOYMENT,
  DAEMON_SET,
  STATEFUL_SET,
  CONTROLLER_REVISION,
  JOB,
  CRON_JOB,
  HPA,
  HPA_V1,
  EVENT,
  EVENT_V1,
  LEASE,
  PRIORITY_CLASS,
  INGRESS,
  INGRESS_CLASS,
  CRD,
  VALIDATING_WEBHOOK_CONFIGURATION,
  MUTATING_WEBHOOK_CONFIGURATION,
  POD_METRICS,
  NODE_METRICS,
  TOKEN_REVIEW,
  SELF_SUBJECT_REVIEW,
  ROLE,
  CLUSTER_ROLE,
  ROLE_BINDING,
  CLUSTER_ROLE_BINDING,
  SELF_SUBJECT_ACCESS_REVIEW,
  SUBJECT_ACCESS_REVIEW,
  SELF_SUBJECT_RULES_REVIEW,
  LOCAL_SUBJECT_ACCESS_REVIEW,
];

/** The kind a group, version and resource name (plural, as in a path) name among these kinds (berth's own by default), if served. */
export function kindFor(
  group: string,
  version: string,
  plural: string,
  kinds: readonly KindDef[] = KINDS,
): KindDef | undefined {
  return kinds.find((k) => k.group === group && k.version === version && k.plural === plural);
}

/** `v1` for the core group, `<group>/<version>` otherwise. */
export const apiVersionOf = (k: Pick<KindDef, 'group' | 'version'>) =>
  k.group ? `${k.group}/${k.version}` : k.version;
