import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/index.js';
import type { WriteOptions } from './deps.js';
import { NAMESPACE } from './kinds.js';
import { createObject, updateObject } from './objects.js';
import { checkEscalation, uncovered } from './rbac-escalation.js';
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE, ROLE_BINDING } from './rbac-kinds.js';
import { ensureBootstrapRbac } from './rbac-bootstrap.js';
import type { UserInfo } from './service-account-auth.js';
import { testKube } from './test-kube.js';

const ref = (kind: string, name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });
// Not `*`: that would include `escalate` and `bind`, as it does in Kubernetes.
const WRITE = ['get', 'list', 'create', 'update', 'patch', 'delete'];
const dev: UserInfo = { username: 'dev', groups: ['devs', 'system:authenticated'] };

describe('RBAC escalation', () => {
  it('finds the parts of rules an owner does not hold, a star needing a star', () => {
    const held = [
      { apiGroups: [''], resources: ['configmaps', '*/status'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'], verbs: ['*'] },
      { nonResourceURLs: ['/metrics/*'], verbs: ['get'] },
    ];
    assert.deepEqual(uncovered(held, [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }]), []);
    assert.deepEqual(uncovered(held, [{ apiGroups: [''], resources: ['pods/status'], verbs: ['get'] }]), []);
    assert.deepEqual(
      uncovered(held, [{ apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'], verbs: ['delete'] }]),
      [],
    );
    assert.deepEqual(uncovered(held, [{ nonResourceURLs: ['/metrics/cpu'], verbs: ['get'] }]), []);
    assert.deepEqual(uncovered(held, [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }]), [
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
    ]);
    assert.deepEqual(uncovered(held, [{ apiGroups: [''], resources: ['configmaps'], verbs: ['*'] }]), [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['*'] },
    ]);
    assert.deepEqual(uncovered(held, [{ apiGroups: ['*'], resources: ['configmaps'], verbs: ['get'] }]), [
      { apiGroups: ['*'], resources: ['configmaps'], verbs: ['get'] },
    ]);
    assert.deepEqual(uncovered(held, [{ apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['get'] }]), [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
    ]);
  });

  it('lets a user write roles and bindings only with what it holds, or with escalate and bind', async () => {
    const deps = await testKube();
    await ensureBootstrapRbac(deps, 'c');
    await createObject(deps, { cluster: 'c', kind: NAMESPACE }, { metadata: { name: 'team' } });
    await createObject(
      deps,
      { cluster: 'c', kind: ROLE, namespace: 'team' },
      {
        metadata: { name: 'rbac-writer' },
        rules: [
          { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: WRITE },
          { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
        ],
      },
    );
    await createObject(
      deps,
      { cluster: 'c', kind: ROLE_BINDING, namespace: 'team' },
      { metadata: { name: 'devs' }, roleRef: ref('Role', 'rbac-writer'), subjects: [{ kind: 'Group', name: 'devs' }] },
    );
    const as = (user: UserInfo): WriteOptions => ({
      guard: (tx, kind, next, prev) => checkEscalation(tx, 'c', user, kind, next, prev),
    });
    const roles = { cluster: 'c', kind: ROLE, namespace: 'team' };
    const bindings = { cluster: 'c', kind: ROLE_BINDING, namespace: 'team' };
    const refused = async (p: Promise<unknown>, message: RegExp) => {
      const e = await p.then(
        () => undefined,
        (x: unknown) => x,
      );
      assert.ok(e instanceof BerthError, 'refused');
      assert.equal(e.kind, 'AccessDenied');
      assert.match(e.message, message);
    };

    // A role with what dev holds: allowed. One with more: refused with what is missing.
    await createObject(
      deps,
      roles,
      { metadata: { name: 'read-config' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
      as(dev),
    );
    await refused(
      createObject(
        deps,
        roles,
        { metadata: { name: 'secrets' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
        as(dev),
      ),
      /^roles\.rbac\.authorization\.k8s\.io "secrets" is forbidden: user "dev" \(groups=\["devs" "system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\["get"\]\}$/,
    );
    // Widening a role it may write, by update, is refused the same way; a dry run too.
    await refused(
      updateObject(
        deps,
        roles,
        'read-config',
        (o) => ({ ...o, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'delete'] }] }),
        as(dev),
      ),
      /Verbs:\["delete"\]/,
    );
    await refused(
      createObject(
        deps,
        { cluster: 'c', kind: CLUSTER_ROLE },
        { metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [] }, rules: [] },
        as({ ...dev, groups: [...dev.groups, 'x'] }),
      ),
      /is forbidden/,
    );
    // Binding: a role whose rules dev holds may be bound; the admin ClusterRole may not.
    await createObject(
      deps,
      bindings,
      { metadata: { name: 'b1' }, roleRef: ref('Role', 'read-config'), subjects: [{ kind: 'User', name: 'eve' }] },
      as(dev),
    );
    await refused(
      createObject(
        deps,
        bindings,
        { metadata: { name: 'b2' }, roleRef: ref('ClusterRole', 'admin'), subjects: [{ kind: 'User', name: 'dev' }] },
        as(dev),
      ),
      /^rolebindings\.rbac\.authorization\.k8s\.io "b2" is forbidden: user "dev" .* not currently held:\n/,
    );
    // A binding to a role that is not there: not found.
    const missing = await createObject(
      deps,
      bindings,
      { metadata: { name: 'b3' }, roleRef: ref('Role', 'nope'), subjects: [{ kind: 'User', name: 'dev' }] },
      as(dev),
    ).catch((e: unknown) => e);
    assert.ok(missing instanceof BerthError && missing.kind === 'NotFound', String(missing));

    // With `bind` on the admin ClusterRole and `escalate` on roles (granted by a master), both pass.
    await createObject(
      deps,
      { cluster: 'c', kind: CLUSTER_ROLE },
      {
        metadata: { name: 'granter' },
        rules: [
          {
            apiGroups: ['rbac.authorization.k8s.io'],
            resources: ['clusterroles'],
            resourceNames: ['admin'],
            verbs: ['bind'],
          },
          { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'] },
        ],
      },
      as({ username: 'root', groups: ['system:masters'] }),
    );
    await createObject(
      deps,
      { cluster: 'c', kind: CLUSTER_ROLE_BINDING },
      {
        metadata: { name: 'devs-granter' },
        roleRef: ref('ClusterRole', 'granter'),
        subjects: [{ kind: 'Group', name: 'devs' }],
      },
    );
    await createObject(
      deps,
      bindings,
      { metadata: { name: 'b2' }, roleRef: ref('ClusterRole', 'admin'), subjects: [{ kind: 'User', name: 'dev' }] },
      as(dev),
    );
    await createObject(
      deps,
      roles,
      { metadata: { name: 'secrets' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
      as(dev),
    );
    // A change of labels only leaves the rules as they were: not checked again.
    await updateObject(
      deps,
      roles,
      'rbac-writer',
      (o) => ({ ...o, metadata: { ...(o['metadata'] as object), labels: { a: 'b' } } }),
      as({ username: 'nobody', groups: ['system:authenticated'] }),
    );
  });
});
