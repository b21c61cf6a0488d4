import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NAMESPACE } from './kinds.js';
import { createObject } from './objects.js';
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE, ROLE_BINDING } from './rbac-kinds.js';
import { authorize, forbiddenMessage, rulesFor, type Attributes } from './rbac.js';
import { ensureBootstrapRbac } from './rbac-bootstrap.js';
import type { UserInfo } from './service-account-auth.js';
import { testKube } from './test-kube.js';

const sa = (ns: string, name: string): UserInfo => ({
  username: `system:serviceaccount:${ns}:${name}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
});
const res = (verb: string, resource: string, extra: Partial<Extract<Attributes, { resource: string }>> = {}) =>
  ({ verb, apiGroup: '', resource, namespace: 'team', ...extra }) as Attributes;

describe('RBAC', () => {
  it('allows what a binding’s role’s rules cover, in its namespace or everywhere, and nothing else', async () => {
    const deps = await testKube();
    await ensureBootstrapRbac(deps, 'c');
    await createObject(deps, { cluster: 'c', kind: NAMESPACE }, { metadata: { name: 'team' } });
    const ref = (kind: string, name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });
    await createObject(
      deps,
      { cluster: 'c', kind: ROLE, namespace: 'team' },
      {
        metadata: { name: 'one-config' },
        rules: [
          { apiGroups: [''], resources: ['configmaps'], resourceNames: ['app'], verbs: ['get', 'update'] },
          { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        ],
      },
    );
    await createObject(
      deps,
      { cluster: 'c', kind: ROLE_BINDING, namespace: 'team' },
      {
        metadata: { name: 'bot-config' },
        roleRef: ref('Role', 'one-config'),
        subjects: [{ kind: 'ServiceAccount', name: 'bot' }],
      },
    );
    await createObject(
      deps,
      { cluster: 'c', kind: ROLE_BINDING, namespace: 'team' },
      {
        metadata: { name: 'bot-view' },
        roleRef: ref('ClusterRole', 'view'),
        subjects: [{ kind: 'ServiceAccount', name: 'bot', namespace: 'team' }],
      },
    );
    await createObject(
      deps,
      { cluster: 'c', kind: CLUSTER_ROLE },
      {
        metadata: { name: 'metrics' },
        rules: [{ nonResourceURLs: ['/metrics', '/debug/*'], verbs: ['get'] }],
      },
    );
    await createObject(
      deps,
      { cluster: 'c', kind: CLUSTER_ROLE_BINDING },
      {
        metadata: { name: 'ops-metrics' },
        roleRef: ref('ClusterRole', 'metrics'),
        subjects: [{ kind: 'Group', name: 'ops' }],
      },
    );
    const may = (user: UserInfo, a: Attributes) => deps.store.read((tx) => authorize(tx, 'c', user, a)).allowed;
    const bot = sa('team', 'bot');
    assert.equal(may(bot, res('list', 'pods')), true, 'view lists pods');
    assert.equal(may(bot, res('list', 'pods', { namespace: 'other' })), false, 'only in its namespace');
    assert.equal(may(bot, res('delete', 'pods', { name: 'p' })), false);
    assert.equal(may(bot, res('list', 'secrets')), false, 'view shows no secrets');
    assert.equal(may(bot, res('update', 'configmaps', { name: 'app' })), true, 'its named ConfigMap');
    assert.equal(may(bot, res('update', 'configmaps', { name: 'other' })), false);
    assert.equal(may(bot, res('get', 'pods', { name: 'p', subresource: 'log' })), true);
    assert.equal(may(bot, res('create', 'pods', { name: 'p', subresource: 'exec' })), false);
    assert.equal(may(sa('other', 'bot'), res('list', 'pods')), false, 'a namesake elsewhere is someone else');
    const ops: UserInfo = { username: 'alice', groups: ['ops', 'system:authenticated'] };
    assert.equal(may(ops, { verb: 'get', path: '/debug/pprof' }), true);
    assert.equal(may(ops, { verb: 'get', path: '/healthz' }), true, 'public info');
    assert.equal(may(ops, { verb: 'get', path: '/api/v1' }), true, 'discovery for the authenticated');
    assert.equal(may(ops, { verb: 'post', path: '/metrics' }), false);
    assert.equal(
      may({ username: 'root', groups: ['system:masters'] }, res('delete', 'nodes', { namespace: '' })),
      true,
    );
    assert.equal(
      forbiddenMessage(bot, res('list', 'secrets')),
      'secrets is forbidden: User "system:serviceaccount:team:bot" cannot list resource "secrets" in API group "" in the namespace "team"',
    );
    const rules = deps.store.read((tx) => rulesFor(tx, 'c', bot, 'team'));
    assert.ok(rules.some((r) => (r.resourceNames ?? []).includes('app')));
  });

  it('refuses rules and bindings the API server refuses', async () => {
    const deps = await testKube();
    await assert.rejects(
      createObject(
        deps,
        { cluster: 'c', kind: ROLE, namespace: 'default' },
        {
          metadata: { name: 'bad' },
          rules: [
            { verbs: ['get'], resources: ['pods'] },
            { verbs: ['get'], nonResourceURLs: ['/x'] },
          ],
        },
      ),
      /rules\[0\]\.apiGroups: Required value.*rules\[1\]\.nonResourceURLs: Invalid value.*namespaced rules cannot apply to non-resource URLs/,
    );
    await assert.rejects(
      createObject(
        deps,
        { cluster: 'c', kind: CLUSTER_ROLE_BINDING },
        {
          metadata: { name: 'bad' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'x' },
          subjects: [{ kind: 'ServiceAccount', name: 'bot' }],
        },
      ),
      /roleRef\.kind: Unsupported value: "Role".*subjects\[0\]\.namespace: Required value/,
    );
  });
});
