import type { KubeObject } from './meta.js';
import { metaOf } from './meta.js';
import { isDomainPrefixedPath, type Cause } from './names.js';
import { selectorCauses, type LabelSelectorSpec } from './label-selector.js';
import { defaultPod, podCauses } from './pod-rules.js';
import { failurePolicyCauses } from './job-failure-policy.js';
import { successPolicyCauses } from './job-success-policy.js';

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
  maxFailedIndexes?: number;
  successPolicy?: unknown;
  podReplacementPolicy?: string;
  managedBy?: string;
}

export const jobSpecOf = (o: KubeObject) => (o['spec'] ?? { template: { spec: {} } }) as JobSpecShape;

/** Defaults, and the selector and labels the API server gives a Job's pods (its uid, its name). */
export function defaultJob(o: KubeObject): void {
  const s = jobSpecOf(o);
  // Both unset: one pod to one completion. Parallelism alone: a work queue (completions stay unset).
  if (s.completions === undefined && s.parallelism === undefined) s.completions = 1;
  s.parallelism ??= 1;
  // With a backoff limit per index the Job-wide limit is off unless set.
  s.backoffLimit ??= s.backoffLimitPerIndex !== undefined && s.backoffLimitPerIndex !== null ? 2147483647 : 6;
  s.completionMode ??= 'NonIndexed';
  s.suspend ??= false;
  // With a podFailurePolicy a pod is replaced only once it has failed (its exit code decides).
  s.podReplacementPolicy ??= s.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
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
  for (const f of ['parallelism', 'completions', 'backoffLimit', 'backoffLimitPerIndex', 'maxFailedIndexes'] as const)
    if ((s[f] ?? 0) < 0)
      causes.push({ field: `spec.${f}`, message: `Invalid value: ${s[f]}: must be greater than or equal to 0` });
  causes.push(...indexedCauses(s));
  const perIndex = s.backoffLimitPerIndex !== undefined && s.backoffLimitPerIndex !== null;
  if (s.podFailurePolicy !== undefined && s.podFailurePolicy !== null) {
    const t = (s.template?.spec ?? {}) as { containers?: { name: string }[]; initContainers?: { name: string }[] };
    const names = [...(t.containers ?? []), ...(t.initContainers ?? [])].map((c) => c.name);
    causes.push(...failurePolicyCauses(s.podFailurePolicy, policy, names, perIndex));
  }
  if (s.successPolicy !== undefined && s.successPolicy !== null)
    causes.push(...successPolicyCauses(s.successPolicy, s.completionMode === 'Indexed', s.completions));
  if (s.podFailurePolicy && s.podReplacementPolicy !== 'Failed')
    causes.push({
      field: 'spec.podReplacementPolicy',
      message: `Unsupported value: ${JSON.stringify(s.podReplacementPolicy)}: supported values: "Failed"`,
    });
  if (s.managedBy !== undefined) {
    if (s.managedBy.length > 63)
      causes.push({ field: 'spec.managedBy', message: 'Too long: may not be more than 63 bytes' });
    else if (!isDomainPrefixedPath(s.managedBy))
      causes.push({
        field: 'spec.managedBy',
        message: `Invalid value: ${JSON.stringify(s.managedBy)}: must be a domain-prefixed path (such as "acme.io/foo")`,
      });
  }
  // With manualSelector the selector is the writer's (none is made from the Job's uid): it must be there and match.
  if (s.manualSelector) {
    const given =
      s.selector && (Object.keys(s.selector.matchLabels ?? {}).length || s.selector.matchExpressions?.length);
    if (!given) causes.push({ field: 'spec.selector', message: 'Required value' });
    else causes.push(...selectorCauses(s.selector, s.template?.metadata?.labels));
  }
  if (s.template?.spec)
    causes.push(
      ...podCauses({ spec: s.template.spec }).map((c) => ({ field: `spec.template.${c.field}`, message: c.message })),
    );
  return causes;
}

