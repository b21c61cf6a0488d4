import { z } from 'zod';
import { accessDenied } from '../kernel/index.js';
import type { ReadTx } from '../store/index.js';
import { VERBS, type KindDef } from './kind-def.js';
import { invalidObject, invalidValue, subdomainProblem, type Cause } from './names.js';
import { kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject, type Scope } from './object.js';
import { typeMeta } from './schemas.js';

/**
 * PriorityClass (scheduling.k8s.io/v1): a name for a pod priority, resolved into the pod's
 * `priority` (and `preemptionPolicy`) when it is made, as the Priority admission plugin does;
 * the scheduler preempts lower-priority pods for a higher one that fits nowhere.
 */
const POLICIES = ['PreemptLowerPriority', 'Never'];
/** The highest value a class not of the system's may have. */
const USER_MAX = 1_000_000_000;
/** The system's classes, there from the start, as in every cluster. */
export const SYSTEM_PRIORITY_CLASSES = {
  'system-cluster-critical': 2_000_000_000,
  'system-node-critical': 2_000_001_000,
};

export const PRIORITY_CLASS: KindDef = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  plural: 'priorityclasses',
  singular: 'priorityclass',
  namespaced: false,
  shortNames: ['pc'],
  verbs: VERBS,
  schema: z.strictObject({
    ...typeMeta,
    value: z.number().int().min(-2_147_483_648).max(2_147_483_647),
    globalDefault: z.boolean().optional(),
    description: z.string().optional(),
    preemptionPolicy: z.string().optional(),
  }),
  nameProblem: subdomainProblem,
  normalize(o) {
    o['preemptionPolicy'] ??= 'PreemptLowerPriority';
  },
  validate(o) {
    const causes: Cause[] = [];
    const name = metaOf(o).name ?? '';
    const system = Object.hasOwn(SYSTEM_PRIORITY_CLASSES, name);
    if (!system && name.startsWith('system-'))
      causes.push({
        field: 'metadata.name',
        message: 'Forbidden: priority class names with "system-" prefix are reserved',
      });
    if (!system && typeof o['value'] === 'number' && o['value'] > USER_MAX)
      causes.push({
        field: 'value',
        message: `Forbidden: maximum allowed value of a user defined priority is ${USER_MAX}`,
      });
    if (!POLICIES.includes(String(o['preemptionPolicy'])))
      causes.push({
        field: 'preemptionPolicy',
        message: `Unsupported value: "${String(o['preemptionPolicy'])}": supported values: "Never", "PreemptLowerPriority"`,
      });
    return causes;
  },
  validateUpdate: (next, prev) => [
    ...(next['value'] !== prev['value'] ? [invalidValue('value', next['value'], 'field is immutable')] : []),
    ...(next['preemptionPolicy'] !== prev['preemptionPolicy']
      ? [invalidValue('preemptionPolicy', next['preemptionPolicy'], 'field is immutable')]
      : []),
  ],
  // One class at most is the default of pods that name none.
  allocate(tx, scope, o) {
    if (o['globalDefault'] !== true) return o;
    const other = tx
      .list(kubeObjects, { prefix: resourcePrefix(scope) })
      .map((e) => e.value.object)
      .find((c) => c['globalDefault'] === true && metaOf(c).name !== metaOf(o).name);
    if (other)
      throw invalidObject(
        'PriorityClass',
        metaOf(o).name ?? '',
        [
          {
            field: 'globalDefault',
            message: `Forbidden: PriorityClass ${metaOf(other).name ?? ''} is already marked as default. Only one default can exist`,
          },
        ],
        'scheduling.k8s.io',
      );
    return o;
  },
  selectableFields: {},
};

/**
 * A new pod's priority from its class (or the default class when it names none), as the
 * Priority admission plugin sets it: a class that does not exist refuses the pod. A pod that is
 * there already keeps what it was given.
 */
export function podPriority(tx: ReadTx, scope: Scope, pod: KubeObject): KubeObject {
  if (tx.get(kubeObjects, objectKey(scope, metaOf(pod).name ?? ''))) return pod;
  const spec = (pod['spec'] ?? {}) as { priorityClassName?: string; priority?: number; preemptionPolicy?: string };
  const classes = { cluster: scope.cluster, kind: PRIORITY_CLASS };
  const named = spec.priorityClassName;
  const cls = named
    ? tx.get(kubeObjects, objectKey(classes, named))?.value.object
    : tx
        .list(kubeObjects, { prefix: resourcePrefix(classes) })
        .map((e) => e.value.object)
        .find((c) => c['globalDefault'] === true);
  if (named && !cls)
    throw accessDenied(`pods "${metaOf(pod).name ?? ''}" is forbidden: no PriorityClass with name ${named} was found`, {
      resource: 'pods',
      name: metaOf(pod).name ?? '',
    });
  if (!cls) return pod;
  return {
    ...pod,
    spec: {
      ...spec,
      priorityClassName: metaOf(cls).name,
      priority: cls['value'],
      preemptionPolicy: cls['preemptionPolicy'] ?? 'PreemptLowerPriority',
    },
  };
}
