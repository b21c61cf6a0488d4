import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conformanceApi, eventually } from './client.js';

// [sig-api-machinery] Garbage collector, ServerSideApply and CustomResourceDefinition cases, named
// as the conformance suite names them.
describe('[sig-api-machinery] garbage collection, server-side apply and CRDs', () => {
  const api = conformanceApi();
  const deployment = (name: string) => ({
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'busybox' }] } },
    },
  });
  const deployments = '/apis/apps/v1/namespaces/default/deployments';
  const setsOf = async (app: string) =>
    (await api.ok('GET', `/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3D${app}`)).items as {
      metadata: { name: string; ownerReferences?: unknown[] };
    }[];
  const gone = (path: string) =>
    eventually(
      () => api.call('GET', path),
      (r) => r.status === 404,
    );

  it('Garbage collector should delete RS created by deployment when not orphaning', async () => {
    await api.ok('POST', deployments, deployment('gc-bg'));
    await eventually(
      () => setsOf('gc-bg'),
      (s) => s.length === 1,
    );
    await api.ok('DELETE', `${deployments}/gc-bg`, { propagationPolicy: 'Background' });
    await eventually(
      () => setsOf('gc-bg'),
      (s) => s.length === 0,
    );
    await eventually(
      () => api.ok('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dgc-bg'),
      (l) => l.items.length === 0,
    );
  });

  it('Garbage collector should orphan RS created by deployment when deleteOptions.PropagationPolicy is Orphan', async () => {
    await api.ok('POST', deployments, deployment('gc-orphan'));
    await eventually(
      () => setsOf('gc-orphan'),
      (s) => s.length === 1,
    );
    await api.ok('DELETE', `${deployments}/gc-orphan`, { propagationPolicy: 'Orphan' });
    await gone(`${deployments}/gc-orphan`);
    const [rs] = await eventually(
      () => setsOf('gc-orphan'),
      (s) => s.length === 1 && !s[0]?.metadata.ownerReferences,
    );
    await api.ok('DELETE', `/apis/apps/v1/namespaces/default/replicasets/${rs?.metadata.name}`);
  });

  it('Garbage collector should keep the rc around until all its pods are deleted if the deleteOptions says so', async () => {
    const rcs = '/api/v1/namespaces/default/replicationcontrollers';
    const pods = '/api/v1/namespaces/default/pods';
    await api.ok('POST', rcs, {
      metadata: { name: 'gc-fg' },
      spec: {
        replicas: 2,
        selector: { app: 'gc-fg' },
        template: {
          metadata: { labels: { app: 'gc-fg' } },
          spec: { containers: [{ name: 'main', image: 'busybox' }] },
        },
      },
    });
    const list = await eventually(
      () => api.ok('GET', `${pods}?labelSelector=app%3Dgc-fg`),
      (l) => l.items.length === 2,
    );
    // One pod held by a finalizer of the test's: its owner must wait for it.
    const held = list.items[0].metadata.name as string;
    await api.ok(
      'PATCH',
      `${pods}/${held}`,
      { metadata: { finalizers: ['example.com/hold'] } },
      'application/merge-patch+json',
    );
    const marked = await api.ok('DELETE', `${rcs}/gc-fg`, { propagationPolicy: 'Foreground' });
    assert.deepEqual(marked.metadata.finalizers, ['foregroundDeletion']);
    assert.ok(marked.metadata.deletionTimestamp);
    await eventually(
      () => api.ok('GET', `${pods}?labelSelector=app%3Dgc-fg`),
      (l) => l.items.length === 1 && l.items[0].metadata.deletionTimestamp !== undefined,
    );
    assert.equal((await api.call('GET', `${rcs}/gc-fg`)).status, 200, 'kept while a pod is left');
    await api.ok('PATCH', `${pods}/${held}`, { metadata: { finalizers: null } }, 'application/merge-patch+json');
    await gone(`${rcs}/gc-fg`);
    assert.equal((await api.ok('GET', `${pods}?labelSelector=app%3Dgc-fg`)).items.length, 0);
  });

  it('Garbage collector should keep the owner around until all its dependents are deleted (a Deployment and its ReplicaSet)', async () => {
    await api.ok('POST', deployments, deployment('gc-fg'));
    await eventually(
      () => setsOf('gc-fg'),
      (s) => s.length === 1,
    );
    const marked = await api.ok('DELETE', `${deployments}/gc-fg`, { propagationPolicy: 'Foreground' });
    assert.deepEqual(marked.metadata.finalizers, ['foregroundDeletion']);
    assert.ok(marked.metadata.deletionTimestamp);
    await gone(`${deployments}/gc-fg`);
    assert.deepEqual(await setsOf('gc-fg'), []);
  });

  it('Garbage collector should not be blocked by dependency circle', async () => {
    const path = '/api/v1/namespaces/default/configmaps';
    const a = await api.ok('POST', path, { metadata: { name: 'circle-a' } });
    const b = await api.ok('POST', path, { metadata: { name: 'circle-b', ownerReferences: [ref(a)] } });
    await api.ok(
      'PATCH',
      `${path}/circle-a`,
      { metadata: { ownerReferences: [ref(b)] } },
      'application/merge-patch+json',
    );
    await api.ok('DELETE', `${path}/circle-a`);
    await gone(`${path}/circle-b`);
  });

  it("Garbage collector should not delete dependents that have both valid owner and owner that's waiting for dependents to be deleted", async () => {
    const path = '/api/v1/namespaces/default/configmaps';
    const keep = await api.ok('POST', path, { metadata: { name: 'owner-keep' } });
    const go = await api.ok('POST', path, { metadata: { name: 'owner-go' } });
    await api.ok('POST', path, { metadata: { name: 'dependent', ownerReferences: [ref(keep), ref(go)] } });
    await api.ok('DELETE', `${path}/owner-go`, { propagationPolicy: 'Foreground' });
    await gone(`${path}/owner-go`);
    const d = await api.ok('GET', `${path}/dependent`);
    assert.deepEqual(
      d.metadata.ownerReferences.map((r: { name: string }) => r.name),
      ['owner-keep'],
    );
  });

  const applyPath = '/api/v1/namespaces/default/configmaps/applied';
  const apply = (manager: string, data: Record<string, string>, force = false) =>
    api.call(
      'PATCH',
      `${applyPath}?fieldManager=${manager}${force ? '&force=true' : ''}`,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data },
      'application/apply-patch+yaml',
    );

  it('ServerSideApply should create an applied object if it does not already exist', async () => {
    const r = await apply('a', { one: '1' });
    assert.equal(r.status, 201);
    assert.deepEqual(
      r.body.metadata.managedFields.map((m: { manager: string }) => m.manager),
      ['a'],
    );
  });

  it('ServerSideApply should ignore conflict errors if force apply is used', async () => {
    const refused = await apply('b', { one: '2' });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.details.causes[0].reason, 'FieldManagerConflict');
    const forced = await apply('b', { one: '2' }, true);
    assert.equal(forced.status, 200);
    assert.equal(forced.body.data.one, '2');
  });

  it('ServerSideApply should give up ownership of a field if forced applied by a controller', async () => {
    const o = await api.ok('GET', applyPath);
    const owners = o.metadata.managedFields.map((m: { manager: string; fieldsV1: unknown }) => [m.manager, m.fieldsV1]);
    assert.deepEqual(owners, [['b', { 'f:data': { 'f:one': {} } }]]);
  });

  it('ServerSideApply should not remove a field if an owner unsets the field but other managers still have ownership of the field', async () => {
    await apply('c', { one: '2', two: '2' });
    await apply('b', { two: '2' });
    assert.deepEqual((await api.ok('GET', applyPath)).data, { one: '2', two: '2' });
  });

  it('ServerSideApply should remove a field if it is owned but removed in the apply request', async () => {
    await apply('c', { two: '2' });
    assert.deepEqual((await api.ok('GET', applyPath)).data, { two: '2' });
  });

  const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  const crd = {
    metadata: { name: 'foos.conformance.example.com' },
    spec: {
      group: 'conformance.example.com',
      names: { plural: 'foos', kind: 'Foo' },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
  const foos = '/apis/conformance.example.com/v1/namespaces/default/foos';

  it('CustomResourceDefinition resources [Privileged:ClusterAdmin] Simple CustomResourceDefinition creating/deleting custom resource definition objects works', async () => {
    const made = await api.ok('POST', crdPath, crd);
    assert.ok(
      made.status.conditions.some(
        (c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True',
      ),
    );
    await api.ok('POST', foos, {
      apiVersion: 'conformance.example.com/v1',
      kind: 'Foo',
      metadata: { name: 'f' },
      anything: { x: 1 },
    });
    assert.deepEqual((await api.ok('GET', `${foos}/f`)).anything, { x: 1 });
    await api.ok('DELETE', `${crdPath}/foos.conformance.example.com`);
    await gone(`${crdPath}/foos.conformance.example.com`);
    assert.equal((await api.call('GET', foos)).status, 404);
  });

  it('CustomResourceDefinition resources [Privileged:ClusterAdmin] Simple CustomResourceDefinition listing custom resource definition objects works', async () => {
    for (const g of ['a', 'b'])
      await api.ok('POST', crdPath, {
        ...crd,
        metadata: { name: `foos.${g}.example.com`, labels: { e2e: 'list' } },
        spec: { ...crd.spec, group: `${g}.example.com` },
      });
    const list = await api.ok('GET', `${crdPath}?labelSelector=e2e%3Dlist`);
    assert.equal(list.items.length, 2);
    await api.ok('DELETE', `${crdPath}?labelSelector=e2e%3Dlist`);
    await eventually(
      () => api.ok('GET', `${crdPath}?labelSelector=e2e%3Dlist`),
      (l) => l.items.length === 0,
    );
  });

  it('CustomResourceDefinition Watch [Privileged:ClusterAdmin] CustomResourceDefinition Watch watch on custom resource definition objects', async () => {
    await api.ok('POST', crdPath, crd);
    const from = (await api.ok('GET', foos)).metadata.resourceVersion;
    const body = { apiVersion: 'conformance.example.com/v1', kind: 'Foo', metadata: { name: 'watched' }, n: 1 };
    await api.ok('POST', foos, body);
    await api.ok('PATCH', `${foos}/watched`, { n: 2 }, 'application/merge-patch+json');
    await api.ok('DELETE', `${foos}/watched`);
    const events = await api.watch(`${foos}?resourceVersion=${from}`, (e) => e.length >= 3);
    assert.deepEqual(
      events.map((e) => [e.type, e.object.n]),
      [
        ['ADDED', 1],
        ['MODIFIED', 2],
        ['DELETED', 2],
      ],
    );
  });
});

const ref = (o: { apiVersion?: string; kind?: string; metadata: { name: string; uid: string } }) => ({
  apiVersion: o.apiVersion ?? 'v1',
  kind: o.kind ?? 'ConfigMap',
  name: o.metadata.name,
  uid: o.metadata.uid,
});
