import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { syncJob } from './jobs.js';
import { kubeObjects, metaOf, objectKey, type KubeObject } from './object.js';
import { createObject, getObject, updateObject } from './objects.js';
import { testKube } from './test-kube.js';
import { conditionOf, end, finish, job, jobScope, ns, pods, podScope, statusOf } from './jobs-test-kit.js';

describe('Kubernetes Jobs', () => {
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

  it('leaves a Job another controller manages to it, and replaces pods only once failed when its policy says so', async () => {
    const deps = await testKube();
    await createObject(deps, jobScope, job('elsewhere', { managedBy: 'kueue.x-k8s.io/multikueue' }));
    await syncJob(deps, 'c', ns, 'elsewhere');
    assert.equal(pods(deps).length, 0);
    assert.equal(getObject(deps, jobScope, 'elsewhere')['status'], undefined);
    await assert.rejects(
      createObject(deps, jobScope, job('bad', { managedBy: 'no-domain' })),
      /spec\.managedBy: Invalid value: "no-domain": must be a domain-prefixed path/,
    );
    // podReplacementPolicy Failed: a pod being deleted still holds its place.
    await createObject(deps, jobScope, job('wait', { podReplacementPolicy: 'Failed' }));
    await syncJob(deps, 'c', ns, 'wait');
    const [first] = pods(deps) as [KubeObject];
    await deps.store.transact((tx) => {
      const key = objectKey(podScope, metaOf(first).name as string);
      const e = tx.get(kubeObjects, key);
      if (e)
        tx.put(kubeObjects, {
          key,
          object: { ...e.value.object, metadata: { ...metaOf(e.value.object), deletionTimestamp: 'x' } },
        });
    });
    await syncJob(deps, 'c', ns, 'wait');
    assert.equal(pods(deps).length, 1, 'no replacement while it terminates');
    assert.equal((statusOf(deps, 'wait') as { terminating: number }).terminating, 1);
  });

  it('replaces a failed pod only after the back-off: 10 s, then doubled with each failure', async () => {
    const deps = await testKube();
    await createObject(deps, jobScope, job('slow', { backoffLimit: 6 }));
    const live = () => pods(deps).filter((p) => (p['status'] as { phase?: string }).phase === 'Pending').length;
    const failNow = () => end(deps, () => 'Failed', 1, deps.clock.now().toISOString());
    await syncJob(deps, 'c', ns, 'slow');
    await failNow();
    await syncJob(deps, 'c', ns, 'slow');
    assert.equal(live(), 0, 'not at once');
    deps.clock.advance(9_000);
    await syncJob(deps, 'c', ns, 'slow');
    assert.equal(live(), 0);
    deps.clock.advance(2_000);
    await syncJob(deps, 'c', ns, 'slow');
    assert.equal(live(), 1, 'after 10 s');
    await failNow();
    deps.clock.advance(11_000);
    await syncJob(deps, 'c', ns, 'slow');
    assert.equal(live(), 0, 'the second failure waits 20 s');
    deps.clock.advance(10_000);
    await syncJob(deps, 'c', ns, 'slow');
    assert.equal(live(), 1);
  });

  it('runs a Job with a selector of its own (manualSelector), refused without one or when its labels do not match', async () => {
    const deps = await testKube();
    const manual = (name: string, selector: object | undefined, labels: Record<string, string>) => ({
      ...job(name, { manualSelector: true, ...(selector ? { selector } : {}) }),
      spec: {
        manualSelector: true,
        ...(selector ? { selector } : {}),
        template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'i' }] } },
      },
    });
    await createObject(deps, jobScope, manual('mine', { matchLabels: { batch: 'b1' } }, { batch: 'b1' }));
    await syncJob(deps, 'c', ns, 'mine');
    const [pod] = pods(deps) as [KubeObject];
    assert.deepEqual(metaOf(pod).labels, { batch: 'b1' });
    await assert.rejects(
      createObject(deps, jobScope, manual('none', undefined, { batch: 'b1' })),
      /spec\.selector: Required value/,
    );
    await assert.rejects(
      createObject(deps, jobScope, manual('odd', { matchLabels: { batch: 'b2' } }, { batch: 'b1' })),
      /`selector` does not match template `labels`/,
    );
  });
});
