import type { KubeObject } from './meta.js';
import { metaOf } from './meta.js';
import { matchFailurePolicy, type PodFailurePolicy } from './job-failure-policy.js';
import { indexOf } from './job-indexes.js';
import type { JobSpecShape } from './job-rules.js';
import { isActive, isReady } from './owners.js';

/** Where a Job stands, read from its pods (finished pods are kept, so they are the record). */
export interface JobProgress {
  active: KubeObject[];
  /** Pods being deleted that have not finished. */
  terminating: number;
  /** The pods that hold a place: the active ones, and (podReplacementPolicy Failed) those still terminating. */
  occupying: KubeObject[];
  ready: number;
  succeeded: number;
  /** Failed pods that count (a podFailurePolicy's Ignore leaves some out). */
  failed: number;
  /** A FailJob rule's words, when a failed pod matched one. */
  failJob?: string;
  /** Indexed Jobs: the indexes done, and (with backoffLimitPerIndex) those that failed for good. */
  succeededIndexes: Set<number>;
  failedIndexes?: Set<number>;
  /** Indexed Jobs: each index's failures so far, counted and ignored (written on its next pod). */
  failures: Map<number, { counted: number; ignored: number }>;
  /** Failures since the last success and when the last of them ended (ms; undefined: not known). */
  backoff: { failures: number; lastAt?: number };
  /** Indexed Jobs: the same per index. */
  indexBackoff: Map<number, { failures: number; lastAt?: number }>;
}

/** When a pod ended: its containers' latest finish (ms), if its node said. */
function endedAt(p: KubeObject): number | undefined {
  const st = (p['status'] ?? {}) as Record<string, { state?: { terminated?: { finishedAt?: string } } }[] | undefined>;
  let at: number | undefined;
  for (const c of [...(st['initContainerStatuses'] ?? []), ...(st['containerStatuses'] ?? [])]) {
    const t = Date.parse(c.state?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(t) && (at === undefined || t > at)) at = t;
  }
  return at;
}

/** Failures after the last success, and the last failure's end (a pod with no end known ends no back-off). */
function backoffOf(ended: { failed: boolean; at?: number }[]): { failures: number; lastAt?: number } {
  const lastSuccess = ended.reduce((m, e) => (e.failed ? m : Math.max(m, e.at ?? Infinity)), -Infinity);
  const after = ended.filter((e) => e.failed && (e.at ?? Infinity) > lastSuccess);
  const lastAt = after.reduce<number | undefined>(
    (m, e) => (m === undefined || e.at === undefined ? undefined : Math.max(m, e.at)),
    after.length ? -Infinity : undefined,
  );
  return { failures: after.length, ...(lastAt !== undefined ? { lastAt } : {}) };
}

const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 600_000;

/**
 * Whether a failed pod may be replaced yet: the Job controller waits 10 s after the first failure
 * since the last success, doubling with each further one, up to 10 minutes.
 */
export function backoffOver(b: { failures: number; lastAt?: number }, nowMs: number): boolean {
  if (b.failures === 0 || b.lastAt === undefined) return true;
  return nowMs >= b.lastAt + Math.min(BACKOFF_BASE_MS * 2 ** Math.min(b.failures - 1, 20), BACKOFF_MAX_MS);
}

const phaseOf = (p: KubeObject) => (p['status'] as { phase?: string } | undefined)?.phase;

