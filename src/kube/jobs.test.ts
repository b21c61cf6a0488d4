import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JOB, POD } from './kinds.js';
import { syncJob } from './jobs.js';
import { listObjects } from './list.js';
import { kubeObjects, metaOf, objectKey, type KubeObject } from './object.js';
import { createObject, getObject, updateObject } from './objects.js';
import { testKube } from './test-kube.js';

const ns = 'default';
const podScope = { cluster: 'c', kind: POD, namespace: ns };
type Deps = Awaited<ReturnType<typeof testKube>>;
const pods = (deps: Deps) => listObjects(deps, podScope).items;

describe('Kubernetes Jobs', () => {
  const jobScope = { cluster: 'c', kind: JOB, namespace: ns };
  const job = (name: string, spec: object = {}) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'i' }] } } },
  });
  /** The job's running pods end, as their node would report them. */
  async function finish(deps: Deps, phase: 'Succeeded' | 'Failed', n = Infinity): Promise<void> {
    let left = n;
    await deps.store.transact((tx) => {
      for (const p of pods(deps)) {
        const st = (p['status'] as { phase?: string } | undefined)?.phase;
        if (left <= 0 || st === 'Succeeded' || st === 'Failed') continue;
        left--;
        const key = objectKey(podScope, metaOf(p).name as string);
        const e = tx.get(kubeObjects, key);
        if (e) tx.put(kubeObjects, { key, object: { ...e.value.object, status: { phase } } });
      }
    });
  }
  const conditionOf = (deps: Deps, name: string, type: string) =>
    (
      (
        getObject(deps, jobScope, name)['status'] as {
          conditions?: { type: string; status: string; reason?: string; message?: string }[];
        }
      ).conditions ?? []
    ).find((c) => c.type === type);

  it('without completions is a work queue: parallelism pods, none more after a success, Complete when none runs', async () => {
    const deps = await testKube();
    const { object } = await createObject(deps, jobScope, job('q', { parallelism: 2 }));
    assert.equal((object['spec'] as { completions?: number }).completions, undefined);
    await syncJob(deps, 'c', ns, 'q');
    assert.equal(pods(deps).length, 2);
    await finish(deps, 'Succeeded', 1);
    await syncJob(deps, 'c', ns, 'q');
    assert.equal(pods(deps).length, 2, 'no pod replaces a success');
    assert.equal(conditionOf(deps, 'q', 'Complete'), undefined);
    await finish(deps, 'Succeeded');
    await syncJob(deps, 'c', ns, 'q');
    assert.equal(conditionOf(deps, 'q', 'Complete')?.status, 'True');
  });

  it('runs pods to its completions, parallelism at a time, then is Complete', async () => {
    const deps = await testKube();
    const { object } = await createObject(deps, jobScope, job('j', { completions: 3, parallelism: 2 }));
    const labels = (object['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template.metadata
      .labels;
    assert.equal(labels['batch.kubernetes.io/job-name'], 'j');
    await syncJob(deps, 'c', ns, 'j');
    assert.equal(pods(deps).length, 2);
    await finish(deps, 'Succeeded');
    await syncJob(deps, 'c', ns, 'j');
    assert.equal(pods(deps).length, 3, 'one more for the last completion');
    await finish(deps, 'Succeeded');
    await syncJob(deps, 'c', ns, 'j');
    assert.equal(conditionOf(deps, 'j', 'Complete')?.status, 'True');
    assert.equal((getObject(deps, jobScope, 'j')['status'] as { succeeded: number }).succeeded, 3);
    await assert.rejects(
      updateObject(deps, jobScope, 'j', (cur) => ({
        ...cur,
        spec: {
          ...(cur['spec'] as object),
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'other' }] } },
        },
      })),
      /spec\.template: Invalid value: field is immutable/,
    );
  });

  it('fails once more pods have failed than its backoffLimit, and refuses a restartPolicy of Always', async () => {
    const deps = await testKube();
    await createObject(deps, jobScope, job('f', { backoffLimit: 1 }));
    for (let i = 0; i < 3; i++) {
      await syncJob(deps, 'c', ns, 'f');
      await finish(deps, 'Failed');
    }
    await syncJob(deps, 'c', ns, 'f');
    assert.equal(conditionOf(deps, 'f', 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.equal(pods(deps).length, 2);
    await assert.rejects(
      createObject(deps, jobScope, {
        ...job('a'),
        spec: { template: { spec: { containers: [{ name: 'm', image: 'i' }] } } },
      }),
      /spec\.template\.spec\.restartPolicy: Unsupported value: "Always"/,
    );
  });
  const indexOfPod = (p: KubeObject) => Number(metaOf(p).annotations?.['batch.kubernetes.io/job-completion-index']);
  const statusOf = (deps: Deps, name: string) => getObject(deps, jobScope, name)['status'] as Record<string, unknown>;
  /** Ends the running pods `pick` names, as their node would report them (a failure with its exit code). */
  async function end(deps: Deps, pick: (p: KubeObject) => 'Succeeded' | 'Failed' | undefined, exitCode = 1) {
    await deps.store.transact((tx) => {
      for (const p of pods(deps)) {
        const st = (p['status'] as { phase?: string } | undefined)?.phase;
        const phase = pick(p);
        if (!phase || st === 'Succeeded' || st === 'Failed') continue;
        const key = objectKey(podScope, metaOf(p).name as string);
        const e = tx.get(kubeObjects, key);
        const terminated = { exitCode: phase === 'Succeeded' ? 0 : exitCode };
        if (e)
          tx.put(kubeObjects, {
            key,
            object: {
              ...e.value.object,
              status: { phase, containerStatuses: [{ name: 'm', state: { terminated } }] },
            },
          });
      }
    });
  }
  /** Deleting pods go (as their node would confirm). */
  async function reap(deps: Deps) {
    await deps.store.transact((tx) => {
      for (const p of pods(deps))
        if (metaOf(p).deletionTimestamp) tx.delete(kubeObjects, objectKey(podScope, metaOf(p).name as string));
    });
  }

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

  it('suspends a Job (no pods, Suspended), lets its scheduling directives change, and resumes it', async () => {
    const deps = await testKube();
    await createObject(deps, jobScope, job('s', { completions: 2, parallelism: 2, suspend: true }));
    await syncJob(deps, 'c', ns, 's');
    assert.equal(pods(deps).length, 0);
    assert.equal(conditionOf(deps, 's', 'Suspended')?.reason, 'JobSuspended');
    assert.equal(statusOf(deps, 's')['startTime'], undefined);
    // A queueing controller places the Job before it lets it start.
    await updateObject(deps, jobScope, 's', (cur) => {
      const next = structuredClone(cur);
      const spec = next['spec'] as { template: { spec: Record<string, unknown> } };
      spec.template.spec['nodeSelector'] = { zone: 'a' };
      return next;
    });
    await updateObject(deps, jobScope, 's', (cur) => ({
      ...cur,
      spec: { ...(cur['spec'] as object), suspend: false },
    }));
    await syncJob(deps, 'c', ns, 's');
    assert.equal(pods(deps).length, 2);
    assert.deepEqual((pods(deps)[0]?.['spec'] as { nodeSelector: object }).nodeSelector, { zone: 'a' });
    const resumed = conditionOf(deps, 's', 'Suspended') as { status: string; reason: string };
    assert.deepEqual([resumed.status, resumed.reason], ['False', 'JobResumed']);
    assert.ok(statusOf(deps, 's')['startTime']);
    // Started, its template is fixed again; suspended again, its pods go.
    await assert.rejects(
      updateObject(deps, jobScope, 's', (cur) => {
        const next = structuredClone(cur);
        const spec = next['spec'] as { suspend: boolean; template: { spec: Record<string, unknown> } };
        spec.suspend = true;
        spec.template.spec['nodeSelector'] = { zone: 'b' };
        return next;
      }),
      /spec\.template: Invalid value: field is immutable/,
    );
    await updateObject(deps, jobScope, 's', (cur) => ({ ...cur, spec: { ...(cur['spec'] as object), suspend: true } }));
    await syncJob(deps, 'c', ns, 's');
    assert.ok(pods(deps).every((p) => metaOf(p).deletionTimestamp));
    assert.equal(conditionOf(deps, 's', 'Suspended')?.status, 'True');
  });

  it('adopts an orphan that matches its selector and releases a pod whose labels no longer match', async () => {
    const deps = await testKube();
    await createObject(deps, jobScope, job('own', { completions: 4, parallelism: 2 }));
    await syncJob(deps, 'c', ns, 'own');
    const [a, b] = pods(deps) as [KubeObject, KubeObject];
    await updateObject(deps, podScope, metaOf(a).name as string, (cur) => {
      const next = structuredClone(cur);
      delete metaOf(next).ownerReferences;
      return next;
    });
    await updateObject(deps, podScope, metaOf(b).name as string, (cur) => {
      const next = structuredClone(cur);
      metaOf(next).labels = {};
      return next;
    });
    await syncJob(deps, 'c', ns, 'own');
    const uid = metaOf(getObject(deps, jobScope, 'own')).uid;
    const refOf = (n: string) => metaOf(getObject(deps, podScope, n)).ownerReferences?.[0]?.uid;
    assert.equal(refOf(metaOf(a).name as string), uid, 'adopted');
    assert.equal(refOf(metaOf(b).name as string), undefined, 'released');
    assert.equal(pods(deps).length, 3, 'one more pod replaces the released one');
  });
});
