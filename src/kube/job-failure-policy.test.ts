import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { syncJob } from './jobs.js';
import { JOB, POD } from './kinds.js';
import { listObjects } from './list.js';
import { kubeObjects, metaOf, objectKey, type KubeObject } from './object.js';
import { createObject, getObject } from './objects.js';
import { testKube } from './test-kube.js';

type Deps = Awaited<ReturnType<typeof testKube>>;
const jobScope = { cluster: 'c', kind: JOB, namespace: 'default' };
const podScope = { cluster: 'c', kind: POD, namespace: 'default' };
const pods = (deps: Deps) => listObjects(deps, podScope, {}).items;
const job = (name: string, rules: unknown[], extra: object = {}, restartPolicy = 'Never') => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name },
  spec: {
    backoffLimit: 1,
    podFailurePolicy: { rules },
    ...extra,
    template: { spec: { restartPolicy, containers: [{ name: 'main', image: 'i' }] } },
  },
});

/** The running pods fail, as their node would report them: `main` exits with `code`, or the pod gets `condition`. */
async function fail(deps: Deps, code: number, condition?: string): Promise<void> {
  await deps.store.transact((tx) => {
    for (const p of pods(deps)) {
      if ((p['status'] as { phase?: string } | undefined)?.phase === 'Failed') continue;
      const key = objectKey(podScope, metaOf(p).name as string);
      const e = tx.get(kubeObjects, key);
      if (!e) continue;
      const status = {
        phase: 'Failed',
        containerStatuses: [{ name: 'main', state: { terminated: { exitCode: code, reason: 'Error' } } }],
        ...(condition ? { conditions: [{ type: condition, status: 'True' }] } : {}),
      };
      tx.put(kubeObjects, { key, object: { ...e.value.object, status } });
    }
  });
}
const failedCondition = (deps: Deps, name: string) =>
  (
    (
      getObject(deps, jobScope, name)['status'] as {
        conditions?: { type: string; reason?: string; message?: string }[];
      }
    ).conditions ?? []
  ).find((c) => c.type === 'Failed');

describe('a Job’s podFailurePolicy', () => {
  it('fails the Job at once on a FailJob exit code, and keeps Ignore’d failures off the backoff count', async () => {
    const deps = await testKube();
    const rules = [
      { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
    ];
    await createObject(deps, jobScope, job('j', rules));
    // Three disruptions, ignored: no failure counted against a backoffLimit of 1, a pod each time.
    for (let i = 0; i < 3; i++) {
      await syncJob(deps, 'c', 'default', 'j');
      await fail(deps, 137, 'DisruptionTarget');
    }
    await syncJob(deps, 'c', 'default', 'j');
    assert.equal(failedCondition(deps, 'j'), undefined);
    assert.equal(pods(deps).length, 4);
    // Exit code 42: FailJob, in the API server's words.
    await fail(deps, 42);
    await syncJob(deps, 'c', 'default', 'j');
    const failed = failedCondition(deps, 'j');
    assert.equal(failed?.reason, 'PodFailurePolicy');
    const last = pods(deps).find(
      (p) =>
        ((p['status'] as { containerStatuses?: unknown[] }).containerStatuses ?? []).length &&
        !(p['status'] as { conditions?: unknown }).conditions,
    ) as KubeObject;
    assert.equal(
      failed?.message,
      `Container main for pod default/${metaOf(last).name} failed with exit code 42 matching FailJob rule at index 0`,
    );
  });

  it('counts a failure no rule matches, as without a policy', async () => {
    const deps = await testKube();
    await createObject(
      deps,
      jobScope,
      job('k', [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }]),
    );
    for (let i = 0; i < 2; i++) {
      await syncJob(deps, 'c', 'default', 'k');
      await fail(deps, 1);
    }
    await syncJob(deps, 'c', 'default', 'k');
    assert.equal(failedCondition(deps, 'k')?.reason, 'BackoffLimitExceeded');
  });

  it('is checked as the API server checks it', async () => {
    const deps = await testKube();
    const refused = (o: object) =>
      createObject(deps, jobScope, o).then(
        () => '',
        (e: Error) => e.message,
      );
    assert.match(
      await refused(job('a', [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }], {}, 'OnFailure')),
      /spec\.template\.spec\.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified/,
    );
    assert.match(
      await refused(job('b', [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [3, 1, 0] } }])),
      /values\[1\]: Invalid value: 1: must be ordered.*values\[2\]: Invalid value: 0: must be ordered/,
    );
    assert.match(
      await refused(job('c', [{ action: 'Explode', onPodConditions: [{ type: 'X' }] }])),
      /rules\[0\]\.action: Unsupported value: "Explode"/,
    );
    assert.match(
      await refused(
        job('d', [{ action: 'Count', onExitCodes: { containerName: 'nope', operator: 'NotIn', values: [1] } }]),
      ),
      /containerName: Invalid value: "nope": must be one of the container or initContainer names in the pod template/,
    );
    assert.match(
      await refused(job('e', [{ action: 'Ignore' }])),
      /rules\[0\]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required/,
    );
  });
});
