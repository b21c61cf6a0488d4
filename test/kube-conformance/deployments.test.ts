import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conformanceApi, eventually, kubeletReady } from './client.js';

// [sig-apps] Deployment and ReplicaSet cases about their status, named as the conformance suite
// names them. No agent runs here: the test plays the kubelet's part and reports each pod of the
// selector Running and Ready through the pods' status subresource, as a node would.
describe('[sig-apps] Deployment and ReplicaSet status conformance', () => {
  const api = conformanceApi();
  const template = (labels: Record<string, string>) => ({
    metadata: { labels },
    spec: { containers: [{ name: 'httpd', image: 'busybox' }] },
  });
  /** Waits until the workload's status says `want` replicas are ready, reporting its pods ready meanwhile. */
  const ready = (path: string, selector: string, want: number) =>
    eventually(
      async () => {
        await kubeletReady(api, selector);
        return api.ok('GET', path);
      },
      (o) => (o.status?.readyReplicas ?? 0) === want && (o.status?.availableReplicas ?? 0) === want,
      20_000,
    );

  it('Deployment should validate Deployment Status endpoints', async () => {
    const path = '/apis/apps/v1/namespaces/default/deployments';
    const labels = { name: 'httpd', e2e: 'testing' };
    const list = await api.ok('GET', '/apis/apps/v1/deployments?labelSelector=e2e%3Dtesting');
    await api.ok('POST', path, {
      metadata: { name: 'test-deployment-status', labels },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: template(labels) },
    });
    const done = await ready(`${path}/test-deployment-status`, 'e2e=testing', 1);
    assert.equal(done.metadata.annotations['deployment.kubernetes.io/revision'], '1');
    const status = await api.ok('GET', `${path}/test-deployment-status/status`);
    assert.equal(status.metadata.name, 'test-deployment-status');
    status.status.conditions = [
      ...(status.status.conditions ?? []),
      { type: 'StatusUpdate', status: 'True', reason: 'E2E', message: 'Set from e2e test' },
    ];
    const updated = await api.ok('PUT', `${path}/test-deployment-status/status`, status);
    assert.ok(updated.status.conditions.some((c: { type: string }) => c.type === 'StatusUpdate'));
    const watchPath = `${path}?labelSelector=e2e%3Dtesting&resourceVersion=${list.metadata.resourceVersion}`;
    const has = (type: string) => (es: { object: { status?: { conditions?: { type: string }[] } } }[]) =>
      es.some((e) => (e.object.status?.conditions ?? []).some((c) => c.type === type));
    assert.ok(has('StatusUpdate')(await api.watch(watchPath, has('StatusUpdate'))));
    const patched = await api.ok(
      'PATCH',
      `${path}/test-deployment-status/status`,
      { status: { conditions: [{ type: 'StatusPatched', status: 'True' }] } },
      'application/merge-patch+json',
    );
    assert.deepEqual(
      patched.status.conditions.map((c: { type: string }) => c.type),
      ['StatusPatched'],
    );
    assert.ok(has('StatusPatched')(await api.watch(watchPath, has('StatusPatched'))));
  });

  it('Deployment should run the lifecycle of a Deployment', async () => {
    const path = '/apis/apps/v1/namespaces/default/deployments';
    const labels = { 'test-deployment-static': 'true' };
    await api.ok('POST', path, {
      metadata: { name: 'test-deployment', labels },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: template(labels) },
    });
    await ready(`${path}/test-deployment`, 'test-deployment-static=true', 1);
    const patch = {
      metadata: { labels: { 'test-deployment': 'patched' } },
      spec: {
        replicas: 2,
        template: {
          spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'httpd', image: 'busybox:patched' }] },
        },
      },
    };
    await api.ok('PATCH', `${path}/test-deployment`, patch, 'application/strategic-merge-patch+json');
    const rolled = await ready(`${path}/test-deployment`, 'test-deployment-static=true', 2);
    assert.equal(rolled.metadata.labels['test-deployment'], 'patched');
    assert.equal(rolled.status.updatedReplicas, 2);
    assert.equal(rolled.metadata.annotations['deployment.kubernetes.io/revision'], '2');
    // A status write the controller disagrees with is put right by it.
    await api.ok(
      'PATCH',
      `${path}/test-deployment/status`,
      { status: { readyReplicas: 0, availableReplicas: 0 } },
      'application/strategic-merge-patch+json',
    );
    await ready(`${path}/test-deployment`, 'test-deployment-static=true', 2);
    const deleted = await api.ok('DELETE', `${path}?labelSelector=test-deployment-static%3Dtrue`, {
      gracePeriodSeconds: 1,
    });
    assert.deepEqual(
      deleted.items.map((d: { metadata: { name: string } }) => d.metadata.name),
      ['test-deployment'],
    );
    await eventually(
      () => api.ok('GET', '/apis/apps/v1/namespaces/default/replicasets?labelSelector=test-deployment-static%3Dtrue'),
      (l) => l.items.length === 0,
    );
  });

  it('ReplicaSet should validate Replicaset Status endpoints', async () => {
    const path = '/apis/apps/v1/namespaces/default/replicasets';
    const labels = { name: 'sample-pod', pod: 'httpd' };
    await api.ok('POST', path, {
      metadata: { name: 'test-rs', labels },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: template(labels) },
    });
    await ready(`${path}/test-rs`, 'name=sample-pod', 1);
    const status = await api.ok('GET', `${path}/test-rs/status`);
    status.status.conditions = [{ type: 'StatusUpdate', status: 'True', reason: 'E2E', message: 'Set from e2e test' }];
    const updated = await api.ok('PUT', `${path}/test-rs/status`, status);
    assert.equal(updated.status.conditions[0].reason, 'E2E');
    const patched = await api.ok(
      'PATCH',
      `${path}/test-rs/status`,
      { status: { conditions: [{ type: 'StatusPatched', status: 'True' }] } },
      'application/merge-patch+json',
    );
    assert.equal(patched.status.conditions[0].type, 'StatusPatched');
  });

  it('ReplicaSet Replace and Patch tests', async () => {
    const path = '/apis/apps/v1/namespaces/default/replicasets';
    const labels = { name: 'sample-pod-rp', pod: 'httpd' };
    await api.ok('POST', path, {
      metadata: { name: 'test-rs-rp', labels },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: template(labels) },
    });
    await ready(`${path}/test-rs-rp`, 'name=sample-pod-rp', 1);
    const current = await api.ok('GET', `${path}/test-rs-rp`);
    current.spec.replicas = 2;
    await api.ok('PUT', `${path}/test-rs-rp`, current);
    await ready(`${path}/test-rs-rp`, 'name=sample-pod-rp', 2);
    await api.ok('PATCH', `${path}/test-rs-rp`, { spec: { replicas: 3 } }, 'application/strategic-merge-patch+json');
    const three = await ready(`${path}/test-rs-rp`, 'name=sample-pod-rp', 3);
    assert.equal(three.status.replicas, 3);
  });
});
