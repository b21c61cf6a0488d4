import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { Logger } from '../kernel/index.js';
import { kubeObjects, objectKey, type KubeObject } from './object.js';
import { deleteObject } from './delete.js';
import { createObject, updateObject } from './objects.js';
import { startRbacAggregationController } from './rbac-aggregation.js';
import { ensureBootstrapRbac } from './rbac-bootstrap.js';
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, type PolicyRule } from './rbac-kinds.js';
import { authorize } from './rbac.js';
import { testKube } from './test-kube.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;
const crds = { apiGroups: ['stable.example.com'], resources: ['crontabs'], verbs: ['get', 'list', 'watch'] };

describe('cluster role aggregation', () => {
  it('makes view, edit and admin the union of the roles labelled for them, following changes', async () => {
    const deps = await testKube();
    await ensureBootstrapRbac(deps, 'c');
    const role = (name: string) =>
      deps.store.read((tx) => tx.get(kubeObjects, objectKey({ cluster: 'c', kind: CLUSTER_ROLE }, name)))?.value
        .object as KubeObject;
    const rules = (name: string) => (role(name)['rules'] ?? []) as PolicyRule[];
    const holds = (name: string, r: PolicyRule) => rules(name).some((x) => JSON.stringify(x) === JSON.stringify(r));
    // From the start: view's reads are in edit and admin; edit's writes in admin, not in view.
    const viewRead = rules('system:aggregate-to-view')[0] as PolicyRule;
    const editWrite = rules('system:aggregate-to-edit')[0] as PolicyRule;
    assert.ok(holds('view', viewRead) && holds('edit', viewRead) && holds('admin', viewRead));
    assert.ok(holds('edit', editWrite) && holds('admin', editWrite) && !holds('view', editWrite));
    const adminOnly = rules('system:aggregate-to-admin')[0] as PolicyRule;
    assert.ok(holds('admin', adminOnly) && !holds('edit', adminOnly) && !holds('view', adminOnly));

    const c = startRbacAggregationController(deps, 'c', quiet);
    try {
      const scope = { cluster: 'c', kind: CLUSTER_ROLE };
      await createObject(deps, scope, {
        metadata: { name: 'crontab-viewer', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
        rules: [crds],
      });
      const until = async (what: string, f: () => boolean) => {
        for (let i = 0; i < 300 && !f(); i++) await sleep(10);
        assert.ok(f(), `never: ${what}`);
      };
      await until('in view, edit and admin', () => holds('view', crds) && holds('edit', crds) && holds('admin', crds));
      const user = { username: 'u', groups: ['system:authenticated'] };
      const a = { verb: 'list', apiGroup: 'stable.example.com', resource: 'crontabs', namespace: 'x' };
      await createObject(
        deps,
        { cluster: 'c', kind: CLUSTER_ROLE_BINDING },
        {
          metadata: { name: 'u-view' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
          subjects: [{ kind: 'User', name: 'u' }],
        },
      );
      assert.equal(deps.store.read((tx) => authorize(tx, 'c', user, a)).allowed, true);
      // A rule written into an aggregated role by hand is taken back; the labelled role's removal too.
      await updateObject(deps, scope, 'view', (o) => ({
        ...o,
        rules: [...((o['rules'] ?? []) as PolicyRule[]), { apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
      }));
      await until('hand rule gone', () => !rules('view').some((r) => r.resources?.includes('secrets')));
      await deleteObject(deps, scope, 'crontab-viewer');
      await until('gone from all three', () => !holds('view', crds) && !holds('edit', crds) && !holds('admin', crds));
      assert.equal(deps.store.read((tx) => authorize(tx, 'c', user, a)).allowed, false);
    } finally {
      c.stop();
    }
  });

  it('brings an older default role marked autoupdate up to date at the start, leaving one not marked', async () => {
    const deps = await testKube();
    const scope = { cluster: 'c', kind: CLUSTER_ROLE };
    const auto = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };
    await createObject(deps, scope, {
      metadata: { name: 'view', annotations: auto },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
    });
    await createObject(deps, scope, {
      metadata: { name: 'edit', annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
    });
    await ensureBootstrapRbac(deps, 'c');
    const get = (name: string) =>
      deps.store.read((tx) => tx.get(kubeObjects, objectKey(scope, name)))?.value.object as KubeObject;
    assert.ok(get('view')['aggregationRule'], 'view aggregates now');
    assert.ok(((get('view')['rules'] ?? []) as PolicyRule[]).some((r) => r.resources?.includes('deployments')));
    assert.equal(get('edit')['aggregationRule'], undefined, 'a role not marked autoupdate is the user’s');
    assert.deepEqual(get('edit')['rules'], [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]);
  });
});
