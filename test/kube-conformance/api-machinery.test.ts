import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conformanceApi, eventually } from './client.js';

// Cases named as the Kubernetes conformance suite names them ([sig-api-machinery] and the kinds
// it covers), checking the behaviour each name describes against berth's API.
describe('[sig-api-machinery] conformance', () => {
  const api = conformanceApi();
  const ns = async (name: string) => api.ok('POST', '/api/v1/namespaces', { metadata: { name } });
  const names = (list: { items: { metadata: { name: string } }[] }) => list.items.map((i) => i.metadata.name).sort();

  it('ConfigMap should run through a ConfigMap lifecycle', async () => {
    await ns('cm-life');
    const path = '/api/v1/namespaces/cm-life/configmaps';
    await api.ok('POST', path, {
      metadata: { name: 'test-cm', labels: { 'test-configmap-static': 'true' } },
      data: { valueName: 'value' },
    });
    await api.ok(
      'PATCH',
      `${path}/test-cm`,
      { metadata: { labels: { 'test-configmap': 'patched' } }, data: { valueName: 'value1' } },
      'application/strategic-merge-patch+json',
    );
    const got = await api.ok('GET', `${path}/test-cm`);
    assert.equal(got.data.valueName, 'value1');
    assert.equal(got.metadata.labels['test-configmap'], 'patched');
    const all = await api.ok('GET', '/api/v1/configmaps?labelSelector=test-configmap-static%3Dtrue');
    assert.deepEqual(names(all), ['test-cm']);
    await api.ok('DELETE', `${path}?labelSelector=test-configmap-static%3Dtrue`);
    assert.equal((await api.call('GET', `${path}/test-cm`)).status, 404);
  });

  it('ConfigMap should fail to create ConfigMap with empty key', async () => {
    const r = await api.call('POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'empty-key' },
      data: { '': 'value' },
    });
    assert.equal(r.status, 422);
    assert.equal(r.body.reason, 'Invalid');
  });

  it('ConfigMap should update ConfigMap successfully', async () => {
    const path = '/api/v1/namespaces/default/configmaps';
    const cm = await api.ok('POST', path, { metadata: { name: 'update' }, data: { a: '1' } });
    cm.data = { a: '2', b: '3' };
    await api.ok('PUT', `${path}/update`, cm);
    assert.deepEqual((await api.ok('GET', `${path}/update`)).data, { a: '2', b: '3' });
    // A stale resourceVersion is a conflict.
    assert.equal((await api.call('PUT', `${path}/update`, cm)).status, 409);
  });

  it('Secrets should fail to create secret due to empty secret key', async () => {
    const r = await api.call('POST', '/api/v1/namespaces/default/secrets', {
      metadata: { name: 's' },
      data: { '': 'dmFsdWU=' },
    });
    assert.equal(r.status, 422);
  });

  it('Secrets should patch a secret', async () => {
    const path = '/api/v1/namespaces/default/secrets';
    await api.ok('POST', path, {
      metadata: { name: 'patched', labels: { testsecret: 'true' } },
      data: { key: 'dmFsdWU=' },
    });
    await api.ok(
      'PATCH',
      `${path}/patched`,
      { metadata: { labels: { testsecret: 'true' } }, data: { key: 'dmFsdWUy' } },
      'application/merge-patch+json',
    );
    assert.equal((await api.ok('GET', `${path}/patched`)).data.key, 'dmFsdWUy');
    assert.deepEqual(names(await api.ok('GET', '/api/v1/secrets?labelSelector=testsecret%3Dtrue')), ['patched']);
    await api.ok('DELETE', `${path}?labelSelector=testsecret%3Dtrue`);
    assert.deepEqual(names(await api.ok('GET', `${path}?labelSelector=testsecret`)), []);
  });

  it('Namespaces should patch a Namespace', async () => {
    await ns('nspatch');
    await api.ok(
      'PATCH',
      '/api/v1/namespaces/nspatch',
      { metadata: { labels: { testLabel: 'testValue' } } },
      'application/strategic-merge-patch+json',
    );
    assert.equal((await api.ok('GET', '/api/v1/namespaces/nspatch')).metadata.labels.testLabel, 'testValue');
  });

  it('Namespaces should ensure that all services are removed when a namespace is deleted', async () => {
    await ns('nsdelete');
    await api.ok('POST', '/api/v1/namespaces/nsdelete/services', {
      metadata: { name: 'svc' },
      spec: { ports: [{ port: 80 }] },
    });
    await api.ok('DELETE', '/api/v1/namespaces/nsdelete');
    await eventually(
      () => api.call('GET', '/api/v1/namespaces/nsdelete'),
      (r) => r.status === 404,
    );
    await ns('nsdelete');
    assert.deepEqual(names(await api.ok('GET', '/api/v1/namespaces/nsdelete/services')), []);
  });

  it('Watchers should observe add, update, and delete watch notifications on configmaps', async () => {
    await ns('watch1');
    const path = '/api/v1/namespaces/watch1/configmaps';
    const from = (await api.ok('GET', path)).metadata.resourceVersion;
    await api.ok('POST', path, { metadata: { name: 'w', labels: { watch: 'a' } }, data: { mutation: '1' } });
    await api.ok('PATCH', `${path}/w`, { data: { mutation: '2' } }, 'application/merge-patch+json');
    await api.ok('DELETE', `${path}/w`);
    const events = await api.watch(`${path}?labelSelector=watch%3Da&resourceVersion=${from}`, (e) => e.length >= 3);
    assert.deepEqual(
      events.map((e) => [e.type, e.object.data?.mutation]),
      [
        ['ADDED', '1'],
        ['MODIFIED', '2'],
        ['DELETED', '2'],
      ],
    );
  });

  it('Watchers should be able to start watching from a specific resource version', async () => {
    await ns('watch2');
    const path = '/api/v1/namespaces/watch2/configmaps';
    // Labelled and selected, as the suite does: the namespace holds other ConfigMaps (kube-root-ca.crt).
    const label = 'watch-this-configmap%3Dfrom-resource-version';
    await api.ok('POST', path, {
      metadata: { name: 'w', labels: { 'watch-this-configmap': 'from-resource-version' } },
      data: { m: '1' },
    });
    const second = await api.ok('PATCH', `${path}/w`, { data: { m: '2' } }, 'application/merge-patch+json');
    await api.ok('PATCH', `${path}/w`, { data: { m: '3' } }, 'application/merge-patch+json');
    await api.ok('DELETE', `${path}/w`);
    const events = await api.watch(
      `${path}?labelSelector=${label}&resourceVersion=${second.metadata.resourceVersion}`,
      (e) => e.length >= 2,
    );
    assert.deepEqual(
      events.map((e) => [e.type, e.object.data.m]),
      [
        ['MODIFIED', '3'],
        ['DELETED', '3'],
      ],
    );
  });

  it('Watchers should be able to restart watching from the last resource version observed by the previous watch', async () => {
    await ns('watch3');
    const path = '/api/v1/namespaces/watch3/configmaps';
    const label = 'watch-this-configmap%3Dwatch-closed-and-restarted';
    const from = (await api.ok('GET', path)).metadata.resourceVersion;
    await api.ok('POST', path, {
      metadata: { name: 'w', labels: { 'watch-this-configmap': 'watch-closed-and-restarted' } },
      data: { m: '1' },
    });
    await api.ok('PATCH', `${path}/w`, { data: { m: '2' } }, 'application/merge-patch+json');
    const first = await api.watch(`${path}?labelSelector=${label}&resourceVersion=${from}`, (e) => e.length >= 2);
    const last = first[1]?.object.metadata.resourceVersion as string;
    await api.ok('PATCH', `${path}/w`, { data: { m: '3' } }, 'application/merge-patch+json');
    await api.ok('DELETE', `${path}/w`);
    const rest = await api.watch(`${path}?labelSelector=${label}&resourceVersion=${last}`, (e) => e.length >= 2);
    assert.deepEqual(
      rest.map((e) => [e.type, e.object.data.m]),
      [
        ['MODIFIED', '3'],
        ['DELETED', '3'],
      ],
    );
  });

  it('Watchers should observe an object deletion if it stops meeting the requirements of the selector', async () => {
    await ns('watch4');
    const path = '/api/v1/namespaces/watch4/configmaps';
    const from = (await api.ok('GET', path)).metadata.resourceVersion;
    await api.ok('POST', path, { metadata: { name: 'w', labels: { watch: 'yes' } } });
    await api.ok('PATCH', `${path}/w`, { metadata: { labels: { watch: 'no' } } }, 'application/merge-patch+json');
    await api.ok('PATCH', `${path}/w`, { metadata: { labels: { watch: 'yes' } } }, 'application/merge-patch+json');
    const events = await api.watch(`${path}?labelSelector=watch%3Dyes&resourceVersion=${from}`, (e) => e.length >= 3);
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED', 'DELETED', 'ADDED'],
    );
  });

  it('Discovery should validate PreferredVersion for each APIGroup', async () => {
    const groups = await api.ok('GET', '/apis');
    for (const g of groups.groups) {
      const group = await api.ok('GET', `/apis/${g.preferredVersion.groupVersion}`);
      assert.equal(group.groupVersion, g.preferredVersion.groupVersion);
      assert.ok(g.versions.some((v: { groupVersion: string }) => v.groupVersion === g.preferredVersion.groupVersion));
    }
  });

  it('Discovery should locate the groupVersion and a resource within each APIGroup', async () => {
    const groups = await api.ok('GET', '/apis');
    for (const want of ['apps/v1', 'batch/v1', 'apiextensions.k8s.io/v1', 'coordination.k8s.io/v1']) {
      const g = groups.groups.find((x: { versions: { groupVersion: string }[] }) =>
        x.versions.some((v) => v.groupVersion === want),
      );
      assert.ok(g, want);
      const list = await api.ok('GET', `/apis/${want}`);
      assert.ok(list.resources.length > 0, want);
    }
  });

  it('[sig-node] Lease lease API should be available', async () => {
    const path = '/apis/coordination.k8s.io/v1/namespaces/default/leases';
    const lease = await api.ok('POST', path, {
      metadata: { name: 'lease' },
      spec: { holderIdentity: 'holder', leaseDurationSeconds: 30 },
    });
    lease.spec.holderIdentity = 'holder2';
    await api.ok('PUT', `${path}/lease`, lease);
    await api.ok('PATCH', `${path}/lease`, { spec: { leaseTransitions: 1 } }, 'application/merge-patch+json');
    const got = await api.ok('GET', `${path}/lease`);
    assert.deepEqual([got.spec.holderIdentity, got.spec.leaseTransitions], ['holder2', 1]);
    assert.ok(names(await api.ok('GET', '/apis/coordination.k8s.io/v1/leases')).includes('lease'));
    await api.ok('DELETE', `${path}/lease`);
    assert.equal((await api.call('GET', `${path}/lease`)).status, 404);
  });

  it('[sig-instrumentation] Events should ensure that an event can be fetched, patched, deleted, and listed', async () => {
    const path = '/api/v1/namespaces/default/events';
    const involvedObject = { kind: 'Pod', name: 'p', namespace: 'default' };
    await api.ok('POST', path, {
      metadata: { name: 'ev', labels: { testevent: 'set' } },
      involvedObject,
      reason: 'Test',
      message: 'a',
      type: 'Normal',
    });
    await api.ok('PATCH', `${path}/ev`, { message: 'patched' }, 'application/merge-patch+json');
    assert.equal((await api.ok('GET', `${path}/ev`)).message, 'patched');
    assert.deepEqual(names(await api.ok('GET', '/api/v1/events?labelSelector=testevent%3Dset')), ['ev']);
    const v1 = await api.ok('GET', '/apis/events.k8s.io/v1/namespaces/default/events/ev');
    assert.equal(v1.note, 'patched');
    await api.ok('DELETE', `${path}?labelSelector=testevent%3Dset`);
    assert.equal((await api.call('GET', `${path}/ev`)).status, 404);
  });
});
