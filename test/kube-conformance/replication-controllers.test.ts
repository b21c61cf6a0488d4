import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conformanceApi, eventually, kubeletReady } from './client.js';

// [sig-apps] ReplicationController and [sig-node] PodTemplates cases, named as the conformance
// suite names them. No agent runs here: the test reports pods Running and Ready through their
// status subresource, as a kubelet would.
const RCS = '/api/v1/namespaces/default/replicationcontrollers';
const PODS = '/api/v1/namespaces/default/pods';
const TEMPLATES = '/api/v1/namespaces/default/podtemplates';
const container = { name: 'main', image: 'busybox' };
const rc = (name: string, labels: Record<string, string>, replicas: number) => ({
  metadata: { name },
  spec: { replicas, selector: labels, template: { metadata: { labels }, spec: { containers: [container] } } },
});
type Pod = { metadata: { name: string; ownerReferences?: { kind: string; name: string; controller?: boolean }[] } };

describe('[sig-apps] ReplicationController conformance', () => {
  const api = conformanceApi();
  const pods = async (selector: string): Promise<Pod[]> =>
    (await api.ok('GET', `${PODS}?labelSelector=${encodeURIComponent(selector)}`)).items;

  it('[sig-apps] ReplicationController should serve a basic image on each replica with a public image', async () => {
    const created = await api.ok('POST', RCS, rc('my-hostname-basic', { name: 'my-hostname-basic' }, 2));
    // The API server's defaults: the controller's labels from its template's.
    assert.deepEqual(created.metadata.labels, { name: 'my-hostname-basic' });
    const done = await eventually(
      async () => {
        await kubeletReady(api, 'name=my-hostname-basic');
        return api.ok('GET', `${RCS}/my-hostname-basic`);
      },
      (o) => o.status?.readyReplicas === 2 && o.status?.availableReplicas === 2,
    );
    assert.equal(done.status.replicas, 2);
    const mine = await pods('name=my-hostname-basic');
    assert.equal(mine.length, 2);
    for (const p of mine)
      assert.deepEqual(
        p.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]),
        [['ReplicationController', 'my-hostname-basic', true]],
      );
    await api.ok('DELETE', `${RCS}/my-hostname-basic?propagationPolicy=Foreground`);
    await eventually(
      () => pods('name=my-hostname-basic'),
      (ps) => ps.length === 0,
    );
  });

  it('[sig-apps] ReplicationController should adopt matching pods on creation', async () => {
    await api.ok('POST', PODS, {
      metadata: { name: 'pod-adoption', labels: { name: 'pod-adoption' } },
      spec: { containers: [container] },
    });
    await api.ok('POST', RCS, rc('pod-adoption', { name: 'pod-adoption' }, 1));
    const [pod] = await eventually(
      () => pods('name=pod-adoption'),
      (ps) => ps.length === 1 && (ps[0]?.metadata.ownerReferences ?? []).length === 1,
    );
    assert.equal(pod?.metadata.name, 'pod-adoption', 'the orphan adopted, no pod made besides');
    assert.deepEqual(pod?.metadata.ownerReferences?.[0]?.kind, 'ReplicationController');
    await api.ok('DELETE', `${RCS}/pod-adoption`);
  });

  it('[sig-apps] ReplicationController should release no longer matching pods', async () => {
    await api.ok('POST', RCS, rc('pod-release', { name: 'pod-release' }, 1));
    const [pod] = await eventually(
      () => pods('name=pod-release'),
      (ps) => ps.length === 1,
    );
    const name = pod?.metadata.name as string;
    await api.ok(
      'PATCH',
      `${PODS}/${name}`,
      { metadata: { labels: { name: 'not-matching-name' } } },
      'application/strategic-merge-patch+json',
    );
    const released = await eventually(
      () => api.ok('GET', `${PODS}/${name}`),
      (p) => (p.metadata.ownerReferences ?? []).length === 0,
    );
    assert.equal(released.metadata.labels.name, 'not-matching-name');
    // The controller makes another to keep its one replica.
    const again = await eventually(
      () => pods('name=pod-release'),
      (ps) => ps.length === 1,
    );
    assert.notEqual(again[0]?.metadata.name, name);
    await api.ok('DELETE', `${RCS}/pod-release`);
    await api.ok('DELETE', `${PODS}/${name}`);
  });

  it('[sig-apps] ReplicationController should test the lifecycle of a ReplicationController', async () => {
    const labels = { 'test-rc-static': 'true' };
    const list = await api.ok('GET', `${RCS}?labelSelector=test-rc-static%3Dtrue`);
    const watchPath = `${RCS}?labelSelector=test-rc-static%3Dtrue&resourceVersion=${list.metadata.resourceVersion}`;
    await api.ok('POST', RCS, {
      metadata: { name: 'rc-test', labels },
      spec: { replicas: 1, selector: labels, template: { metadata: { labels }, spec: { containers: [container] } } },
    });
    const added = await api.watch(watchPath, (es) => es.some((e) => e.type === 'ADDED'));
    assert.equal(added[0]?.object.metadata.name, 'rc-test');
    await eventually(
      async () => {
        await kubeletReady(api, 'test-rc-static=true');
        return api.ok('GET', `${RCS}/rc-test`);
      },
      (o) => o.status?.readyReplicas === 1,
    );
    // Labels and replicas patched: two ready pods.
    await api.ok(
      'PATCH',
      `${RCS}/rc-test`,
      { metadata: { labels: { 'test-rc': 'patched' } }, spec: { replicas: 2 } },
      'application/strategic-merge-patch+json',
    );
    const patched = await eventually(
      async () => {
        await kubeletReady(api, 'test-rc-static=true');
        return api.ok('GET', `${RCS}/rc-test`);
      },
      (o) => o.status?.readyReplicas === 2 && o.status?.availableReplicas === 2,
    );
    assert.equal(patched.metadata.labels['test-rc'], 'patched');
    // Status patched through its subresource; the spec left as it was.
    const status = await api.ok(
      'PATCH',
      `${RCS}/rc-test/status`,
      { status: { readyReplicas: 0, availableReplicas: 0 } },
      'application/merge-patch+json',
    );
    assert.equal(status.spec.replicas, 2);
    // Scaled through /scale.
    const scale = await api.ok('GET', `${RCS}/rc-test/scale`);
    assert.deepEqual([scale.kind, scale.apiVersion, scale.spec.replicas], ['Scale', 'autoscaling/v1', 2]);
    assert.equal(scale.status.selector, 'test-rc-static=true');
    scale.spec.replicas = 3;
    await api.ok('PUT', `${RCS}/rc-test/scale`, scale);
    await eventually(
      async () => {
        await kubeletReady(api, 'test-rc-static=true');
        return api.ok('GET', `${RCS}/rc-test`);
      },
      (o) => o.status?.readyReplicas === 3,
    );
    // Listed across namespaces, deleted by label as a collection; the watch sees it go.
    const all = await api.ok('GET', '/api/v1/replicationcontrollers?labelSelector=test-rc-static%3Dtrue');
    assert.deepEqual(
      all.items.map((o: { metadata: { name: string } }) => o.metadata.name),
      ['rc-test'],
    );
    await api.ok('DELETE', `${RCS}?labelSelector=test-rc-static%3Dtrue`);
    const events = await api.watch(watchPath, (es) => es.some((e) => e.type === 'DELETED'));
    assert.ok(events.some((e) => e.type === 'DELETED' && e.object.metadata.name === 'rc-test'));
  });

  it('[sig-apps] ReplicationController should get and update a ReplicationController scale', async () => {
    await api.ok('POST', RCS, rc('e2e-rc-scale', { name: 'e2e-rc-scale' }, 1));
    const scale = await api.ok('GET', `${RCS}/e2e-rc-scale/scale`);
    assert.equal(scale.spec.replicas, 1);
    scale.spec.replicas = 2;
    const updated = await api.ok('PUT', `${RCS}/e2e-rc-scale/scale`, scale);
    assert.equal(updated.spec.replicas, 2);
    await eventually(
      () => api.ok('GET', `${RCS}/e2e-rc-scale`),
      (o) => o.spec.replicas === 2 && o.status?.replicas === 2,
    );
    const bad = await api.call(
      'PATCH',
      `${RCS}/e2e-rc-scale/scale`,
      { spec: { replicas: -1 } },
      'application/merge-patch+json',
    );
    assert.equal(bad.status, 422);
    await api.ok('DELETE', `${RCS}/e2e-rc-scale`);
  });

  it('refuses a ReplicationController whose selector does not match its template, or that restarts otherwise than Always', async () => {
    const bad = await api.call('POST', RCS, {
      metadata: { name: 'bad' },
      spec: {
        selector: { app: 'x' },
        template: { metadata: { labels: { app: 'other' } }, spec: { restartPolicy: 'Never', containers: [container] } },
      },
    });
    assert.equal(bad.status, 422);
    assert.deepEqual(
      bad.body.details.causes.map((c: { field: string }) => c.field),
      ['spec.template.metadata.labels', 'spec.template.spec.restartPolicy'],
    );
    assert.match(bad.body.message, /`selector` does not match template `labels`/);
    assert.match(bad.body.message, /Unsupported value: "Never": supported values: "Always"/);
  });
});

