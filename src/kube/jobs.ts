import { createOwnedPod, deleteOwnedPod, writeStatus } from './owned-pods.js';
import type { KubeDeps } from './deps.js';
import { deleteObject } from './delete.js';
import { JOB } from './kinds.js';
import { jobSpecOf, type JobSpecShape } from './job-rules.js';
import { formatIndexes, indexedGenerateName, indexedTemplate } from './job-indexes.js';
import {
  backoffOver,
  indexesToStart,
  jobProgress,
  pastBackoffLimitOnFailure,
  surplusIndexedPods,
  type JobProgress,
} from './job-progress.js';
import { matchSuccessPolicy, type SuccessPolicy } from './job-success-policy.js';
import { kubeObjects, metaOf, objectKey, type KubeObject } from './object.js';
import { recordEvent } from './events.js';
import { claimPods } from './pod-claims.js';
import { timestamp } from './write-rules.js';

type Condition = {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
};
type Status = { conditions?: Condition[]; startTime?: string };

const JOB_REF = { apiVersion: 'batch/v1', kind: 'Job', component: 'job-controller' };
const BURST = 50;
const JOB_CONTROLLER = 'kubernetes.io/job-controller';

/**
 * The Job controller: pods of its template run until `completions` of them have succeeded (an
 * Indexed Job: one per index, job-indexes.ts), at most `parallelism` at once. A Job that meets its
 * end — enough successes or its successPolicy; too many failures (backoffLimit, per index,
 * maxFailedIndexes), its deadline, or a podFailurePolicy's FailJob — first gets the interim
 * condition (SuccessCriteriaMet, FailureTarget), its running pods are stopped, and once none is left
 * the final one (Complete, Failed), as Kubernetes 1.32 does. A suspended Job has no running pods;
 * resumed, its clock (activeDeadlineSeconds) starts again. Finished pods are kept (as Kubernetes
 * keeps them); a finished Job with ttlSecondsAfterFinished goes after that long.
 */
