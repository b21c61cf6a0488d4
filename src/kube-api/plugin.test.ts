import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { testKube } from '../kube/test-kube.js';
import {
  createObject,
  ensureBootstrapRbac,
  ensureClusterKeys,
  requestToken,
  ROLE_BINDING,
  SERVICE_ACCOUNT,
  type KubeDeps,
} from '../kube/index.js';
import { AGGREGATED } from './discovery.js';
import { kubeApiPlugin } from './plugin.js';

describe('the Kubernetes API over HTTP', () => {
  let app: FastifyInstance;
  let deps: KubeDeps;
  let base: string;
  before(async () => {
    deps = await testKube();
    app = Fastify();
    await app.register(kubeApiPlugin, {
      cluster: (n) => (n === 'c' ? deps : undefined),
      strict: false,
      version: '0.0.0',
      bookmarkMs: 50,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address() as { port: number };
    base = `http://127.0.0.1:${addr.port}/k8s/c`;
  });
  after(() => app.close());

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      warning: res.headers.get('warning'),
      json: text ? JSON.parse(text) : undefined,
    };
  };

  it('discovery: aggregated when asked for first, the legacy documents otherwise', async () => {
    const agg = await call('GET', '/api', undefined, { accept: `${AGGREGATED},application/json` });
    assert.equal(agg.type, AGGREGATED);
    const core = agg.json.items[0].versions[0];
    assert.equal(core.version, 'v1');
    assert.deepEqual(core.resources.find((r: { resource: string }) => r.resource === 'configmaps').shortNames, ['cm']);
    const legacy = await call('GET', '/api', undefined, { accept: 'application/json' });
    assert.deepEqual(legacy.json.versions, ['v1']);
    const v1 = await call('GET', '/api/v1');
    assert.ok(
      v1.json.resources.some((r: { name: string; namespaced: boolean }) => r.name === 'namespaces' && !r.namespaced),
    );
    assert.equal((await call('GET', '/version')).json.major, '1');
    const root = await call('GET', '/openapi/v3');
    const url = root.json.paths['api/v1'].serverRelativeURL as string;
    assert.match(url, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]+$/);
    const doc = await call('GET', url);
    const patch = doc.json.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'].patch;
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.ok(patch.parameters.some((p: { name: string }) => p.name === 'fieldValidation'));
  });

  it('answers errors as Status with the API server’s codes and reasons', async () => {
    const nf = await call('GET', '/api/v1/namespaces/default/configmaps/none');
    assert.deepEqual(nf.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "none" not found',
      reason: 'NotFound',
      details: { name: 'none', group: '', kind: 'configmaps' },
      code: 404,
    });
    assert.equal((await call('GET', '/api/v1/frobs')).json.reason, 'NotFound');
    const invalid = await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'Bad' } });
    assert.equal(invalid.status, 422);
    assert.equal(invalid.json.details.causes[0].field, 'metadata.name');
    assert.equal(
      (await call('POST', '/api/v1/namespaces/default/configmaps', '{"metadata":')).json.reason,
      'BadRequest',
    );
    const strict = await call('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', {
      metadata: { name: 'a' },
      datta: {},
    });
    assert.equal(strict.status, 400);
    assert.match(strict.json.message, /unknown field "datta"/);
    const warned = await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'w' }, datta: {} });
    assert.equal(warned.status, 201);
    assert.equal(warned.warning, '299 - "unknown field \\"datta\\""');
    // Server-side apply: a manager is required; YAML is read; a changed field of another manager's is a 409.
    const applyPath = '/api/v1/namespaces/default/configmaps/y';
    const yaml = { 'content-type': 'application/apply-patch+yaml' };
    const anonymous = await call('PATCH', applyPath, '{}', yaml);
    assert.equal(anonymous.status, 422);
    assert.match(anonymous.json.message, /fieldManager: Required value: is required for apply patch/);
    const applied = await call(
      'PATCH',
      `${applyPath}?fieldManager=one`,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  k: "1"\n',
      yaml,
    );
    assert.equal(applied.status, 201);
    assert.deepEqual(
      applied.json.metadata.managedFields.map((m: { manager: string; operation: string }) => [m.manager, m.operation]),
      [['one', 'Apply']],
    );
    const conflict = await call(
      'PATCH',
      `${applyPath}?fieldManager=two`,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y' }, data: { k: '2' } },
      yaml,
    );
    assert.equal(conflict.status, 409);
    assert.equal(conflict.json.reason, 'Conflict');
    assert.deepEqual(conflict.json.details.causes, [
      { reason: 'FieldManagerConflict', message: 'conflict with "one"', field: '.data.k' },
    ]);
    const badYaml = await call('PATCH', `${applyPath}?fieldManager=one`, 'a: 1\na: 2\n', yaml);
    assert.equal(badYaml.status, 400);
    assert.match(badYaml.json.message, /error decoding YAML: Map keys must be unique/);
    const forced = await call(
      'PATCH',
      `/api/v1/namespaces/default/configmaps/w?force=true`,
      { data: {} },
      { 'content-type': 'application/merge-patch+json' },
    );
    assert.equal(forced.status, 422);
    assert.match(forced.json.message, /force: Forbidden: may not be specified for non-apply patch/);
    const huge = await call('POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'h' },
      data: { a: 'x'.repeat(4 * 1024 * 1024) },
    });
    assert.equal(huge.status, 413);
    assert.equal((await call('GET', '/api/v1/namespaces/default/configmaps', undefined, {})).json.items.length, 2);
    const other = await fetch(`${base.replace(/\/c$/, '/nope')}/api`);
    assert.equal(other.status, 404);
  });

  it('lists and gets as a Table for kubectl, with the kind’s columns', async () => {
    await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 't' }, data: { a: '1', b: '2' } });
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
    const t = await call('GET', '/api/v1/namespaces/default/configmaps', undefined, { accept });
    assert.equal(t.json.kind, 'Table');
    assert.deepEqual(
      t.json.columnDefinitions.map((c: { name: string }) => c.name),
      ['Name', 'Data', 'Age'],
    );
    const row = t.json.rows.find((r: { cells: unknown[] }) => r.cells[0] === 't');
    assert.deepEqual(row.cells.slice(0, 2), ['t', 2]);
    assert.equal(row.object.kind, 'PartialObjectMetadata');
    const ns = await call('GET', '/api/v1/namespaces/default', undefined, { accept });
    assert.deepEqual(ns.json.rows[0].cells.slice(0, 2), ['default', 'Active']);
    // A Job's status as the API server's printer words it: a suspended one says so.
    const job = (name: string, suspend: boolean) => ({
      metadata: { name },
      spec: {
        suspend,
        completions: 2,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'x' }] } },
      },
    });
    await call('POST', '/apis/batch/v1/namespaces/default/jobs', job('held', true));
    await call(
      'PATCH',
      '/apis/batch/v1/namespaces/default/jobs/held/status',
      { status: { conditions: [{ type: 'Suspended', status: 'True' }] } },
      { 'content-type': 'application/merge-patch+json' },
    );
    await call('POST', '/apis/batch/v1/namespaces/default/jobs', job('going', false));
    const jobs = await call('GET', '/apis/batch/v1/namespaces/default/jobs', undefined, { accept });
    assert.deepEqual(
      jobs.json.rows.map((r: { cells: unknown[] }) => r.cells.slice(0, 3)),
      [
        ['going', 'Running', '0/2'],
        ['held', 'Suspended', '0/2'],
      ],
    );
  });

  it('evicts a pod: 201 with a Status, the pod deleted; 404 for a pod that is not there', async () => {
    await call('POST', '/api/v1/namespaces/default/pods', {
      metadata: { name: 'evicted' },
      spec: { containers: [{ name: 'm', image: 'x' }] },
    });
    const e = await call('POST', '/api/v1/namespaces/default/pods/evicted/eviction', {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'evicted', namespace: 'default' },
    });
    assert.equal(e.status, 201);
    assert.deepEqual(e.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    assert.equal((await call('GET', '/api/v1/namespaces/default/pods/evicted')).status, 404);
    const missing = await call('POST', '/api/v1/namespaces/default/pods/evicted/eviction', {});
    assert.equal(missing.status, 404);
  });

  it('deletes a collection: what the selector picks, answered as the list deleted; not across namespaces', async () => {
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'dc' } });
    for (const [name, tier] of [
      ['a', 'x'],
      ['b', 'x'],
      ['c', 'y'],
    ])
      await call('POST', '/api/v1/namespaces/dc/configmaps', { metadata: { name, labels: { tier } } });
    const gone = await call('DELETE', '/api/v1/namespaces/dc/configmaps?labelSelector=tier%3Dx');
    assert.equal(gone.status, 200);
    assert.equal(gone.json.kind, 'ConfigMapList');
    assert.deepEqual(gone.json.items.map((o: { metadata: { name: string } }) => o.metadata.name).sort(), ['a', 'b']);
    const left = await call('GET', '/api/v1/namespaces/dc/configmaps');
    assert.deepEqual(
      left.json.items.map((o: { metadata: { name: string } }) => o.metadata.name),
      ['c'],
    );
    assert.equal((await call('DELETE', '/api/v1/configmaps')).status, 405);
    const bad = await call('DELETE', '/api/v1/namespaces/dc/configmaps?labelSelector=%3D%3D');
    assert.equal(bad.status, 400);
    assert.equal((await call('GET', '/api/v1/namespaces/dc/configmaps')).json.items.length, 1);
  });

  it('streams a watch as JSON lines (booleans as Go reads them), and says Expired for a revision too old', async () => {
    const rv = deps.store.revision();
    const res = await fetch(
      // `True`, as the Python client writes booleans (Go's ParseBool reads it).
      `${base}/api/v1/namespaces/default/configmaps?watch=True&resourceVersion=${rv}&allowWatchBookmarks=True`,
    );
    assert.equal(res.status, 200);
    await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'streamed' } });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('BOOKMARK') || !text.includes('ADDED'))
      text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const events = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: { metadata: { name?: string } } })
      .filter((e) => e.type !== 'BOOKMARK');
    assert.equal(events[0]?.type, 'ADDED');
    assert.equal(events[0]?.object.metadata.name, 'streamed');
    const old = await fetch(`${base}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=abc`);
    assert.equal(old.status, 400);
  });
});

