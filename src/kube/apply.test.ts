import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/index.js';
import { DEPLOYMENT } from './apps-kinds.js';
import { applyObject } from './apply.js';
import { fieldSetOf, fromFieldsV1, pathString, toFieldsV1 } from './field-set.js';
import { CONFIG_MAP } from './kinds.js';
import { metaOf, type KubeObject } from './object.js';
import { createObject, getObject, updateObject } from './objects.js';
import { mergeKeysOf } from './patch.js';
import { testKube } from './test-kube.js';

const managed = (o: KubeObject) =>
  (o['metadata'] as { managedFields?: { manager: string; operation: string; fieldsV1: unknown }[] }).managedFields ??
  [];

const deployment = (replicas: number | undefined, image = 'busybox', extra: Record<string, unknown>[] = []) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    ...(replicas !== undefined ? { replicas } : {}),
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'main', image }, ...extra] },
    },
  },
});

const LAST = 'kubectl.kubernetes.io/last-applied-configuration';

const conflictOf = (e: unknown) => {
  assert.ok(e instanceof BerthError && e.kind === 'Conflict', String(e));
  return e;
};

describe('field sets', () => {
  it('tracks leaves and keyed elements, and reads its FieldsV1 back as written', () => {
    const set = fieldSetOf(deployment(2), mergeKeysOf(DEPLOYMENT), false);
    const v1 = toFieldsV1(set);
    assert.deepEqual(v1, {
      'f:spec': {
        'f:replicas': {},
        'f:selector': { 'f:matchLabels': { 'f:app': {} } },
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': { 'f:containers': { 'k:{"name":"main"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
        },
      },
    });
    assert.deepEqual([...(fromFieldsV1(v1)?.keys() ?? [])].sort(), [...set.keys()].sort());
    assert.equal(
      pathString(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"main"}', 'f:image']),
      '.spec.template.spec.containers[name="main"].image',
    );
  });

  it('refuses FieldsV1 that is not one: unknown elements, values, depth', () => {
    assert.equal(fromFieldsV1({ 'x:y': {} }), undefined);
    assert.equal(fromFieldsV1({ 'f:a': 1 }), undefined);
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) deep = { 'f:a': deep };
    assert.equal(fromFieldsV1(deep), undefined);
    assert.equal(fromFieldsV1({ 'f:__proto__': { '.': {}, 'f:x': {} } })?.size, 2);
  });
});

