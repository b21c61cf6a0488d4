import { createOwnedPod, writeStatus } from './owned-pods.js';
import type { KubeDeps } from './deps.js';
import { deleteObject } from './delete.js';
import { JOB, POD } from './kinds.js';
import { matchFailurePolicy, type PodFailurePolicy } from './job-failure-policy.js';
import { jobSpecOf } from './job-rules.js';
import { kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject } from './object.js';
import { recordEvent } from './events.js';
import { isActive, isReady, ownedBy } from './owners.js';
import { timestamp } from './write-rules.js';

type Condition = {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
};
const phaseOf = (p: KubeObject) => (p['status'] as { phase?: string } | undefined)?.phase;

/**
 * The Job controller (NonIndexed): pods of its template run until `completions` of them have
 * succeeded, at most `parallelism` at once; more failures than `backoffLimit`, or a run longer
 * than `activeDeadlineSeconds`, or a failure its podFailurePolicy says fails it (job-failure-policy.ts), fail the Job
 * and stop what still runs. Finished pods are kept (as
 * Kubernetes keeps them); a finished Job with ttlSecondsAfterFinished goes after that long.
 */
export async function syncJob(deps: KubeDeps, cluster: string, namespace: string, name: string): Promise<void> {
  const scope = { cluster, kind: JOB, namespace };
  const podScope = { cluster, kind: POD, namespace };
  const entry = deps.store.read((tx) => tx.get(kubeObjects, objectKey(scope, name)));
  if (!entry || metaOf(entry.value.object).deletionTimestamp) return;
  const job = entry.value.object;
  const uid = metaOf(job).uid as string;
  const spec = jobSpecOf(job);
  const prev = (job['status'] ?? {}) as { conditions?: Condition[]; startTime?: string; completionTime?: string };
  const now = timestamp(deps);
  const nowMs = deps.clock.now().getTime();
  const finishedAt = (prev.conditions ?? []).find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  if (finishedAt) {
    const ttl = spec.ttlSecondsAfterFinished;
    const at = Date.parse(finishedAt.lastTransitionTime ?? '');
    if (ttl !== undefined && !Number.isNaN(at) && nowMs - at >= ttl * 1000)
      await deleteObject(deps, scope, name, { propagationPolicy: 'Background' }).catch(() => undefined);
    return;
  }
  const pods = deps.store
    .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix(podScope) }))
    .map((e) => e.value.object)
    .filter((p) => ownedBy(p, uid));
  const active = pods.filter(isActive);
  const succeeded = pods.filter((p) => phaseOf(p) === 'Succeeded').length;
  // With a podFailurePolicy each failed pod's first matching rule decides: FailJob ends the Job,
  // Ignore keeps the failure off the count.
  const policy = spec.podFailurePolicy as PodFailurePolicy | undefined;
  const verdicts = pods
    .filter((p) => phaseOf(p) === 'Failed')
    .map((p) => (policy ? matchFailurePolicy(policy, p) : undefined));
  const failJob = verdicts.find((v) => v?.action === 'FailJob');
  const failed = verdicts.filter((v) => v?.action !== 'Ignore').length;
  // Without completions the Job is a work queue: done once a pod has succeeded and none is left running.
  const workQueue = spec.completions === undefined || spec.completions === null;
  const completions = spec.completions ?? 1;
  const startTime = prev.startTime ?? now;
  const deadline = spec.activeDeadlineSeconds;
  let outcome: Condition | undefined;
  if (failJob)
    outcome = {
      type: 'Failed',
      status: 'True',
      reason: 'PodFailurePolicy',
      message: failJob.message,
      lastProbeTime: now,
      lastTransitionTime: now,
    };
  else if (workQueue ? succeeded > 0 && active.length === 0 : succeeded >= completions)
    outcome = { type: 'Complete', status: 'True', lastProbeTime: now, lastTransitionTime: now };
  else if (failed > (spec.backoffLimit ?? 6))
    outcome = {
      type: 'Failed',
      status: 'True',
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
      lastProbeTime: now,
      lastTransitionTime: now,
    };
  else if (deadline !== undefined && nowMs - Date.parse(startTime) >= deadline * 1000)
    outcome = {
      type: 'Failed',
      status: 'True',
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
      lastProbeTime: now,
      lastTransitionTime: now,
    };
  if (outcome) {
    if (outcome.type === 'Complete')
      await recordEvent(deps, cluster, job, 'Normal', 'Completed', 'Job completed', 'job-controller');
    else
      await recordEvent(
        deps,
        cluster,
        job,
        'Warning',
        outcome.reason ?? 'Failed',
        outcome.message ?? '',
        'job-controller',
      );
    for (const p of active) await deleteObject(deps, podScope, metaOf(p).name as string).catch(() => undefined);
  } else {
    const want = workQueue
      ? (succeeded > 0 ? 0 : (spec.parallelism ?? 1)) - active.length
      : Math.min(spec.parallelism ?? 1, completions - succeeded) - active.length;
    for (let i = 0; i < Math.min(want, 50); i++) {
      await createOwnedPod(
        deps,
        cluster,
        job,
        { apiVersion: 'batch/v1', kind: 'Job', component: 'job-controller' },
        spec.template,
      );
    }
  }
  // Kubernetes 1.32 sets SuccessCriteriaMet / FailureTarget before Complete / Failed.
  const conditions: Condition[] = outcome
    ? [
        outcome.type === 'Complete'
          ? { type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: now, lastTransitionTime: now }
          : { ...outcome, type: 'FailureTarget' },
        outcome,
      ]
    : (prev.conditions ?? []);
  const status = {
    ...(outcome ? {} : active.length ? { active: active.length } : {}),
    ...(succeeded ? { succeeded } : {}),
    ...(failed ? { failed } : {}),
    ready: outcome ? 0 : active.filter(isReady).length,
    terminating: 0,
    startTime,
    ...(outcome?.type === 'Complete' ? { completionTime: now } : {}),
    ...(conditions.length ? { conditions } : {}),
    uncountedTerminatedPods: {},
  };
  await writeStatus(deps, entry.key, uid, status);
}
