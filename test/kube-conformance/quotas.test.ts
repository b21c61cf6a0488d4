import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conformanceApi, eventually, type Api } from './client.js';

// [sig-api-machinery] ResourceQuota, [sig-scheduling] LimitRange and the ReplicationController's
// quota failure, named as the conformance suite names them. Each case has a namespace of its own
// (quotas and limit ranges are a namespace's).
const container = (resources?: object) => ({ name: 'main', image: 'busybox', ...(resources ? { resources } : {}) });
const pod = (name: string, resources?: object, spec: object = {}) => ({
  metadata: { name },
  spec: { containers: [container(resources)], ...spec },
});

async function namespace(api: Api, name: string): Promise<string> {
  await api.ok('POST', '/api/v1/namespaces', { metadata: { name } });
  return `/api/v1/namespaces/${name}`;
}
const usedOf = (api: Api, quota: string) =>
  api.ok('GET', quota).then((q) => (q.status?.used ?? {}) as Record<string, string>);
/** Waits until the quota's used amounts include these. */
const used = (api: Api, quota: string, want: Record<string, string>) =>
  eventually(
    () => usedOf(api, quota),
    (u) => Object.entries(want).every(([k, v]) => u[k] === v),
  );
const forbidden = async (api: Api, path: string, body: object, message: RegExp) => {
  const r = await api.call('POST', path, body);
  assert.equal(r.status, 403, JSON.stringify(r.body));
  assert.equal(r.body.reason, 'Forbidden');
  assert.match(r.body.message, message);
};

