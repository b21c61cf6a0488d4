import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { syncJob } from './jobs.js';
import { metaOf, type KubeObject } from './object.js';
import { createObject, getObject } from './objects.js';
import { testKube } from './test-kube.js';
import { conditionOf, end, indexOfPod, job, jobScope, ns, pods, reap, statusOf } from './jobs-test-kit.js';

describe('Kubernetes Indexed Jobs', () => {
  it('runs an Indexed Job: one pod per index, named and labelled by it, its hostname and JOB_COMPLETION_INDEX', async () => {
    const deps = await testKube();
    await createObject(deps, jobScope, job('ix', { completionMode: 'Indexed', completions: 3, parallelism: 2 }));
    await syncJob(deps, 'c', ns, 'ix');
    const first = pods(deps);
    assert.deepEqual(first.map(indexOfPod).sort(), [0, 1]);
    const zero = first.find((p) => indexOfPod(p) === 0) as KubeObject;
    assert.match(metaOf(zero).name as string, /^ix-0-[a-z0-9]{5}$/);
    assert.equal(metaOf(zero).labels?.['batch.kubernetes.io/job-completion-index'], '0');
    const spec = zero['spec'] as { hostname: string; containers: { env: unknown[] }[] };
    assert.equal(spec.hostname, 'ix-0');
    assert.deepEqual(spec.containers[0]?.env, [
      {
        name: 'JOB_COMPLETION_INDEX',
        valueFrom: {
          fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
        },
      },
    ]);
    // Index 1 fails: it runs again (a new pod of index 1) beside index 2.
    await end(deps, (p) => (indexOfPod(p) === 0 ? 'Succeeded' : 'Failed'));
    await syncJob(deps, 'c', ns, 'ix');
    const running = pods(deps).filter((p) => (p['status'] as { phase?: string } | undefined)?.phase === 'Pending');
    assert.deepEqual(running.map(indexOfPod).sort(), [1, 2]);
    assert.equal(statusOf(deps, 'ix')['completedIndexes'], '0');
    await end(deps, () => 'Succeeded');
    await syncJob(deps, 'c', ns, 'ix');
    const st = statusOf(deps, 'ix') as { completedIndexes: string; succeeded: number; failed: number };
    assert.equal(st.completedIndexes, '0-2');
    assert.equal(st.succeeded, 3);
    assert.equal(st.failed, 1);
    assert.equal(conditionOf(deps, 'ix', 'Complete')?.reason, 'CompletionsReached');
    await assert.rejects(
      createObject(deps, jobScope, job('nocount', { completionMode: 'Indexed', parallelism: 2 })),
      /spec\.completions: Required value: when completion mode is Indexed/,
    );
  });

  it('gives each index its own backoff limit, records failures on the next pod, and fails the Job with its failed indexes', async () => {
    const deps = await testKube();
    await createObject(
      deps,
      jobScope,
      job('per', { completionMode: 'Indexed', completions: 4, parallelism: 2, backoffLimitPerIndex: 1 }),
    );
    assert.equal((getObject(deps, jobScope, 'per')['spec'] as { backoffLimit: number }).backoffLimit, 2147483647);
    // Odd indexes fail every time, even ones succeed.
    for (let pass = 0; pass < 6; pass++) {
      await syncJob(deps, 'c', ns, 'per');
      await end(deps, (p) => (indexOfPod(p) % 2 ? 'Failed' : 'Succeeded'));
    }
    await syncJob(deps, 'c', ns, 'per');
    const st = statusOf(deps, 'per') as {
      failedIndexes: string;
      completedIndexes: string;
      failed: number;
      succeeded: number;
    };
    assert.deepEqual([st.failedIndexes, st.completedIndexes, st.failed, st.succeeded], ['1,3', '0,2', 4, 2]);
    assert.equal(conditionOf(deps, 'per', 'Failed')?.reason, 'FailedIndexes');
    const retried = pods(deps).filter((p) => indexOfPod(p) === 1);
    assert.deepEqual(
      retried.map((p) => metaOf(p).annotations?.['batch.kubernetes.io/job-index-failure-count']).sort(),
      ['0', '1'],
    );
    await assert.rejects(
      createObject(deps, jobScope, job('bad', { backoffLimitPerIndex: 1, completions: 2 })),
      /spec\.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode/,
    );
  });

  it('fails an index at once on a FailIndex rule, and the Job when maxFailedIndexes is passed', async () => {
    const deps = await testKube();
    const failIndex = {
      rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } }],
    };
    await createObject(
      deps,
      jobScope,
      job('fi', {
        completionMode: 'Indexed',
        completions: 2,
        parallelism: 2,
        backoffLimitPerIndex: 1,
        podFailurePolicy: failIndex,
      }),
    );
    await syncJob(deps, 'c', ns, 'fi');
    await end(deps, (p) => (indexOfPod(p) === 1 ? 'Failed' : 'Succeeded'));
    await syncJob(deps, 'c', ns, 'fi');
    const st = statusOf(deps, 'fi') as { failedIndexes: string; completedIndexes: string; failed: number };
    assert.deepEqual([st.failedIndexes, st.completedIndexes, st.failed], ['1', '0', 1]);
    assert.equal(conditionOf(deps, 'fi', 'Failed')?.reason, 'FailedIndexes');
    await createObject(
      deps,
      jobScope,
      job('max', {
        completionMode: 'Indexed',
        completions: 4,
        parallelism: 1,
        backoffLimitPerIndex: 0,
        maxFailedIndexes: 0,
      }),
    );
    await syncJob(deps, 'c', ns, 'max');
    await end(deps, () => 'Failed');
    await syncJob(deps, 'c', ns, 'max');
    assert.equal(conditionOf(deps, 'max', 'Failed')?.reason, 'MaxFailedIndexesExceeded');
    assert.equal((statusOf(deps, 'max') as { failedIndexes: string }).failedIndexes, '0');
    await assert.rejects(
      createObject(deps, jobScope, job('nofi', { podFailurePolicy: failIndex })),
      /spec\.podFailurePolicy\.rules\[0\]\.action: Unsupported value: "FailIndex": supported values: "Count", "FailJob", "Ignore"/,
    );
  });

  it('succeeds by its successPolicy: the interim condition, the running pods stopped, then Complete', async () => {
    const deps = await testKube();
    await createObject(
      deps,
      jobScope,
      job('sp', {
        completionMode: 'Indexed',
        completions: 5,
        parallelism: 2,
        successPolicy: { rules: [{ succeededIndexes: '0' }] },
      }),
    );
    await syncJob(deps, 'c', ns, 'sp');
    await end(deps, (p) => (indexOfPod(p) === 0 ? 'Succeeded' : undefined));
    await syncJob(deps, 'c', ns, 'sp');
    assert.equal(conditionOf(deps, 'sp', 'SuccessCriteriaMet')?.reason, 'SuccessPolicy');
    assert.equal(conditionOf(deps, 'sp', 'Complete'), undefined, 'not before its pods have stopped');
    // Index 1's pod was stopped; the unfinished indexes get no more.
    const phase = (p: KubeObject) => (p['status'] as { phase?: string }).phase;
    assert.ok(pods(deps).every((p) => phase(p) === 'Succeeded' || metaOf(p).deletionTimestamp));
    await reap(deps);
    await syncJob(deps, 'c', ns, 'sp');
    const complete = conditionOf(deps, 'sp', 'Complete') as { reason: string; message: string };
    assert.deepEqual([complete.reason, complete.message], ['SuccessPolicy', 'Matched rules at index 0']);
    assert.equal((statusOf(deps, 'sp') as { completedIndexes: string }).completedIndexes, '0');
    await assert.rejects(
      createObject(deps, jobScope, job('spx', { completions: 2, successPolicy: { rules: [{ succeededCount: 1 }] } })),
      /spec\.successPolicy: Invalid value: requires indexed completion mode/,
    );
  });
});
