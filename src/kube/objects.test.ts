import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/index.js';
import { deleteObject } from './delete.js';
import { CONFIG_MAP, NAMESPACE, SECRET } from './kinds.js';
import { listObjects } from './list.js';
import { finishNamespace } from './namespaces.js';
import { metaOf } from './object.js';
import { createObject, getObject, updateObject } from './objects.js';
import { testKube } from './test-kube.js';

const kindOf = (kind: string) => (e: unknown) => e instanceof BerthError && e.kind === kind;
const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

describe('Kubernetes objects', () => {
  const scope = { cluster: 'c', kind: CONFIG_MAP, namespace: 'default' };

  it('creates with the server’s fields set, reads back with its resourceVersion, refuses a second', async () => {
    const deps = await testKube();
    const { object } = await createObject(deps, scope, {
      ...cm('app', { a: '1' }),
      metadata: { name: 'app', uid: 'mine', resourceVersion: '99' },
    });
    const meta = metaOf(object);
    assert.match(meta.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(meta.namespace, 'default');
    assert.equal(meta.creationTimestamp, '2026-01-01T00:00:00Z');
    assert.equal(meta.resourceVersion, String(deps.store.revision()));
    assert.deepEqual(getObject(deps, scope, 'app'), object);
    await assert.rejects(
      createObject(deps, scope, cm('app')),
      (e: unknown) => kindOf('AlreadyExists')(e) && /configmaps "app" already exists/.test((e as Error).message),
    );
    const gen = await createObject(deps, scope, { kind: 'ConfigMap', metadata: { generateName: 'job-' } });
    assert.match(metaOf(gen.object).name ?? '', /^job-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('refuses a bad name, a namespace that is not there, and a body of another kind, writing nothing', async () => {
    const deps = await testKube();
    const before = deps.store.revision();
    await assert.rejects(
      createObject(deps, scope, cm('Bad_Name')),
      (e: unknown) =>
        kindOf('InvalidParameter')(e) && /ConfigMap "Bad_Name" is invalid: metadata.name/.test((e as Error).message),
    );
    await assert.rejects(createObject(deps, { ...scope, namespace: 'nope' }, cm('a')), /namespaces "nope" not found/);
    await assert.rejects(
      createObject(deps, scope, { apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'x' } }),
      /does not match the expected API version/,
    );
    await assert.rejects(
      createObject(deps, scope, { ...cm('x'), data: { 'bad key': 'v' } }),
      /data\[bad key\]: Invalid value/,
    );
    await assert.rejects(
      createObject(deps, scope, { ...cm('x'), data: 'not a map' }),
      /ConfigMap "x" is invalid: data/,
    );
    assert.equal(deps.store.revision(), before);
  });

  it('unknown fields: refused when strict, dropped with a warning by default, dropped when ignored', async () => {
    const deps = await testKube();
    const body = () => ({ ...cm('u', { a: '1' }), datta: { b: '2' }, metadata: { name: 'u', labelz: {} } });
    await assert.rejects(
      createObject(deps, scope, body(), { fieldValidation: 'Strict' }),
      (e: unknown) =>
        e instanceof BerthError &&
        e.detail.reason === 'malformed' &&
        /strict decoding error: unknown field "metadata.labelz", unknown field "datta"|strict decoding error: unknown field "datta", unknown field "metadata.labelz"/.test(
          e.message,
        ),
    );
    const warned = await createObject(deps, scope, body());
    assert.deepEqual(warned.warnings.sort(), ['unknown field "datta"', 'unknown field "metadata.labelz"']);
    assert.equal(warned.object['datta'], undefined);
    const ignored = await createObject(
      deps,
      scope,
      { ...body(), metadata: { name: 'v' } },
      { fieldValidation: 'Ignore' },
    );
    assert.deepEqual(ignored.warnings, []);
  });

  it('a dry run checks everything and stores nothing', async () => {
    const deps = await testKube();
    const before = deps.store.revision();
    const { object } = await createObject(deps, scope, cm('dry'), { dryRun: true });
    assert.equal(metaOf(object).name, 'dry');
    assert.equal(deps.store.revision(), before);
    await assert.rejects(createObject(deps, scope, cm('Dry'), { dryRun: true }), kindOf('InvalidParameter'));
  });

  it('updates: a stale resourceVersion conflicts, an unchanged object is not written, immutable data stays', async () => {
    const deps = await testKube();
    const { object } = await createObject(deps, scope, { ...cm('imm', { a: '1' }), immutable: true });
    const rv = metaOf(object).resourceVersion;
    const same = await updateObject(deps, scope, 'imm', (cur) => cur);
    assert.equal(metaOf(same.object).resourceVersion, rv);
    await assert.rejects(
      updateObject(deps, scope, 'imm', (cur) => ({ ...cur, data: { a: '2' } })),
      /data: Forbidden: field is immutable when `immutable` is set/,
    );
    const { object: m } = await createObject(deps, scope, cm('mut', { a: '1' }));
    await updateObject(deps, scope, 'mut', (cur) => ({ ...cur, data: { a: '2' } }));
    await assert.rejects(
      updateObject(deps, scope, 'mut', () => ({ ...m, data: { a: '3' } })),
      (e: unknown) => kindOf('Conflict')(e) && /the object has been modified/.test((e as Error).message),
    );
    await assert.rejects(
      updateObject(deps, scope, 'mut', (cur) => ({ ...cur, metadata: { ...metaOf(cur), name: 'other' } })),
      /does not match the name on the URL/,
    );
    await assert.rejects(
      updateObject(deps, scope, 'gone', (cur) => cur),
      kindOf('NotFound'),
    );
  });

  it('a Secret’s stringData is folded into data and never stored; its type defaults to Opaque', async () => {
    const deps = await testKube();
    const s = { cluster: 'c', kind: SECRET, namespace: 'default' };
    const { object } = await createObject(deps, s, {
      kind: 'Secret',
      metadata: { name: 's' },
      stringData: { user: 'admin' },
    });
    assert.deepEqual(object['data'], { user: Buffer.from('admin').toString('base64') });
    assert.equal(object['stringData'], undefined);
    assert.equal(object['type'], 'Opaque');
    await assert.rejects(
      createObject(deps, s, { kind: 'Secret', metadata: { name: 't' }, data: { k: 'not base64!' } }),
      /illegal base64 data/,
    );
  });

  it('lists by label and field selectors, a page at a time', async () => {
    const deps = await testKube();
    for (let i = 0; i < 5; i++) await createObject(deps, scope, cm(`c${i}`, {}, { app: i % 2 ? 'odd' : 'even' }));
    assert.deepEqual(
      listObjects(deps, scope, { labelSelector: 'app=odd' }).items.map((o) => metaOf(o).name),
      ['c1', 'c3'],
    );
    assert.deepEqual(
      listObjects(deps, scope, { fieldSelector: 'metadata.name=c4' }).items.map((o) => metaOf(o).name),
      ['c4'],
    );
    const first = listObjects(deps, scope, { limit: 2 });
    assert.deepEqual(
      first.items.map((o) => metaOf(o).name),
      ['c0', 'c1'],
    );
    assert.equal(first.remainingItemCount, 3);
    const second = listObjects(deps, scope, { limit: 2, continue: first.continue as string });
    assert.deepEqual(
      second.items.map((o) => metaOf(o).name),
      ['c2', 'c3'],
    );
    const last = listObjects(deps, scope, { limit: 2, continue: second.continue as string });
    assert.deepEqual(
      last.items.map((o) => metaOf(o).name),
      ['c4'],
    );
    assert.equal(last.continue, undefined);
    assert.throws(() => listObjects(deps, scope, { continue: 'garbage' }), /continue key is not valid/);
    const all = listObjects(deps, { cluster: 'c', kind: CONFIG_MAP });
    assert.equal(all.items.length, 5);
  });

  it('deletes: preconditions, finalizers hold an object until the last goes, system namespaces stay', async () => {
    const deps = await testKube();
    await createObject(deps, scope, { ...cm('fin'), metadata: { name: 'fin', finalizers: ['example.com/hold'] } });
    await assert.rejects(
      deleteObject(deps, scope, 'fin', { preconditions: { uid: 'other' } }),
      /Precondition failed: UID in precondition: other/,
    );
    const held = await deleteObject(deps, scope, 'fin');
    assert.equal(held.gone, false);
    assert.ok(metaOf(getObject(deps, scope, 'fin')).deletionTimestamp);
    await updateObject(deps, scope, 'fin', (cur) => ({ ...cur, metadata: { ...metaOf(cur), finalizers: [] } }));
    assert.throws(() => getObject(deps, scope, 'fin'), kindOf('NotFound'));
    await createObject(deps, scope, cm('plain'));
    assert.equal((await deleteObject(deps, scope, 'plain')).gone, true);
    await assert.rejects(deleteObject(deps, scope, 'plain'), /configmaps "plain" not found/);
    await assert.rejects(
      deleteObject(deps, { cluster: 'c', kind: NAMESPACE }, 'default'),
      /this namespace may not be deleted/,
    );
  });

  it('a deleted namespace is Terminating, refuses new content, and goes with everything in it', async () => {
    const deps = await testKube();
    const nsScope = { cluster: 'c', kind: NAMESPACE };
    await createObject(deps, nsScope, { kind: 'Namespace', metadata: { name: 'team' } });
    const inTeam = { cluster: 'c', kind: CONFIG_MAP, namespace: 'team' };
    for (let i = 0; i < 120; i++) await createObject(deps, inTeam, cm(`c${i}`));
    await createObject(deps, { ...inTeam, kind: SECRET }, { kind: 'Secret', metadata: { name: 's' } });
    const d = await deleteObject(deps, nsScope, 'team');
    assert.equal(d.gone, false);
    assert.equal((getObject(deps, nsScope, 'team')['status'] as { phase: string }).phase, 'Terminating');
    await assert.rejects(
      createObject(deps, inTeam, cm('late')),
      (e: unknown) => kindOf('AccessDenied')(e) && /because it is being terminated/.test((e as Error).message),
    );
    await finishNamespace(deps, 'c', 'team');
    assert.throws(() => getObject(deps, nsScope, 'team'), kindOf('NotFound'));
    assert.equal(listObjects(deps, inTeam).items.length, 0);
    assert.equal(listObjects(deps, { ...inTeam, kind: SECRET }).items.length, 0);
    assert.equal(listObjects(deps, scope).items.length, 0);
  });
});