describe('[sig-api-machinery] ResourceQuota conformance', () => {
  const api = conformanceApi();

  it('[sig-api-machinery] ResourceQuota should create a ResourceQuota and ensure its status is promptly calculated', async () => {
    const ns = await namespace(api, 'quota-status');
    const hard = {
      pods: '5',
      services: '10',
      configmaps: '10',
      secrets: '10',
      'requests.cpu': '1',
      'requests.memory': '500Mi',
    };
    await api.ok('POST', `${ns}/resourcequotas`, { metadata: { name: 'test-quota' }, spec: { hard } });
    const q = await eventually(
      () => api.ok('GET', `${ns}/resourcequotas/test-quota`),
      (o) => o.status?.used !== undefined,
    );
    assert.deepEqual(q.status.hard, hard);
    // A new namespace holds its kube-root-ca.crt ConfigMap: one used.
    assert.deepEqual(q.status.used, {
      pods: '0',
      services: '0',
      configmaps: '1',
      secrets: '0',
      'requests.cpu': '0',
      'requests.memory': '0',
    });
  });

  it('[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a service', async () => {
    const ns = await namespace(api, 'quota-service');
    const quota = `${ns}/resourcequotas/test-quota`;
    await api.ok('POST', `${ns}/resourcequotas`, {
      metadata: { name: 'test-quota' },
      spec: { hard: { services: '10', 'services.nodeports': '1', 'services.loadbalancers': '1' } },
    });
    await used(api, quota, { services: '0' });
    const svc = (name: string, type: string) => ({
      metadata: { name },
      spec: { type, selector: { app: name }, ports: [{ port: 80 }] },
    });
    await api.ok('POST', `${ns}/services`, svc('cluster-ip', 'ClusterIP'));
    await api.ok('POST', `${ns}/services`, svc('node-port', 'NodePort'));
    await used(api, quota, { services: '2', 'services.nodeports': '1', 'services.loadbalancers': '0' });
    await forbidden(
      api,
      `${ns}/services`,
      svc('node-port-2', 'NodePort'),
      /^services "node-port-2" is forbidden: exceeded quota: test-quota, requested: services.nodeports=1, used: services.nodeports=1, limited: services.nodeports=1$/,
    );
    await api.ok('DELETE', `${ns}/services/cluster-ip`);
    await api.ok('DELETE', `${ns}/services/node-port`);
    await used(api, quota, { services: '0', 'services.nodeports': '0' });
  });

  for (const [what, plural, body] of [
    ['a secret', 'secrets', { metadata: { name: 'test-secret' }, data: { key: 'dmFsdWU=' } }],
    ['a configMap', 'configmaps', { metadata: { name: 'test-configmap' }, data: { key: 'value' } }],
  ] as const)
    it(`[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of ${what}`, async () => {
      const ns = await namespace(api, `quota-${plural}`);
      const quota = `${ns}/resourcequotas/test-quota`;
      const before = plural === 'configmaps' ? 1 : 0;
      await api.ok('POST', `${ns}/resourcequotas`, {
        metadata: { name: 'test-quota' },
        spec: { hard: { [plural]: String(before + 1) } },
      });
      await used(api, quota, { [plural]: String(before) });
      await api.ok('POST', `${ns}/${plural}`, body);
      await used(api, quota, { [plural]: String(before + 1) });
      await forbidden(
        api,
        `${ns}/${plural}`,
        { ...body, metadata: { name: 'one-more' } },
        /exceeded quota: test-quota/,
      );
      await api.ok('DELETE', `${ns}/${plural}/${body.metadata.name}`);
      await used(api, quota, { [plural]: String(before) });
    });

  it('[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a pod', async () => {
    const ns = await namespace(api, 'quota-pod');
    const quota = `${ns}/resourcequotas/test-quota`;
    await api.ok('POST', `${ns}/resourcequotas`, {
      metadata: { name: 'test-quota' },
      spec: { hard: { pods: '2', 'requests.cpu': '1', 'requests.memory': '500Mi', 'limits.cpu': '2' } },
    });
    await used(api, quota, { pods: '0' });
    // A pod that says nothing of the resources a quota counts is refused.
    await forbidden(
      api,
      `${ns}/pods`,
      pod('unbounded'),
      /^pods "unbounded" is forbidden: failed quota: test-quota: must specify limits.cpu,requests.cpu,requests.memory$/,
    );
    const resources = { requests: { cpu: '500m', memory: '252Mi' }, limits: { cpu: '1' } };
    await api.ok('POST', `${ns}/pods`, pod('test-pod', resources));
    await used(api, quota, { pods: '1', 'requests.cpu': '500m', 'requests.memory': '252Mi', 'limits.cpu': '1' });
    await forbidden(
      api,
      `${ns}/pods`,
      pod('fat-pod', { requests: { cpu: '600m', memory: '100Mi' }, limits: { cpu: '1' } }),
      /^pods "fat-pod" is forbidden: exceeded quota: test-quota, requested: requests.cpu=600m, used: requests.cpu=500m, limited: requests.cpu=1$/,
    );
    // Ended pods count no more.
    await api.ok(
      'PATCH',
      `${ns}/pods/test-pod/status`,
      { status: { phase: 'Succeeded' } },
      'application/merge-patch+json',
    );
    await used(api, quota, { pods: '0', 'requests.cpu': '0', 'requests.memory': '0', 'limits.cpu': '0' });
    await api.ok('DELETE', `${ns}/pods/test-pod`);
  });

  it('[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a replication controller', async () => {
    const ns = await namespace(api, 'quota-rc');
    const quota = `${ns}/resourcequotas/test-quota`;
    await api.ok('POST', `${ns}/resourcequotas`, {
      metadata: { name: 'test-quota' },
      spec: { hard: { replicationcontrollers: '1' } },
    });
    await used(api, quota, { replicationcontrollers: '0' });
    const rc = (name: string) => ({
      metadata: { name },
      spec: {
        replicas: 0,
        selector: { app: name },
        template: { metadata: { labels: { app: name } }, spec: { containers: [container()] } },
      },
    });
    await api.ok('POST', `${ns}/replicationcontrollers`, rc('test-rc'));
    await used(api, quota, { replicationcontrollers: '1' });
    await forbidden(api, `${ns}/replicationcontrollers`, rc('test-rc-2'), /exceeded quota: test-quota/);
    await api.ok('DELETE', `${ns}/replicationcontrollers/test-rc`);
    await used(api, quota, { replicationcontrollers: '0' });
  });

  it('[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a replica set', async () => {
    const ns = await namespace(api, 'quota-rs');
    const apps = '/apis/apps/v1/namespaces/quota-rs/replicasets';
    const quota = `${ns}/resourcequotas/test-quota`;
    await api.ok('POST', `${ns}/resourcequotas`, {
      metadata: { name: 'test-quota' },
      spec: { hard: { 'count/replicasets.apps': '1' } },
    });
    await used(api, quota, { 'count/replicasets.apps': '0' });
    const rs = (name: string) => ({
      metadata: { name },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [container()] } },
      },
    });
    await api.ok('POST', apps, rs('test-rs'));
    await used(api, quota, { 'count/replicasets.apps': '1' });
    await forbidden(
      api,
      apps,
      rs('test-rs-2'),
      /^replicasets\.apps "test-rs-2" is forbidden: exceeded quota: test-quota, requested: count\/replicasets\.apps=1, used: count\/replicasets\.apps=1, limited: count\/replicasets\.apps=1$/,
    );
    await api.ok('DELETE', `${apps}/test-rs`);
    await used(api, quota, { 'count/replicasets.apps': '0' });
  });

  it('[sig-api-machinery] ResourceQuota should verify ResourceQuota with terminating scopes', async () => {
    const ns = await namespace(api, 'quota-terminating');
    const hard = { pods: '1', 'requests.cpu': '1' };
    await api.ok('POST', `${ns}/resourcequotas`, {
      metadata: { name: 'quota-terminating' },
      spec: { hard, scopes: ['Terminating'] },
    });
    await api.ok('POST', `${ns}/resourcequotas`, {
      metadata: { name: 'quota-not-terminating' },
      spec: { hard, scopes: ['NotTerminating'] },
    });
    const r = { requests: { cpu: '500m' } };
    await api.ok('POST', `${ns}/pods`, pod('long-running', r));
    await used(api, `${ns}/resourcequotas/quota-not-terminating`, { pods: '1', 'requests.cpu': '500m' });
    await used(api, `${ns}/resourcequotas/quota-terminating`, { pods: '0', 'requests.cpu': '0' });
    await api.ok('POST', `${ns}/pods`, pod('terminating', r, { activeDeadlineSeconds: 3600 }));
    await used(api, `${ns}/resourcequotas/quota-terminating`, { pods: '1', 'requests.cpu': '500m' });
    await forbidden(
      api,
      `${ns}/pods`,
      pod('terminating-2', r, { activeDeadlineSeconds: 3600 }),
      /exceeded quota: quota-terminating, requested: pods=1/,
    );
    // A quota with scopes counts pods only.
    const bad = await api.call('POST', `${ns}/resourcequotas`, {
      metadata: { name: 'bad' },
      spec: { hard: { services: '1' }, scopes: ['Terminating'] },
    });
    assert.equal(bad.status, 422);
    assert.match(
      bad.body.message,
      /spec.hard\[services\]: Invalid value: "services": unsupported scope applied to resource/,
    );
  });

  it('[sig-api-machinery] ResourceQuota should verify ResourceQuota with best effort scope', async () => {
    const ns = await namespace(api, 'quota-besteffort');
    await api.ok('POST', `${ns}/resourcequotas`, {
      metadata: { name: 'quota-besteffort' },
      spec: { hard: { pods: '1' }, scopes: ['BestEffort'] },
    });
    await api.ok('POST', `${ns}/resourcequotas`, {
      metadata: { name: 'quota-not-besteffort' },
      spec: { hard: { pods: '1' }, scopes: ['NotBestEffort'] },
    });
    await api.ok('POST', `${ns}/pods`, pod('best-effort'));
    await used(api, `${ns}/resourcequotas/quota-besteffort`, { pods: '1' });
    await used(api, `${ns}/resourcequotas/quota-not-besteffort`, { pods: '0' });
    await api.ok('POST', `${ns}/pods`, pod('burstable', { requests: { cpu: '100m' } }));
    await used(api, `${ns}/resourcequotas/quota-not-besteffort`, { pods: '1' });
    await used(api, `${ns}/resourcequotas/quota-besteffort`, { pods: '1' });
  });

  it('[sig-api-machinery] ResourceQuota should be able to update and delete ResourceQuota', async () => {
    const ns = await namespace(api, 'quota-update');
    const path = `${ns}/resourcequotas/test-quota`;
    await api.ok('POST', `${ns}/resourcequotas`, {
      metadata: { name: 'test-quota' },
      spec: { hard: { cpu: '1', memory: '500Mi' } },
    });
    const q = await api.ok('GET', path);
    q.spec.hard.cpu = '2';
    await api.ok('PUT', path, q);
    assert.equal((await api.ok('GET', path)).spec.hard.cpu, '2');
    await eventually(
      () => api.ok('GET', path),
      (o) => o.status?.hard?.cpu === '2',
    );
    await api.ok('DELETE', path);
    assert.equal((await api.call('GET', path)).status, 404);
  });

  it('[sig-api-machinery] ResourceQuota should manage the lifecycle of a ResourceQuota', async () => {
    const ns = await namespace(api, 'quota-lifecycle');
    await api.ok('POST', `${ns}/resourcequotas`, {
      metadata: { name: 'e2e-quota', labels: { 'e2e-rq-label': 'e2e-quota' } },
      spec: { hard: { cpu: '1', memory: '500Mi' } },
    });
    const listed = await api.ok('GET', '/api/v1/resourcequotas?labelSelector=e2e-rq-label%3De2e-quota');
    assert.deepEqual(
      listed.items.map((o: { metadata: { name: string } }) => o.metadata.name),
      ['e2e-quota'],
    );
    const patched = await api.ok(
      'PATCH',
      `${ns}/resourcequotas/e2e-quota`,
      { metadata: { labels: { 'e2e-rq-label': 'e2e-quota', patched: 'true' } }, spec: { hard: { memory: '750Mi' } } },
      'application/strategic-merge-patch+json',
    );
    assert.deepEqual(patched.spec.hard, { cpu: '1', memory: '750Mi' });
    await api.ok('DELETE', `${ns}/resourcequotas?labelSelector=e2e-rq-label%3De2e-quota`);
    assert.equal((await api.ok('GET', `${ns}/resourcequotas`)).items.length, 0);
  });

  it('[sig-api-machinery] ResourceQuota should apply changes to a resourcequota status', async () => {
    const ns = await namespace(api, 'quota-status-write');
    const path = `${ns}/resourcequotas/e2e-rq-status`;
    await api.ok('POST', `${ns}/resourcequotas`, {
      metadata: { name: 'e2e-rq-status' },
      spec: { hard: { cpu: '500m', memory: '500Mi' } },
    });
    const q = await eventually(
      () => api.ok('GET', path),
      (o) => o.status?.hard !== undefined,
    );
    q.status = { hard: { cpu: '400m', memory: '400Mi' }, used: { cpu: '0', memory: '0' } };
    const updated = await api.ok('PUT', `${path}/status`, q);
    assert.deepEqual(updated.status.hard, { cpu: '400m', memory: '400Mi' });
    assert.deepEqual(updated.spec.hard, { cpu: '500m', memory: '500Mi' });
    const patched = await api.ok(
      'PATCH',
      `${path}/status`,
      { status: { hard: { cpu: '300m', memory: '300Mi' } } },
      'application/merge-patch+json',
    );
    assert.equal(patched.status.hard.cpu, '300m');
    // The controller puts the spec's limits back.
    await eventually(
      () => api.ok('GET', path),
      (o) => o.status?.hard?.cpu === '500m' && o.status?.hard?.memory === '500Mi',
    );
  });
});