/** The completion mode's checks: Indexed needs completions, and the per-index fields need Indexed. */
function indexedCauses(s: JobSpecShape): Cause[] {
  const causes: Cause[] = [];
  const indexed = s.completionMode === 'Indexed';
  if (s.completionMode !== 'NonIndexed' && !indexed)
    causes.push({
      field: 'spec.completionMode',
      message: `Unsupported value: ${JSON.stringify(s.completionMode)}: supported values: "NonIndexed", "Indexed"`,
    });
  if (indexed) {
    if (s.completions === undefined || s.completions === null)
      causes.push({ field: 'spec.completions', message: 'Required value: when completion mode is Indexed' });
    for (const f of ['completions', 'parallelism'] as const)
      if ((s[f] ?? 0) > MAX_INDEXED)
        causes.push({
          field: `spec.${f}`,
          message: `Invalid value: ${s[f]}: must be less than or equal to ${MAX_INDEXED} when completion mode is Indexed`,
        });
  }
  const perIndex = s.backoffLimitPerIndex !== undefined && s.backoffLimitPerIndex !== null;
  if (perIndex && !indexed)
    causes.push({
      field: 'spec.backoffLimitPerIndex',
      message: `Invalid value: ${s.backoffLimitPerIndex}: requires indexed completion mode`,
    });
  if (s.maxFailedIndexes !== undefined && s.maxFailedIndexes !== null) {
    if (!perIndex)
      causes.push({
        field: 'spec.maxFailedIndexes',
        message: `Invalid value: ${s.maxFailedIndexes}: requires the backoffLimitPerIndex to be set`,
      });
    else if (s.completions !== undefined && s.maxFailedIndexes > s.completions)
      causes.push({
        field: 'spec.maxFailedIndexes',
        message: `Invalid value: ${s.maxFailedIndexes}: must be less than or equal to completions`,
      });
  }
  return causes;
}
const MAX_INDEXED = 100_000;

/** What a suspended Job that never started may change in its template: where and how its pods are placed. */
const SCHEDULING_DIRECTIVES = ['nodeSelector', 'tolerations', 'affinity', 'schedulingGates'];
function withoutDirectives(t: JobSpecShape['template']): unknown {
  const spec = { ...(t?.spec ?? {}) } as Record<string, unknown>;
  for (const k of SCHEDULING_DIRECTIVES) delete spec[k];
  return { ...t, metadata: { ...t?.metadata, labels: undefined, annotations: undefined }, spec };
}

/**
 * What the API server lets change in a Job: not its template (but a suspended Job that never ran
 * may change its pods' scheduling directives, labels and annotations — what a queueing controller
 * does before it lets the Job start), selector, completion mode, per-index limit or policies;
 * completions only for an Indexed Job scaled with its parallelism.
 */
export function jobUpdateCauses(next: KubeObject, prev: KubeObject): Cause[] {
  const a = jobSpecOf(next);
  const b = jobSpecOf(prev);
  const same = (x: unknown, y: unknown) => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
  const neverStarted = b.suspend === true && !(prev['status'] as { startTime?: string } | undefined)?.startTime;
  const causes: Cause[] = [];
  if (
    !same(a.template, b.template) &&
    !(neverStarted && same(withoutDirectives(a.template), withoutDirectives(b.template)))
  )
    causes.push({ field: 'spec.template', message: 'Invalid value: field is immutable' });
  for (const f of [
    'selector',
    'completionMode',
    'backoffLimitPerIndex',
    'podFailurePolicy',
    'successPolicy',
    'managedBy',
  ] as const)
    if (!same(a[f], b[f])) causes.push({ field: `spec.${f}`, message: 'Invalid value: field is immutable' });
  const elastic = a.completionMode === 'Indexed' && a.completions === a.parallelism;
  if (!same(a.completions, b.completions) && !elastic)
    causes.push({ field: 'spec.completions', message: `Invalid value: ${a.completions}: field is immutable` });
  return causes;
}
