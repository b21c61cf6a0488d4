import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conformanceApi, eventually, type Api } from './client.js';

// [sig-apps] Job (and ReplicaSet adoption) cases, named as the conformance suite names them. No
// agent runs here, so the test plays the kubelet's part: it reports the Job's pods ended (their
// status, through the status subresource), as a node would; the Job controller does the rest.
type Pod = {
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: { hostname?: string };
  status: { phase: string };
};

/** Ends each Pending pod of a job as `outcome` says (by its index annotation), until `done` holds. */
async function kubelet(
  api: Api,
  job: string,
  outcome: (index: number) => 'Succeeded' | 'Failed',
  done: () => Promise<boolean>,
) {
  const end = Date.now() + 30_000;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`job ${job} did not finish`);
    const list = await api.ok('GET', `/api/v1/namespaces/default/pods?labelSelector=job-name%3D${job}`);
    for (const p of list.items as Pod[]) {
      if (p.status.phase !== 'Pending') continue;
      const phase = outcome(Number(p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] ?? 0));
      const terminated = {
        exitCode: phase === 'Succeeded' ? 0 : 1,
        reason: phase === 'Succeeded' ? 'Completed' : 'Error',
      };
      await api.call(
        'PATCH',
        `/api/v1/namespaces/default/pods/${p.metadata.name}/status`,
        {
          status: {
            phase,
            containerStatuses: [
              { name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated } },
            ],
          },
        },
        'application/merge-patch+json',
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('[sig-apps] Job conformance', () => {
  const api = conformanceApi();
  const path = '/apis/batch/v1/namespaces/default/jobs';
  const job = (name: string, spec: object, labels: Record<string, string> = {}) => ({
    metadata: { name, labels },
    spec: {
      backoffLimit: 6,
      ...spec,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
    },
  });
  const get = (name: string) => api.ok('GET', `${path}/${name}`);
  const condition = (
    j: { status?: { conditions?: { type: string; status: string; reason?: string }[] } },
    type: string,
  ) => (j.status?.conditions ?? []).find((c) => c.type === type && c.status === 'True');
  const finished = (name: string, type: string) => async () => !!condition(await get(name), type);
  const pods = async (name: string): Promise<Pod[]> =>
    (await api.ok('GET', `/api/v1/namespaces/default/pods?labelSelector=job-name%3D${name}`)).items;

  it('Job should manage the lifecycle of a job', async () => {
    const label = 'e2e-job-label=e2e-life';
    const list = await api.ok('GET', `${path}?labelSelector=${label}`);
    await api.ok(
      'POST',
      path,
      job('e2e-life', { parallelism: 2, completions: 4, suspend: true }, { 'e2e-job-label': 'e2e-life' }),
    );
    const suspended = await eventually(
      () => get('e2e-life'),
      (j) => !!condition(j, 'Suspended'),
    );
    assert.equal(condition(suspended, 'Suspended')?.reason, 'JobSuspended');
    assert.equal((await pods('e2e-life')).length, 0);
    const patched = await api.ok(
      'PATCH',
      `${path}/e2e-life`,
      { metadata: { labels: { 'e2e-life': 'patched' } } },
      'application/strategic-merge-patch+json',
    );
    assert.ok(Number(patched.metadata.resourceVersion) > Number(suspended.metadata.resourceVersion));
    const seen = await api.watch(
      `${path}?labelSelector=${label}&resourceVersion=${list.metadata.resourceVersion}`,
      (es) => es.some((e) => e.type === 'MODIFIED' && e.object.metadata.labels['e2e-life'] === 'patched'),
    );
    assert.ok(seen.some((e) => e.type === 'MODIFIED'));
    const current = await get('e2e-life');
    current.spec.suspend = false;
    current.metadata.annotations = { updated: 'true' };
    const updated = await api.ok('PUT', `${path}/e2e-life`, current);
    assert.equal(updated.metadata.annotations.updated, 'true');
    assert.equal((await api.ok('GET', `/apis/batch/v1/jobs?labelSelector=${label}`)).items.length, 1);
    await kubelet(api, 'e2e-life', () => 'Succeeded', finished('e2e-life', 'Complete'));
    const complete = await get('e2e-life');
    assert.equal(condition(complete, 'Complete')?.reason, 'CompletionsReached');
    assert.equal(complete.status.succeeded, 4);
    assert.equal(condition(complete, 'Suspended'), undefined, 'resumed: its Suspended condition is False');
    await api.ok('DELETE', `${path}?labelSelector=${label}`, { propagationPolicy: 'Background' });
    await eventually(
      () => api.ok('GET', `/apis/batch/v1/jobs?labelSelector=${label}`),
      (l) => l.items.length === 0,
    );
  });

  it('Job should create pods for an Indexed job with completion indexes and specified hostname', async () => {
    await api.ok('POST', path, job('indexed-job', { parallelism: 2, completions: 4, completionMode: 'Indexed' }));
    await kubelet(api, 'indexed-job', () => 'Succeeded', finished('indexed-job', 'Complete'));
    const done = (await pods('indexed-job')).filter((p) => p.status.phase === 'Succeeded');
    const indexes = done
      .map((p) => Number(p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']))
      .sort();
    assert.deepEqual(indexes, [0, 1, 2, 3]);
    for (const p of done) {
      const i = p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'];
      assert.equal(p.spec.hostname, `indexed-job-${i}`);
      assert.equal(p.metadata.labels?.['batch.kubernetes.io/job-completion-index'], i);
    }
    assert.equal((await get('indexed-job')).status.completedIndexes, '0-3');
  });

  it('Job should execute all indexes despite some failing when using backoffLimitPerIndex', async () => {
    const spec = {
      parallelism: 2,
      completions: 4,
      completionMode: 'Indexed',
      backoffLimitPerIndex: 1,
      backoffLimit: undefined,
    };
    await api.ok('POST', path, job('per-index', spec));
    await kubelet(api, 'per-index', (i) => (i % 2 ? 'Failed' : 'Succeeded'), finished('per-index', 'Failed'));
    const j = await get('per-index');
    assert.deepEqual(
      [j.status.failedIndexes, j.status.completedIndexes, j.status.failed, j.status.succeeded],
      ['1,3', '0,2', 4, 2],
    );
    assert.equal(condition(j, 'Failed')?.reason, 'FailedIndexes');
  });

  it('Job should terminate job execution when the number of failed indexes exceeds maxFailedIndexes', async () => {
    const spec = {
      parallelism: 1,
      completions: 4,
      completionMode: 'Indexed',
      backoffLimitPerIndex: 0,
      maxFailedIndexes: 0,
      backoffLimit: undefined,
    };
    await api.ok('POST', path, job('max-failed', spec));
    await kubelet(api, 'max-failed', () => 'Failed', finished('max-failed', 'Failed'));
    const j = await get('max-failed');
    assert.deepEqual([j.status.failedIndexes, j.status.failed], ['0', 1]);
    assert.equal(condition(j, 'Failed')?.reason, 'MaxFailedIndexesExceeded');
  });

  it('Job should mark indexes as failed when the FailIndex action is matched in podFailurePolicy', async () => {
    const podFailurePolicy = { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } }] };
    const spec = {
      parallelism: 2,
      completions: 2,
      completionMode: 'Indexed',
      backoffLimitPerIndex: 1,
      backoffLimit: undefined,
      podFailurePolicy,
    };
    await api.ok('POST', path, job('fail-index', spec));
    await kubelet(api, 'fail-index', (i) => (i % 2 ? 'Failed' : 'Succeeded'), finished('fail-index', 'Failed'));
    const j = await get('fail-index');
    assert.deepEqual(
      [j.status.failedIndexes, j.status.completedIndexes, j.status.failed, j.status.succeeded],
      ['1', '0', 1, 1],
    );
  });

  it('Job with successPolicy succeededIndexes rule should succeeded even when some indexes remain pending', async () => {
    const spec = {
      parallelism: 2,
      completions: 5,
      completionMode: 'Indexed',
      successPolicy: { rules: [{ succeededIndexes: '0' }] },
    };
    await api.ok('POST', path, job('success-policy', spec));
    await kubelet(
      api,
      'success-policy',
      (i) => (i % 2 ? 'Failed' : 'Succeeded'),
      finished('success-policy', 'Complete'),
    );
    const j = await get('success-policy');
    assert.equal(condition(j, 'SuccessCriteriaMet')?.reason, 'SuccessPolicy');
    assert.equal(condition(j, 'Complete')?.reason, 'SuccessPolicy');
    assert.equal(j.status.completedIndexes, '0');
    assert.deepEqual([j.status.active ?? 0, j.status.ready, j.status.terminating], [0, 0, 0]);
  });

  it('Job with successPolicy should succeeded when all indexes succeeded', async () => {
    const spec = {
      parallelism: 2,
      completions: 2,
      completionMode: 'Indexed',
      successPolicy: { rules: [{ succeededCount: 2 }] },
    };
    await api.ok('POST', path, job('all-succeeded', spec));
    await kubelet(api, 'all-succeeded', () => 'Succeeded', finished('all-succeeded', 'Complete'));
    const j = await get('all-succeeded');
    assert.equal(condition(j, 'SuccessCriteriaMet')?.reason, 'SuccessPolicy');
    assert.equal(condition(j, 'Complete')?.reason, 'SuccessPolicy');
    assert.deepEqual([j.status.active ?? 0, j.status.ready, j.status.terminating, j.status.failed ?? 0], [0, 0, 0, 0]);
  });

  it('Job with successPolicy succeededCount rule should succeeded even when some indexes remain pending', async () => {
    const spec = {
      parallelism: 2,
      completions: 5,
      completionMode: 'Indexed',
      successPolicy: { rules: [{ succeededCount: 1 }] },
    };
    await api.ok('POST', path, job('count-policy', { ...spec, backoffLimit: 2147483647 }));
    await kubelet(api, 'count-policy', (i) => (i % 2 ? 'Failed' : 'Succeeded'), finished('count-policy', 'Complete'));
    const j = await get('count-policy');
    assert.equal(condition(j, 'Complete')?.reason, 'SuccessPolicy');
    assert.equal(j.status.completedIndexes, '0');
    assert.deepEqual([j.status.active ?? 0, j.status.ready, j.status.terminating], [0, 0, 0]);
  });

  it('Job should allow to use the pod failure policy on exit code to fail the job early', async () => {
    const podFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }] };
    await api.ok('POST', path, job('fail-early', { parallelism: 2, completions: 4, podFailurePolicy }));
    let first = true;
    await kubelet(
      api,
      'fail-early',
      () => (first ? ((first = false), 'Failed') : 'Succeeded'),
      finished('fail-early', 'Failed'),
    );
    assert.equal(condition(await get('fail-early'), 'Failed')?.reason, 'PodFailurePolicy');
  });

  it('Job should apply changes to a job status', async () => {
    await api.ok('POST', path, job('status-job', { parallelism: 2, completions: 4 }));
    const now1 = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    const patched = await api.ok(
      'PATCH',
      `${path}/status-job/status`,
      {
        metadata: { annotations: { patchedstatus: 'true' } },
        status: { conditions: [{ type: 'CustomConditionType', status: 'True', lastTransitionTime: now1 }] },
      },
      'application/merge-patch+json',
    );
    assert.equal(patched.metadata.annotations.patchedstatus, 'true');
    const custom = (j: { status: { conditions: { type: string; lastTransitionTime: string }[] } }) =>
      j.status.conditions.find((c) => c.type === 'CustomConditionType');
    assert.equal(custom(patched)?.lastTransitionTime, now1);
    const current = await get('status-job');
    const now2 = new Date(Date.parse(now1) + 1000).toISOString().replace('.000Z', 'Z');
    (custom(current) as { lastTransitionTime: string }).lastTransitionTime = now2;
    const updated = await api.ok('PUT', `${path}/status-job/status`, current);
    assert.equal(custom(updated)?.lastTransitionTime, now2);
    assert.equal((await api.ok('GET', `${path}/status-job/status`)).metadata.uid, current.metadata.uid);
  });

  it('Job should adopt matching orphans and release non-matching pods', async () => {
    const made = await api.ok('POST', path, job('adopt-release', { parallelism: 2, completions: 4 }));
    const [pod] = await eventually(
      () => pods('adopt-release'),
      (l) => l.length === 2,
    );
    const podPath = `/api/v1/namespaces/default/pods/${pod?.metadata.name}`;
    const controllerOf = (p: { metadata: { ownerReferences?: { controller?: boolean; uid: string }[] } }) =>
      (p.metadata.ownerReferences ?? []).find((r) => r.controller);
    await api.ok('PATCH', podPath, { metadata: { ownerReferences: null } }, 'application/merge-patch+json');
    await eventually(
      () => api.ok('GET', podPath),
      (p) => controllerOf(p)?.uid === made.metadata.uid,
    );
    await api.ok('PATCH', podPath, { metadata: { labels: null } }, 'application/merge-patch+json');
    await eventually(
      () => api.ok('GET', podPath),
      (p) => !controllerOf(p),
    );
  });

  it('[sig-apps] ReplicaSet should adopt matching pods on creation and release no longer matching pods', async () => {
    const podPath = '/api/v1/namespaces/default/pods';
    await api.ok('POST', podPath, {
      metadata: { name: 'pod-adoption-release', labels: { name: 'pod-adoption-release' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    const rs = await api.ok('POST', '/apis/apps/v1/namespaces/default/replicasets', {
      metadata: { name: 'pod-adoption-release' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { name: 'pod-adoption-release' } },
        template: {
          metadata: { labels: { name: 'pod-adoption-release' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    });
    const one = `${podPath}/pod-adoption-release`;
    await eventually(
      () => api.ok('GET', one),
      (p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid,
    );
    await api.ok('PATCH', one, { metadata: { labels: { name: 'released' } } }, 'application/merge-patch+json');
    await eventually(
      () => api.ok('GET', one),
      (p) => !p.metadata.ownerReferences?.length,
    );
    // The ReplicaSet makes a pod in the released one's place.
    await eventually(
      () => api.ok('GET', `${podPath}?labelSelector=name%3Dpod-adoption-release`),
      (l) => l.items.length === 1 && l.items[0].metadata.name !== 'pod-adoption-release',
    );
  });
});
