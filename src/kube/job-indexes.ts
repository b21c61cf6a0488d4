import { metaOf, type KubeObject } from './meta.js';

/**
 * An Indexed Job's completion indexes: each pod of index i carries it in an annotation and a label
 * (`batch.kubernetes.io/job-completion-index`), in `JOB_COMPLETION_INDEX` and in its hostname
 * `<job>-<i>`; the Job's status lists the indexes done as intervals ("0-2,4").
 */

/** A pod template, as a Job's spec holds it. */
export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: object;
}

export const INDEX_KEY = 'batch.kubernetes.io/job-completion-index';
export const FAILURE_COUNT_KEY = 'batch.kubernetes.io/job-index-failure-count';
export const IGNORED_FAILURE_COUNT_KEY = 'batch.kubernetes.io/job-index-ignored-failure-count';

/** A pod's completion index; undefined when it has none (or a malformed one). */
export function indexOf(pod: KubeObject): number | undefined {
  const v = metaOf(pod).annotations?.[INDEX_KEY];
  if (v === undefined || !/^(0|[1-9]\d{0,8})$/.test(v)) return undefined;
  return Number(v);
}

/** Indexes in the API's interval form: ascending, runs joined ("0-2,4"). */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * Parses the interval form the API accepts (successPolicy's succeededIndexes): ordered,
 * non-overlapping, each below `completions`. Returns the indexes or the API server's complaint.
 */
export function parseIndexes(text: string, completions: number): { indexes: number[] } | { problem: string } {
  if (text.length > 65536) return { problem: 'must not be longer than 65536 characters' };
  const indexes: number[] = [];
  let last = -1;
  for (const part of text.split(',')) {
    const m = /^(\d{1,9})(?:-(\d{1,9}))?$/.exec(part);
    if (!m) return { problem: `cannot convert string to integer for index: "${part}"` };
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return { problem: `non-increasing order, previous: ${from}, current: ${to}` };
    if (from <= last) return { problem: `non-increasing order, previous: ${last}, current: ${from}` };
    if (to >= completions) return { problem: `too large: ${to}` };
    for (let i = from; i <= to; i++) indexes.push(i);
    last = to;
  }
  return { indexes };
}

/**
 * The name the Job controller gives index i's pods (`<job>-<i>-` then five random characters),
 * the job's name cut so that the whole stays a valid name.
 */
export function indexedGenerateName(job: string, index: number): string {
  const suffix = `-${index}-`;
  return job.slice(0, 58 - suffix.length) + suffix;
}

/** The template of index i's pod: its index and failure counts written, its hostname, JOB_COMPLETION_INDEX in every container. */
export function indexedTemplate(
  job: string,
  template: PodTemplate,
  index: number,
  failures?: { counted: number; ignored: number },
): { template: PodTemplate; hostname: string } {
  const t = JSON.parse(JSON.stringify(template)) as PodTemplate & { spec?: Record<string, unknown> };
  const meta = (t.metadata ??= {});
  meta.annotations = {
    ...(meta.annotations ?? {}),
    [INDEX_KEY]: String(index),
    ...(failures
      ? {
          [FAILURE_COUNT_KEY]: String(failures.counted),
          ...(failures.ignored ? { [IGNORED_FAILURE_COUNT_KEY]: String(failures.ignored) } : {}),
        }
      : {}),
  };
  meta.labels = { ...(meta.labels ?? {}), [INDEX_KEY]: String(index) };
  const spec = (t.spec ??= {});
  for (const list of ['initContainers', 'containers'] as const) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers as { env?: { name: string }[] }[]) {
      if ((c.env ?? []).some((e) => e.name === 'JOB_COMPLETION_INDEX')) continue;
      c.env = [
        ...(c.env ?? []),
        {
          name: 'JOB_COMPLETION_INDEX',
          valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${INDEX_KEY}']` } },
        } as { name: string },
      ];
    }
  }
  return { template: t, hostname: `${job}-${index}` };
}