describe('server-side apply', () => {
  const scope = { cluster: 'c', kind: DEPLOYMENT, namespace: 'default' };
  const apply = (deps: Awaited<ReturnType<typeof testKube>>, config: unknown, manager: string, force = false) =>
    applyObject(deps, scope, 'web', config, { manager, force });

  it('creates, records the applier, and re-applies without a new revision when nothing changed', async () => {
    const deps = await testKube();
    const first = await apply(deps, deployment(2), 'ci');
    assert.equal(first.created, true);
    const [entry] = managed(first.object);
    assert.equal(entry?.manager, 'ci');
    assert.equal(entry?.operation, 'Apply');
    const again = await apply(deps, deployment(2), 'ci');
    assert.equal(again.created, false);
    assert.equal(metaOf(again.object).resourceVersion, metaOf(first.object).resourceVersion);
  });

  it('refuses to change a field another manager owns, naming it and the manager; forced, takes it over', async () => {
    const deps = await testKube();
    await createObject(deps, scope, deployment(1), { manager: { manager: 'kubectl-create' } });
    await assert.rejects(apply(deps, deployment(3), 'kubectl'), (e: unknown) => {
      const c = conflictOf(e);
      assert.equal(
        c.message,
        'Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.replicas',
      );
      assert.deepEqual(c.detail.causes, [
        {
          reason: 'FieldManagerConflict',
          message: 'conflict with "kubectl-create" using apps/v1',
          field: '.spec.replicas',
        },
      ]);
      return true;
    });
    assert.equal((getObject(deps, scope, 'web')['spec'] as { replicas: number }).replicas, 1);
    // The same values are shared, not conflicts.
    await apply(deps, deployment(undefined), 'kubectl');
    const forced = await apply(deps, deployment(3, 'nginx'), 'kubectl', true);
    assert.equal((forced.object['spec'] as { replicas: number }).replicas, 3);
    const creator = managed(forced.object).find((m) => m.manager === 'kubectl-create');
    assert.ok(creator);
    const owned = fromFieldsV1(creator.fieldsV1);
    assert.ok(owned && ![...owned.values()].some((p) => pathString(p) === '.spec.replicas'));
  });

  it('lists every conflict of several managers, sorted by manager', async () => {
    const deps = await testKube();
    await apply(deps, deployment(1), 'a');
    await apply(deps, deployment(undefined, 'one'), 'b', true);
    await assert.rejects(apply(deps, deployment(5, 'two'), 'c'), (e: unknown) => {
      assert.equal(
        conflictOf(e).message,
        'Apply failed with 2 conflicts: conflicts with "a":\n- .spec.replicas\nconflicts with "b":\n- .spec.template.spec.containers[name="main"].image',
      );
      return true;
    });
  });

  it('removes what the manager applied before and no longer does, unless another manager holds it', async () => {
    const deps = await testKube();
    const side = [{ name: 'side', image: 'busybox' }];
    await apply(deps, deployment(2, 'busybox', side), 'a');
    await apply(deps, deployment(2, 'busybox', side), 'b');
    // b gives up "side" and replicas, a still holds both: they stay.
    let o = (await apply(deps, deployment(undefined), 'b')).object;
    assert.equal((o['spec'] as { template: { spec: { containers: unknown[] } } }).template.spec.containers.length, 2);
    // a gives them up too: both go.
    o = (await apply(deps, deployment(undefined), 'a')).object;
    const spec = o['spec'] as { replicas?: number; template: { spec: { containers: { name: string }[] } } };
    assert.deepEqual(
      spec.template.spec.containers.map((c) => c.name),
      ['main'],
    );
  });

  it('tracks Updates: a change takes the field from the applier, which then conflicts with the updater', async () => {
    const deps = await testKube();
    await apply(deps, deployment(2), 'ci');
    await updateObject(deps, scope, 'web', (o) => ({ ...o, spec: { ...(o['spec'] as object), replicas: 4 } }), {
      manager: { manager: 'kubectl', subresource: 'scale' },
    });
    await assert.rejects(apply(deps, deployment(2), 'ci'), (e: unknown) => {
      assert.equal(
        conflictOf(e).message,
        'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas',
      );
      return true;
    });
  });

  it('records a write of the status subresource as its own entry of the status alone', async () => {
    const deps = await testKube();
    await apply(deps, deployment(2), 'ci');
    await updateObject(
      deps,
      scope,
      'web',
      (o) => ({ ...o, status: { replicas: 2, readyReplicas: 1 }, spec: { ...(o['spec'] as object), paused: true } }),
      { manager: { manager: 'kubectl-patch', subresource: 'status' }, statusOnly: true },
    );
    const entries = managed(getObject(deps, scope, 'web')) as {
      manager: string;
      operation: string;
      subresource?: string;
      fieldsV1: unknown;
    }[];
    const status = entries.find((m) => m.manager === 'kubectl-patch');
    assert.deepEqual(
      { ...status, time: undefined },
      {
        manager: 'kubectl-patch',
        operation: 'Update',
        apiVersion: 'apps/v1',
        subresource: 'status',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:status': { 'f:readyReplicas': {}, 'f:replicas': {} } },
        time: undefined,
      },
    );
    assert.equal(entries.find((m) => m.manager === 'ci')?.operation, 'Apply', 'the applier keeps its fields');
  });

  it('moves from client-side apply without conflicts for kubectl, keeping its annotation in step', async () => {
    const deps = await testKube();
    const last = JSON.stringify(deployment(1));
    const withLast = { ...deployment(1), metadata: { name: 'web', annotations: { [LAST]: last } } };
    await createObject(deps, scope, withLast, { manager: { manager: 'kubectl-client-side-apply' } });
    await assert.rejects(apply(deps, deployment(2), 'someone'), (e: unknown) => conflictOf(e) !== undefined);
    const o = (await apply(deps, deployment(2), 'kubectl')).object;
    assert.equal((o['spec'] as { replicas: number }).replicas, 2);
    const annotation = (metaOf(o).annotations ?? {})[LAST] ?? '';
    assert.equal((JSON.parse(annotation) as { spec: { replicas: number } }).spec.replicas, 2);
  });

  it('keeps well-formed managedFields a client writes, clears them on [{}], and ignores malformed ones', async () => {
    const deps = await testKube();
    const cm = { cluster: 'c', kind: CONFIG_MAP, namespace: 'default' };
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: '1' } };
    await createObject(deps, cm, body, { manager: { manager: 'kubectl-create' } });
    const o = getObject(deps, cm, 'x');
    assert.deepEqual(
      managed(o).map((m) => [m.manager, m.fieldsV1]),
      [['kubectl-create', { 'f:data': { 'f:a': {} } }]],
    );
    await updateObject(deps, cm, 'x', (c) => ({ ...c, metadata: { ...metaOf(c), managedFields: [{ manager: 1 }] } }));
    assert.equal(managed(getObject(deps, cm, 'x'))[0]?.manager, 'kubectl-create');
    await updateObject(deps, cm, 'x', (c) => ({ ...c, metadata: { ...metaOf(c), managedFields: [{}] } }));
    assert.deepEqual(managed(getObject(deps, cm, 'x')), []);
  });

  it('refuses a configuration saying managedFields, another name, or no kind', async () => {
    const deps = await testKube();
    const bad = async (config: unknown, re: RegExp) =>
      assert.rejects(apply(deps, config, 'x'), (e: unknown) => e instanceof BerthError && re.test(e.message));
    await bad({ ...deployment(1), metadata: { name: 'web', managedFields: [] } }, /metadata.managedFields must be nil/);
    await bad({ ...deployment(1), metadata: { name: 'other' } }, /does not match the name on the URL/);
    await bad({ apiVersion: 'apps/v1', metadata: { name: 'web' } }, /'Kind' is missing/);
  });
});
