import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conformanceApi, eventually } from './client.js';

// [sig-apps], [sig-network] and [sig-node] cases about the API of workloads and services (no pod
// runs: berth starts here without an agent; running pods are the e2e tests' part), named as the
// conformance suite names them.
describe('[sig-apps] [sig-network] [sig-node] conformance of the workloads’ API', () => {
  const api = conformanceApi();
  const template = (app: string) => ({
    metadata: { labels: { app } },
    spec: { containers: [{ name: 'main', image: 'busybox' }] },
  });
  const names = (list: { items: { metadata: { name: string } }[] }) => list.items.map((i) => i.metadata.name).sort();
  const collection = async (path: string, label: string, make: (name: string) => object) => {
    for (const name of ['one', 'two'])
      await api.ok('POST', path, { ...make(name), metadata: { name, labels: { [label]: 'true' } } });
    assert.deepEqual(names(await api.ok('GET', `${path}?labelSelector=${label}`)), ['one', 'two']);
    const deleted = await api.ok('DELETE', `${path}?labelSelector=${label}`);
    assert.deepEqual(names(deleted), ['one', 'two']);
    await eventually(
      () => api.ok('GET', `${path}?labelSelector=${label}`),
      (l) => l.items.length === 0,
    );
  };

  it('[sig-apps] ReplicaSet should list and delete a collection of ReplicaSets', async () => {
    await collection('/apis/apps/v1/namespaces/default/replicasets', 'rs-coll', (n) => ({
      spec: { replicas: 1, selector: { matchLabels: { app: `rs-${n}` } }, template: template(`rs-${n}`) },
    }));
  });

  it('[sig-apps] Daemon set [Serial] should list and delete a collection of DaemonSets', async () => {
    await collection('/apis/apps/v1/namespaces/default/daemonsets', 'ds-coll', (n) => ({
      spec: { selector: { matchLabels: { app: `ds-${n}` } }, template: template(`ds-${n}`) },
    }));
  });

  it('[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should list, patch and delete a collection of StatefulSets', async () => {
    const path = '/apis/apps/v1/namespaces/default/statefulsets';
    await api.ok('POST', path, {
      metadata: { name: 'ss', labels: { 'ss-coll': 'true' } },
      spec: { replicas: 0, serviceName: 'ss', selector: { matchLabels: { app: 'ss' } }, template: template('ss') },
    });
    await api.ok('PATCH', `${path}/ss`, { metadata: { labels: { patched: 'yes' } } }, 'application/merge-patch+json');
    assert.deepEqual(names(await api.ok('GET', `${path}?labelSelector=patched%3Dyes`)), ['ss']);
    await api.ok('DELETE', `${path}?labelSelector=ss-coll`);
    await eventually(
      () => api.call('GET', `${path}/ss`),
      (r) => r.status === 404,
    );
  });

  it('[sig-apps] ControllerRevision [Serial] should manage the lifecycle of a ControllerRevision', async () => {
    const ds = '/apis/apps/v1/namespaces/default/daemonsets';
    const path = '/apis/apps/v1/namespaces/default/controllerrevisions';
    const byLabel = (sel: string) => api.ok('GET', `${path}?labelSelector=${encodeURIComponent(sel)}`);
    await api.ok('POST', ds, {
      metadata: { name: 'e2e-cr-ds' },
      spec: {
        selector: { matchLabels: { 'daemonset-name': 'e2e-cr-ds' } },
        template: { ...template('x'), metadata: { labels: { 'daemonset-name': 'e2e-cr-ds' } } },
      },
    });
    // The set's first revision, found by its pods' labels.
    const first = (
      await eventually(
        () => byLabel('daemonset-name=e2e-cr-ds'),
        (l) => l.items.length === 1,
      )
    ).items[0];
    assert.equal(first.metadata.ownerReferences[0].kind, 'DaemonSet');
    await api.ok(
      'PATCH',
      `${path}/${first.metadata.name}`,
      { metadata: { labels: { 'e2e-cr': 'patched' } } },
      'application/merge-patch+json',
    );
    // A revision made by a client, with the same data and the next number.
    const made = await api.ok('POST', path, {
      metadata: {
        name: `${first.metadata.name}-new`,
        labels: { 'daemonset-name': 'e2e-cr-ds' },
        ownerReferences: first.metadata.ownerReferences,
      },
      data: first.data,
      revision: first.revision + 1,
    });
    assert.equal(made.revision, first.revision + 1);
    assert.equal((await byLabel('daemonset-name=e2e-cr-ds')).items.length, 2);
    await api.ok('DELETE', `${path}?labelSelector=e2e-cr%3Dpatched`);
    assert.deepEqual(names(await byLabel('daemonset-name=e2e-cr-ds')), [made.metadata.name]);
    const got = await api.ok('GET', `${path}/${made.metadata.name}`);
    got.metadata.labels['e2e-cr'] = 'updated';
    await api.ok('PUT', `${path}/${made.metadata.name}`, got);
    // A new template: a new revision beside the client's (which the controller took as its own).
    await api.ok(
      'PATCH',
      ds + '/e2e-cr-ds',
      { spec: { template: { spec: { terminationGracePeriodSeconds: 1 } } } },
      'application/strategic-merge-patch+json',
    );
    await eventually(
      () => byLabel('daemonset-name=e2e-cr-ds'),
      (l) => l.items.length === 2,
    );
    await api.ok('DELETE', `${path}?labelSelector=e2e-cr%3Dupdated`);
    const left = (await byLabel('daemonset-name=e2e-cr-ds')).items;
    assert.deepEqual(
      left.map((r: { revision: number }) => r.revision),
      [first.revision + 2],
    );
    await api.ok('DELETE', `${ds}/e2e-cr-ds`);
  });

  it('[sig-scheduling] SchedulerPreemption [Serial] PriorityClass endpoints verify PriorityClass endpoints can be operated with different HTTP methods', async () => {
    const path = '/apis/scheduling.k8s.io/v1/priorityclasses';
    for (const [i, name] of ['p1', 'p2'].entries())
      await api.ok('POST', path, { metadata: { name, labels: { 'pc-test': 'true' } }, value: 100 + i });
    assert.equal((await api.ok('GET', `${path}/p1`)).value, 100);
    const patched = await api.ok('PATCH', `${path}/p1`, { description: 'patched' }, 'application/merge-patch+json');
    assert.equal(patched.description, 'patched');
    const got = await api.ok('GET', `${path}/p2`);
    got.description = 'updated';
    const updated = await api.ok('PUT', `${path}/p2`, got);
    assert.equal(updated.description, 'updated');
    // The value may not change.
    updated.value = 7;
    assert.equal((await api.call('PUT', `${path}/p2`, updated)).status, 422);
    assert.deepEqual(names(await api.ok('GET', `${path}?labelSelector=pc-test`)), ['p1', 'p2']);
    await api.ok('DELETE', `${path}?labelSelector=pc-test`);
    assert.deepEqual(names(await api.ok('GET', `${path}?labelSelector=pc-test`)), []);
    // The system's classes are there from the start.
    assert.equal((await api.ok('GET', `${path}/system-node-critical`)).value, 2000001000);
  });

  it('[sig-apps] CronJob should support CronJob API operations', async () => {
    const path = '/apis/batch/v1/namespaces/default/cronjobs';
    const cj = {
      metadata: { name: 'cj', labels: { 'cj-api': 'true' } },
      spec: {
        schedule: '*/1 * * * *',
        jobTemplate: {
          spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } },
        },
      },
    };
    const made = await api.ok('POST', path, cj);
    assert.equal((await api.ok('GET', `${path}/cj`)).metadata.uid, made.metadata.uid);
    assert.deepEqual(names(await api.ok('GET', '/apis/batch/v1/cronjobs?labelSelector=cj-api')), ['cj']);
    const events = api.watch(
      `${path}?labelSelector=cj-api&resourceVersion=${made.metadata.resourceVersion}`,
      (e) => e.length >= 1,
    );
    await api.ok(
      'PATCH',
      `${path}/cj`,
      { metadata: { annotations: { patched: 'true' } } },
      'application/merge-patch+json',
    );
    assert.equal((await events)[0]?.type, 'MODIFIED');
    const got = await api.ok('GET', `${path}/cj`);
    got.spec.schedule = '*/2 * * * *';
    assert.equal((await api.ok('PUT', `${path}/cj`, got)).spec.schedule, '*/2 * * * *');
    assert.equal((await api.ok('GET', `${path}/cj/status`)).metadata.name, 'cj');
    await api.ok('DELETE', `${path}/cj`);
    assert.equal((await api.call('GET', `${path}/cj`)).status, 404);
  });

  it('[sig-apps] Job should delete a job', async () => {
    const path = '/apis/batch/v1/namespaces/default/jobs';
    await api.ok('POST', path, {
      metadata: { name: 'doomed' },
      spec: {
        parallelism: 2,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      },
    });
    const pods = () => api.ok('GET', '/api/v1/namespaces/default/pods?labelSelector=job-name%3Ddoomed');
    await eventually(pods, (l) => l.items.length === 2);
    await api.ok('DELETE', `${path}/doomed`, { propagationPolicy: 'Background' });
    await eventually(pods, (l) => l.items.length === 0);
  });

  it('[sig-apps] DisruptionController Listing PodDisruptionBudgets for all namespaces should list and delete a collection of PodDisruptionBudgets', async () => {
    await collection('/apis/policy/v1/namespaces/default/poddisruptionbudgets', 'pdb-coll', (n) => ({
      spec: { minAvailable: 1, selector: { matchLabels: { app: `pdb-${n}` } } },
    }));
  });

  it('[sig-network] Services should find a service from listing all namespaces', async () => {
    await api.ok('POST', '/api/v1/namespaces', { metadata: { name: 'svc-find' } });
    await api.ok('POST', '/api/v1/namespaces/svc-find/services', {
      metadata: { name: 'found' },
      spec: { ports: [{ port: 80 }] },
    });
    const all = await api.ok('GET', '/api/v1/services');
    assert.ok(
      all.items.some(
        (s: { metadata: { name: string; namespace: string } }) =>
          s.metadata.name === 'found' && s.metadata.namespace === 'svc-find',
      ),
    );
  });

  it('[sig-network] Services should delete a collection of services', async () => {
    await collection('/api/v1/namespaces/default/services', 'svc-coll', () => ({ spec: { ports: [{ port: 80 }] } }));
  });

  it('[sig-network] Services should test the lifecycle of an Endpoint', async () => {
    const path = '/api/v1/namespaces/default/endpoints';
    await api.ok('POST', path, {
      metadata: { name: 'ep', labels: { 'ep-life': 'true' } },
      subsets: [{ addresses: [{ ip: '10.0.0.24' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }],
    });
    await api.ok(
      'PATCH',
      `${path}/ep`,
      { subsets: [{ addresses: [{ ip: '10.0.0.25' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }] },
      'application/merge-patch+json',
    );
    const got = await api.ok('GET', `${path}/ep`);
    assert.deepEqual([got.subsets[0].addresses[0].ip, got.subsets[0].ports[0].port], ['10.0.0.25', 8080]);
    await api.ok('DELETE', `${path}?labelSelector=ep-life`);
    assert.equal((await api.call('GET', `${path}/ep`)).status, 404);
  });

  it('[sig-node] Pods should delete a collection of pods', async () => {
    await collection('/api/v1/namespaces/default/pods', 'pod-coll', () => ({
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    }));
  });

  it('[sig-node] Pods should be submitted and removed', async () => {
    const path = '/api/v1/namespaces/default/pods';
    const from = (await api.ok('GET', path)).metadata.resourceVersion;
    await api.ok('POST', path, {
      metadata: { name: 'submitted', labels: { time: 'now' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    await api.ok('DELETE', `${path}/submitted`, { gracePeriodSeconds: 0 });
    const events = await api.watch(`${path}?labelSelector=time%3Dnow&resourceVersion=${from}`, (e) =>
      e.some((x) => x.type === 'DELETED'),
    );
    assert.deepEqual([events[0]?.type, events.at(-1)?.type], ['ADDED', 'DELETED']);
  });
});
