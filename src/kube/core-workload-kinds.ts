import { z } from 'zod';
import { podTemplateSchema } from './apps-schema.js';
import { VERBS, type KindDef } from './kind-def.js';
import type { KubeObject } from './meta.js';
import { invalidValue, subdomainProblem, type Cause } from './names.js';
import { POD_MERGE_KEYS } from './pod-sources.js';
import { defaultPod, podCauses } from './pod-rules.js';
import { typeMeta } from './schemas.js';

/**
 * The core group's workload kinds: ReplicationController (ReplicaSet's forerunner, still served
 * and still in the conformance suite: a selector that is a plain label map, mutable) and
 * PodTemplate (a pod template stored on its own, for tools that keep them).
 */
const int = z.number().int();
const labels = z.record(z.string(), z.string());
const loose = z.record(z.string(), z.unknown());

interface RcSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: Record<string, string>;
  template?: { metadata?: { labels?: Record<string, string> }; spec?: KubeObject };
}
export const rcSpecOf = (o: KubeObject) => (o['spec'] ?? {}) as RcSpec;

/** A ReplicationController's selector as a label selector (what its pods are claimed by). */
export const rcSelector = (o: KubeObject) => ({ matchLabels: rcSpecOf(o).selector ?? {} });

const templateMergeKeys = (prefix: string) =>
  Object.fromEntries(Object.entries(POD_MERGE_KEYS).map(([k, v]) => [k.replace(/^spec\./, `${prefix}.spec.`), v]));

export const REPLICATION_CONTROLLER: KindDef = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  plural: 'replicationcontrollers',
  singular: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  verbs: VERBS,
  schema: z.strictObject({
    ...typeMeta,
    spec: z
      .strictObject({
        replicas: int.optional(),
        minReadySeconds: int.optional(),
        selector: labels.optional(),
        template: podTemplateSchema.optional(),
      })
      .optional(),
    status: loose.optional(),
  }),
  nameProblem: subdomainProblem,
  keepsStatus: true,
  generation: true,
  // The API server's defaults: the selector and the controller's own labels from its template's.
  normalize(o) {
    const s = (o['spec'] ??= {}) as RcSpec;
    const templateLabels = s.template?.metadata?.labels ?? {};
    if (!Object.keys(s.selector ?? {}).length && Object.keys(templateLabels).length) s.selector = { ...templateLabels };
    const meta = (o['metadata'] ??= {}) as { labels?: Record<string, string> };
    if (!Object.keys(meta.labels ?? {}).length && Object.keys(templateLabels).length)
      meta.labels = { ...templateLabels };
    s.replicas ??= 1;
    if (s.template?.spec) defaultPod({ spec: s.template.spec, status: {} });
  },
  validate(o) {
    const s = rcSpecOf(o);
    const causes: Cause[] = [];
    if ((s.replicas ?? 0) < 0)
      causes.push(invalidValue('spec.replicas', s.replicas, 'must be greater than or equal to 0'));
    if ((s.minReadySeconds ?? 0) < 0)
      causes.push(invalidValue('spec.minReadySeconds', s.minReadySeconds, 'must be greater than or equal to 0'));
    if (!Object.keys(s.selector ?? {}).length) causes.push({ field: 'spec.selector', message: 'Required value' });
    if (!s.template) {
      causes.push({ field: 'spec.template', message: 'Required value' });
      return causes;
    }
    const tl = s.template.metadata?.labels ?? {};
    if (Object.entries(s.selector ?? {}).some(([k, v]) => tl[k] !== v))
      causes.push(invalidValue('spec.template.metadata.labels', tl, '`selector` does not match template `labels`'));
    const restart = (s.template.spec?.['restartPolicy'] as string | undefined) ?? 'Always';
    if (restart !== 'Always')
      causes.push({
        field: 'spec.template.spec.restartPolicy',
        message: `Unsupported value: "${restart}": supported values: "Always"`,
      });
    if (s.template.spec)
      causes.push(
        ...podCauses({ spec: s.template.spec }).map((c) => ({ field: `spec.template.${c.field}`, message: c.message })),
      );
    return causes;
  },
  mergeKeys: templateMergeKeys('spec.template'),
  selectableFields: {
    'status.replicas': (o) => String((o['status'] as { replicas?: number } | undefined)?.replicas ?? 0),
  },
};

export const POD_TEMPLATE: KindDef = {
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  plural: 'podtemplates',
  singular: 'podtemplate',
  namespaced: true,
  shortNames: [],
  verbs: VERBS,
  schema: z.strictObject({ ...typeMeta, template: podTemplateSchema.optional() }),
  nameProblem: subdomainProblem,
  normalize(o) {
    const t = o['template'] as { spec?: KubeObject } | undefined;
    if (t?.spec) defaultPod({ spec: t.spec, status: {} });
  },
  validate(o) {
    const t = o['template'] as { spec?: KubeObject } | undefined;
    if (!t?.spec) return [{ field: 'template.spec.containers', message: 'Required value' }];
    return podCauses({ spec: t.spec }).map((c) => ({ field: `template.${c.field}`, message: c.message }));
  },
  mergeKeys: templateMergeKeys('template'),
  selectableFields: {},
};