export async function syncJob(deps: KubeDeps, cluster: string, namespace: string, name: string): Promise<void> {
  const scope = { cluster, kind: JOB, namespace };
  const entry = deps.store.read((tx) => tx.get(kubeObjects, objectKey(scope, name)));
  if (!entry || metaOf(entry.value.object).deletionTimestamp) return;
  const job = entry.value.object;
  const uid = metaOf(job).uid as string;
  const spec = jobSpecOf(job);
  // A Job another controller manages (spec.managedBy, as Kueue's MultiKueue sets it) is left to it.
  if (spec.managedBy !== undefined && spec.managedBy !== JOB_CONTROLLER) return;
  const prev = (job['status'] ?? {}) as Status;
  const now = timestamp(deps);
  const finishedAt = (prev.conditions ?? []).find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  if (finishedAt) {
    const ttl = spec.ttlSecondsAfterFinished;
    const at = Date.parse(finishedAt.lastTransitionTime ?? '');
    if (ttl !== undefined && !Number.isNaN(at) && deps.clock.now().getTime() - at >= ttl * 1000)
      await deleteObject(deps, scope, name, { propagationPolicy: 'Background' }).catch(() => undefined);
    return;
  }
  const pods = await claimPods(deps, cluster, job, JOB_REF, spec.selector);
  const progress = jobProgress(spec, pods);
  const suspended = spec.suspend === true;
  let startTime = prev.startTime ?? (suspended ? undefined : now);
  let conditions = [...(prev.conditions ?? [])];
  const stamp = (c: Omit<Condition, 'lastProbeTime' | 'lastTransitionTime'>): Condition => ({
    ...c,
    lastProbeTime: now,
    lastTransitionTime: now,
  });
  // The interim condition, written by an earlier pass or found now.
  let target = conditions.find(
    (c) => (c.type === 'FailureTarget' || c.type === 'SuccessCriteriaMet') && c.status === 'True',
  );
  if (!target) {
    const end = endOf(spec, progress, startTime, deps.clock.now().getTime(), suspended);
    if (end) conditions.push((target = stamp(end)));
  }
  let final: Condition | undefined;
  let active = progress.active;
  if (target) {
    for (const p of active) await stopPod(deps, cluster, job, p);
    if (progress.terminating === 0 && active.length === 0) {
      final = stamp({
        type: target.type === 'SuccessCriteriaMet' ? 'Complete' : 'Failed',
        status: 'True',
        ...(target.reason ? { reason: target.reason } : {}),
        ...(target.message ? { message: target.message } : {}),
      });
      conditions.push(final);
      if (final.type === 'Complete')
        await recordEvent(deps, cluster, job, 'Normal', 'Completed', 'Job completed', JOB_REF.component);
      else
        await recordEvent(
          deps,
          cluster,
          job,
          'Warning',
          final.reason ?? 'Failed',
          final.message ?? '',
          JOB_REF.component,
        );
    }
    active = [];
  } else if (suspended) {
    for (const p of active) await stopPod(deps, cluster, job, p);
    active = [];
    const was = conditions.find((c) => c.type === 'Suspended');
    if (was?.status !== 'True') {
      conditions = [
        ...conditions.filter((c) => c.type !== 'Suspended'),
        stamp({ type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }),
      ];
      await recordEvent(deps, cluster, job, 'Normal', 'Suspended', 'Job suspended', JOB_REF.component);
    }
  } else {
    if (conditions.some((c) => c.type === 'Suspended' && c.status === 'True')) {
      conditions = conditions.map((c) =>
        c.type === 'Suspended'
          ? stamp({ type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' })
          : c,
      );
      // A resumed Job's deadline counts from now: activeDeadlineSeconds is time spent running.
      startTime = now;
      await recordEvent(deps, cluster, job, 'Normal', 'Resumed', 'Job resumed', JOB_REF.component);
    }
    active = await startPods(deps, cluster, job, spec, progress);
  }
  const indexed = spec.completionMode === 'Indexed';
  const completedIndexes = indexed ? formatIndexes(progress.succeededIndexes) : '';
  const status = {
    ...(active.length ? { active: active.length } : {}),
    ...(progress.succeeded ? { succeeded: progress.succeeded } : {}),
    ...(progress.failed ? { failed: progress.failed } : {}),
    ready: active.length ? progress.ready : 0,
    terminating: progress.terminating,
    ...(startTime ? { startTime } : {}),
    ...(final?.type === 'Complete' ? { completionTime: now } : {}),
    ...(conditions.length ? { conditions } : {}),
    ...(completedIndexes ? { completedIndexes } : {}),
    ...(progress.failedIndexes ? { failedIndexes: formatIndexes(progress.failedIndexes) } : {}),
    uncountedTerminatedPods: {},
  };
  await writeStatus(deps, entry.key, uid, status);
}

/** The interim condition a running Job has reached, in the Job controller's order and words; undefined: none yet. */
function endOf(
  spec: JobSpecShape,
  progress: JobProgress,
  startTime: string | undefined,
  nowMs: number,
  suspended: boolean,
): Omit<Condition, 'lastProbeTime' | 'lastTransitionTime'> | undefined {
  const failure = (reason: string, message: string) => ({ type: 'FailureTarget', status: 'True', reason, message });
  if (progress.failJob) return failure('PodFailurePolicy', progress.failJob);
  if (progress.failed > (spec.backoffLimit ?? 6) || pastBackoffLimitOnFailure(spec, progress.active))
    return failure('BackoffLimitExceeded', 'Job has reached the specified backoff limit');
  const deadline = spec.activeDeadlineSeconds;
  if (!suspended && deadline !== undefined && startTime && nowMs - Date.parse(startTime) >= deadline * 1000)
    return failure('DeadlineExceeded', 'Job was active longer than specified deadline');
  const completions = spec.completions ?? 1;
  const failedIndexes = progress.failedIndexes?.size ?? 0;
  if (spec.maxFailedIndexes !== undefined && spec.maxFailedIndexes !== null && failedIndexes > spec.maxFailedIndexes)
    return failure('MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes');
  if (failedIndexes > 0 && failedIndexes + progress.succeededIndexes.size >= completions)
    return failure('FailedIndexes', 'Job has failed indexes');
  const met = (reason: string, message: string) => ({ type: 'SuccessCriteriaMet', status: 'True', reason, message });
  if (spec.completionMode === 'Indexed') {
    const rule = matchSuccessPolicy(
      spec.successPolicy as SuccessPolicy | undefined,
      completions,
      progress.succeededIndexes,
    );
    if (rule) return met('SuccessPolicy', rule);
  }
  // Without completions the Job is a work queue: done once a pod has succeeded and none is left running.
  const done =
    spec.completions === undefined || spec.completions === null
      ? progress.succeeded > 0 && progress.active.length === 0
      : progress.succeeded >= completions;
  if (done) return met('CompletionsReached', 'Reached expected number of succeeded pods');
  return undefined;
}

/** Starts the pods a running Job lacks (an Indexed Job: the lowest indexes not done); returns its active pods. */
async function startPods(
  deps: KubeDeps,
  cluster: string,
  job: KubeObject,
  spec: JobSpecShape,
  progress: JobProgress,
): Promise<KubeObject[]> {
  const name = metaOf(job).name as string;
  if (spec.completionMode !== 'Indexed') {
    const workQueue = spec.completions === undefined || spec.completions === null;
    const held = progress.occupying.length;
    const want = workQueue
      ? (progress.succeeded > 0 ? 0 : (spec.parallelism ?? 1)) - held
      : Math.min(spec.parallelism ?? 1, (spec.completions ?? 1) - progress.succeeded) - held;
    // A failed pod is replaced after the back-off (10 s, doubling with each failure since a success).
    if (!backoffOver(progress.backoff, deps.clock.now().getTime())) return progress.active;
    for (let i = 0; i < Math.min(want, BURST); i++) await createOwnedPod(deps, cluster, job, JOB_REF, spec.template);
    return progress.active;
  }
  const surplus = surplusIndexedPods(spec, progress);
  for (const p of surplus) await stopPod(deps, cluster, job, p);
  const kept = progress.active.filter((p) => !surplus.includes(p));
  const perIndex = spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null;
  const occupying = progress.occupying.filter((p) => !surplus.includes(p));
  for (const i of indexesToStart(spec, { ...progress, occupying }, deps.clock.now().getTime())) {
    const failures = perIndex ? (progress.failures.get(i) ?? { counted: 0, ignored: 0 }) : undefined;
    const { template, hostname } = indexedTemplate(name, spec.template, i, failures);
    await createOwnedPod(deps, cluster, job, JOB_REF, template, {
      generateName: indexedGenerateName(name, i),
      spec: { hostname },
    });
  }
  return kept;
}

/** Stops one of a Job's pods, with the Job's SuccessfulDelete event. */
const stopPod = (deps: KubeDeps, cluster: string, job: KubeObject, p: KubeObject) =>
  deleteOwnedPod(deps, cluster, job, p, JOB_REF.component, `Deleted pod: ${metaOf(p).name ?? ''}`);