export function jobProgress(spec: JobSpecShape, pods: KubeObject[]): JobProgress {
  const indexed = spec.completionMode === 'Indexed';
  const completions = spec.completions ?? 1;
  const inRange = (i: number | undefined): i is number => i !== undefined && i < completions;
  const policy = spec.podFailurePolicy as PodFailurePolicy | undefined;
  const perIndex = spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null;
  const active = pods.filter(isActive);
  const succeededIndexes = new Set<number>();
  let succeeded = 0;
  for (const p of pods) {
    if (phaseOf(p) !== 'Succeeded') continue;
    succeeded++;
    const i = indexOf(p);
    if (indexed && inRange(i)) succeededIndexes.add(i);
  }
  let failed = 0;
  let failJob: string | undefined;
  const failures = new Map<number, { counted: number; ignored: number }>();
  const failIndex = new Set<number>();
  for (const p of pods) {
    if (phaseOf(p) !== 'Failed') continue;
    const verdict = policy ? matchFailurePolicy(policy, p) : undefined;
    if (verdict?.action === 'FailJob') failJob ??= verdict.message;
    const i = indexOf(p);
    if (indexed && inRange(i)) {
      const f = failures.get(i) ?? { counted: 0, ignored: 0 };
      if (verdict?.action === 'Ignore') f.ignored++;
      else f.counted++;
      failures.set(i, f);
      if (verdict?.action === 'FailIndex') failIndex.add(i);
    }
    if (verdict?.action !== 'Ignore') failed++;
  }
  const ended = pods
    .filter((p) => phaseOf(p) === 'Succeeded' || phaseOf(p) === 'Failed')
    .map((p) => ({ pod: p, failed: phaseOf(p) === 'Failed', at: endedAt(p) }));
  const indexBackoff = new Map<number, { failures: number; lastAt?: number }>();
  if (indexed)
    for (const i of new Set(ended.map((e) => indexOf(e.pod)).filter(inRange)))
      indexBackoff.set(i, backoffOf(ended.filter((e) => indexOf(e.pod) === i)));
  let failedIndexes: Set<number> | undefined;
  if (indexed && perIndex) {
    failedIndexes = new Set();
    for (const [i, f] of failures)
      if (!succeededIndexes.has(i) && (failIndex.has(i) || f.counted > (spec.backoffLimitPerIndex as number)))
        failedIndexes.add(i);
  }
  const terminating = pods.filter(
    (p) => metaOf(p).deletionTimestamp && !['Succeeded', 'Failed'].includes(phaseOf(p) ?? ''),
  );
  return {
    active,
    terminating: terminating.length,
    // A pod is replaced once it is terminating, or only once it has failed (podReplacementPolicy).
    occupying: spec.podReplacementPolicy === 'Failed' ? [...active, ...terminating] : active,
    ready: active.filter(isReady).length,
    succeeded: indexed ? succeededIndexes.size : succeeded,
    failed,
    ...(failJob ? { failJob } : {}),
    succeededIndexes,
    ...(failedIndexes ? { failedIndexes } : {}),
    failures,
    backoff: backoffOf(ended),
    indexBackoff,
  };
}

/** With restartPolicy OnFailure pods do not fail: their containers' restarts count against backoffLimit. */
export function pastBackoffLimitOnFailure(spec: JobSpecShape, active: KubeObject[]): boolean {
  if ((spec.template?.spec as { restartPolicy?: string } | undefined)?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of active) {
    const st = (p['status'] ?? {}) as Record<string, { restartCount?: number }[] | undefined>;
    for (const c of [...(st['initContainerStatuses'] ?? []), ...(st['containerStatuses'] ?? [])])
      restarts += c.restartCount ?? 0;
  }
  const limit = spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/**
 * The indexes an Indexed Job should start now: the lowest not done, not failed for good and not
 * running, as many as its parallelism leaves room for.
 */
export function indexesToStart(spec: JobSpecShape, progress: JobProgress, nowMs: number): number[] {
  const running = new Set(progress.occupying.map(indexOf));
  const room = (spec.parallelism ?? 1) - progress.occupying.length;
  const out: number[] = [];
  for (let i = 0; i < (spec.completions ?? 0) && out.length < Math.min(room, 50); i++)
    if (
      !progress.succeededIndexes.has(i) &&
      !progress.failedIndexes?.has(i) &&
      !running.has(i) &&
      backoffOver(progress.indexBackoff.get(i) ?? { failures: 0 }, nowMs)
    )
      out.push(i);
  return out;
}

/** Active pods an Indexed Job should not have: without a valid index, of an index done, or a second pod of one index. */
export function surplusIndexedPods(spec: JobSpecShape, progress: JobProgress): KubeObject[] {
  const seen = new Set<number>(progress.succeededIndexes);
  const byAge = [...progress.active].sort((a, b) =>
    String(metaOf(a).creationTimestamp ?? '').localeCompare(String(metaOf(b).creationTimestamp ?? '')),
  );
  return byAge.filter((p) => {
    const i = indexOf(p);
    if (i === undefined || i >= (spec.completions ?? 0) || seen.has(i)) return true;
    seen.add(i);
    return false;
  });
}
