import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/index.js';
import { CRON_JOB } from './cron-job-kind.js';
import { latestRun, syncCronJob } from './cron-jobs.js';
import { JOB } from './kinds.js';
import { listObjects } from './list.js';
import { kubeObjects, metaOf, objectKey } from './object.js';
import { createObject, getObject } from './objects.js';
import { testKube } from './test-kube.js';

const at = (kind: typeof JOB) => ({ cluster: 'c', kind, namespace: 'default' });
const template = {
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'app' }] } } },
};
const cronJob = (name: string, spec: Record<string, unknown>) => ({
  metadata: { name },
  spec: { schedule: '*/5 * * * *', jobTemplate: template, ...spec },
});
const minute = 60_000;

describe('CronJobs', () => {
  it('finds the latest scheduled time, in the schedule’s time zone', () => {
    const t0 = Date.UTC(2026, 0, 1, 0, 0);
    assert.equal(latestRun('*/5 * * * *', undefined, t0, t0 + 12 * minute), t0 + 10 * minute);
    assert.equal(latestRun('*/5 * * * *', undefined, t0, t0 + 4 * minute), undefined);
    // 09:00 in Tokyo is 00:00 UTC.
    assert.equal(latestRun('0 9 * * *', 'Asia/Tokyo', t0 - minute, t0 + minute), t0);
    assert.equal(latestRun('@hourly', undefined, t0, t0 + 61 * minute), t0 + 60 * minute);
    // Far behind: the latest time still, not the 101st.
    assert.equal(latestRun('* * * * *', undefined, t0, t0 + 1000 * minute), t0 + 1000 * minute);
  });

  it('refuses schedules and time zones the API server refuses, naming the field', async () => {
    const deps = await testKube();
    for (const [spec, re] of [
      [{ schedule: '* * * *' }, /spec\.schedule: Invalid value: "\* \* \* \*": expected exactly 5 fields, found 4/],
      [{ schedule: '61 * * * *' }, /spec\.schedule: Invalid value: "61 \* \* \* \*":/],
      [{ schedule: 'TZ=UTC * * * * *' }, /cannot use TZ or CRON_TZ in schedule, use timeZone field instead/],
      [{ timeZone: 'Mars/Olympus' }, /spec\.timeZone: Invalid value: "Mars\/Olympus": unknown time zone Mars\/Olympus/],
      [
        { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'm', image: 'a' }] } } } } },
        /spec\.jobTemplate\.spec\.template\.spec\.restartPolicy: Unsupported value: "Always"/,
      ],
    ] as const)
      await assert.rejects(
        createObject(deps, at(CRON_JOB), cronJob('bad', spec)),
        (e: unknown) => e instanceof BerthError && re.test(e.message),
      );
  });

  it('makes one Job per scheduled time, keeps Forbid from overlapping, and keeps the history to its limit', async () => {
    const deps = await testKube();
    const { object } = await createObject(
      deps,
      at(CRON_JOB),
      cronJob('tick', { concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 1 }),
    );
    const created = Date.parse(String(metaOf(object).creationTimestamp));
    const jobs = () => listObjects(deps, at(JOB)).items;
    await syncCronJob(deps, 'c', 'default', 'tick');
    assert.deepEqual(jobs(), [], 'nothing before the first time');
    deps.clock.advance(5 * minute);
    await syncCronJob(deps, 'c', 'default', 'tick');
    await syncCronJob(deps, 'c', 'default', 'tick');
    const first = jobs();
    const due = Math.floor((created + 5 * minute) / (5 * minute)) * 5 * minute;
    assert.deepEqual(
      first.map((j) => metaOf(j).name),
      [`tick-${due / minute}`],
    );
    assert.equal(metaOf(first[0] ?? {}).ownerReferences?.[0]?.kind, 'CronJob');
    const st = getObject(deps, at(CRON_JOB), 'tick')['status'] as {
      active: { name: string }[];
      lastScheduleTime: string;
    };
    assert.deepEqual(
      st.active.map((a) => a.name),
      [`tick-${due / minute}`],
    );
    assert.equal(st.lastScheduleTime, new Date(due).toISOString().replace('.000Z', 'Z'));
    // Forbid: the next time comes while the first still runs: no second Job.
    deps.clock.advance(5 * minute);
    await syncCronJob(deps, 'c', 'default', 'tick');
    assert.equal(jobs().length, 1);
    // The first completes: the due time runs now; then with the limit of 1 only the newest finished Job stays.
    const finish = async (name: string) => {
      const key = objectKey(at(JOB), name);
      await deps.store.transact((tx) => {
        const e = tx.get(kubeObjects, key);
        tx.put(kubeObjects, {
          key,
          object: {
            ...e?.value.object,
            status: { conditions: [{ type: 'Complete', status: 'True' }], completionTime: '2026-01-01T00:00:00Z' },
          },
        });
      });
    };
    await finish(`tick-${due / minute}`);
    await syncCronJob(deps, 'c', 'default', 'tick');
    assert.equal(jobs().length, 2);
    const second = jobs().find((j) => metaOf(j).name !== `tick-${due / minute}`);
    await finish(metaOf(second ?? {}).name ?? '');
    await syncCronJob(deps, 'c', 'default', 'tick');
    assert.deepEqual(
      jobs().map((j) => metaOf(j).name),
      [metaOf(second ?? {}).name],
    );
  });
});