describe('[sig-scheduling] LimitRange conformance', () => {
  const api = conformanceApi();

  it('[sig-scheduling] LimitRange should create a LimitRange with defaults and ensure pod has those defaults applied', async () => {
    const ns = await namespace(api, 'limitrange-defaults');
    const created = await api.ok('POST', `${ns}/limitranges`, {
      metadata: { name: 'limit-range' },
      spec: {
        limits: [
          {
            type: 'Container',
            min: { cpu: '100m', memory: '10Mi' },
            max: { cpu: '500m', memory: '500Mi' },
            defaultRequest: { cpu: '200m', memory: '100Mi' },
          },
        ],
      },
    });
    // The default limits are the max; the default requests as given.
    assert.deepEqual(created.spec.limits[0].default, { cpu: '500m', memory: '500Mi' });
    const made = await api.ok('POST', `${ns}/pods`, pod('pod-no-resources'));
    assert.deepEqual(made.spec.containers[0].resources, {
      requests: { cpu: '200m', memory: '100Mi' },
      limits: { cpu: '500m', memory: '500Mi' },
    });
    assert.equal(
      made.metadata.annotations['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for container main; cpu, memory limit for container main',
    );
    const partial = await api.ok(
      'POST',
      `${ns}/pods`,
      pod('pod-partial-resources', { requests: { cpu: '300m' }, limits: { memory: '300Mi' } }),
    );
    assert.deepEqual(partial.spec.containers[0].resources, {
      requests: { cpu: '300m', memory: '300Mi' },
      limits: { cpu: '500m', memory: '300Mi' },
    });
    await forbidden(
      api,
      `${ns}/pods`,
      pod('pod-over-max', { requests: { cpu: '600m' }, limits: { cpu: '600m' } }),
      /^pods "pod-over-max" is forbidden: maximum cpu usage per Container is 500m, but limit is 600m$/,
    );
    await forbidden(
      api,
      `${ns}/pods`,
      pod('pod-under-min', { requests: { cpu: '50m', memory: '5Mi' } }),
      /^pods "pod-under-min" is forbidden: \[minimum cpu usage per Container is 100m, but request is 50m, minimum memory usage per Container is 10Mi, but request is 5Mi\]$/,
    );
    // Changed: new pods get the new defaults.
    await api.ok(
      'PATCH',
      `${ns}/limitranges/limit-range`,
      { spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '150m' }, default: { cpu: '250m' } }] } },
      'application/merge-patch+json',
    );
    const later = await api.ok('POST', `${ns}/pods`, pod('pod-later'));
    assert.deepEqual(later.spec.containers[0].resources, { requests: { cpu: '150m' }, limits: { cpu: '250m' } });
    await api.ok('DELETE', `${ns}/limitranges/limit-range`);
    const free = await api.ok('POST', `${ns}/pods`, pod('pod-free'));
    assert.equal(free.spec.containers[0].resources, undefined);
    // A LimitRange whose default is over its max is refused.
    const bad = await api.call('POST', `${ns}/limitranges`, {
      metadata: { name: 'bad' },
      spec: { limits: [{ type: 'Container', max: { cpu: '1' }, default: { cpu: '2' } }] },
    });
    assert.equal(bad.status, 422);
    assert.match(
      bad.body.message,
      /spec.limits\[0\].default\[cpu\]: Invalid value: "2": default value 2 is greater than max value 1/,
    );
  });

  it('[sig-scheduling] LimitRange should list, patch and delete a LimitRange by collection', async () => {
    for (const n of ['limitrange-a', 'limitrange-b']) {
      const ns = await namespace(api, n);
      await api.ok('POST', `${ns}/limitranges`, {
        metadata: { name: 'e2e-limitrange', labels: { 'e2e-test': 'limitrange' } },
        spec: { limits: [{ type: 'Container', max: { cpu: '1' } }] },
      });
    }
    const all = await api.ok('GET', '/api/v1/limitranges?labelSelector=e2e-test%3Dlimitrange');
    assert.equal(all.items.length, 2);
    const patched = await api.ok(
      'PATCH',
      '/api/v1/namespaces/limitrange-a/limitranges/e2e-limitrange',
      { metadata: { labels: { patched: 'true' } }, spec: { limits: [{ type: 'Container', max: { cpu: '2' } }] } },
      'application/merge-patch+json',
    );
    assert.equal(patched.metadata.labels.patched, 'true');
    assert.equal(patched.spec.limits[0].max.cpu, '2');
    await api.ok('DELETE', '/api/v1/namespaces/limitrange-a/limitranges?labelSelector=e2e-test%3Dlimitrange');
    assert.equal((await api.ok('GET', '/api/v1/limitranges?labelSelector=e2e-test%3Dlimitrange')).items.length, 1);
  });
});

