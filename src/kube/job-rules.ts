import type { KubeObject } from './meta.js';
import { metaOf } from './meta.js';
import { notImplemented, type Cause } from './names.js';
import type { LabelSelectorSpec } from './label-selector.js';
import { defaultPod, podCauses } from './pod-rules.js';
import { failurePolicyCauses } from './job-failure-policy.js';

/** What the API server checks and defaults in a Job (batch/v1). */
export interface JobSpecShape {
  parallelism?: number;
  completions?: number;
  activeDeadlineSeconds?: number;
  selector?: LabelSelectorSpec;
  manualSelector?: boolean;
  template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: KubeObject };
  backoffLimit?: number;
  ttlSecondsAfterFinished?: number;
  completionMode?: string;
  suspend?: boolean;
  podFailurePolicy?: unknown;
  backoffLimitPerIndex?: number;
  successPolicy?: unknown;
  podReplacementPolicy?: string;
}

export const jobSpecOf = (o: KubeObject) => (o['spec'] ?? { template: { spec: {} } }) as JobSpecShape;

/** Defaults, and the selector and labels the API server gives a Job's pods (its uid, its name). */
export function defaultJob(o: KubeObject): void {
  const s = jobSpecOf(o);
  // Both unset: one pod to one completion. Parallelism alone: a work queue (completions stay unset).
  if (s.completions === undefined && s.parallelism === undefined) s.completions = 1;
  s.parallelism ??= 1;
  s.backoffLimit ??= 6;
  s.completionMode ??= 'NonIndexed';
  s.suspend ??= false;
  s.podReplacementPolicy ??= 'TerminatingOrFailed';
  const uid = metaOf(o).uid;
  const name = metaOf(o).name;
  if (!s.manualSelector && uid && name) {
    s.selector ??= { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    s.template.metadata ??= {};
    s.template.metadata.labels = {
      ...(s.template.metadata.labels ?? {}),
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': name,
      'controller-uid': uid,
      'job-name': name,
    };
  }
  if (s.template?.spec) defaultPod({ spec: s.template.spec, status: {} });
}

export function jobCauses(o: KubeObject): Cause[] {
  const s = jobSpecOf(o);
  const causes: Cause[] = [];
  const policy = (s.template?.spec as { restartPolicy?: string } | undefined)?.restartPolicy;
  if (policy !== 'Never' && policy !== 'OnFailure')
    causes.push({
      field: 'spec.template.spec.restartPolicy',
      message: `Unsupported value: "${String(policy)}": supported values: "OnFailure", "Never"`,
    });
  for (const f of ['parallelism', 'completions', 'backoffLimit'] as const)
    if ((s[f] ?? 0) < 0)
      causes.push({ field: `spec.${f}`, message: `Invalid value: ${s[f]}: must be greater than or equal to 0` });
  if (s.completionMode === 'Indexed') causes.push(notImplemented('spec.completionMode', 'Indexed jobs'));
  if (s.podFailurePolicy !== undefined && s.podFailurePolicy !== null) {
    const t = (s.template?.spec ?? {}) as { containers?: { name: string }[]; initContainers?: { name: string }[] };
    const names = [...(t.containers ?? []), ...(t.initContainers ?? [])].map((c) => c.name);
    causes.push(...failurePolicyCauses(s.podFailurePolicy, policy, names));
  }
  if (s.successPolicy !== undefined) causes.push(notImplemented('spec.successPolicy', 'successPolicy'));
  if (s.suspend) causes.push(notImplemented('spec.suspend', 'suspended jobs'));
  if (s.manualSelector) causes.push(notImplemented('spec.manualSelector', 'manualSelector'));
  if (s.template?.spec)
    causes.push(
      ...podCauses({ spec: s.template.spec }).map((c) => ({ field: `spec.template.${c.field}`, message: c.message })),
    );
  return causes;
}

/** A Job's template cannot change (nor its selector), as the API server has it. */
export function jobUpdateCauses(next: KubeObject, prev: KubeObject): Cause[] {
  const a = jobSpecOf(next);
  const b = jobSpecOf(prev);
  if (JSON.stringify(a.template) !== JSON.stringify(b.template))
    return [{ field: 'spec.template', message: 'Invalid value: field is immutable' }];
  if (JSON.stringify(a.selector) !== JSON.stringify(b.selector))
    return [{ field: 'spec.selector', message: 'Invalid value: field is immutable' }];
  return [];
}
