import { cronOf, cronSpecOf, CRON_JOB } from './cron-job-kind.js';
import type { KubeDeps } from './deps.js';
import { deleteObject } from './delete.js';
import { recordEvent } from './events.js';
import { JOB } from './kinds.js';
import { kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject } from './object.js';
import { createUnlessExists } from './objects.js';
import { writeStatus } from './owned-pods.js';
import { ownedBy, ownerReference } from './owners.js';
import { rfc3339 } from './write-rules.js';

/** Runs at most this many missed times are counted back; past it, only the latest is run (as the controller does). */
const MAX_MISSED = 100;
const COMPONENT = 'cronjob-controller';

type JobCondition = { type: string; status: string };
const finishedAs = (job: KubeObject): 'Complete' | 'Failed' | undefined =>
  (((job['status'] as { conditions?: JobCondition[] } | undefined)?.conditions ?? []).find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  )?.type as 'Complete' | 'Failed' | undefined) ?? undefined;

/** The latest time the schedule names after `since` and not after `now`, if any. */
export function latestRun(
  schedule: string,
  timeZone: string | undefined,
  since: number,
  now: number,
): number | undefined {
  const cron = cronOf(schedule, timeZone);
  if (typeof cron === 'string') return undefined;
  let latest: number | undefined;
  let t = cron.nextRun(new Date(since));
  for (let n = 0; t && t.getTime() <= now; n++) {
    latest = t.getTime();
    // Far behind (a long suspension, a stopped server): only the latest one counts, as with the controller.
    if (n >= MAX_MISSED) {
      // (croner's reference is exclusive at second granularity: a second on, then the first not after now.)
      const back = cron.previousRuns(2, new Date(now + 1000)).find((d) => d.getTime() <= now);
      if (back) latest = back.getTime();
      break;
    }
    t = cron.nextRun(t);
  }
  return latest;
}

/**
 * The CronJob controller: at each time its schedule names (in its time zone), a Job of its
 * template named `<cronjob>-<minutes since the epoch>` (so a time is run once, whichever server
 * runs it), unless too late for startingDeadlineSeconds, or Forbid finds one still running
 * (Replace deletes those first); finished Jobs beyond the history limits are deleted; the status
 * lists the active Jobs and the last schedule and success times.
 */
export async function syncCronJob(deps: KubeDeps, cluster: string, namespace: string, name: string): Promise<void> {
  const scope = { cluster, kind: CRON_JOB, namespace };
  const jobScope = { cluster, kind: JOB, namespace };
  const key = objectKey(scope, name);
  const { cj, jobs } = deps.store.read((tx) => {
    const e = tx.get(kubeObjects, key);
    const uid = e && metaOf(e.value.object).uid;
    return {
      cj: e?.value.object,
      jobs: tx
        .list(kubeObjects, { prefix: resourcePrefix(jobScope) })
        .map((x) => x.value.object)
        .filter((j) => uid && ownedBy(j, uid)),
    };
  });
  if (!cj || metaOf(cj).deletionTimestamp) return;
  const uid = metaOf(cj).uid as string;
  const s = cronSpecOf(cj);
  const prev = (cj['status'] ?? {}) as {
    active?: { uid: string }[];
    lastScheduleTime?: string;
    lastSuccessfulTime?: string;
  };
  const now = deps.clock.now().getTime();
  const event = (type: 'Normal' | 'Warning', reason: string, message: string) =>
    recordEvent(deps, cluster, cj, type, reason, message, COMPONENT);
  const wasActive = new Set((prev.active ?? []).map((a) => a.uid));
  let active = jobs.filter((j) => !finishedAs(j) && !metaOf(j).deletionTimestamp);
  for (const j of jobs) {
    const how = finishedAs(j);
    if (how && wasActive.has(metaOf(j).uid ?? ''))
      await event('Normal', 'SawCompletedJob', `Saw completed job: ${metaOf(j).name ?? ''}, condition: ${how}`);
  }
  // History: the newest finished Jobs of each kind are kept, up to their limits.
  for (const [how, limit] of [
    ['Complete', s.successfulJobsHistoryLimit ?? 3],
    ['Failed', s.failedJobsHistoryLimit ?? 1],
  ] as const) {
    const done = jobs
      .filter((j) => finishedAs(j) === how && !metaOf(j).deletionTimestamp)
      .sort((a, b) => String(metaOf(b).creationTimestamp).localeCompare(String(metaOf(a).creationTimestamp)));
    for (const j of done.slice(limit)) {
      await deleteObject(deps, jobScope, metaOf(j).name ?? '', { propagationPolicy: 'Background' }).catch(
        () => undefined,
      );
      await event('Normal', 'SuccessfulDelete', `Deleted job ${metaOf(j).name ?? ''}`);
    }
  }
  let lastScheduleTime = prev.lastScheduleTime;
  const since = Date.parse(prev.lastScheduleTime ?? String(metaOf(cj).creationTimestamp));
  const due = s.suspend || Number.isNaN(since) ? undefined : latestRun(s.schedule, s.timeZone, since, now);
  if (due !== undefined) {
    const tooLate = s.startingDeadlineSeconds !== undefined && now - due > s.startingDeadlineSeconds * 1000;
    const jobName = `${name}-${Math.floor(due / 60_000)}`;
    if (tooLate) {
      await event('Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc3339(due)}`);
      lastScheduleTime = rfc3339(due);
    } else if (jobs.some((j) => metaOf(j).name === jobName)) lastScheduleTime = rfc3339(due);
    else if (s.concurrencyPolicy === 'Forbid' && active.length) {
      // Not run: the next sync looks again, and runs it if the running Job ends in time.
    } else {
      if (s.concurrencyPolicy === 'Replace')
        for (const j of active) {
          await deleteObject(deps, jobScope, metaOf(j).name ?? '', { propagationPolicy: 'Background' }).catch(
            () => undefined,
          );
          await event('Normal', 'SuccessfulDelete', `Deleted job ${metaOf(j).name ?? ''}`);
        }
      if (s.concurrencyPolicy === 'Replace') active = [];
      // Another server's controller may have made it first.
      const made = await createUnlessExists(deps, jobScope, {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: jobName,
          ...(s.jobTemplate.metadata?.labels ? { labels: s.jobTemplate.metadata.labels } : {}),
          annotations: {
            ...(s.jobTemplate.metadata?.annotations ?? {}),
            'batch.kubernetes.io/cronjob-scheduled-timestamp': rfc3339(due),
          },
          ownerReferences: [ownerReference(cj, 'batch/v1', 'CronJob')],
        },
        spec: JSON.parse(JSON.stringify(s.jobTemplate.spec)) as object,
      });
      if (made) {
        active.push(made.object);
        await event('Normal', 'SuccessfulCreate', `Created job ${jobName}`);
      }
      lastScheduleTime = rfc3339(due);
    }
  }
  const succeeded = jobs
    .filter((j) => finishedAs(j) === 'Complete')
    .map((j) => (j['status'] as { completionTime?: string }).completionTime ?? '')
    .sort();
  const lastSuccessfulTime = succeeded.at(-1) || prev.lastSuccessfulTime;
  await writeStatus(deps, key, uid, {
    ...(active.length
      ? {
          active: active.map((j) => ({
            kind: 'Job',
            namespace,
            name: metaOf(j).name ?? '',
            uid: metaOf(j).uid ?? '',
            apiVersion: 'batch/v1',
          })),
        }
      : {}),
    ...(lastScheduleTime ? { lastScheduleTime } : {}),
    ...(lastSuccessfulTime ? { lastSuccessfulTime } : {}),
  });
}