describe('the Kubernetes API with --auth strict', () => {
  it('answers 401 to a caller with no credential, and lets RBAC decide for one with a token', async () => {
    const deps = await testKube();
    await ensureClusterKeys(deps, 'c');
    await ensureBootstrapRbac(deps, 'c');
    await createObject(
      deps,
      { cluster: 'c', kind: SERVICE_ACCOUNT, namespace: 'default' },
      { metadata: { name: 'bot' } },
    );
    await createObject(
      deps,
      { cluster: 'c', kind: ROLE_BINDING, namespace: 'default' },
      {
        metadata: { name: 'bot-view' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'ServiceAccount', name: 'bot', namespace: 'default' }],
      },
    );
    const token = (requestToken(deps, 'c', 'default', 'bot', {})['status'] as { token: string }).token;
    const app = Fastify();
    await app.register(kubeApiPlugin, { cluster: () => deps, strict: true, version: '0.0.0' });
    try {
      const call = (method: 'GET' | 'POST', url: string, auth?: string, body?: object) =>
        app.inject({
          method,
          url,
          headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), 'content-type': 'application/json' },
          ...(body ? { payload: JSON.stringify(body) } : {}),
        });
      const anonymous = await call('GET', '/k8s/c/api/v1/namespaces');
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.json().reason, 'Unauthorized');
      assert.equal((await call('GET', '/k8s/c/api/v1/namespaces/default/pods', token)).statusCode, 200);
      assert.equal((await call('GET', '/k8s/c/api', token)).statusCode, 200, 'discovery');
      const secrets = await call('GET', '/k8s/c/api/v1/namespaces/default/secrets', token);
      assert.equal(secrets.statusCode, 403);
      assert.deepEqual(secrets.json().details, { kind: 'secrets' }); // an empty group is left out, as the API server's omitempty does
      assert.equal(
        secrets.json().message,
        'secrets is forbidden: User "system:serviceaccount:default:bot" cannot list resource "secrets" in API group "" in the namespace "default"',
      );
      const review = await call('POST', '/k8s/c/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', token, {
        spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'configmaps' } },
      });
      assert.equal(review.statusCode, 201);
      assert.equal(review.json().status.allowed, false);
    } finally {
      await app.close();
    }
  });
});