describe('[sig-node] PodTemplates conformance', () => {
  const api = conformanceApi();
  const template = (name: string, labels: Record<string, string>) => ({
    metadata: { name, labels },
    template: { metadata: { labels: { app: 'x' } }, spec: { containers: [container] } },
  });

  it('[sig-node] PodTemplates should run the lifecycle of PodTemplates', async () => {
    const created = await api.ok('POST', TEMPLATES, template('nginx-pod-template', { podtemplate: 'static' }));
    // The template's pod spec takes a pod's defaults.
    assert.equal(created.template.spec.restartPolicy, 'Always');
    const list = await api.ok('GET', '/api/v1/podtemplates?labelSelector=podtemplate%3Dstatic');
    assert.equal(list.items.length, 1);
    const patched = await api.ok(
      'PATCH',
      `${TEMPLATES}/nginx-pod-template`,
      { metadata: { labels: { podtemplate: 'patched' } } },
      'application/strategic-merge-patch+json',
    );
    assert.equal(patched.metadata.labels.podtemplate, 'patched');
    await api.ok('DELETE', `${TEMPLATES}/nginx-pod-template`);
    assert.equal((await api.call('GET', `${TEMPLATES}/nginx-pod-template`)).status, 404);
  });

  it('[sig-node] PodTemplates should delete a collection of pod templates', async () => {
    for (const n of ['test-podtemplate-1', 'test-podtemplate-2', 'test-podtemplate-3'])
      await api.ok('POST', TEMPLATES, template(n, { podtemplate: 'set' }));
    assert.equal((await api.ok('GET', `${TEMPLATES}?labelSelector=podtemplate%3Dset`)).items.length, 3);
    await api.ok('DELETE', `${TEMPLATES}?labelSelector=podtemplate%3Dset`);
    assert.equal((await api.ok('GET', `${TEMPLATES}?labelSelector=podtemplate%3Dset`)).items.length, 0);
  });

  it('[sig-node] PodTemplates should replace a pod template', async () => {
    const created = await api.ok('POST', TEMPLATES, template('podtemplate-replace', {}));
    created.template.spec.terminationGracePeriodSeconds = 1;
    const replaced = await api.ok('PUT', `${TEMPLATES}/podtemplate-replace`, created);
    assert.equal(replaced.template.spec.terminationGracePeriodSeconds, 1);
    assert.equal(
      (await api.ok('GET', `${TEMPLATES}/podtemplate-replace`)).template.spec.terminationGracePeriodSeconds,
      1,
    );
    const bad = await api.call('POST', TEMPLATES, {
      metadata: { name: 'empty' },
      template: { spec: { containers: [] } },
    });
    assert.equal(bad.status, 422);
  });
});