describe('[sig-apps] ReplicationController and quotas', () => {
  const api = conformanceApi();

  it('[sig-apps] ReplicationController should surface a failure condition on a common issue like exceeded quota', async () => {
    const ns = await namespace(api, 'rc-quota');
    await api.ok('POST', `${ns}/resourcequotas`, {
      metadata: { name: 'condition-test' },
      spec: { hard: { pods: '2' } },
    });
    await used(api, `${ns}/resourcequotas/condition-test`, { pods: '0' });
    const labels = { name: 'condition-test' };
    await api.ok('POST', `${ns}/replicationcontrollers`, {
      metadata: { name: 'condition-test' },
      spec: { replicas: 3, selector: labels, template: { metadata: { labels }, spec: { containers: [container()] } } },
    });
    const failed = await eventually(
      () => api.ok('GET', `${ns}/replicationcontrollers/condition-test`),
      (o) => (o.status?.conditions ?? []).some((c: { type: string }) => c.type === 'ReplicaFailure'),
    );
    const c = failed.status.conditions.find((x: { type: string }) => x.type === 'ReplicaFailure');
    assert.deepEqual([c.status, c.reason], ['True', 'FailedCreate']);
    assert.match(
      c.message,
      /is forbidden: exceeded quota: condition-test, requested: pods=1, used: pods=2, limited: pods=2/,
    );
    await api.ok(
      'PATCH',
      `${ns}/replicationcontrollers/condition-test/scale`,
      { spec: { replicas: 2 } },
      'application/merge-patch+json',
    );
    await eventually(
      () => api.ok('GET', `${ns}/replicationcontrollers/condition-test`),
      (o) => !(o.status?.conditions ?? []).some((x: { type: string }) => x.type === 'ReplicaFailure'),
    );
    const events = await api.ok('GET', `${ns}/events?fieldSelector=reason%3DFailedCreate`);
    assert.ok(events.items.length > 0);
    assert.equal(events.items[0].involvedObject.kind, 'ReplicationController');
  });
});
